package io.lathe.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoCompactionTest {

    @TempDir
    Path dir;

    private static final long T0 = 1_700_000_000_000_000L;

    @Test
    void flushesThatLeaveManySmallFilesInADayCompactThemInTheBackground() throws Exception {
        // A store flushing often (budget pressure, short intervals) must not pile up thousands of tiny files.
        StoreSettings settings = StoreSettings.defaults(dir).withFlushInterval(Duration.ofHours(1));
        try (TelemetryStore s = TelemetryStore.open(settings)) {
            int id = s.seriesId("c", DataType.DOUBLE);
            int other = s.seriesId("d", DataType.LONG);
            for (int f = 0; f < TelemetryStore.AUTO_COMPACT_FILES - 1; f++) {
                for (int i = 0; i < 100; i++) {
                    s.append(id, T0 + (f * 100 + i) * 1000L, f * 100 + i);
                    s.appendLong(other, T0 + (f * 100 + i) * 1000L, i, io.lathe.model.Quality.GOOD);
                }
                s.flush();
            }
            assertThat(s.stats().files()).isEqualTo(TelemetryStore.AUTO_COMPACT_FILES - 1);
            List<Bucket> before = s.aggregate("c", T0, T0 + 1_000_000, 7);

            s.append(id, T0 + 50, -1); // a late point in the last small file
            s.flush(); // the 8th file: flush() returns after the compaction it queued has run
            assertThat(s.stats().files()).isEqualTo(1);
            assertThat(s.raw("c", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo((TelemetryStore.AUTO_COMPACT_FILES - 1) * 100 + 1);
            assertThat(s.raw("d", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo((TelemetryStore.AUTO_COMPACT_FILES - 1) * 100);
            assertThat(s.aggregate("c", T0, T0 + 1_000_000, 7).getFirst().count()).isEqualTo(before.getFirst().count() + 1);
        }
        try (TelemetryStore s = TelemetryStore.open(settings)) {
            // the compacted file is what the manifest lists after a restart
            assertThat(s.stats().files()).isEqualTo(1);
            assertThat(s.raw("c", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo((TelemetryStore.AUTO_COMPACT_FILES - 1) * 100 + 1);
        }
    }

    @Test
    void fewerSmallFilesThanTheThresholdStayAsTheyAre() throws Exception {
        // Compaction costs I/O; it must not run after every flush.
        try (TelemetryStore s = TelemetryStore.open(StoreSettings.defaults(dir).withFlushInterval(Duration.ofHours(1)))) {
            int id = s.seriesId("c", DataType.DOUBLE);
            for (int f = 0; f < TelemetryStore.AUTO_COMPACT_FILES - 1; f++) {
                s.append(id, T0 + f * 1000L, f);
                s.flush();
            }
            assertThat(s.stats().files()).isEqualTo(TelemetryStore.AUTO_COMPACT_FILES - 1);
        }
    }
}
