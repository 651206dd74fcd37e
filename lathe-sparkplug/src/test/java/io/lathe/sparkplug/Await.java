package io.lathe.sparkplug;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.assertj.core.api.Assertions;

/** Waits for something that happens on other threads; fails with a description when it does not happen in time. */
final class Await {
    private Await() {}

    static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) Assertions.fail("timed out after " + timeout + " waiting for: " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Assertions.fail("interrupted waiting for: " + what);
            }
        }
    }

    static void until(String what, BooleanSupplier condition) {
        until(what, Duration.ofSeconds(15), condition);
    }
}
