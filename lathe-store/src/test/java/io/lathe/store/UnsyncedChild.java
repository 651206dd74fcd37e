package io.lathe.store;

import io.lathe.model.DataType;
import java.nio.file.Path;

/**
 * Child process of {@link KillNineTest}: like a connector, appends a few points from a plain thread, never calls sync
 * or flush (default settings: 10 ms log window, 10 min flush), prints {@code appended <n>} and waits to be killed.
 */
public final class UnsyncedChild {
    static final int POINTS = 5;
    static final long T0 = 1_700_000_000_000_000L;

    public static void main(String[] args) throws Exception {
        TelemetryStore store = TelemetryStore.open(StoreSettings.defaults(Path.of(args[0])));
        int id = store.seriesId("connector.value", DataType.DOUBLE);
        Thread t = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < POINTS; i++) store.append(id, T0 + i * 1000L, i);
        });
        t.join();
        System.out.println("appended " + POINTS);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
