package io.lathe.mqttjson;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.LiveState;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Signal;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** MQTT client ids of MQTT JSON connections: a broker keeps one session per client id and drops the older one. */
class ClientIdTest {

    private MqttJsonConnection first;
    private MqttJsonConnection second;

    @AfterEach
    void tearDown() {
        if (first != null) first.close();
        if (second != null) second.close();
    }

    // Two Lathe instances with a connection of the same name must not take each other's session (MQTT 3.1.1
    // section 3.1.4, MQTT 5.0 section 3.1.4: a second CONNECT with a client id in use disconnects the first client).
    @Test
    void twoInstancesWithAConnectionOfTheSameNameBothStayConnected() {
        Assumptions.assumeTrue(reachable(), "Mosquitto is not listening on 127.0.0.1:1883; skipping the broker test");
        String name = "line-" + UUID.randomUUID().toString().substring(0, 8);
        String topic = "lathe-test/" + name + "/data";
        LiveState liveA = new LiveState();
        LiveState liveB = new LiveState();
        PlantModel modelA = new PlantModel("Acme");
        PlantModel modelB = new PlantModel("Acme");
        // What each server passes: the instance id kept in its own data folder.
        MqttJsonConfig a = config(name, topic, modelA).withInstanceId("3f9c2a71");
        MqttJsonConfig b = config(name, topic, modelB).withInstanceId("b04d6e12");
        assertThat(a.effectiveClientId()).isEqualTo("lathe-json-" + name + "-3f9c2a71");
        assertThat(b.effectiveClientId()).isEqualTo("lathe-json-" + name + "-b04d6e12");
        first = new MqttJsonConnection(a, modelA, liveA);
        second = new MqttJsonConnection(b, modelB, liveB);
        first.start();
        second.start();
        await(() -> first.status().state() == ConnectionState.CONNECTED && second.status().state() == ConnectionState.CONNECTED);

        Mqtt5BlockingClient pub = MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1").serverPort(1883).buildBlocking();
        pub.connect();
        try {
            // Long enough for a knocked-off client to reconnect (1 s) and knock off the other in turn.
            for (int i = 1; i <= 30; i++) {
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("{\"count\":" + i + "}").getBytes(StandardCharsets.UTF_8)).send();
                sleep(100);
            }
        } finally {
            pub.disconnect();
        }
        await(() -> count(liveA, modelA) == 30 && count(liveB, modelB) == 30);
        assertThat(first.status().errors()).as("errors of the first instance: " + first.status().lastError()).isZero();
        assertThat(second.status().errors()).as("errors of the second instance: " + second.status().lastError()).isZero();
    }

    // The default is stable for one instance (persistent sessions and broker ACLs keep working across restarts), and a
    // configured client-id is used as it is.
    @Test
    void defaultClientIdDependsOnlyOnTheNameAndTheInstanceAndAConfiguredOneWins() {
        MqttJsonConfig parsed = config("line-1", "t", new PlantModel("Acme"));
        assertThat(parsed.clientId()).isNull();
        assertThat(parsed.effectiveClientId()).isEqualTo("lathe-json-line-1");
        assertThat(parsed.withInstanceId("3f9c2a71").effectiveClientId())
                .isEqualTo(parsed.withInstanceId("3f9c2a71").effectiveClientId()).isEqualTo("lathe-json-line-1-3f9c2a71");
        MqttJsonConfig fixed = MqttJsonConfig.builder("line-1", "tcp://127.0.0.1:1883").clientId("press-7").machine("m")
                .topic(parsed.topics().get(0)).build();
        assertThat(fixed.withInstanceId("3f9c2a71").effectiveClientId()).isEqualTo("press-7");
        assertThat(fixed.withInstanceId("3f9c2a71").toString()).contains("client-id=press-7");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parsed.withInstanceId("a/b"))
                .hasMessageContaining("instance id must be 1 to 32 letters, digits or '-', but was 'a/b'");
    }

    private static MqttJsonConfig config(String name, String topic, PlantModel model) {
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "Plant", "", ""), "Area", "", ""), "Line", "", "");
        String machine = model.addChild(line, "Press", "", "");
        return MqttJsonConfig.builder(name, "tcp://127.0.0.1:1883").machine(machine)
                .topic(new MqttJsonTopic(topic, null, null, List.of(MqttJsonField.of("count", "count", DataType.LONG))))
                .build();
    }

    private static long count(LiveState live, PlantModel model) {
        Signal s = model.signals().stream().filter(x -> x.name().equals("count")).findFirst().orElseThrow();
        var l = live.latest(s.id());
        return l == null ? 0 : l.value() instanceof io.lathe.model.Value.LongValue v ? v.value() : 0;
    }

    private static boolean reachable() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 1883), 1000);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 20 s");
            sleep(50);
        }
    }
}
