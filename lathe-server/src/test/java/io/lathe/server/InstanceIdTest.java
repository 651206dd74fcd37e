package io.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceIdTest {

    // Default MQTT client ids must stay the same across restarts of one instance and differ between instances.
    @Test
    void createdOnceKeptAcrossRestartsAndDifferentPerDataFolder(@TempDir Path a, @TempDir Path b) throws IOException {
        String first = InstanceId.load(a);
        assertThat(first).matches("[0-9a-f]{8}");
        assertThat(Files.readString(a.resolve(InstanceId.FILE)).strip()).isEqualTo(first);
        assertThat(InstanceId.load(a)).isEqualTo(first);
        assertThat(InstanceId.load(b)).isNotEqualTo(first);
    }

    // A damaged file is an error that names the file and the fix, never a silently new id.
    @Test
    void damagedFileIsRefusedWithTheFix(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(InstanceId.FILE), "not an id");
        assertThatThrownBy(() -> InstanceId.load(dir)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("invalid instance id [file=" + dir.resolve(InstanceId.FILE).toAbsolutePath()
                        + ", content='not an id']: expected 8 hexadecimal digits. Delete the file");
    }
}
