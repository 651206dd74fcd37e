package io.lathe.auth;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 10 "Programs": API tokens with scopes and site, shown once, stored as hash, last use, revocation, legacy ingest token. */
class TokensTest {
    @TempDir Path dataDir;
    private final TestClock clock = new TestClock();
    private AccessControl ac;
    private final Actor admin = new Actor("user:admin", "10.0.0.1");

    @BeforeEach
    void open() {
        ac = AccessControl.open(dataDir, AuthSettings.defaults(), clock);
    }

    @AfterEach
    void close() {
        ac.close();
    }

    @Test
    void aCreatedTokenIsShownOnceStoredOnlyAsHashAndAuthenticates() throws Exception {
        IssuedToken t = ac.tokens().create(admin, "line 3 gateway", EnumSet.of(Scope.INGEST, Scope.READ), "north");
        assertThat(t.secret()).matches("lathe_[a-z0-9]{8}_[A-Za-z0-9_-]{43}");
        assertThat(t.secret()).startsWith("lathe_" + t.info().prefix() + "_");
        assertThat(t.toString()).doesNotContain(t.secret().substring(15));

        Path file = dataDir.resolve("auth/tokens.json");
        String json = Files.readString(file);
        assertThat(json).doesNotContain(t.secret().substring(15)).contains(t.info().prefix());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        Principal.Token p = ac.authenticateToken(t.secret()).orElseThrow();
        assertThat(p.prefix()).isEqualTo(t.info().prefix());
        assertThat(p.scopes()).containsExactlyInAnyOrder(Scope.INGEST, Scope.READ);
        assertThat(p.site()).isEqualTo("north");
        assertThat(Authorizer.check(p, Permission.INGEST, "north")).isEqualTo(Decision.ALLOW);
        assertThat(Authorizer.check(p, Permission.INGEST, "south")).isEqualTo(Decision.FORBIDDEN);
    }

    @Test
    void wrongOrTamperedTokensAreRejectedAndCounted() {
        IssuedToken t = ac.tokens().create(admin, "reader", Set.of(Scope.READ), null);
        String s = t.secret();
        String flipped = s.substring(0, s.length() - 1) + (s.endsWith("A") ? "B" : "A");
        String otherPrefix = "lathe_zzzzzzzz" + s.substring(14);
        for (String bad : new String[] {flipped, otherPrefix, "lathe_", "", "Bearer " + s, s + "x", null}) {
            assertThat(ac.authenticateToken(bad)).as(String.valueOf(bad)).isEmpty();
        }
        assertThat(ac.stats().tokenRejections()).isEqualTo(7);
    }

    @Test
    void listingShowsPrefixNameScopesSiteCreationAndLastUseButNoSecret() {
        IssuedToken t = ac.tokens().create(admin, "historian export", Set.of(Scope.READ), null);
        TokenInfo before = ac.tokens().list().getFirst();
        assertThat(before.lastUsed()).isNull();
        assertThat(before.created()).isEqualTo(clock.instant());
        assertThat(before.createdBy()).isEqualTo("user:admin");

        clock.advance(Duration.ofMinutes(5));
        ac.authenticateToken(t.secret());
        assertThat(ac.tokens().list().getFirst().lastUsed()).isEqualTo(clock.instant());
        java.time.Instant firstUse = clock.instant();
        clock.advance(Duration.ofSeconds(20));
        ac.authenticateToken(t.secret());
        assertThat(ac.tokens().list().getFirst().lastUsed()).as("written at most once a minute").isEqualTo(firstUse);
        clock.advance(Duration.ofSeconds(41));
        ac.authenticateToken(t.secret());
        assertThat(ac.tokens().list().getFirst().lastUsed()).isEqualTo(clock.instant());
        assertThat(ac.tokens().list().getFirst().toString()).doesNotContain(t.secret());
    }

    @Test
    void aRevokedTokenStopsWorkingAtOnce() {
        IssuedToken keep = ac.tokens().create(admin, "keep", Set.of(Scope.READ), null);
        IssuedToken t = ac.tokens().create(admin, "leaked", Set.of(Scope.ADMIN), null);
        assertThat(ac.authenticateToken(t.secret())).isPresent();
        ac.tokens().revoke(admin, t.info().prefix());
        assertThat(ac.authenticateToken(t.secret())).isEmpty();
        assertThat(ac.authenticateToken(keep.secret())).isPresent();
        assertThat(ac.tokens().list()).extracting(TokenInfo::prefix).containsExactly(keep.info().prefix());
        assertThatThrownBy(() -> ac.tokens().revoke(admin, t.info().prefix()))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.TOKEN_NOT_FOUND));
        assertThat(ac.audit().query(new AuditQuery(null, null, null, Set.of(AuditKind.TOKEN_REVOKED), 10)))
                .singleElement().satisfies(e -> assertThat(e.target()).isEqualTo(t.info().prefix()));
    }

    @Test
    void badTokenRequestsNameTheProblem() {
        assertThatThrownBy(() -> ac.tokens().create(admin, "x", Set.of(), null))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.INVALID_SCOPE));
        assertThatThrownBy(() -> ac.tokens().create(admin, " ", Set.of(Scope.READ), null))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.INVALID_TOKEN_NAME));
        assertThatThrownBy(() -> ac.tokens().create(admin, "x", Set.of(Scope.READ), "no such/site"))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.INVALID_SITE));
        assertThatThrownBy(() -> Scope.parse("write"))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.INVALID_SCOPE))
                .hasMessageContaining("read, ingest, operate, admin");
    }

    @Test
    void theLegacyIngestTokenKeepsWorkingAsAnIngestOnlyTokenWithADeprecationMessage() {
        String legacy = "old-shared-ingest-secret";
        LegacyTokenImport imp = ac.tokens().importLegacyIngestToken(legacy).orElseThrow();
        assertThat(imp.created()).isTrue();
        assertThat(imp.token().legacy()).isTrue();
        assertThat(imp.token().scopes()).containsExactly(Scope.INGEST);
        assertThat(imp.deprecationMessage()).contains("server.ingest-token").contains("deprecated").doesNotContain(legacy);

        Principal.Token p = ac.authenticateToken(legacy).orElseThrow();
        assertThat(Authorizer.check(p, Permission.INGEST, null)).isEqualTo(Decision.ALLOW);
        assertThat(Authorizer.check(p, Permission.READ, null)).isEqualTo(Decision.FORBIDDEN);

        // Every later start calls it again: no duplicate.
        ac.close();
        ac = AccessControl.open(dataDir, AuthSettings.defaults(), clock);
        LegacyTokenImport again = ac.tokens().importLegacyIngestToken(legacy).orElseThrow();
        assertThat(again.created()).isFalse();
        assertThat(again.token().prefix()).isEqualTo(imp.token().prefix());
        assertThat(ac.tokens().list()).hasSize(1);

        // A changed setting replaces the old value; a removed one revokes it.
        ac.tokens().importLegacyIngestToken("new-shared-ingest-secret");
        assertThat(ac.authenticateToken(legacy)).isEmpty();
        assertThat(ac.authenticateToken("new-shared-ingest-secret")).isPresent();
        assertThat(ac.tokens().importLegacyIngestToken(null)).isEmpty();
        assertThat(ac.authenticateToken("new-shared-ingest-secret")).isEmpty();
        assertThat(ac.tokens().list()).isEmpty();
    }
}
