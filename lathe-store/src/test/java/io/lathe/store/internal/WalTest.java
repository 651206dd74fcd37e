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

    @Test
    void aValidFrameAboveTheFrameLimitIsReplayedAndThePointsAfterItAreKept() throws Exception {
        // Issue 9.11: a text value over 64 MiB (written as one frame by an older version) was taken for a torn tail, and
        // the 201 acknowledged points after it were cut. Records are bounded now; replay checks such a frame's checksum.
        ReentrantLock lock = new ReentrantLock();
        Wal wal = new Wal(dir, 1, lock, 1 << 16, 0);
        byte[] big = new byte[Wal.MAX_FRAME + 10];
        java.util.Arrays.fill(big, (byte) 'x');
        lock.lock();
        try {
            wal.appendText(0, 1, big, (byte) 0);
        } finally {
            lock.unlock();
        }
        wal.sync();
        lock.lock();
        try {
            for (int i = 0; i < 201; i++) wal.appendPoint(0, 2 + i, i, (byte) 0);
        } finally {
            lock.unlock();
        }
        wal.sync();
        wal.close();
        Path file = Wal.segmentPath(dir, 1);
        long size = Files.size(file);
        long[] cut = {0};
        assertThat(replayAll(file, cut)).hasSize(201);
        assertThat(cut[0]).isZero();
        assertThat(Files.size(file)).isEqualTo(size);

        // the same frame torn (its last byte missing, as after a crash mid-write) is still cut
        try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(header, 0);
            int firstFrame = header.getInt(0);
            assertThat(firstFrame).isGreaterThan(Wal.MAX_FRAME);
            ch.truncate(8L + firstFrame - 1);
        }
        assertThat(replayAll(file, cut)).isEmpty();
        assertThat(cut[0]).isPositive();
    }
}
