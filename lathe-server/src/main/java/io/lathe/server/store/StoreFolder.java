package io.lathe.server.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the telemetry store is, given the folder a user names on the command line: the server's data folder
 * ({@code --data-dir} of {@code lathe serve}, holding {@code store/}) or the store folder itself. Read-only commands
 * ({@code query}, {@code store stats}, {@code kpi}, {@code store export-tsfile}) accept both and never create anything.
 */
public final class StoreFolder {
    /** The server's data folder keeps its store here. */
    public static final String SUBFOLDER = "store";

    private StoreFolder() {
    }

    /** The store in {@code dir}: {@code dir/store} for a server's data folder, {@code dir} for a store folder, else empty. */
    public static Optional<Path> find(Path dir) {
        if (isStore(dir.resolve(SUBFOLDER))) return Optional.of(dir.resolve(SUBFOLDER));
        if (isStore(dir)) return Optional.of(dir);
        return Optional.empty();
    }

    /**
     * The store folder a writing command (such as {@code lathe import}) uses: {@code dir/store} when {@code dir} is a
     * server's data folder (it holds {@code store/}), otherwise {@code dir} itself, created by the store when missing.
     */
    public static Path forWriting(Path dir) {
        return Files.isDirectory(dir.resolve(SUBFOLDER)) ? dir.resolve(SUBFOLDER) : dir;
    }

    /** A store folder holds its manifest or its write-ahead log folder (a store opened once for writing has both). */
    static boolean isStore(Path p) {
        return Files.isRegularFile(p.resolve("MANIFEST")) || Files.isDirectory(p.resolve("wal"));
    }

    /** One line saying why there is no store in {@code dir}, and what to do. */
    public static String noStore(String command, Path dir) {
        String why = !Files.exists(dir) ? "the folder does not exist"
                : !Files.isDirectory(dir) ? "it is a file, not a folder"
                : "it is neither a store folder (MANIFEST, wal/) nor a server's data folder holding store/";
        return command + ": no store in " + dir + " (" + why + "). Give the --data-dir of lathe serve or of lathe import; "
                + "lathe import --data-dir DIR --format long FILE creates one.";
    }
}
