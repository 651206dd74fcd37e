package io.lathe.auth.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lathe.auth.AuthError;
import io.lathe.auth.AuthException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One JSON document in a file that both the server and the CLI ({@code lathe user …}) change. Every change is a
 * read-modify-write under a lock file (between processes) and a lock per path (between threads), written
 * atomically. Reads notice a file replaced by another process (its identity, size or time changed) and reload it,
 * telling {@code onExternalChange} the old and new document, so the server can end sessions of a user whose
 * password the CLI changed.
 */
public final class JsonFileStore<T> {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Map<Path, ReentrantLock> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();

    private record Stamp(Object fileKey, long size, FileTime modified) {}

    /** The new document (null for no change) and what the update returns. */
    public record Change<T, R>(T document, R result) {}

    private final Path file;
    private final Path lockFile;
    private final Class<T> type;
    private final Supplier<T> empty;
    private final BiConsumer<T, T> onExternalChange;
    private final ReentrantLock lock;
    private T document;
    private Stamp stamp;

    JsonFileStore(Path file, Class<T> type, Supplier<T> empty, BiConsumer<T, T> onExternalChange) {
        this.file = file.toAbsolutePath().normalize();
        this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
        this.type = type;
        this.empty = empty;
        this.onExternalChange = onExternalChange;
        this.lock = IN_PROCESS_LOCKS.computeIfAbsent(this.file, p -> new ReentrantLock());
        SecureFiles.ensureDirectory(this.file.getParent());
        lock.lock();
        try {
            document = read();
        } finally {
            lock.unlock();
        }
    }

    Path file() {
        return file;
    }

    /** The current document, reloaded first when another process replaced the file. */
    T current() {
        lock.lock();
        try {
            if (!Objects.equals(stamp(), stamp)) {
                T old = document;
                document = read();
                if (onExternalChange != null) onExternalChange.accept(old, document);
            }
            return document;
        } finally {
            lock.unlock();
        }
    }

    /** Applies {@code change} to the newest document under both locks and writes the result, if any. */
    <R> R update(Function<T, Change<T, R>> change) {
        lock.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            T before = current();
            Change<T, R> c = change.apply(before);
            if (c.document() != null && c.document() != before) {
                SecureFiles.writeAtomically(file, MAPPER.writeValueAsBytes(c.document()));
                document = c.document();
                stamp = stamp();
            }
            return c.result();
        } catch (IOException e) {
            throw new AuthException(AuthError.STORE, "Cannot lock [path=" + lockFile + "]: " + e.getMessage()
                    + ". Check that the data folder is writable by the user running Lathe.", e);
        } finally {
            lock.unlock();
        }
    }

    private T read() {
        Stamp s = stamp();
        if (s == null) {
            stamp = null;
            return empty.get();
        }
        try {
            T t = MAPPER.readValue(Files.readAllBytes(file), type);
            stamp = s;
            return t == null ? empty.get() : t;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : ", line=" + e.getLocation().getLineNr() + ", column=" + e.getLocation().getColumnNr();
            throw new AuthException(AuthError.STORE, "Cannot parse [path=" + file + where + "]: " + e.getOriginalMessage()
                    + ". Restore the file from a backup or fix it by hand; Lathe does not overwrite it.", e);
        } catch (IOException e) {
            throw new AuthException(AuthError.STORE, "Cannot read [path=" + file + "]: " + e.getMessage()
                    + ". Check that it is readable by the user running Lathe.", e);
        }
    }

    private Stamp stamp() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(a.fileKey(), a.size(), a.lastModifiedTime());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new AuthException(AuthError.STORE, "Cannot read [path=" + file + "]: " + e.getMessage() + ".", e);
        }
    }
}
