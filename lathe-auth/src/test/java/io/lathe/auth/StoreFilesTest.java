package io.lathe.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The files under <data-dir>/auth: a broken file is reported, never overwritten; concurrent writers lose no change. */
class StoreFilesTest {
    @TempDir Path dataDir;
    private final TestClock clock = new TestClock();

    @Test
    void aBrokenUsersFileIsReportedWithItsPathAndLineAndLeftUntouched() throws Exception {
        Path users = dataDir.resolve("auth/users.json");
        Files.createDirectories(users.getParent());
        String broken = "{\"version\":1,\n \"users\":[{\"name\":\"admin\",]}";
        Files.writeString(users, broken);
        assertThatThrownBy(() -> AccessControl.open(dataDir, AuthSettings.defaults(), clock))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.STORE))
                .hasMessageContaining(users.toString()).hasMessageContaining("line=2").hasMessageContaining("does not overwrite");
        assertThat(Files.readString(users)).isEqualTo(broken);
    }

    @Test
    void twoInstancesOnOneDataFolderAddingUsersAtOnceLoseNone() throws Exception {
        // The server and `lathe user add` share the folder; each change is a locked read-modify-write.
        try (AccessControl server = AccessControl.open(dataDir, AuthSettings.defaults(), clock);
             AccessControl cli = AccessControl.open(dataDir, AuthSettings.defaults(), clock)) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                AccessControl ac = i % 2 == 0 ? server : cli;
                String name = "user" + i;
                done.add(pool.submit(() -> ac.users().add(Actor.commandLine(), name, "a-long-passphrase-" + name, Map.of("*", Role.VIEWER), false)));
            }
            for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
            pool.shutdown();
            assertThat(server.users().list()).hasSize(6);
            assertThat(cli.users().list()).hasSize(6);
        }
        try (AccessControl reopened = AccessControl.open(dataDir, AuthSettings.defaults(), clock)) {
            assertThat(reopened.users().list()).extracting(UserInfo::name).containsExactly("user0", "user1", "user2", "user3", "user4", "user5");
            assertThat(reopened.audit().query(AuditQuery.all())).hasSize(6);
        }
    }

    @Test
    void storedRecordsAndSettingsMaskTheirSecretsInToString() {
        var user = new io.lathe.auth.internal.UserStore.UserRecord("a", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", Map.of(), false, null, null);
        assertThat(user.toString()).doesNotContain("argon2id").contains("passwordHash=***");
        var token = new io.lathe.auth.internal.TokenStore.TokenRecord("abcdefgh", "n", "deadbeef", List.of("read"), null, "2026-12-04T08:00:00Z", "system", null, false);
        assertThat(token.toString()).doesNotContain("deadbeef");
    }
}
