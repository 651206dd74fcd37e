package io.lathe.sparkplug;

import static io.lathe.sparkplug.TestEdgeNode.metric;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.lathe.broker.BrokerSettings;
import io.lathe.broker.EmbeddedBroker;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.Latest;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.tahu.message.model.MetricDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The host's own MQTT session: STATE birth and death (Sparkplug B 3.0, section "Sparkplug Host Application"). */
class HostSessionTest {

    private static final Pattern STATE = Pattern.compile("\\{\"online\":(true|false),\"timestamp\":(\\d+)}");

    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final PlantModel model = new PlantModel("Acme");
    private final RecordingSink sink = new RecordingSink();
    private final String group = "S" + UUID.randomUUID().toString().substring(0, 8);
    private final String hostId = "lathe-session-" + UUID.randomUUID().toString().substring(0, 8);
    private EmbeddedBroker broker;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            try {
                closeLater.get(i).close();
            } catch (RuntimeException e) {
                // A client of a broker the test stopped may fail to disconnect; the rest must still close.
            }
        }
        if (broker != null) broker.close();
    }

    // tck-id-host-topic-phid-death-payload-disconnect-clean: the death published before a clean DISCONNECT carries the
    // time of the disconnect; tck-id-host-topic-phid-death-payload-connect: the Will keeps the time of the CONNECT.
    @Test
    void cleanDisconnectStateCarriesTheDisconnectTimeAndTheWillTheConnectTime() throws Exception {
        broker = EmbeddedBroker.start(BrokerSettings.ephemeral());
        long connectTime = 1_800_000_000_000L;
        MutableClock clock = new MutableClock(connectTime);
        SparkplugHost host = host(clock);
        try (Mqtt3BlockingClient.Mqtt3Publishes states = watch()) {
            host.start();
            assertThat(nextState(states)).isEqualTo(new State(true, connectTime));

            // A client taking over the host's client id ends its session without DISCONNECT: the broker publishes the Will.
            takeOverClientIdOf(host);
            assertThat(nextState(states)).isEqualTo(new State(false, connectTime));
            State reborn = nextState(states);
            assertThat(reborn.online()).isTrue();
            assertThat(reborn.timestamp()).isGreaterThan(connectTime);
            Await.until("host connected again", () -> host.status().state() == ConnectionState.CONNECTED);

            long disconnectTime = connectTime + Duration.ofHours(3).toMillis();
            clock.set(disconnectTime);
            host.close();
            assertThat(nextState(states)).isEqualTo(new State(false, disconnectTime));
        }
    }

    // A forged retained offline STATE for Lathe's host id (newer timestamp) sends every edge node that waits for its
    // primary host offline. The host contradicts it with a new session whose Will and online STATE are newer still.
    @Test
    void forgedOfflineStateIsContradictedByANewerOnlineStateAndCounted() throws Exception {
        broker = EmbeddedBroker.start(BrokerSettings.ephemeral());
        SparkplugHost host = host(InstantSource.system());
        try (Mqtt3BlockingClient.Mqtt3Publishes states = watch()) {
            host.start();
            State online = nextState(states);
            assertThat(online.online()).isTrue();

            // A few seconds ahead, as a forger's clock may be: the answer must still be newer, or edge nodes ignore it.
            long forgedTime = System.currentTimeMillis() + 5_000;
            Mqtt3BlockingClient forger = client("forger-" + UUID.randomUUID());
            forger.publishWith().topic("spBv1.0/STATE/" + hostId).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                    .payload(stateJson(false, forgedTime)).send();
            assertThat(nextState(states)).isEqualTo(new State(false, forgedTime));

            State answer = nextOnline(states);
            assertThat(answer.timestamp()).isGreaterThan(forgedTime);
            assertThat(retainedState()).isEqualTo(answer);
            Await.until("host connected", () -> host.status().state() == ConnectionState.CONNECTED);
            assertThat(count("lathe.sparkplug.state.reasserted", "cause", "newer")).isEqualTo(1);

            // The new session's Will is as new as its online STATE, so edge nodes act on Lathe's death again.
            takeOverClientIdOf(host);
            assertThat(nextOffline(states)).isEqualTo(new State(false, answer.timestamp()));
        }
    }

    // An offline STATE older than the current session (a late Will of an earlier session, a replay) replaced the
    // retained online STATE: the host publishes its online STATE again, in the same session with the same timestamp.
    @Test
    void olderOfflineStateIsAnsweredInTheSameSessionAndCounted() throws Exception {
        broker = EmbeddedBroker.start(BrokerSettings.ephemeral());
        SparkplugHost host = host(InstantSource.system());
        try (Mqtt3BlockingClient.Mqtt3Publishes states = watch()) {
            host.start();
            State online = nextState(states);
            assertThat(online.online()).isTrue();
            Mqtt3BlockingClient other = client("other-" + UUID.randomUUID());
            other.publishWith().topic("spBv1.0/STATE/" + hostId).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                    .payload(stateJson(false, online.timestamp() - 1)).send();
            assertThat(nextState(states)).isEqualTo(new State(false, online.timestamp() - 1));
            assertThat(nextState(states)).isEqualTo(online);
            assertThat(retainedState()).isEqualTo(online);
            assertThat(count("lathe.sparkplug.state.reasserted", "cause", "older")).isEqualTo(1);
            assertThat(count("lathe.sparkplug.state.reasserted", "cause", "newer")).isZero();
            assertThat(host.status().state()).isEqualTo(ConnectionState.CONNECTED);
        }
    }

    // Spec 3.0 "Host Application Session Establishment": when the host loses its MQTT Server, every metric it knows
    // MUST be set STALE; data after the reconnect is only trusted again after the edge node's births.
    @Test
    void lostBrokerMarksEverySparkplugSignalStaleAndTheStatusSaysSo() throws Exception {
        broker = EmbeddedBroker.start(BrokerSettings.ephemeral());
        int port = broker.port();
        SparkplugHost host = host(InstantSource.system());
        try (Mqtt3BlockingClient.Mqtt3Publishes states = watch()) {
            host.start();
            // The online STATE follows the host's subscriptions: from then on nothing an edge node publishes is missed.
            assertThat(nextOnline(states).online()).isTrue();
        }
        long t0 = System.currentTimeMillis();
        TestEdgeNode e = new TestEdgeNode(port, group, "E1");
        e.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 0L), metric("A", MetricDataType.Double, 1.0)));
        e.publish("DBIRTH", "D1", 1L, t0, List.of(metric("B", MetricDataType.Double, 2.0)));
        String source = "sparkplug:" + group + "/E1";
        Await.until("A and B", () -> latest(source, "A") != null && latest(source + "/D1", "B") != null);
        assertThat(latest(source, "A").quality()).isEqualTo(Quality.GOOD);

        broker.close();
        Await.until("A and B stale", Duration.ofSeconds(30), () -> latest(source, "A").quality() == Quality.STALE
                && latest(source + "/D1", "B").quality() == Quality.STALE);
        assertThat(host.status().state()).isEqualTo(ConnectionState.RECONNECTING);
        assertThat(host.status().lastError())
                .startsWith("Sparkplug host lost its MQTT session [broker=" + broker.url() + ", hostId=" + hostId + "]: ")
                .contains("The signals of 1 edge node are stale since ");
        assertThat(latest(source, "A").value()).isEqualTo(Value.of(1.0));

        broker = EmbeddedBroker.start(new BrokerSettings("127.0.0.1", port, null, false));
        try (Mqtt3BlockingClient.Mqtt3Publishes states = watch()) {
            nextOnline(states);
        }
        assertThat(host.status().state()).isEqualTo(ConnectionState.CONNECTED);
        // The node did not see Lathe go: its next data continues its old session, which Lathe can no longer follow.
        TestEdgeNode again = new TestEdgeNode(port, group, "E1");
        closeLater.add(again);
        again.publish("NDATA", null, 2L, t0 + 1, List.of(metric("A", MetricDataType.Double, 3.0)));
        Await.until("data without birth refused", () -> count("lathe.ingest.rejects", "protocol", "sparkplug", "reason", "no_birth") == 1);
        assertThat(latest(source, "A").quality()).isEqualTo(Quality.STALE);
        again.publish("NBIRTH", null, 0L, System.currentTimeMillis(), List.of(metric("bdSeq", MetricDataType.Int64, 1L), metric("A", MetricDataType.Double, 4.0)));
        Await.until("A good after the rebirth", () -> latest(source, "A").quality() == Quality.GOOD
                && latest(source, "A").value().equals(Value.of(4.0)));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    record State(boolean online, long timestamp) {}

    private SparkplugHost host(InstantSource clock) {
        SparkplugHost host = new SparkplugHost(new SparkplugHostConfig(hostId, broker.url(), null, null, null, true,
                List.of(group), Duration.ofSeconds(2), "Discovered", "Sparkplug"), model, sink, metrics, clock);
        closeLater.add(host);
        return host;
    }

    private Mqtt3BlockingClient client(String id) {
        Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier(id)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        c.connect();
        closeLater.add(c::disconnect);
        return c;
    }

    /** Every STATE message of the host from now on, in order. */
    private Mqtt3BlockingClient.Mqtt3Publishes watch() {
        Mqtt3BlockingClient w = client("watcher-" + UUID.randomUUID());
        Mqtt3BlockingClient.Mqtt3Publishes p = w.publishes(MqttGlobalPublishFilter.ALL);
        w.subscribeWith().topicFilter("spBv1.0/STATE/" + hostId).qos(MqttQos.AT_LEAST_ONCE).send();
        return p;
    }

    private static State nextState(Mqtt3BlockingClient.Mqtt3Publishes states) throws InterruptedException {
        Optional<Mqtt3Publish> p = states.receive(30, TimeUnit.SECONDS);
        assertThat(p).as("a STATE message").isPresent();
        return parse(p.get().getPayloadAsBytes());
    }

    private static State nextOnline(Mqtt3BlockingClient.Mqtt3Publishes states) throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            State s = nextState(states);
            if (s.online()) return s;
        }
        throw new AssertionError("no online STATE among the next 10 STATE messages");
    }

    // A repeat of the online STATE (QoS 1 may deliver it again, on a loaded machine after the takeover) is not the Will.
    private static State nextOffline(Mqtt3BlockingClient.Mqtt3Publishes states) throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            State s = nextState(states);
            if (!s.online()) return s;
        }
        throw new AssertionError("no offline STATE among the next 10 STATE messages");
    }

    private static byte[] stateJson(boolean online, long timestamp) {
        return ("{\"online\":" + online + ",\"timestamp\":" + timestamp + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static State parse(byte[] payload) {
        String json = new String(payload, StandardCharsets.UTF_8);
        Matcher m = STATE.matcher(json);
        assertThat(m.matches()).as("STATE payload " + json).isTrue();
        return new State(Boolean.parseBoolean(m.group(1)), Long.parseLong(m.group(2)));
    }

    /** What an edge node connecting now would see. */
    private State retainedState() throws InterruptedException {
        Mqtt3BlockingClient c = client("late-" + UUID.randomUUID());
        try (Mqtt3BlockingClient.Mqtt3Publishes p = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter("spBv1.0/STATE/" + hostId).qos(MqttQos.AT_LEAST_ONCE).send();
            return nextState(p);
        }
    }

    /** Connects with the host's own client id, which makes the broker drop the host's connection, then leaves. */
    private void takeOverClientIdOf(SparkplugHost host) {
        Mqtt3BlockingClient thief = MqttClient.builder().useMqttVersion3().identifier("lathe-" + hostId)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        thief.connect();
        thief.disconnect();
    }

    private Latest latest(String source, String name) {
        String machine = model.machineBySource(source);
        Signal s = machine == null ? null : model.signalByName(machine, name);
        return sink.latest(s);
    }

    private double count(String name, String... tags) {
        Counter c = metrics.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    /** A clock the test sets; the host reads it for STATE timestamps. */
    static final class MutableClock implements InstantSource {
        private final AtomicLong millis;

        MutableClock(long millis) {
            this.millis = new AtomicLong(millis);
        }

        void set(long m) {
            millis.set(m);
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }
}
