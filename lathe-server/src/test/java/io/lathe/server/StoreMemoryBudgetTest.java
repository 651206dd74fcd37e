package io.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code store.memory-budget-mb}: a value given is taken as it is; 0 follows the heap within 64-512 MB. */
class StoreMemoryBudgetTest {
    private static final long MB = 1L << 20;

    @Test
    void aGivenBudgetIsKeptWhateverTheHeap() {
        assertThat(LatheServer.storeMemoryBudget(100, 512 * MB)).isEqualTo(100 * MB);
        assertThat(LatheServer.storeMemoryBudget(2048, 24L * 1024 * MB)).isEqualTo(2048 * MB);
    }

    @Test
    void theDefaultIsASixteenthOfTheHeapBetween64And512Megabytes() {
        assertThat(LatheServer.storeMemoryBudget(0, 512 * MB)).isEqualTo(64 * MB);
        assertThat(LatheServer.storeMemoryBudget(0, 1024 * MB)).isEqualTo(64 * MB);
        assertThat(LatheServer.storeMemoryBudget(0, 6L * 1024 * MB)).isEqualTo(384 * MB);
        assertThat(LatheServer.storeMemoryBudget(0, 32L * 1024 * MB)).isEqualTo(512 * MB);
        // no heap limit reported: the small default
        assertThat(LatheServer.storeMemoryBudget(0, Long.MAX_VALUE)).isEqualTo(64 * MB);
    }
}
