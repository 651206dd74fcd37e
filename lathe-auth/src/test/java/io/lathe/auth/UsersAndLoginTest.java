package io.lathe.auth;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 10 "People": first start without default password, Argon2id at OWASP parameters, user admin, sessions. */
class UsersAndLoginTest {
    @TempDir Path dataDir;
    private final TestClock clock = new TestClock();
    private AccessControl ac;

    @BeforeEach
    void open() {
        ac = AccessControl.open(dataDir, AuthSettings.defaults(), clock);
    }

    @AfterEach
    void close() {
        ac.close();
    }

    @Test
    void firstStartCreatesAdminWithOneTimePasswordInAnOwnerOnlyFile() throws Exception {
        InitialAdmin a = ac.bootstrap(null).orElseThrow();
        Path file = dataDir.resolve("auth/initial-admin-password");
        assertThat(a.generated()).isTrue();
        assertThat(a.created()).isTrue();
        assertThat(a.password()).hasSizeGreaterThanOrEqualTo(20);
        assertThat(Files.readString(file).strip()).isEqualTo(a.password());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("auth/users.json")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("auth")))).isEqualTo("rwx------");
        assertThat(a.toString()).doesNotContain(a.password()).contains("password=***");
        assertThat(a.startupMessage()).contains(a.password()).contains(file.toString());
        UserInfo admin = ac.users().find("admin").orElseThrow();
        assertThat(admin.mustChangePassword()).isTrue();
        assertThat(admin.roles()).isEqualTo(Map.of("*", Role.ADMIN));
        assertThat(Files.readString(dataDir.resolve("auth/users.json"))).doesNotContain(a.password());
    }

    @Test
    void laterStartsRepeatTheUnchangedOneTimePasswordAndNothingOnceChanged() {
        InitialAdmin first = ac.bootstrap(null).orElseThrow();
        ac.close();
        ac = AccessControl.open(dataDir, AuthSettings.defaults(), clock);
        InitialAdmin again = ac.bootstrap(null).orElseThrow();
        assertThat(again.created()).isFalse();
        assertThat(again.password()).isEqualTo(first.password());

        Session s = ((LoginResult.Success) ac.login("admin", first.password(), "10.0.0.1")).session();
        ac.changeOwnPassword(s, first.password(), "correct horse battery staple", "10.0.0.1");
        assertThat(dataDir.resolve("auth/initial-admin-password")).doesNotExist();
        assertThat(ac.bootstrap(null)).isEmpty();
        assertThat(ac.bootstrap("another-password-from-env")).as("the environment never replaces an existing admin").isEmpty();
    }

    @Test
    void adminPasswordFromTheEnvironmentIsUsedAndNotWrittenToAFile() {
        InitialAdmin a = ac.bootstrap("plant-admin-passphrase-7").orElseThrow();
        assertThat(a.generated()).isFalse();
        assertThat(a.file()).isNull();
        assertThat(dataDir.resolve("auth/initial-admin-password")).doesNotExist();
        assertThat(a.startupMessage()).doesNotContain("plant-admin-passphrase-7").contains("LATHE_ADMIN_PASSWORD");
        assertThat(ac.login("admin", "plant-admin-passphrase-7", "10.0.0.1")).isInstanceOf(LoginResult.Success.class);
    }

    @Test
    void aShortPasswordFromTheEnvironmentIsRefusedNamingTheVariable() {
        assertThatThrownBy(() -> ac.bootstrap("short"))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.PASSWORD_POLICY))
                .hasMessageContaining("LATHE_ADMIN_PASSWORD").hasMessageContaining("at least 12").hasMessageNotContaining("short\"");
        assertThat(ac.users().list()).isEmpty();
    }

    @Test
    void passwordsAreStoredAsArgon2idAtOwaspParameters() throws Exception {
        ac.users().add(Actor.commandLine(), "alice", "alice-long-passphrase", Map.of("north", Role.OPERATOR), false);
        String json = Files.readString(dataDir.resolve("auth/users.json"));
        assertThat(json).contains("$argon2id$v=19$m=19456,t=2,p=1$").doesNotContain("alice-long-passphrase");
    }

    @Test
    void oneTimePasswordAllowsOnlyTheAccountUntilChangedAndTheChangeEndsOtherSessions() {
        InitialAdmin a = ac.bootstrap(null).orElseThrow();
        Session first = ((LoginResult.Success) ac.login("admin", a.password(), "10.0.0.1")).session();
        Session second = ((LoginResult.Success) ac.login("admin", a.password(), "10.0.0.2")).session();
        assertThat(Authorizer.check(first.user(), Permission.READ, null)).isEqualTo(Decision.PASSWORD_CHANGE_REQUIRED);
        assertThat(Authorizer.check(first.user(), Permission.ACCOUNT, null)).isEqualTo(Decision.ALLOW);

        assertThatThrownBy(() -> ac.changeOwnPassword(first, a.password(), a.password(), "10.0.0.1"))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.PASSWORD_POLICY));
        assertThatThrownBy(() -> ac.changeOwnPassword(first, "not the password", "new-admin-passphrase", "10.0.0.1"))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.WRONG_PASSWORD));

        Session fresh = ac.changeOwnPassword(first, a.password(), "new-admin-passphrase", "10.0.0.1");
        assertThat(fresh.id()).isNotEqualTo(first.id());
        assertThat(Authorizer.check(fresh.user(), Permission.ADMIN, null)).isEqualTo(Decision.ALLOW);
        assertThat(ac.session(first.id())).isEmpty();
        assertThat(ac.session(second.id())).isEmpty();
        assertThat(ac.session(fresh.id())).isPresent();
        assertThat(ac.login("admin", a.password(), "10.0.0.1")).isInstanceOf(LoginResult.Failure.class);
        assertThat(ac.login("admin", "new-admin-passphrase", "10.0.0.1")).isInstanceOf(LoginResult.Success.class);
    }

    @Test
    void userAdminAddsListsResetsAndRemovesUsers() {
        ac.bootstrap("plant-admin-passphrase-7");
        Actor cli = Actor.commandLine();
        ac.users().add(cli, "bob", "bob-long-passphrase", RoleGrants.parse("viewer,operator@north"), true);
        assertThat(ac.users().list()).extracting(UserInfo::name).containsExactly("admin", "bob");

        assertThatThrownBy(() -> ac.users().add(cli, "bob", "another-long-one", Map.of(), false))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.USER_EXISTS));
        assertThatThrownBy(() -> ac.users().add(cli, "carol", "elevenchars", Map.of(), false))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.PASSWORD_POLICY))
                .hasMessageContaining("length=11").hasMessageNotContaining("elevenchars");
        assertThatThrownBy(() -> ac.users().add(cli, "carol/../x", "long-enough-passphrase", Map.of(), false))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.INVALID_USER_NAME));
        assertThatThrownBy(() -> ac.users().add(cli, "longusername", "LongUserName", Map.of(), false))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.PASSWORD_POLICY));

        Session bobs = ((LoginResult.Success) ac.login("bob", "bob-long-passphrase", "10.0.0.3")).session();
        ac.users().setPassword(cli, "bob", "bob-reset-passphrase", true);
        assertThat(ac.session(bobs.id())).as("a reset ends the user's sessions").isEmpty();

        bobs = ((LoginResult.Success) ac.login("bob", "bob-reset-passphrase", "10.0.0.3")).session();
        ac.users().setRoles(cli, "bob", RoleGrants.parse("engineer@north"));
        assertThat(ac.session(bobs.id())).as("a role change ends the user's sessions").isEmpty();

        ac.users().remove(cli, "bob");
        assertThat(ac.users().find("bob")).isEmpty();
        assertThat(ac.login("bob", "bob-reset-passphrase", "10.0.0.3")).isInstanceOf(LoginResult.Failure.class);
        assertThatThrownBy(() -> ac.users().remove(cli, "bob"))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.USER_NOT_FOUND));
    }

    @Test
    void theLastAdminOnAllSitesCanBeNeitherRemovedNorDemoted() {
        ac.bootstrap("plant-admin-passphrase-7");
        assertThatThrownBy(() -> ac.users().remove(Actor.commandLine(), "admin"))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.LAST_ADMIN));
        assertThatThrownBy(() -> ac.users().setRoles(Actor.commandLine(), "admin", RoleGrants.parse("admin@north")))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.LAST_ADMIN));
        ac.users().add(Actor.commandLine(), "dana", "dana-long-passphrase", RoleGrants.parse("admin"), false);
        ac.users().remove(Actor.commandLine(), "admin");
        assertThat(ac.users().list()).extracting(UserInfo::name).containsExactly("dana");
    }

    @Test
    void aPasswordChangedByTheCliEndsTheSessionsTheServerHolds() throws Exception {
        ac.bootstrap("plant-admin-passphrase-7");
        ac.users().add(Actor.commandLine(), "erin", "erin-long-passphrase", RoleGrants.parse("viewer"), false);
        Session s = ((LoginResult.Success) ac.login("erin", "erin-long-passphrase", "10.0.0.4")).session();
        // The CLI is another process on the same data folder: a second instance stands in for it.
        try (AccessControl cli = AccessControl.open(dataDir, AuthSettings.defaults(), clock)) {
            cli.users().setPassword(Actor.commandLine(), "erin", "erin-new-passphrase", false);
        }
        assertThat(ac.session(s.id())).isEmpty();
        assertThat(ac.login("erin", "erin-long-passphrase", "10.0.0.4")).isInstanceOf(LoginResult.Failure.class);
        assertThat(ac.login("erin", "erin-new-passphrase", "10.0.0.4")).isInstanceOf(LoginResult.Success.class);
    }

    @Test
    void sessionsExpireWhenIdleAndAfterTheAbsoluteLimit() {
        ac.close();
        ac = AccessControl.open(dataDir, AuthSettings.builder().sessionIdleTimeout(Duration.ofMinutes(30)).sessionAbsoluteTimeout(Duration.ofHours(2)).build(), clock);
        ac.bootstrap("plant-admin-passphrase-7");
        Session s = ((LoginResult.Success) ac.login("admin", "plant-admin-passphrase-7", "10.0.0.1")).session();
        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofMinutes(29));
            assertThat(ac.session(s.id())).as("used every 29 min").isPresent();
        }
        clock.advance(Duration.ofMinutes(5)); // 2 h 1 min after login
        assertThat(ac.session(s.id())).as("absolute expiry").isEmpty();

        Session idle = ((LoginResult.Success) ac.login("admin", "plant-admin-passphrase-7", "10.0.0.1")).session();
        clock.advance(Duration.ofMinutes(30));
        assertThat(ac.session(idle.id())).as("idle expiry").isEmpty();
    }

    @Test
    void logoutEndsTheSessionAndCsrfTokensMatchOnlyTheirSession() {
        ac.bootstrap("plant-admin-passphrase-7");
        Session a = ((LoginResult.Success) ac.login("admin", "plant-admin-passphrase-7", "10.0.0.1")).session();
        Session b = ((LoginResult.Success) ac.login("admin", "plant-admin-passphrase-7", "10.0.0.1")).session();
        assertThat(a.id()).hasSize(43);
        assertThat(a.csrfToken()).hasSize(43).isNotEqualTo(b.csrfToken());
        assertThat(a.csrfMatches(a.csrfToken())).isTrue();
        assertThat(a.csrfMatches(b.csrfToken())).isFalse();
        assertThat(a.csrfMatches(null)).isFalse();
        assertThat(a.csrfMatches("")).isFalse();
        assertThat(a.toString()).doesNotContain(a.id()).doesNotContain(a.csrfToken());

        ac.logout(a.id(), "10.0.0.1");
        assertThat(ac.session(a.id())).isEmpty();
        assertThat(ac.session(b.id())).isPresent();
        assertThat(ac.audit().query(new AuditQuery(null, null, "user:admin", java.util.Set.of(AuditKind.LOGOUT), 10))).hasSize(1);
    }
}
