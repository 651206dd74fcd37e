package io.lathe.store.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

public final class FileUtil {
    private FileUtil() {}

    /** Forces a directory's entries (a rename or a new file) to disk; silently skipped where the OS does not allow it. */
    public static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // not supported on every platform; renames are still atomic
        }
    }
}
