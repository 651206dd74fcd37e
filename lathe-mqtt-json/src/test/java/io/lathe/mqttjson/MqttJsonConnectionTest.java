package io.lathe.mqttjson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.Latest;
import io.lathe.ingest.LiveState;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Value;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MqttJsonConnectionTest {
    private PlantModel model;
    private String oven;
    private final LiveState live = new LiveState();
    private MqttJsonConnection connection;

    @BeforeEach
    void setUp() {
        model = new PlantModel("Acme");
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "Plant", "", ""), "Area", "", ""), "Line", "", "");
        oven = model.addChild(line, "Oven", "", "");
    }

    @AfterEach
    void tearDown() {
        if (connection != null) connection.close();
    }

    private MqttJsonConfig config(String broker, String prefix) {
        return MqttJsonConfig.builder("sensors", broker).machine(oven)
                .topic(new MqttJsonTopic(prefix + "/+/data", null, "ts", List.of(
                        MqttJsonField.of("/data/temp", "{1} temperature", DataType.DOUBLE),
                        MqttJsonField.of("data.count", "{1} count", DataType.LONG),
                        MqttJsonField.of("ok", "{1} ok", DataType.BOOLEAN))))
                .build();
    }

    private Latest latest(String signal) {
        return live.latest(oven + "." + model.signalByName(oven, signal).id().substring(oven.length() + 1));
    }

    // Field selection by JSON pointer and dotted path, '+' levels naming the signal, and the timestamp field in both forms.
    @Test
    void selectsFieldsAndTimestampsFromPayloads() {
        connection = new MqttJsonConnection(config("tcp://127.0.0.1:1", "plant"), model, live);

        connection.handle("plant/s1/data", json("{\"ts\":1700000000123,\"data\":{\"temp\":21.5,\"count\":7},\"ok\":true}"), 5);
        connection.handle("plant/s2/data", json("{\"ts\":\"2026-11-02T10:15:30.5Z\",\"data\":{\"temp\":3,\"count\":8},\"ok\":false}"), 5);
        connection.handle("plant/s1/other", json("{\"data\":{\"temp\":99}}"), 5);

        assertThat(latest("s1 temperature").value()).isEqualTo(Value.of(21.5));
        assertThat(latest("s1 temperature").timestampMicros()).isEqualTo(1_700_000_000_123_000L);
        assertThat(latest("s1 count").value()).isEqualTo(Value.of(7L));
        assertThat(latest("s1 ok").value()).isEqualTo(Value.of(true));
        assertThat(latest("s2 temperature").value()).isEqualTo(Value.of(3.0));
        Instant t = Instant.parse("2026-11-02T10:15:30.5Z");
        assertThat(latest("s2 count").timestampMicros()).isEqualTo(t.getEpochSecond() * 1_000_000L + 500_000);
        assertThat(connection.status().errors()).isZero();
    }

    // A missing field or a wrong type is counted with topic and field; the other fields and later messages still flow.
    @Test
    void badFieldsAreCountedAndDoNotStopTheMessage() {
        connection = new MqttJsonConnection(config("tcp://127.0.0.1:1", "plant"), model, live);

        connection.handle("plant/s1/data", json("{\"ts\":1,\"data\":{\"temp\":\"hot\"},\"ok\":true}"), 5);
        assertThat(connection.status().errors()).isEqualTo(2);
        assertThat(connection.status().lastError()).isEqualTo("MQTT JSON message rejected [connection=sensors, topic=plant/s1/data,"
                + " field=data.count]: the payload has no such field. Check the field's path against the payload.");
        assertThat(latest("s1 ok").value()).isEqualTo(Value.of(true));

        connection.handle("plant/s1/data", "not json".getBytes(StandardCharsets.UTF_8), 5);
        assertThat(connection.status().lastError()).contains("the payload is not JSON");

        connection.handle("plant/s1/data", json("{\"ts\":2,\"data\":{\"temp\":20,\"count\":1},\"ok\":false}"), 5);
        assertThat(latest("s1 temperature").value()).isEqualTo(Value.of(20.0));
        assertThat(connection.status().errors()).isEqualTo(3);
    }

    // Topic filter wildcards follow MQTT 5.0 section 4.7: '+' one level, '#' the rest, '$' topics excluded.
    @Test
    void matchesTopicFiltersLikeABroker() {
        MqttJsonTopic t = new MqttJsonTopic("a/+/c/#", null, null, List.of(MqttJsonField.of("x", "x", DataType.DOUBLE)));
        assertThat(t.match("a/b/c")).containsExactly("b");
        assertThat(t.match("a/b/c/d/e")).containsExactly("b");
        assertThat(t.match("a/b/x")).isNull();
        assertThat(new MqttJsonTopic("#", null, null, t.fields()).match("$SYS/x")).isNull();
        assertThatThrownBy(() -> new MqttJsonTopic("a/#/b", null, null, t.fields()))
                .hasMessageContaining("# must be the last level of topic");
        assertThatThrownBy(() -> MqttJsonConfig.builder("m", "http://x").qos(3).build())
                .hasMessageContaining("broker must be like tcp://host:1883")
                .hasMessageContaining("qos must be in [0, 2], but was 3")
                .hasMessageContaining("topics must not be empty");
    }

    // End to end against the local Mosquitto: messages flow, a bad message is counted, later messages still arrive.
    @Test
    void receivesJsonFromMosquitto() {
        Assumptions.assumeTrue(reachable("127.0.0.1", 1883), "Mosquitto is not listening on 127.0.0.1:1883; skipping the broker test");
        String prefix = "lathe-test/" + UUID.randomUUID();
        connection = new MqttJsonConnection(config("tcp://127.0.0.1:1883", prefix), model, live);
        connection.start();
        await(() -> connection.status().state() == ConnectionState.CONNECTED);

        Mqtt5BlockingClient pub = MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1").serverPort(1883).buildBlocking();
        pub.connect();
        try {
            // The subscription is sent right after connecting; publish until the first message lands.
            await(() -> {
                pub.publishWith().topic(prefix + "/m1/data").qos(MqttQos.AT_LEAST_ONCE)
                        .payload(json("{\"ts\":1000,\"data\":{\"temp\":1.5,\"count\":1},\"ok\":true}")).send();
                return model.signalByName(oven, "m1 temperature") != null && latest("m1 temperature") != null;
            });
            pub.publishWith().topic(prefix + "/m1/data").qos(MqttQos.AT_LEAST_ONCE).payload(json("{\"ts\":2000,\"ok\":1}")).send();
            pub.publishWith().topic(prefix + "/m1/data").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(json("{\"ts\":3000,\"data\":{\"temp\":2.5,\"count\":2},\"ok\":false}")).send();
            await(() -> Value.of(2.5).equals(latest("m1 temperature").value()));
        } finally {
            pub.disconnect();
        }
        assertThat(connection.status().errors()).isGreaterThanOrEqualTo(3);
        assertThat(connection.status().messages()).isGreaterThanOrEqualTo(3);
        assertThat(latest("m1 ok").value()).isEqualTo(Value.of(false));
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean reachable(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 15 s");
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
