package io.lathe.auth.internal;

import io.lathe.auth.AuthError;
import io.lathe.auth.AuthException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Files only the owner may read, written whole-or-not-at-all. */
public final class SecureFiles {
    static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    private SecureFiles() {}

    /** Creates {@code dir} (owner-only) if missing. */
    public static void ensureDirectory(Path dir) {
        try {
            if (Files.isDirectory(dir)) return;
            if (posix(dir.toAbsolutePath().getParent())) {
                Files.createDirectories(dir.toAbsolutePath().getParent());
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
                } catch (FileAlreadyExistsException raced) {
                    // another process made it first: fine
                }
            } else {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new AuthException(AuthError.STORE, "Cannot create folder [path=" + dir + "]: " + e.getMessage()
                    + ". Check that the data folder is writable by the user running Lathe.", e);
        }
    }

    /**
     * Writes {@code content} to {@code target} through a temporary file in the same folder, forced to disk and
     * renamed over the target, so readers see the old or the new file, never a part. The file is owner-only
     * (600) from its creation on, so the secret never sits in a readable file even briefly.
     */
    public static void writeAtomically(Path target, byte[] content) {
        Path dir = target.toAbsolutePath().getParent();
        ensureDirectory(dir);
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            FileAttribute<?>[] attrs = posix(dir) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_FILE)} : new FileAttribute<?>[0];
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attrs)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new AuthException(AuthError.STORE, "Cannot write [path=" + target + "]: " + e.getMessage()
                    + ". Check free space and that the folder is writable by the user running Lathe.", e);
        }
    }

    /** Sets owner-only permissions on an existing file where the file system knows POSIX permissions. */
    public static void restrictToOwner(Path file) {
        try {
            if (posix(file)) Files.setPosixFilePermissions(file, OWNER_FILE);
        } catch (IOException e) {
            throw new AuthException(AuthError.STORE, "Cannot restrict permissions [path=" + file + "]: " + e.getMessage() + ".", e);
        }
    }

    static boolean posix(Path anyPathOnTheFileSystem) {
        return anyPathOnTheFileSystem.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
