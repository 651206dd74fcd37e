package io.lathe.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.broker.BrokerIdentities;
import io.lathe.broker.BrokerIdentity;
import io.lathe.broker.DevicePasswords;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code lathe mqtt-client hash-password} makes hashes the embedded broker's client list accepts. */
class MqttClientCommandTest {
    private record Result(int code, String out, String err) {}

    private static Result run(String stdin, String... args) {
        InputStream before = System.in;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
            return new Result(code, out.toString(), err.toString());
        } finally {
            System.setIn(before);
        }
    }

    @Test
    void hashFromStandardInputVerifiesAndIsAcceptedInTheClientsFile() throws Exception {
        String password = "gateway pass 7 with spaces ";
        Result r = run(password + "\nsecond line ignored\n", "mqtt-client", "hash-password", "--stdin");
        assertThat(r.code()).as(r.err()).isZero();
        String hash = r.out().strip();
        assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").doesNotContain(password.strip());
        assertThat(DevicePasswords.verify(password, hash)).as("spaces belong to the password").isTrue();
        assertThat(DevicePasswords.verify(password.strip(), hash)).isFalse();

        List<BrokerIdentity> ids = BrokerIdentities.parse("""
                edge-nodes:
                  - username: line1-gateway
                    password-hash: '%s'
                    group: Plant1
                    edge-node: Line1
                """.formatted(hash), "clients.yaml");
        assertThat(ids).hasSize(1);

        Result again = run(password + "\n", "mqtt-client", "hash-password", "--stdin");
        assertThat(again.out().strip()).as("a new salt each time").isNotEqualTo(hash);
    }

    @Test
    void emptyOrMissingPasswordIsRefusedWithExitCode2() {
        Result empty = run("\n", "mqtt-client", "hash-password", "--stdin");
        assertThat(empty.code()).isEqualTo(2);
        assertThat(empty.err()).contains("empty");
        assertThat(empty.out()).isEmpty();

        Result noInput = run("", "mqtt-client", "hash-password", "--stdin");
        assertThat(noInput.code()).isEqualTo(2);
        assertThat(noInput.err()).contains("standard input is empty");
    }

    @Test
    void withoutATerminalItPointsToStdin() {
        // Tests run without a console, so System.console() is null (JDK 21) or not interactive.
        if (System.console() != null) {
            org.junit.jupiter.api.Assumptions.abort("a console is attached; the prompt would wait for typing");
        }
        Result r = run("", "mqtt-client", "hash-password");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--stdin");
    }
}
