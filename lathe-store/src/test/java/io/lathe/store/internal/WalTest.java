package io.lathe.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalTest {
    @TempDir
    Path dir;

    private record P(int id, long ts, long bits, byte q) {}

    private static List<P> replayAll(Path file, long[] cut) throws Exception {
        List<P> out = new ArrayList<>();
        cut[0] = Wal.replay(file, true, new Wal.Replay() {
            public void define(int id, byte type, String name) {}
            public void point(int id, long ts, long bits, byte quality) { out.add(new P(id, ts, bits, quality)); }
            public void text(int id, long ts, String text, byte quality) {}
        });
        return out;
    }

    private void writeBatches(int batches, int perBatch) throws Exception {
        ReentrantLock lock = new ReentrantLock();
        Wal wal = new Wal(dir, 1, lock, 1 << 16, 0);
        for (int b = 0; b < batches; b++) {
            lock.lock();
            try {
                for (int i = 0; i < perBatch; i++) wal.appendPoint(3, b * 1000L + i, i, (byte) 0);
            } finally {
                lock.unlock();
            }
            wal.sync();
        }
        wal.close();
    }

    @Test
    void tornTailIsDetectedByChecksumAndCutOff() throws Exception {
        // A crash mid-write leaves half a frame: replay must keep every whole frame, cut the rest, and say how much.
        writeBatches(3, 100);
        Path file = Wal.segmentPath(dir, 1);
        long whole = Files.size(file);
        Files.write(file, new byte[]{(byte) 200, 0, 0, 0, 1, 2, 3, 4, 9, 9, 9}, StandardOpenOption.APPEND);
        long[] cut = {0};
        List<P> points = replayAll(file, cut);
        assertThat(points).hasSize(300);
        assertThat(cut[0]).isEqualTo(11);
        assertThat(Files.size(file)).isEqualTo(whole);
    }

    @Test
    void flippedByteInTheLastFrameCutsOnlyThatFrame() throws Exception {
        // Checksums, not lengths, decide: a frame of the right length with one bad byte is not replayed.
        writeBatches(3, 100);
        Path file = Wal.segmentPath(dir, 1);
        byte[] all = Files.readAllBytes(file);
        int frame = 8 + 100 * 22;
        assertThat(all.length).isEqualTo(3 * frame);
        all[all.length - 5] ^= 0x40;
        Files.write(file, all);
        long[] cut = {0};
        List<P> points = replayAll(file, cut);
        assertThat(points).hasSize(200);
        assertThat(cut[0]).isEqualTo(frame);
        assertThat(points.getLast()).isEqualTo(new P(3, 1099, 99, (byte) 0));
    }
}
