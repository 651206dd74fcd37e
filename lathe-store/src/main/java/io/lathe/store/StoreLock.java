package io.lathe.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The exclusive lock of a writable store: an OS lock on {@code LOCK} in the store folder, held while the store is
 * open, so that a second writer cannot replay, flush or delete the log of a running one. The file says who holds it
 * (pid, start, command) for the message the second writer gets. The OS drops the lock when the process dies, so a
 * {@code kill -9} leaves no stale lock behind.
 */
final class StoreLock implements AutoCloseable {
    static final String FILE = "LOCK";

    private final FileChannel channel;
    private final FileLock lock;

    private StoreLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static StoreLock acquire(Path dir) throws IOException {
        Path p = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null; // held by another store instance in this process
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            String holder;
            try {
                holder = Files.readString(p, StandardCharsets.UTF_8).strip().replace('\n', ',').replace("\r", "");
            } catch (IOException e) {
                holder = "unknown holder";
            } finally {
                ch.close();
            }
            if (holder.isEmpty()) holder = "unknown holder";
            throw new IOException("The store is in use by a running Lathe server or command [dataDir=" + dir + ", " + holder
                    + "]: only one process may write a store. Stop it first, or use a read-only command (lathe query, lathe store stats, lathe kpi, lathe store export-tsfile) while it runs.");
        }
        try {
            ProcessHandle me = ProcessHandle.current();
            String text = "pid=" + me.pid() + "\nsince=" + Instant.now() + "\ncommand=" + me.info().command().orElse("java") + "\n";
            ch.truncate(0);
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b, b.position());
        } catch (IOException e) {
            // the lock is what matters; the text is only for the message (disk full must not stop an open)
        }
        return new StoreLock(ch, l);
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
