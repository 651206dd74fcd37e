package io.lathe.auth;

import io.lathe.auth.internal.LoginThrottle;
import io.lathe.auth.internal.PasswordHasher;
import io.lathe.auth.internal.SecureFiles;
import io.lathe.auth.internal.SessionStore;
import io.lathe.auth.internal.TokenStore;
import io.lathe.auth.internal.UserStore;
import io.lathe.auth.internal.UserStore.UserRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Lathe's access control, without any HTTP framework: the one object the server creates (or the CLI, on the same
 * data folder) and the HTTP layer calls. Files: {@code <data-dir>/auth/users.json}, {@code auth/tokens.json},
 * {@code auth/initial-admin-password} (all owner-only) and {@code <data-dir>/audit.jsonl}. Sessions and brute-force
 * counters live in memory. Thread-safe.
 *
 * <p>Per request the HTTP layer: (1) takes the principal from a bearer token ({@link #authenticateToken}) or the
 * session cookie ({@link #session}); (2) for a cookie-authenticated state-changing request, checks {@link
 * Session#csrfMatches}; (3) asks {@link Authorizer#check} for the route's {@link Permission} and site, answering
 * {@link Decision#httpStatus()} when not allowed.
 */
public final class AccessControl implements AutoCloseable {
    /** Environment variable whose value becomes the first admin's password instead of a generated one. */
    public static final String ADMIN_PASSWORD_ENV = "LATHE_ADMIN_PASSWORD";
    /** The first administrator's user name. */
    public static final String INITIAL_ADMIN = "admin";

    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);

    private final AuthSettings settings;
    private final InstantSource clock;
    private final Path initialPasswordFile;
    private final PasswordHasher hasher = new PasswordHasher();
    private final SessionStore sessions;
    private final LoginThrottle throttle;
    private final UserAdmin users;
    private final TokenAdmin tokens;
    private final AuditLog audit;
    private final OidcClient oidc;
    private final LongAdder logins = new LongAdder();
    private final LongAdder loginFailures = new LongAdder();
    private final LongAdder lockedAttempts = new LongAdder();
    private final LongAdder tokenRejections = new LongAdder();

    private AccessControl(Path dataDir, AuthSettings settings, InstantSource clock) {
        this.settings = settings;
        this.clock = clock;
        Path authDir = dataDir.resolve("auth");
        SecureFiles.ensureDirectory(authDir);
        this.initialPasswordFile = authDir.resolve("initial-admin-password");
        this.sessions = new SessionStore(clock, settings.sessionIdleTimeout(), settings.sessionAbsoluteTimeout(), settings.maxSessions());
        this.throttle = new LoginThrottle(clock, settings.lockoutFailures(), settings.lockoutFirst(), settings.lockoutMax(), settings.lockoutForgetAfter(), 10_000);
        this.audit = AuditLog.open(dataDir.resolve("audit.jsonl"), clock);
        UserStore userStore = new UserStore(authDir.resolve("users.json"), name -> {
            int ended = sessions.removeUser(name);
            if (ended > 0) LOG.info("Sessions ended [user={}, sessions={}]: the user was changed outside this server (lathe user …).", name, ended);
        });
        this.users = new UserAdmin(userStore, hasher, sessions, audit, clock, initialPasswordFile);
        this.tokens = new TokenAdmin(new TokenStore(authDir.resolve("tokens.json")), audit, clock, settings.tokenLastUsedResolution());
        this.oidc = settings.oidc() == null ? null : new OidcClient(settings.oidc(), clock);
    }

    /**
     * Opens access control on a data folder, creating {@code auth/} (owner-only) when missing.
     *
     * @throws AuthException {@link AuthError#STORE} when a file cannot be read or parsed (it is left untouched)
     */
    public static AccessControl open(Path dataDir, AuthSettings settings, InstantSource clock) {
        return new AccessControl(dataDir, settings, clock);
    }

    public UserAdmin users() {
        return users;
    }

    public TokenAdmin tokens() {
        return tokens;
    }

    public AuditLog audit() {
        return audit;
    }

    /** Single sign-on, when configured. */
    public Optional<OidcClient> oidc() {
        return Optional.ofNullable(oidc);
    }

    public AuthSettings settings() {
        return settings;
    }

    /**
     * First start: when no user exists, creates {@code admin} (admin on every site) with {@code
     * passwordFromEnvironment} or, when that is null or blank, a generated one-time password that is also written
     * to {@code <data-dir>/auth/initial-admin-password} (600) and must be changed at the first login. On later
     * starts, while that one-time password is unchanged, returns it again so the start-up block can repeat it.
     *
     * @param passwordFromEnvironment the value of {@value #ADMIN_PASSWORD_ENV}, or null
     * @return what to print in the start-up block, or empty when users exist and nothing is pending
     * @throws AuthException {@link AuthError#PASSWORD_POLICY} when the environment's password is too short
     */
    public Optional<InitialAdmin> bootstrap(String passwordFromEnvironment) {
        if (!users.isEmpty()) {
            UserRecord admin = users.record(INITIAL_ADMIN);
            if (admin == null || !admin.mustChangePassword() || !Files.exists(initialPasswordFile)) return Optional.empty();
            try {
                String pw = Files.readString(initialPasswordFile, StandardCharsets.UTF_8).strip();
                return Optional.of(new InitialAdmin(INITIAL_ADMIN, pw, initialPasswordFile, true, false));
            } catch (IOException e) {
                throw new AuthException(AuthError.STORE, "Cannot read [path=" + initialPasswordFile + "]: " + e.getMessage() + ".", e);
            }
        }
        boolean generated = passwordFromEnvironment == null || passwordFromEnvironment.isBlank();
        String password = generated ? UserAdmin.generatePassword() : passwordFromEnvironment;
        if (!generated) {
            try {
                PasswordHasher.checkPolicy(INITIAL_ADMIN, password);
            } catch (AuthException e) {
                throw new AuthException(AuthError.PASSWORD_POLICY, "Environment variable " + ADMIN_PASSWORD_ENV + " refused: " + e.getMessage()
                        + " Or unset it to have Lathe generate a one-time password.");
            }
        }
        if (generated) SecureFiles.writeAtomically(initialPasswordFile, (password + "\n").getBytes(StandardCharsets.UTF_8));
        // A password from the environment was chosen by whoever deploys Lathe (often automation): no forced change.
        users.add(Actor.system(), INITIAL_ADMIN, password, Map.of(RoleGrants.ALL_SITES, Role.ADMIN), generated);
        return Optional.of(new InitialAdmin(INITIAL_ADMIN, password, generated ? initialPasswordFile : null, generated, true));
    }

    /**
     * Password login. Checks the brute-force locks first (a locked attempt does not check the password), then the
     * password in constant time whether the user exists or not. Audits successes and failures (not attempts
     * refused while locked, so an attacker cannot flood the audit log; those are counted).
     *
     * @param remoteAddress the client's address (behind a trusted proxy, the forwarded one)
     */
    public LoginResult login(String user, String password, String remoteAddress) {
        LoginThrottle.Lock lock = throttle.check(user, remoteAddress);
        if (lock != null) {
            lockedAttempts.increment();
            return locked(lock);
        }
        UserRecord r = user == null ? null : users.record(user);
        boolean ok = hasher.verify(password, r == null ? null : r.passwordHash());
        Actor actor = new Actor(r == null ? "anonymous" : "user:" + user, remoteAddress);
        if (!ok) {
            loginFailures.increment();
            LoginThrottle.Lock started = throttle.failure(user, remoteAddress);
            Map<String, String> details = new LinkedHashMap<>();
            details.put("reason", r == null ? "unknown user" : "wrong password");
            if (started != null) details.put("lockedFor", started.retryAfter() + " (" + started.reason() + ")");
            audit.record(actor, AuditKind.LOGIN_FAILED, clip(user), AuditEvent.Outcome.FAILURE, details);
            return started != null ? locked(started) : new LoginResult.Failure(LoginResult.Reason.BAD_CREDENTIALS, Duration.ZERO, "Wrong user name or password.");
        }
        throttle.success(user);
        logins.increment();
        Session s = sessions.create(UserAdmin.info(r).principal(), remoteAddress);
        audit.record(actor, AuditKind.LOGIN, user, AuditEvent.Outcome.SUCCESS, r.mustChangePassword() ? Map.of("mustChangePassword", "true") : Map.of());
        return new LoginResult.Success(s);
    }

    /** Starts a single sign-on login: redirect the browser to the returned provider URL. */
    public URI beginOidcLogin() {
        return requireOidc().begin();
    }

    /**
     * Finishes a single sign-on login from the provider's callback URL; audits the outcome.
     *
     * @return a session for the person, or a failure with reason {@link LoginResult.Reason#SSO_FAILED} and a message
     * that says what went wrong (logged, never containing a secret)
     */
    public LoginResult completeOidcLogin(URI callback, String remoteAddress) {
        OidcClient client = requireOidc();
        try {
            Principal.User user = client.complete(callback);
            logins.increment();
            Session s = sessions.create(user, remoteAddress);
            audit.record(Actor.of(user, remoteAddress), AuditKind.LOGIN, user.name(), AuditEvent.Outcome.SUCCESS,
                    Map.of("method", "oidc", "roles", RoleGrants.format(user.roles())));
            return new LoginResult.Success(s);
        } catch (AuthException e) {
            loginFailures.increment();
            LOG.warn("{}", e.getMessage());
            audit.record(new Actor("anonymous", remoteAddress), AuditKind.LOGIN_FAILED, null, AuditEvent.Outcome.FAILURE,
                    Map.of("method", "oidc", "reason", e.getMessage()));
            return new LoginResult.Failure(LoginResult.Reason.SSO_FAILED, Duration.ZERO, "Single sign-on failed. Try again, or ask an administrator to check the server log.");
        }
    }

    /** The live session for a session cookie value, its idle timer restarted; empty when unknown or expired. */
    public Optional<Session> session(String sessionId) {
        users.refresh(); // a stat of users.json: notices a `lathe user passwd|remove` run while the server runs, ending those sessions
        return sessions.touch(sessionId);
    }

    /** Ends a session (logout); audited when it existed. */
    public void logout(String sessionId, String remoteAddress) {
        Optional<Session> s = sessions.touch(sessionId);
        if (sessions.remove(sessionId) && s.isPresent()) {
            audit.record(Actor.of(s.get().user(), remoteAddress), AuditKind.LOGOUT, s.get().user().name(), AuditEvent.Outcome.SUCCESS, Map.of());
        }
    }

    /**
     * A person changes their own password (also how a one-time password is replaced). Ends all their sessions and
     * returns a fresh one for the caller, so a stolen old session id stops working.
     *
     * @throws AuthException {@link AuthError#WRONG_PASSWORD} (counted by the brute-force locks), {@link
     *                       AuthError#PASSWORD_POLICY}, {@link AuthError#USER_NOT_FOUND} for single sign-on users
     */
    public Session changeOwnPassword(Session current, String currentPassword, String newPassword, String remoteAddress) {
        Principal.User u = current.user();
        UserRecord r = u.source() == Principal.Source.LOCAL ? users.record(u.name()) : null;
        if (r == null) throw new AuthException(AuthError.USER_NOT_FOUND, "No local user [user=" + u.name()
                + "]: people who sign on through the identity provider change their password there.");
        LoginThrottle.Lock lock = throttle.check(u.name(), remoteAddress);
        if (lock != null) {
            lockedAttempts.increment();
            throw new AuthException(AuthError.WRONG_PASSWORD, "Password change refused [user=" + u.name() + "]: too many failed attempts. Try again in "
                    + Math.max(1, lock.retryAfter().toSeconds()) + " s.");
        }
        if (!hasher.verify(currentPassword, r.passwordHash())) {
            throttle.failure(u.name(), remoteAddress);
            audit.record(Actor.of(u, remoteAddress), AuditKind.PASSWORD_CHANGED, u.name(), AuditEvent.Outcome.FAILURE, Map.of("reason", "wrong current password"));
            throw new AuthException(AuthError.WRONG_PASSWORD, "Password change refused [user=" + u.name() + "]: the current password is wrong.");
        }
        PasswordHasher.checkPolicy(u.name(), newPassword);
        UserAdmin.checkNotUserName(u.name(), newPassword);
        if (newPassword.equals(currentPassword)) throw new AuthException(AuthError.PASSWORD_POLICY,
                "Password refused [user=" + u.name() + "]: the new password must differ from the current one.");
        Instant now = clock.instant();
        users.replacePassword(u.name(), users.hash(newPassword), now);
        users.afterPasswordChange(u.name());
        audit.record(Actor.of(u, remoteAddress), AuditKind.PASSWORD_CHANGED, u.name(), AuditEvent.Outcome.SUCCESS, Map.of("self", "true"));
        UserRecord changed = users.record(u.name());
        return sessions.create(UserAdmin.info(changed).principal(), remoteAddress);
    }

    /**
     * The program behind a bearer token ({@code Authorization: Bearer lathe_…}, or the legacy ingest token), or
     * empty when it matches no live token: answer 401. Constant-time; counts rejections.
     */
    public Optional<Principal.Token> authenticateToken(String bearer) {
        Optional<Principal.Token> t = tokens.authenticate(bearer);
        if (t.isEmpty()) tokenRejections.increment();
        return t;
    }

    /** Counters for metrics. */
    public AuthStats stats() {
        return new AuthStats(logins.sum(), loginFailures.sum(), lockedAttempts.sum(), tokenRejections.sum(), sessions.size());
    }

    @Override
    public void close() {
        audit.close();
    }

    private OidcClient requireOidc() {
        if (oidc == null) throw new AuthException(AuthError.INVALID_SETTINGS, "Single sign-on is not configured: set the OpenID Connect issuer, client id and role mappings.");
        return oidc;
    }

    private static LoginResult locked(LoginThrottle.Lock lock) {
        long seconds = Math.max(1, (lock.retryAfter().toMillis() + 999) / 1000);
        return new LoginResult.Failure(LoginResult.Reason.LOCKED, lock.retryAfter(),
                "Too many failed logins. Try again in " + (seconds >= 60 ? (seconds + 59) / 60 + " min." : seconds + " s."));
    }

    private static String clip(String s) {
        return s == null || s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
