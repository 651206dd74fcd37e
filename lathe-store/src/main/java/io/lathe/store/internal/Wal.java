package io.lathe.store.internal;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-ahead log with group commit. Appenders (holding the store's lock) encode records into the active batch;
 * one writer thread seals batches, writes each as a frame {@code [int payloadLength][int CRC32C][payload]} to the
 * segment file of the batch's generation and forces it to disk. A record is durable once {@link #durableSequence()}
 * reaches its sequence number. Segments are {@code wal/<generation>.wal}; {@link #rotate()} starts a new generation
 * so that a flushed memtable's segments can be deleted whole.
 */
public final class Wal implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Wal.class);
    public static final byte DEFINE = 1, POINT = 2, TEXT_POINT = 3;
    public static final int MAX_FRAME = 64 << 20;
    private static final int BUFFERS = 3;

    private final Path dir;
    private final ReentrantLock lock;
    private final Condition work;
    private final Condition progress;
    private final int capacity;
    private final long syncIntervalNanos;
    private final ArrayDeque<Batch> sealed = new ArrayDeque<>();
    private final ArrayDeque<ByteSink> free = new ArrayDeque<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final Thread writer;
    private Batch active;
    private long generation;
    private long appended;
    private long durable;
    private long syncWanted;
    private boolean closing;
    private volatile IOException failure;
    private long fsyncs;
    private long bytesWritten;

    private record Batch(ByteSink buf, long generation, long[] lastSeq) {}

    private record Waiter(long seq, CompletableFuture<Void> future) {}

    public Wal(Path dir, long generation, ReentrantLock lock, int bufferBytes, long syncIntervalNanos) throws IOException {
        this.dir = dir;
        this.lock = lock;
        this.work = lock.newCondition();
        this.progress = lock.newCondition();
        this.capacity = bufferBytes;
        this.syncIntervalNanos = syncIntervalNanos;
        this.generation = generation;
        Files.createDirectories(dir);
        for (int i = 0; i < BUFFERS - 1; i++) free.add(new ByteSink(bufferBytes + 1024));
        active = new Batch(new ByteSink(bufferBytes + 1024), generation, new long[1]);
        writer = Thread.ofPlatform().daemon().name("lathe-wal-writer").start(this::runWriter);
    }

    public static Path segmentPath(Path dir, long generation) {
        return dir.resolve(String.format("%016d.wal", generation));
    }

    /** Generations of the segment files present, ascending. */
    public static List<Long> generations(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".wal"))
                    .map(n -> Long.parseLong(n.substring(0, n.length() - 4))).sorted().toList();
        }
    }

    // ------------------------------------------------------------------ appenders (store lock held)

    private ByteSink reserve(int bytes) {
        IOException f = failure;
        if (f != null) throw new UncheckedIOException("write-ahead log failed earlier; the store accepts no more points. Restart it.", f);
        while (active.buf.pos + bytes > capacity && active.buf.pos > 0) {
            if (!free.isEmpty()) {
                seal();
            } else {
                work.signal();
                progress.awaitUninterruptibly();
                f = failure;
                if (f != null) throw new UncheckedIOException("write-ahead log failed; the store accepts no more points. Restart it.", f);
            }
        }
        return active.buf;
    }

    private void seal() {
        active.lastSeq[0] = appended;
        sealed.add(active);
        active = new Batch(free.poll(), generation, new long[1]);
        work.signal();
    }

    public long appendDefine(int id, byte type, String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        ByteSink s = reserve(16 + b.length);
        s.put(DEFINE);
        s.putInt(id);
        s.put(type);
        s.putVarLong(b.length);
        s.putBytes(b, 0, b.length);
        return ++appended;
    }

    public long appendPoint(int id, long ts, long bits, byte quality) {
        ByteSink s = reserve(22);
        s.put(POINT);
        s.putInt(id);
        s.putLong(ts);
        s.putLong(bits);
        s.put(quality);
        if (s.pos > (capacity >>> 1)) work.signal();
        return ++appended;
    }

    public long appendText(int id, long ts, String text, byte quality) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ByteSink s = reserve(24 + b.length);
        s.put(TEXT_POINT);
        s.putInt(id);
        s.putLong(ts);
        s.put(quality);
        s.putVarLong(b.length);
        s.putBytes(b, 0, b.length);
        return ++appended;
    }

    /** Starts a new generation; returns it. Records appended from now on go to its segment. Store lock held. */
    public long rotate() {
        if (active.buf.pos > 0) {
            while (free.isEmpty() && failure == null) {
                work.signal();
                progress.awaitUninterruptibly();
            }
            if (failure == null) seal();
        }
        generation++;
        active = new Batch(active.buf, generation, active.lastSeq);
        return generation;
    }

    public long generation() { return generation; }

    public long appendedSequence() { return appended; }

    // ------------------------------------------------------------------ durability

    public long durableSequence() {
        lock.lock();
        try {
            return durable;
        } finally {
            lock.unlock();
        }
    }

    /** Completes when every record appended before this call is on disk. */
    public CompletableFuture<Void> syncAsync() {
        lock.lock();
        try {
            CompletableFuture<Void> f = new CompletableFuture<>();
            if (failure != null) f.completeExceptionally(failure);
            else if (durable >= appended) f.complete(null);
            else {
                waiters.add(new Waiter(appended, f));
                syncWanted = Math.max(syncWanted, appended);
                work.signal();
            }
            return f;
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until every record appended before this call is on disk. */
    public void sync() throws IOException {
        lock.lock();
        try {
            long target = appended;
            syncWanted = Math.max(syncWanted, target);
            work.signal();
            while (durable < target) {
                if (failure != null) throw failure;
                progress.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    public long fsyncCount() { return fsyncs; }

    public long bytesWritten() { return bytesWritten; }

    // ------------------------------------------------------------------ writer thread

    private void runWriter() {
        FileChannel ch = null;
        long chGen = -1;
        List<Batch> todo = new ArrayList<>();
        ByteBuffer header = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = new CRC32C();
        while (true) {
            lock.lock();
            try {
                while (sealed.isEmpty() && active.buf.pos == 0 && !closing) work.awaitUninterruptibly();
                if (sealed.isEmpty() && syncIntervalNanos > 0 && !closing) {
                    long deadline = System.nanoTime() + syncIntervalNanos;
                    long left;
                    while (syncWanted <= durable && sealed.isEmpty() && active.buf.pos < (capacity >>> 1) && !closing
                            && (left = deadline - System.nanoTime()) > 0) {
                        try {
                            work.awaitNanos(left);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                }
                if (active.buf.pos > 0) {
                    if (free.isEmpty()) {
                        // all spare buffers are queued; write those first
                    } else {
                        seal();
                    }
                }
                todo.addAll(sealed);
                sealed.clear();
                if (todo.isEmpty() && closing) break;
            } finally {
                lock.unlock();
            }
            long last = -1;
            IOException error = null;
            try {
                for (Batch b : todo) {
                    if (b.generation != chGen) {
                        if (ch != null) {
                            ch.force(false);
                            ch.close();
                        }
                        ch = FileChannel.open(segmentPath(dir, b.generation), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        ch.position(ch.size());
                        chGen = b.generation;
                        FileUtil.forceDirectory(dir);
                    }
                    crc.reset();
                    crc.update(b.buf.buf, 0, b.buf.pos);
                    header.clear();
                    header.putInt(b.buf.pos).putInt((int) crc.getValue()).flip();
                    ByteBuffer payload = ByteBuffer.wrap(b.buf.buf, 0, b.buf.pos);
                    ByteBuffer[] both = {header, payload};
                    while (payload.hasRemaining()) ch.write(both);
                    bytesWritten += 8 + b.buf.pos;
                    last = b.lastSeq[0];
                }
                if (ch != null && !todo.isEmpty()) {
                    ch.force(false);
                    fsyncs++;
                }
            } catch (IOException e) {
                error = e;
                LOG.error("Write-ahead log write failed [dir={}]: {}. The store stops accepting points.", dir, e.toString());
            }
            lock.lock();
            try {
                for (Batch b : todo) {
                    b.buf.reset();
                    free.add(b.buf);
                }
                todo.clear();
                if (error != null) failure = error;
                if (last > durable) durable = last;
                for (var it = waiters.iterator(); it.hasNext(); ) {
                    Waiter w = it.next();
                    if (failure != null) {
                        w.future.completeExceptionally(failure);
                        it.remove();
                    } else if (w.seq <= durable) {
                        w.future.complete(null);
                        it.remove();
                    }
                }
                progress.signalAll();
                if (failure != null) break;
            } finally {
                lock.unlock();
            }
        }
        try {
            if (ch != null) {
                ch.force(false);
                ch.close();
            }
        } catch (IOException e) {
            LOG.warn("Closing write-ahead log segment failed [dir={}]: {}", dir, e.toString());
        }
    }

    /** Writes and forces what is pending, then stops the writer thread. */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ replay

    /** Receives replayed records. */
    public interface Replay {
        void define(int id, byte type, String name);

        void point(int id, long ts, long bits, byte quality);

        void text(int id, long ts, String text, byte quality);
    }

    /**
     * Replays one segment. A frame that is incomplete or fails its checksum ends the segment: the file is truncated
     * there and the number of bytes cut is logged. Returns the number of bytes cut.
     */
    public static long replay(Path file, Replay sink) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long pos = 0;
            ByteBuffer header = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            CRC32C crc = new CRC32C();
            byte[] buf = new byte[0];
            String why = null;
            while (pos < size) {
                if (size - pos < 8) { why = "incomplete frame header"; break; }
                header.clear();
                while (header.hasRemaining()) if (ch.read(header, pos + header.position()) < 0) break;
                header.flip();
                int len = header.getInt();
                int sum = header.getInt();
                if (len <= 0 || len > MAX_FRAME) { why = "frame length out of range (" + len + ")"; break; }
                if (size - pos - 8 < len) { why = "incomplete frame (" + (size - pos - 8) + " of " + len + " bytes)"; break; }
                if (buf.length < len) buf = new byte[Math.max(len, buf.length * 2)];
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
                while (bb.hasRemaining()) if (ch.read(bb, pos + 8 + bb.position()) < 0) break;
                crc.reset();
                crc.update(buf, 0, len);
                if ((int) crc.getValue() != sum) { why = "checksum mismatch"; break; }
                try {
                    decodeFrame(buf, len, sink);
                } catch (CorruptDataException e) {
                    why = "undecodable frame: " + e.getMessage();
                    break;
                }
                pos += 8 + len;
            }
            long cut = size - pos;
            if (cut > 0) {
                ch.truncate(pos);
                ch.force(true);
                LOG.warn("Write-ahead log tail cut off [file={}, offset={}, bytesCut={}]: {}. Points in that tail were never acknowledged as durable.",
                        file, pos, cut, why);
            }
            return cut;
        }
    }

    private static void decodeFrame(byte[] buf, int len, Replay sink) {
        ByteSource in = new ByteSource(buf, 0, len);
        while (in.remaining() > 0) {
            int kind = in.get();
            switch (kind) {
                case DEFINE -> {
                    int id = in.getInt();
                    byte type = (byte) in.get();
                    int n = in.getVarInt();
                    byte[] b = new byte[n];
                    in.getBytes(b, 0, n);
                    sink.define(id, type, new String(b, StandardCharsets.UTF_8));
                }
                case POINT -> sink.point(in.getInt(), in.getLong(), in.getLong(), (byte) in.get());
                case TEXT_POINT -> {
                    int id = in.getInt();
                    long ts = in.getLong();
                    byte q = (byte) in.get();
                    int n = in.getVarInt();
                    byte[] b = new byte[n];
                    in.getBytes(b, 0, n);
                    sink.text(id, ts, new String(b, StandardCharsets.UTF_8), q);
                }
                default -> throw new CorruptDataException("unknown record kind [kind=" + kind + "]");
            }
        }
    }
}
