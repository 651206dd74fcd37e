package io.lathe.server.jar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.lathe.broker.DevicePasswords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker of the shaded jar, as users run it ({@code java -jar lathe.jar serve}): proof that trimming the
 * jar (issue 14: no RocksDB, no Xodus, no Eclipse Collections) removed nothing the broker needs. A device of
 * the clients file logs in (the access-control extension checks its Argon2id hash), publishes at QoS 0 and 1, gets
 * its messages delivered, a retained message reaches a later subscriber, and wrong passwords, anonymous clients and
 * topics outside its rights are refused.
 */
class LatheJarBrokerIT {
    private static final Pattern MQTT = Pattern.compile("MQTT\\s+tcp://[^:]+:(\\d+) \\(embedded broker");

    @TempDir
    Path dir;

    @Test
    void brokerOfTheShadedJarStartsAuthenticatesAndDelivers() throws Exception {
        Path jar = LatheJarIT.jar().toAbsolutePath();
        Files.writeString(dir.resolve("clients.yaml"), """
                devices:
                  - username: dev1
                    password-hash: '%s'
                    publish: [ "plant/#" ]
                    subscribe: [ "plant/#" ]
                """.formatted(DevicePasswords.hash("dev-secret")));
        Files.writeString(dir.resolve("plant.yaml"), """
                mqtt:
                  embedded:
                    clients-file: clients.yaml
                plant:
                  enterprise: Test
                  sites: []
                """);
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path out = dir.resolve("lathe.out");
        Path err = dir.resolve("lathe.err");
        Process lathe = new ProcessBuilder(java, "-Xmx384m", "-jar", jar.toString(), "serve", "--config", dir.resolve("plant.yaml").toString(),
                "--data-dir", dir.resolve("data").toString(), "--http-port", "0", "--mqtt-port", "0")
                .directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            int port = awaitMqttPort(lathe, out, err, Duration.ofSeconds(90));

            Mqtt5BlockingClient anonymous = client("anon", port);
            assertThatThrownBy(anonymous::connect).as("anonymous refused").isInstanceOf(Exception.class);
            Mqtt5BlockingClient wrong = client("dev1", port);
            assertThatThrownBy(() -> wrong.connectWith().simpleAuth().username("dev1").password("nope".getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth().send()).as("wrong password refused").isInstanceOf(Exception.class);

            Mqtt5BlockingClient publisher = connected("dev1-pub", port);
            Mqtt5BlockingClient subscriber = connected("dev1-sub", port);
            try (Mqtt5BlockingClient.Mqtt5Publishes live = subscriber.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
                subscriber.subscribeWith().topicFilter("plant/live/#").qos(MqttQos.AT_LEAST_ONCE).send();
                publisher.publishWith().topic("plant/live/a").qos(MqttQos.AT_MOST_ONCE).payload(bytes("qos0")).send();
                publisher.publishWith().topic("plant/live/b").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("qos1")).send();
                // MQTT orders messages per topic and QoS only: these two may come in either order.
                Map<String, MqttQos> got = new TreeMap<>();
                for (int i = 0; i < 2; i++) {
                    Mqtt5Publish p = live.receive(30, TimeUnit.SECONDS).orElseThrow(() -> new AssertionError("nothing delivered within 30 s"));
                    got.put(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), p.getQos());
                }
                assertThat(got).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                        "qos0", MqttQos.AT_MOST_ONCE, "qos1", MqttQos.AT_LEAST_ONCE)));
            }

            publisher.publishWith().topic("plant/retained/x").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(bytes("kept")).send();
            Mqtt5BlockingClient late = connected("dev1-late", port);
            try (Mqtt5BlockingClient.Mqtt5Publishes retained = late.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
                late.subscribeWith().topicFilter("plant/retained/#").qos(MqttQos.AT_LEAST_ONCE).send();
                Mqtt5Publish r = retained.receive(30, TimeUnit.SECONDS).orElseThrow();
                assertThat(r.isRetain()).isTrue();
                assertThat(new String(r.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("kept");
            }

            assertThatThrownBy(() -> publisher.publishWith().topic("other/x").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("no")).send())
                    .as("a topic outside the device's rights")
                    .isInstanceOfSatisfying(Mqtt5PubAckException.class,
                            e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED));
            for (Mqtt5BlockingClient c : List.of(subscriber, late)) c.disconnect();
            assertThat(lathe.isAlive()).isTrue();
            assertThat(Files.readString(err)).doesNotContain("NoClassDefFoundError").doesNotContain("ClassNotFoundException");
        } finally {
            lathe.destroy();
            if (!lathe.waitFor(60, TimeUnit.SECONDS)) lathe.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(Files.readString(err)).as("stderr of the jar").doesNotContain("NoClassDefFoundError").doesNotContain("ClassNotFoundException");
    }

    private static int awaitMqttPort(Process p, Path out, Path err, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = MQTT.matcher(Files.exists(out) ? Files.readString(out) : "");
            if (m.find()) return Integer.parseInt(m.group(1));
            if (!p.isAlive()) throw new AssertionError("java -jar lathe.jar serve exited with " + p.exitValue() + ":\n" + Files.readString(err));
            Thread.sleep(100);
        }
        throw new AssertionError("no start-up block within " + timeout + ":\n" + Files.readString(err));
    }

    private static Mqtt5BlockingClient client(String id, int port) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port).buildBlocking();
    }

    private static Mqtt5BlockingClient connected(String id, int port) {
        Mqtt5BlockingClient c = client(id, port);
        c.connectWith().simpleAuth().username("dev1").password("dev-secret".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
        return c;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
