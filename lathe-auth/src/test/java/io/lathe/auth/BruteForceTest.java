package io.lathe.auth;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 10 "Proof": brute-force lock-out, per user and per address, doubling and capped, on an injected clock. */
class BruteForceTest {
    private static final String PASSWORD = "plant-admin-passphrase-7";
    @TempDir Path dataDir;
    private final TestClock clock = new TestClock();
    private AccessControl ac;

    @BeforeEach
    void open() {
        ac = AccessControl.open(dataDir, AuthSettings.defaults(), clock);
        ac.bootstrap(PASSWORD);
    }

    @AfterEach
    void close() {
        ac.close();
    }

    @Test
    void fiveFailuresLockTheUserForAMinuteEvenAgainstTheRightPassword() {
        for (int i = 1; i <= 4; i++) {
            assertThat(reason(ac.login("admin", "wrong-guess-" + i, "10.0.0." + i))).isEqualTo(LoginResult.Reason.BAD_CREDENTIALS);
        }
        LoginResult fifth = ac.login("admin", "wrong-guess-5", "10.0.0.5");
        assertThat(reason(fifth)).isEqualTo(LoginResult.Reason.LOCKED);
        assertThat(((LoginResult.Failure) fifth).retryAfter()).isEqualTo(Duration.ofMinutes(1));

        LoginResult locked = ac.login("admin", PASSWORD, "10.0.0.9");
        assertThat(reason(locked)).as("locked even with the right password, from another address").isEqualTo(LoginResult.Reason.LOCKED);
        assertThat(((LoginResult.Failure) locked).message()).contains("Try again in 1 min");
        assertThat(ac.stats().lockedAttempts()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(59));
        assertThat(reason(ac.login("admin", PASSWORD, "10.0.0.9"))).isEqualTo(LoginResult.Reason.LOCKED);
        clock.advance(Duration.ofSeconds(1));
        assertThat(ac.login("admin", PASSWORD, "10.0.0.9")).isInstanceOf(LoginResult.Success.class);
        // A success clears the user's count: the next failure does not lock again.
        assertThat(reason(ac.login("admin", "wrong-again", "10.0.0.9"))).isEqualTo(LoginResult.Reason.BAD_CREDENTIALS);
    }

    @Test
    void eachFailureAfterALockDoublesItUpToFifteenMinutes() {
        for (int i = 0; i < 4; i++) ac.login("admin", "wrong", "10.0.0.1");
        Duration[] expected = {Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(4), Duration.ofMinutes(8), Duration.ofMinutes(15), Duration.ofMinutes(15)};
        for (Duration d : expected) {
            LoginResult r = ac.login("admin", "wrong", "10.0.0.1");
            assertThat(((LoginResult.Failure) r).retryAfter()).isEqualTo(d);
            clock.advance(d);
        }
    }

    @Test
    void oneAddressGuessingManyUsersIsLockedToo() {
        for (int i = 0; i < 4; i++) {
            assertThat(reason(ac.login("user" + i, "guess", "203.0.113.7"))).isEqualTo(LoginResult.Reason.BAD_CREDENTIALS);
        }
        assertThat(reason(ac.login("user5", "guess", "203.0.113.7"))).isEqualTo(LoginResult.Reason.LOCKED);
        assertThat(reason(ac.login("admin", PASSWORD, "203.0.113.7"))).as("the address is locked").isEqualTo(LoginResult.Reason.LOCKED);
        assertThat(ac.login("admin", PASSWORD, "10.0.0.1")).as("other addresses are not").isInstanceOf(LoginResult.Success.class);
    }

    @Test
    void failuresAreForgottenAfterAQuietHour() {
        for (int i = 0; i < 4; i++) ac.login("admin", "wrong", "10.0.0.1");
        clock.advance(Duration.ofMinutes(61));
        assertThat(reason(ac.login("admin", "wrong", "10.0.0.1"))).isEqualTo(LoginResult.Reason.BAD_CREDENTIALS);
    }

    @Test
    void unknownUsersAndWrongPasswordsLookTheSameAndAreAuditedWithoutThePassword() {
        LoginResult unknown = ac.login("nobody", "secret-guess-1", "10.0.0.1");
        LoginResult wrong = ac.login("admin", "secret-guess-2", "10.0.0.2");
        assertThat(unknown).isEqualTo(new LoginResult.Failure(LoginResult.Reason.BAD_CREDENTIALS, Duration.ZERO, "Wrong user name or password."));
        assertThat(wrong).isEqualTo(unknown);
        var failed = ac.audit().query(new AuditQuery(null, null, null, Set.of(AuditKind.LOGIN_FAILED), 10));
        assertThat(failed).hasSize(2);
        assertThat(failed).extracting(AuditEvent::target).containsExactly("admin", "nobody");
        assertThat(failed).extracting(AuditEvent::address).containsExactly("10.0.0.2", "10.0.0.1");
        assertThat(failed.toString()).doesNotContain("secret-guess");
    }

    @Test
    void theLockingFailureIsAuditedButRefusedAttemptsDoNotFloodTheLog() {
        for (int i = 0; i < 5; i++) ac.login("admin", "wrong", "10.0.0.1");
        for (int i = 0; i < 100; i++) ac.login("admin", "wrong", "10.0.0.1");
        var failed = ac.audit().query(new AuditQuery(null, null, null, Set.of(AuditKind.LOGIN_FAILED), 1000));
        assertThat(failed).hasSize(5);
        assertThat(failed.getFirst().details()).containsEntry("lockedFor", "PT1M (user)");
        assertThat(ac.stats().lockedAttempts()).isEqualTo(100);
    }

    private static LoginResult.Reason reason(LoginResult r) {
        return r instanceof LoginResult.Failure f ? f.reason() : null;
    }
}
