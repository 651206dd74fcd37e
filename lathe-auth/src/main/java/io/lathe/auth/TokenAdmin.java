package io.lathe.auth;

import io.lathe.auth.internal.JsonFileStore.Change;
import io.lathe.auth.internal.Secrets;
import io.lathe.auth.internal.TokenStore;
import io.lathe.auth.internal.TokenStore.TokenRecord;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * API tokens for programs: created by an admin, shown once, kept only as SHA-256 (a token carries 256 random bits,
 * so a fast hash is enough; a slow one would cost every ingest request), listed, revoked. Callers check {@link
 * Permission#ADMIN} before changes. Thread-safe.
 */
public final class TokenAdmin {
    /** Name given to the token imported from {@code server.ingest-token}. */
    public static final String LEGACY_NAME = "server.ingest-token (deprecated)";
    static final String PREFIX = "lathe_";
    static final int ID_LENGTH = 8;

    private final TokenStore store;
    private final AuditLog audit;
    private final InstantSource clock;
    private final Duration lastUsedResolution;
    private final Map<String, Instant> lastUsedWritten = new ConcurrentHashMap<>();

    TokenAdmin(TokenStore store, AuditLog audit, InstantSource clock, Duration lastUsedResolution) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.lastUsedResolution = lastUsedResolution;
    }

    /**
     * Creates a token. The secret in the result exists nowhere else: show it once.
     *
     * @param site the only site it may act on, or null for every site
     * @throws AuthException {@link AuthError#INVALID_TOKEN_NAME}, {@link AuthError#INVALID_SCOPE}, {@link AuthError#INVALID_SITE}
     */
    public IssuedToken create(Actor actor, String name, Set<Scope> scopes, String site) {
        checkName(name);
        if (scopes == null || scopes.isEmpty()) throw new AuthException(AuthError.INVALID_SCOPE,
                "API token [name=" + name + "] has no scope: give at least one of read, ingest, operate, admin.");
        if (site != null) RoleGrants.validateSite(site);
        String tokenSite = RoleGrants.ALL_SITES.equals(site) ? null : site;
        String secretPart = Secrets.randomUrlSafe(32);
        String now = clock.instant().toString();
        TokenRecord r = store.update(tokens -> {
            String prefix;
            do prefix = Secrets.randomId(ID_LENGTH); while (find(tokens, prefix).isPresent());
            String secret = PREFIX + prefix + "_" + secretPart;
            TokenRecord rec = new TokenRecord(prefix, name, Secrets.sha256Hex(secret), ids(scopes), tokenSite, now, actor.name(), null, false);
            List<TokenRecord> next = new ArrayList<>(tokens);
            next.add(rec);
            return new Change<>(next, rec);
        });
        audit.record(actor, AuditKind.TOKEN_CREATED, r.prefix(), AuditEvent.Outcome.SUCCESS, details(r));
        return new IssuedToken(info(r), PREFIX + r.prefix() + "_" + secretPart);
    }

    /** Every live token, oldest first. */
    public List<TokenInfo> list() {
        return store.list().stream().map(TokenAdmin::info).toList();
    }

    /**
     * Revokes a token: it stops working at once.
     *
     * @throws AuthException {@link AuthError#TOKEN_NOT_FOUND}
     */
    public void revoke(Actor actor, String prefix) {
        TokenRecord gone = store.update(tokens -> {
            TokenRecord r = find(tokens, prefix).orElseThrow(() -> new AuthException(AuthError.TOKEN_NOT_FOUND,
                    "No such API token [prefix=" + prefix + "]: list the tokens to see their prefixes."));
            List<TokenRecord> next = new ArrayList<>(tokens);
            next.remove(r);
            return new Change<>(next, r);
        });
        lastUsedWritten.remove(prefix);
        audit.record(actor, AuditKind.TOKEN_REVOKED, prefix, AuditEvent.Outcome.SUCCESS, details(gone));
    }

    /**
     * Keeps the deprecated {@code server.ingest-token} setting working as a token with scope ingest. Call at every
     * start with the setting's value: the first call imports it, later calls find it; a changed value replaces the
     * old import; null or blank revokes an earlier import (the setting was removed).
     *
     * @return the import and the deprecation message to log, or empty when the setting is not set
     */
    public Optional<LegacyTokenImport> importLegacyIngestToken(String value) {
        Actor system = Actor.system();
        if (value == null || value.isBlank()) {
            List<TokenRecord> removed = store.update(tokens -> {
                List<TokenRecord> legacy = tokens.stream().filter(TokenRecord::legacy).toList();
                if (legacy.isEmpty()) return new Change<>(tokens, legacy);
                List<TokenRecord> next = new ArrayList<>(tokens);
                next.removeAll(legacy);
                return new Change<>(next, legacy);
            });
            for (TokenRecord r : removed) audit.record(system, AuditKind.TOKEN_REVOKED, r.prefix(), AuditEvent.Outcome.SUCCESS, Map.of("why", "server.ingest-token removed from the configuration"));
            return Optional.empty();
        }
        String hash = Secrets.sha256Hex(value);
        String now = clock.instant().toString();
        boolean[] created = {false};
        List<TokenRecord> replaced = new ArrayList<>();
        TokenRecord r = store.update(tokens -> {
            for (TokenRecord t : tokens) if (t.legacy() && hashEquals(t.hash(), hash)) return new Change<>(tokens, t);
            List<TokenRecord> next = new ArrayList<>();
            for (TokenRecord t : tokens) if (t.legacy()) replaced.add(t); else next.add(t);
            String prefix;
            do prefix = Secrets.randomId(ID_LENGTH); while (find(tokens, prefix).isPresent());
            TokenRecord rec = new TokenRecord(prefix, LEGACY_NAME, hash, List.of(Scope.INGEST.id()), null, now, system.name(), null, true);
            next.add(rec);
            created[0] = true;
            return new Change<>(next, rec);
        });
        for (TokenRecord old : replaced) audit.record(system, AuditKind.TOKEN_REVOKED, old.prefix(), AuditEvent.Outcome.SUCCESS, Map.of("why", "server.ingest-token changed"));
        if (created[0]) audit.record(system, AuditKind.TOKEN_IMPORTED, r.prefix(), AuditEvent.Outcome.SUCCESS, details(r));
        String message = "Setting server.ingest-token is deprecated [token=" + r.prefix() + "]: it keeps working as API token '" + LEGACY_NAME
                + "' with scope ingest. Create an API token with scope ingest as an admin, give it to the senders, then remove server.ingest-token"
                + " (LATHE_SERVER_INGEST_TOKEN) from the configuration.";
        return Optional.of(new LegacyTokenImport(info(r), created[0], message));
    }

    /**
     * The token a client presented ({@code Authorization: Bearer …}), or empty when it matches no live token. The
     * hash comparison is constant-time. Records the last use at most once per resolution interval.
     */
    Optional<Principal.Token> authenticate(String presented) {
        if (presented == null || presented.isEmpty() || presented.length() > 512) return Optional.empty();
        String hash = Secrets.sha256Hex(presented);
        TokenRecord match = null;
        if (presented.startsWith(PREFIX) && presented.length() > PREFIX.length() + ID_LENGTH + 1 && presented.charAt(PREFIX.length() + ID_LENGTH) == '_') {
            String prefix = presented.substring(PREFIX.length(), PREFIX.length() + ID_LENGTH);
            match = find(store.list(), prefix).filter(t -> !t.legacy() && hashEquals(t.hash(), hash)).orElse(null);
        } else {
            for (TokenRecord t : store.list()) if (t.legacy() && hashEquals(t.hash(), hash)) match = t;
        }
        if (match == null) return Optional.empty();
        noteUse(match.prefix());
        return Optional.of(info(match).principal());
    }

    private void noteUse(String prefix) {
        Instant now = clock.instant();
        Instant written = lastUsedWritten.get(prefix);
        if (written != null && now.isBefore(written.plus(lastUsedResolution))) return;
        lastUsedWritten.put(prefix, now);
        store.update(tokens -> {
            List<TokenRecord> next = new ArrayList<>(tokens.size());
            boolean found = false;
            for (TokenRecord t : tokens) {
                if (t.prefix().equals(prefix)) {
                    next.add(t.withLastUsed(now.toString()));
                    found = true;
                } else {
                    next.add(t);
                }
            }
            return new Change<>(found ? next : tokens, null);
        });
    }

    private static boolean hashEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }

    private static Optional<TokenRecord> find(List<TokenRecord> tokens, String prefix) {
        for (TokenRecord t : tokens) if (t.prefix().equals(prefix)) return Optional.of(t);
        return Optional.empty();
    }

    private static List<String> ids(Set<Scope> scopes) {
        return EnumSet.copyOf(scopes).stream().map(Scope::id).toList();
    }

    private static Map<String, String> details(TokenRecord r) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("name", r.name());
        d.put("scopes", String.join(",", r.scopes()));
        if (r.site() != null) d.put("site", r.site());
        return d;
    }

    private static void checkName(String name) {
        if (name == null || name.isBlank() || name.length() > 100 || name.chars().anyMatch(Character::isISOControl))
            throw new AuthException(AuthError.INVALID_TOKEN_NAME, "Invalid API token name [name=" + name
                    + "]: must be 1-100 characters without control characters, for example 'line 3 gateway'.");
    }

    static TokenInfo info(TokenRecord r) {
        Set<Scope> scopes = r.scopes().stream().map(Scope::parse).collect(Collectors.toCollection(() -> EnumSet.noneOf(Scope.class)));
        return new TokenInfo(r.prefix(), r.name(), scopes, r.site(), Instant.parse(r.created()), r.createdBy(),
                r.lastUsed() == null ? null : Instant.parse(r.lastUsed()), r.legacy());
    }
}
