package io.lathe.store.internal;

import java.io.Closeable;
import java.io.IOException;
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
 *
 * <p>The first record of a batch wakes the writer, which forces the batch at most {@code syncIntervalNanos} later
 * (earlier when a sync is asked for or the buffer is half full), so every record is on disk within that interval
 * plus one write and fsync, whatever the rate.
 *
 * <p>A failed write or fsync keeps its batches: the writer reopens the segment, cuts it back to what was last forced
 * and writes them again, retrying with a growing pause (up to {@link #MAX_RETRY_NANOS}) until it succeeds. Meanwhile
 * {@link #failed()} is true and appenders are refused ({@link Unavailable}), so memory does not fill up.
 */
public final class Wal implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Wal.class);
    public static final byte DEFINE = 1, POINT = 2, TEXT_POINT = 3;
    /**
     * Frames above this length are checked against their checksum before they are believed: a valid one is replayed,
     * so a torn tail is told from a large frame written by an older version (records are bounded now).
     */
    public static final int MAX_FRAME = 64 << 20;
    private static final int BUFFERS = 3;
    static final long MIN_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_RETRY_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** The log cannot take records now (its writes fail); the message says why. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

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
    /** The last write error while writes fail, else null. Guarded by the lock. */
    private IOException failure;
    /** System.nanoTime() of the first record in the active batch. Guarded by the lock. */
    private long activeSince;
    private long fsyncs;
    private long bytesWritten;

    private record Batch(ByteSink buf, long generation, long[] lastSeq) {}

    /**
     * The active buffer the writer was told is half full, so that it is told once: a signal per point touched the
     * lock's owner field, which the woken writer was contending for from the other core (2.6 % of a profile).
     * The writer checks the fill level under the lock before it waits, so one signal cannot be missed.
     */
    private ByteSink halfSignalled;

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
        if (failure != null) throw unavailable();
        while (active.buf.pos + bytes > capacity && active.buf.pos > 0) {
            if (!free.isEmpty()) {
                seal();
            } else {
                work.signal();
                progress.awaitUninterruptibly();
                if (failure != null) throw unavailable();
            }
        }
        if (active.buf.pos == 0) {
            // the first record of a batch starts the clock of the group-commit window and wakes the writer
            activeSince = System.nanoTime();
            work.signal();
        }
        return active.buf;
    }

    private Unavailable unavailable() {
        return new Unavailable(failureMessage(), failure);
    }

    /** True while writes fail (the writer retries). Store lock held. */
    public boolean failed() { return failure != null; }

    /** Why writes fail, e.g. {@code "write-ahead log write failed: No space left on device [dir=…]"}, or null. Store lock held. */
    public String failureMessage() {
        IOException f = failure;
        if (f == null) return null;
        String m = f.getMessage() == null ? f.getClass().getSimpleName() : f.getMessage();
        return "write-ahead log write failed: " + m + " [dir=" + dir + "]";
    }

    private void seal() {
        active.lastSeq[0] = appended;
        sealed.add(active);
        active = new Batch(free.poll(), generation, new long[1]);
        halfSignalled = null;
        work.signal();
    }

    public long appendDefine(int id, byte type, byte[] b) {
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
        s.putPoint(POINT, id, ts, bits, quality);
        if (s.pos > (capacity >>> 1) && halfSignalled != s) {
            halfSignalled = s;
            work.signal();
        }
        return ++appended;
    }

    public long appendText(int id, long ts, byte[] b, byte quality) {
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
            // records must stay in their generation's segment: while writes fail, a spare buffer is made for this
            if (free.isEmpty()) free.add(new ByteSink(capacity + 1024));
            seal();
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
            if (failure != null) f.completeExceptionally(new IOException(failureMessage(), failure));
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
                if (failure != null) throw new IOException(failureMessage() + ". The points are kept in memory and written when the cause is gone.", failure);
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
        // the generation and length of the segment part known to be forced: a retry cuts the file back to it
        long forcedGen = -1, forcedLength = 0;
        List<Batch> todo = new ArrayList<>();
        ByteBuffer header = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = new CRC32C();
        long retryNanos = 0;
        int failuresWhileClosing = 0;
        while (true) {
            lock.lock();
            try {
                if (retryNanos > 0) {
                    long deadline = System.nanoTime() + retryNanos;
                    long left;
                    while (!closing && (left = deadline - System.nanoTime()) > 0) {
                        try {
                            work.awaitNanos(left);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                } else {
                    while (sealed.isEmpty() && active.buf.pos == 0 && !closing) work.awaitUninterruptibly();
                    if (sealed.isEmpty() && syncIntervalNanos > 0 && !closing) {
                        long deadline = activeSince + syncIntervalNanos;
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
                }
                if (active.buf.pos > 0 && !free.isEmpty()) seal(); // else all spare buffers are queued: write those first
                todo.addAll(sealed);
                sealed.clear();
                if (todo.isEmpty() && closing) break;
            } finally {
                lock.unlock();
            }
            IOException error = null;
            int done = 0;
            try {
                while (done < todo.size()) {
                    long g = todo.get(done).generation;
                    if (g != chGen || ch == null) {
                        if (ch != null) ch.close(); // forced when its last batches were written
                        ch = FileChannel.open(segmentPath(dir, g), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        chGen = g;
                        long keep = g == forcedGen ? forcedLength : 0;
                        // after a failure the file may end in a partial frame: cut it back to what was forced
                        if (ch.size() > keep) ch.truncate(keep);
                        ch.position(keep);
                        FileUtil.forceDirectory(dir);
                    }
                    int end = done;
                    for (; end < todo.size() && todo.get(end).generation == g; end++) {
                        Batch b = todo.get(end);
                        crc.reset();
                        crc.update(b.buf.buf, 0, b.buf.pos);
                        header.clear();
                        header.putInt(b.buf.pos).putInt((int) crc.getValue()).flip();
                        ByteBuffer payload = ByteBuffer.wrap(b.buf.buf, 0, b.buf.pos);
                        ByteBuffer[] both = {header, payload};
                        while (payload.hasRemaining()) ch.write(both);
                        bytesWritten += 8 + b.buf.pos;
                    }
                    ch.force(false);
                    fsyncs++;
                    forcedGen = g;
                    forcedLength = ch.position();
                    finished(todo, done, end);
                    done = end;
                }
                todo.clear();
            } catch (IOException e) {
                error = e;
                todo.subList(0, done).clear();
                if (ch != null) {
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // reopened on retry
                    }
                    ch = null;
                }
            }
            lock.lock();
            try {
                if (error != null) {
                    boolean first = failure == null;
                    failure = error;
                    retryNanos = retryNanos == 0 ? MIN_RETRY_NANOS : Math.min(MAX_RETRY_NANOS, retryNanos * 2);
                    if (first) {
                        LOG.error("Write-ahead log write failed [dir={}, pendingBatches={}]: {}. The store refuses new points and retries until the write succeeds.",
                                dir, todo.size(), error.toString());
                    }
                    for (var it = waiters.iterator(); it.hasNext(); ) {
                        it.next().future.completeExceptionally(new IOException(failureMessage(), error));
                        it.remove();
                    }
                    progress.signalAll();
                    if (closing && ++failuresWhileClosing >= 3) {
                        LOG.error("Write-ahead log closed with unwritten records [dir={}, batches={}]: {}. Points not yet in files are lost.",
                                dir, todo.size(), error.toString());
                        break;
                    }
                } else if (failure != null) {
                    LOG.info("Write-ahead log writes succeed again [dir={}]; the store accepts points.", dir);
                    failure = null;
                    retryNanos = 0;
                    progress.signalAll();
                }
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

    /** Batches [from, to) of {@code todo} are forced: recycles them and wakes whoever waits for them. */
    private void finished(List<Batch> todo, int from, int to) {
        lock.lock();
        try {
            for (int i = from; i < to; i++) {
                Batch b = todo.get(i);
                if (b.lastSeq[0] > durable) durable = b.lastSeq[0];
                b.buf.reset();
                if (free.size() < BUFFERS - 1) free.add(b.buf); // spares made while writes failed are dropped
            }
            for (var it = waiters.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w.seq <= durable) {
                    w.future.complete(null);
                    it.remove();
                }
            }
            progress.signalAll();
        } finally {
            lock.unlock();
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
     * Replays one segment. A frame that is incomplete or fails its checksum ends the segment: with {@code repair} the
     * file is truncated there and the number of bytes cut is logged (a torn tail: the writer forces frames in order, so
     * only the last ones can be incomplete, and they were never acknowledged). A frame longer than {@link #MAX_FRAME}
     * is replayed when the file holds all of it and its checksum matches (checked in chunks before it is read whole).
     * Returns the number of bytes after the last good frame.
     */
    public static long replay(Path file, boolean repair, Replay sink) throws IOException {
        try (FileChannel ch = repair ? FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE) : FileChannel.open(file, StandardOpenOption.READ)) {
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
                if (len <= 0) { why = "frame length out of range (" + len + ")"; break; }
                if (size - pos - 8 < len) { why = "incomplete frame (" + (size - pos - 8) + " of " + len + " bytes)"; break; }
                if (len > MAX_FRAME && !checksumMatches(ch, pos + 8, len, sum)) { why = "frame of " + len + " bytes fails its checksum"; break; }
                if (buf.length < len) buf = new byte[len > MAX_FRAME ? len : Math.max(len, Math.min(MAX_FRAME, buf.length * 2))];
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
                if (len > MAX_FRAME) buf = new byte[0]; // do not keep a huge buffer for the small frames after it
                pos += 8 + len;
            }
            long cut = size - pos;
            if (cut > 0 && repair) {
                ch.truncate(pos);
                ch.force(true);
                LOG.warn("Write-ahead log tail cut off [file={}, offset={}, bytesCut={}]: {}. Points in that tail were never acknowledged as durable.",
                        file, pos, cut, why);
            }
            return cut;
        }
    }

    /** CRC32C of [offset, offset + len) of the file, read in 1 MiB chunks, against {@code sum}. */
    private static boolean checksumMatches(FileChannel ch, long offset, int len, int sum) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        long p = offset, end = offset + len;
        while (p < end) {
            chunk.clear();
            chunk.limit((int) Math.min(chunk.capacity(), end - p));
            int r = ch.read(chunk, p);
            if (r < 0) return false;
            chunk.flip();
            crc.update(chunk);
            p += r;
        }
        return (int) crc.getValue() == sum;
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
