package io.lathe.store;

import io.lathe.model.DataType;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Child process of {@link KillNineTest}: ingests a deterministic sequence (point k goes to series k % SERIES at
 * time T0 + (k / SERIES) ms with value k) as fast as it can, and after each sync prints {@code durable <k>} meaning
 * every point below k is acknowledged as durable. Resumes after the points already stored.
 */
public final class CrashChild {
    static final int SERIES = 20;
    static final long T0 = 1_700_000_000_000_000L;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        StoreSettings settings = StoreSettings.defaults(dir).withMemoryBudgetBytes(8L << 20)
                .withFlushInterval(Duration.ofMillis(300)).withWalSyncInterval(Duration.ofMillis(2));
        TelemetryStore store = TelemetryStore.open(settings);
        int[] ids = new int[SERIES];
        for (int s = 0; s < SERIES; s++) ids[s] = store.seriesId("s" + s, DataType.DOUBLE);
        long k = store.stats().points();
        System.out.println("start " + k);
        System.out.flush();
        while (true) {
            for (int i = 0; i < 20_000; i++, k++) {
                store.append(ids[(int) (k % SERIES)], T0 + (k / SERIES) * 1000, (double) k);
            }
            store.sync();
            System.out.println("durable " + k);
            System.out.flush();
        }
    }
}
