package io.lathe.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The id of one Lathe instance: eight random hexadecimal digits, created on first start and kept in
 * {@code <data-dir>/instance-id}. It makes default MQTT client ids unique per instance ({@code lathe-json-<name>-<id>})
 * while keeping them the same across restarts of that instance, so broker ACLs and persistent sessions keep working.
 *
 * <p>Why random and kept, rather than derived: a hash of the data folder's path is the same for every container that
 * mounts its volume at the same path, and the Sparkplug host id defaults to {@code lathe} everywhere; one instance owns
 * one data folder (the store locks it), so an id kept there is as stable as the instance. A copied data folder copies
 * the id: delete {@code instance-id} in the copy to give it a new one.
 */
public final class InstanceId {
    /** The file in the data folder. */
    public static final String FILE = "instance-id";
    private static final Pattern VALID = Pattern.compile("[0-9a-z]{8}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private InstanceId() {}

    /**
     * The instance id kept in {@code dataDir}, created there when there is none.
     *
     * @throws IOException when the file cannot be read or written, or holds something else than an id (the message
     *                     names the file and says how to fix it)
     */
    public static String load(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            byte[] bytes = new byte[4];
            RANDOM.nextBytes(bytes);
            String id = HexFormat.of().formatHex(bytes);
            Path tmp = dataDir.resolve(FILE + ".tmp");
            Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
            try {
                // Never replace an id that appeared meanwhile: the first one written is the instance's.
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                Files.deleteIfExists(tmp);
                if (!Files.exists(file)) Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
            }
        }
        String id = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!VALID.matcher(id).matches()) {
            throw new IOException("invalid instance id [file=" + file.toAbsolutePath() + ", content='"
                    + (id.length() > 40 ? id.substring(0, 40) + "…" : id) + "']: expected 8 hexadecimal digits. Delete the"
                    + " file to get a new id (default MQTT client ids change with it).");
        }
        return id;
    }
}
