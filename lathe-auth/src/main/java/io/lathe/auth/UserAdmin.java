package io.lathe.auth;

import io.lathe.auth.internal.JsonFileStore.Change;
import io.lathe.auth.internal.PasswordHasher;
import io.lathe.auth.internal.Secrets;
import io.lathe.auth.internal.SessionStore;
import io.lathe.auth.internal.UserStore;
import io.lathe.auth.internal.UserStore.UserRecord;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Local users, for {@code lathe user add|list|passwd|remove} and the admin API. Callers check {@link
 * Permission#ADMIN} first; every change is audited with the given {@link Actor}, and ends the sessions of the user
 * it changes. Thread-safe; safe while the server and the CLI use the same data folder.
 */
public final class UserAdmin {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

    private final UserStore store;
    private final PasswordHasher hasher;
    private final SessionStore sessions;
    private final AuditLog audit;
    private final InstantSource clock;
    private final Path initialPasswordFile;

    UserAdmin(UserStore store, PasswordHasher hasher, SessionStore sessions, AuditLog audit, InstantSource clock, Path initialPasswordFile) {
        this.store = store;
        this.hasher = hasher;
        this.sessions = sessions;
        this.audit = audit;
        this.clock = clock;
        this.initialPasswordFile = initialPasswordFile;
    }

    /** A random 20-character password (about 117 bits), for {@code lathe user add --generate-password}. */
    public static String generatePassword() {
        return Secrets.randomPassword(20);
    }

    /**
     * Adds a user.
     *
     * @param roles              role per site; may be empty (the user sees nothing until given a role)
     * @param mustChangePassword true when an admin chose the password for someone else
     * @throws AuthException {@link AuthError#INVALID_USER_NAME}, {@link AuthError#PASSWORD_POLICY}, {@link
     *                       AuthError#USER_EXISTS}, {@link AuthError#INVALID_ROLE}, {@link AuthError#INVALID_SITE}
     */
    public UserInfo add(Actor actor, String name, String password, Map<String, Role> roles, boolean mustChangePassword) {
        checkName(name);
        PasswordHasher.checkPolicy(name, password);
        checkNotUserName(name, password);
        Map<String, String> roleIds = UserRecord.ids(RoleGrants.validate(roles));
        String hash = hasher.hash(password); // outside the store lock: it takes tens of milliseconds
        String now = clock.instant().toString();
        UserRecord added = store.update(users -> {
            if (users.stream().anyMatch(u -> u.name().equals(name))) throw new AuthException(AuthError.USER_EXISTS,
                    "User exists [user=" + name + "]: pick another name, or change this user's password or roles instead.");
            List<UserRecord> next = new ArrayList<>(users);
            UserRecord r = new UserRecord(name, hash, roleIds, mustChangePassword, now, now);
            next.add(r);
            return new Change<>(next, r);
        });
        audit.record(actor, AuditKind.USER_ADDED, name, AuditEvent.Outcome.SUCCESS,
                Map.of("roles", RoleGrants.format(added.roleMap()), "mustChangePassword", String.valueOf(mustChangePassword)));
        return info(added);
    }

    /** Every local user, sorted by name. */
    public List<UserInfo> list() {
        return store.list().stream().map(UserAdmin::info).sorted((a, b) -> a.name().compareTo(b.name())).toList();
    }

    public Optional<UserInfo> find(String name) {
        return store.find(name).map(UserAdmin::info);
    }

    /**
     * Sets a user's password (an admin resetting it, or {@code lathe user passwd}) and ends the user's sessions.
     *
     * @param mustChangePassword true to make the user choose their own at the next login
     * @throws AuthException {@link AuthError#USER_NOT_FOUND}, {@link AuthError#PASSWORD_POLICY}
     */
    public void setPassword(Actor actor, String name, String newPassword, boolean mustChangePassword) {
        PasswordHasher.checkPolicy(name, newPassword);
        checkNotUserName(name, newPassword);
        String hash = hasher.hash(newPassword);
        String now = clock.instant().toString();
        store.update(users -> new Change<>(replace(users, name, u -> new UserRecord(u.name(), hash, u.roles(), mustChangePassword, u.created(), now)), null));
        afterPasswordChange(name);
        audit.record(actor, AuditKind.PASSWORD_CHANGED, name, AuditEvent.Outcome.SUCCESS, Map.of("mustChangePassword", String.valueOf(mustChangePassword)));
    }

    /**
     * Replaces a user's roles and ends the user's sessions (they log in again with the new roles).
     *
     * @throws AuthException {@link AuthError#USER_NOT_FOUND}, {@link AuthError#LAST_ADMIN}
     */
    public UserInfo setRoles(Actor actor, String name, Map<String, Role> roles) {
        Map<String, String> roleIds = UserRecord.ids(RoleGrants.validate(roles));
        UserRecord changed = store.update(users -> {
            List<UserRecord> next = replace(users, name, u -> new UserRecord(u.name(), u.passwordHash(), roleIds, u.mustChangePassword(), u.created(), u.passwordChanged()));
            checkAdminRemains(next, name);
            return new Change<>(next, next.stream().filter(u -> u.name().equals(name)).findFirst().orElseThrow());
        });
        sessions.removeUser(name);
        audit.record(actor, AuditKind.USER_ROLES_CHANGED, name, AuditEvent.Outcome.SUCCESS, Map.of("roles", RoleGrants.format(changed.roleMap())));
        return info(changed);
    }

    /**
     * Removes a user and ends their sessions.
     *
     * @throws AuthException {@link AuthError#USER_NOT_FOUND}, {@link AuthError#LAST_ADMIN}
     */
    public void remove(Actor actor, String name) {
        store.update(users -> {
            List<UserRecord> next = new ArrayList<>(users);
            if (!next.removeIf(u -> u.name().equals(name))) throw notFound(name);
            checkAdminRemains(next, name);
            return new Change<>(next, null);
        });
        sessions.removeUser(name);
        audit.record(actor, AuditKind.USER_REMOVED, name, AuditEvent.Outcome.SUCCESS, Map.of());
    }

    // --- used by AccessControl ---

    UserRecord record(String name) {
        return store.find(name).orElse(null);
    }

    void refresh() {
        store.list();
    }

    boolean isEmpty() {
        return store.list().isEmpty();
    }

    void afterPasswordChange(String name) {
        sessions.removeUser(name);
        if (AccessControl.INITIAL_ADMIN.equals(name)) {
            try {
                Files.deleteIfExists(initialPasswordFile);
            } catch (IOException e) {
                throw new AuthException(AuthError.STORE, "Cannot delete [path=" + initialPasswordFile + "]: " + e.getMessage()
                        + ". Delete it by hand: the password in it is no longer valid.", e);
            }
        }
    }

    String hash(String password) {
        return hasher.hash(password);
    }

    void replacePassword(String name, String hash, Instant when) {
        store.update(users -> new Change<>(replace(users, name, u -> new UserRecord(u.name(), hash, u.roles(), false, u.created(), when.toString())), null));
    }

    static UserInfo info(UserRecord r) {
        return new UserInfo(r.name(), r.roleMap(), r.mustChangePassword(), instant(r.created()), instant(r.passwordChanged()));
    }

    static void checkNotUserName(String name, String password) {
        if (password.strip().equalsIgnoreCase(name)) throw new AuthException(AuthError.PASSWORD_POLICY,
                "Password refused [user=" + name + "]: it must not be the user name.");
    }

    private static Instant instant(String s) {
        return s == null ? null : Instant.parse(s);
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) throw new AuthException(AuthError.INVALID_USER_NAME,
                "Invalid user name [user=" + name + "]: must be 1-64 letters, digits, '.', '_', '@', '-', starting with a letter or digit.");
    }

    private static AuthException notFound(String name) {
        return new AuthException(AuthError.USER_NOT_FOUND, "No such user [user=" + name + "]: see `lathe user list` for the users.");
    }

    private static List<UserRecord> replace(List<UserRecord> users, String name, java.util.function.UnaryOperator<UserRecord> f) {
        List<UserRecord> next = new ArrayList<>(users.size());
        boolean found = false;
        for (UserRecord u : users) {
            if (u.name().equals(name)) {
                next.add(f.apply(u));
                found = true;
            } else {
                next.add(u);
            }
        }
        if (!found) throw notFound(name);
        return next;
    }

    private static void checkAdminRemains(List<UserRecord> users, String changed) {
        boolean anyAdmin = users.stream().anyMatch(u -> Role.ADMIN.id().equals(u.roles().get(RoleGrants.ALL_SITES)));
        if (!anyAdmin) throw new AuthException(AuthError.LAST_ADMIN, "Refused [user=" + changed + "]: no user would be left with role admin on all sites (*). "
                + "Give another user admin@* first.");
    }
}
