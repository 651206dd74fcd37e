package io.lathe.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Issue 2, test 4: configuration mistakes and taken ports stop start-up with a message that says how to fix them.
class CommandLineErrorsTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void configurationMistakeExitsWithCodeTwoNamingKeyAndLine() throws IOException {
        Path cfg = dir.resolve("plant.yaml");
        Files.writeString(cfg, "plant:\n  enterprise: Acme\nserver:\n  htp-port: 80\n");
        Result r = run("serve", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(cfg + ":4: server.htp-port: unknown key; did you mean 'server.http-port'?");
    }

    @Test
    void missingConfigurationFileSaysSo() {
        Result r = run("serve", "--config", dir.resolve("nope.yaml").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("nope.yaml: --config: file not found");
    }

    @Test
    void takenHttpPortNamesThePortAndTheOption() throws IOException {
        Path cfg = dir.resolve("plant.yaml");
        Files.writeString(cfg, "plant:\n  enterprise: Acme\nsparkplug:\n  enabled: false\nmqtt:\n  broker: tcp://127.0.0.1:1\n");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"))) {
            int port = taken.getLocalPort();
            Result r = run("serve", "--config", cfg.toString(), "--http-port", Integer.toString(port), "--data-dir", dir.toString());
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("HTTP port " + port + " is already in use").contains("--http-port");
        }
    }

    @Test
    void takenMqttPortNamesThePortAndTheOption() throws IOException {
        Path cfg = dir.resolve("plant.yaml");
        Files.writeString(cfg, "plant:\n  enterprise: Acme\nsparkplug:\n  enabled: false\n");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"))) {
            int port = taken.getLocalPort();
            Result r = run("serve", "--config", cfg.toString(), "--http-port", "0", "--mqtt-port", Integer.toString(port),
                    "--data-dir", dir.toString());
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("MQTT port " + port + " is already in use").contains("--mqtt-port");
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : new String[] {"serve", "demo", "config-reference"}) {
            Result r = run(cmd, "--help");
            assertThat(r.code()).as(cmd).isZero();
            assertThat(r.out()).as(cmd).contains("Usage: lathe " + cmd);
        }
    }
}
