package io.lathe.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Password guessing over MQTT is slowed per user name; the clock is injected, so no test waits. */
class LoginThrottleTest {

    @Test
    void locksAfterFreeFailuresWithDoublingDelaysAndClearsOnSuccess() {
        AtomicLong now = new AtomicLong(1_000);
        long s = TimeUnit.SECONDS.toNanos(1);
        LoginThrottle t = new LoginThrottle(5, s, 60 * s, now::get);
        for (int i = 0; i < 5; i++) {
            assertThat(t.lockedNanos("dev")).isZero();
            t.failed("dev");
        }
        assertThat(t.lockedNanos("dev")).isZero();
        t.failed("dev");
        assertThat(t.lockedNanos("dev")).isEqualTo(s);
        assertThat(t.lockedNanos("other")).isZero();
        now.addAndGet(s);
        assertThat(t.lockedNanos("dev")).isZero();
        t.failed("dev");
        assertThat(t.lockedNanos("dev")).isEqualTo(2 * s);
        for (int i = 0; i < 20; i++) t.failed("dev");
        assertThat(t.lockedNanos("dev")).isEqualTo(60 * s);
        t.succeeded("dev");
        assertThat(t.lockedNanos("dev")).isZero();
    }
}
