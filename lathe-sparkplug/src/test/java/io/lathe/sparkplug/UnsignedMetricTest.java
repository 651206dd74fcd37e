package io.lathe.sparkplug;

import static io.lathe.sparkplug.TestEdgeNode.metric;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.lathe.ingest.ConnectionState;
import io.lathe.model.DataType;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.Counter;
import java.math.BigInteger;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.tahu.message.model.MetricDataType;
import org.junit.jupiter.api.Test;

/**
 * Sparkplug B UInt64 (payload datatype 8) covers [0, 2^64): values at or above 2^63 do not fit Lathe's signed long and
 * must still come out exact. The value below is the one Tahu's reference edge node sent as NT-7 when Lathe stored it as
 * -2725606490705869102.
 */
class UnsignedMetricTest extends EmbeddedBrokerFixture {

    private static final BigInteger NT7 = new BigInteger("15721137583003682514");
    UnsignedMetricTest() {
        super("U");
    }

    // Spec 3.0 payload datatypes: UInt64 values keep every digit, from 0 to 2^64 - 1, as decimal text.
    @Test
    void uint64AboveLongMaxIsStoredExactlyAsDecimalText() {
        startHost();
        TestEdgeNode e = edge("E1");
        e.publish("NBIRTH", null, 0L, t0, List.of(
                metric("bdSeq", MetricDataType.Int64, 0L),
                metric("Big", MetricDataType.UInt64, NT7),
                metric("Max", MetricDataType.UInt64, BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)),
                metric("Small", MetricDataType.UInt64, BigInteger.valueOf(5))));
        e.publish("NDATA", null, 1L, t0 + 1, List.of(metric("Big", MetricDataType.UInt64, BigInteger.ONE.shiftLeft(63))));
        String source = "sparkplug:" + group + "/E1";
        Await.until("Big = 2^63 after the NDATA", () -> {
            Signal s = signal(source, "Big");
            return s != null && sink.pointsOf(s).size() == 2;
        });
        Signal big = signal(source, "Big");
        assertThat(big.dataType()).isEqualTo(DataType.TEXT);
        assertThat(sink.pointsOf(big)).extracting(RecordingSink.Point::value)
                .containsExactly(Value.of("15721137583003682514"), Value.of("9223372036854775808"));
        assertThat(sink.latest(signal(source, "Max")).value()).isEqualTo(Value.of("18446744073709551615"));
        assertThat(sink.latest(signal(source, "Small")).value()).isEqualTo(Value.of("5"));
    }

    // A signal declared as long keeps the UInt64 values it can hold and refuses, counted, the ones it cannot.
    @Test
    void declaredLongSignalRefusesUint64AboveLongMaxWithACountedReason() {
        String site = model.addChild(model.rootId(), "Plant", "", "");
        String line = model.addChild(model.addChild(site, "Area", "", ""), "Line", "", "");
        String machine = model.addChild(line, "Counter", "", "sparkplug:" + group + "/E1");
        Signal count = model.addSignal(machine, "Count", DataType.LONG, "", "", "");
        Signal approx = model.addSignal(machine, "Approx", DataType.DOUBLE, "", "", "");
        startHost();
        TestEdgeNode e = edge("E1");
        e.publish("NBIRTH", null, 0L, t0, List.of(
                metric("bdSeq", MetricDataType.Int64, 0L),
                metric("Count", MetricDataType.UInt64, BigInteger.valueOf(Long.MAX_VALUE)),
                metric("Approx", MetricDataType.UInt64, NT7)));
        e.publish("NDATA", null, 1L, t0 + 1, List.of(metric("Count", MetricDataType.UInt64, NT7)));
        Await.until("out_of_range counted", () -> count("lathe.ingest.rejects", "protocol", "sparkplug", "reason", "out_of_range") == 1);
        assertThat(sink.pointsOf(count)).extracting(RecordingSink.Point::value).containsExactly(Value.of(Long.MAX_VALUE));
        assertThat(sink.latest(approx).value()).isEqualTo(Value.of(NT7.doubleValue()));
    }

    private void startHost() {
        String hostId = "lathe-u64-" + UUID.randomUUID().toString().substring(0, 8);
        SparkplugHost host = new SparkplugHost(new SparkplugHostConfig(hostId, broker.url(), null, null, null, true,
                List.of(group), Duration.ofSeconds(2), "Discovered", "Sparkplug"), model, sink, metrics, InstantSource.system());
        closeLater.add(host);
        Mqtt3BlockingClient watcher = MqttClient.builder().useMqttVersion3().identifier("t-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        watcher.connect();
        closeLater.add(watcher::disconnect);
        try (Mqtt3BlockingClient.Mqtt3Publishes states = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter("spBv1.0/STATE/" + hostId).qos(MqttQos.AT_LEAST_ONCE).send();
            host.start();
            assertThat(states.receive(15, TimeUnit.SECONDS)).as("online STATE of the host").isPresent();
        } catch (InterruptedException ex) {
            throw new AssertionError(ex);
        }
        assertThat(host.status().state()).isEqualTo(ConnectionState.CONNECTED);
    }

    private TestEdgeNode edge(String node) {
        TestEdgeNode e = new TestEdgeNode(broker.port(), group, node);
        closeLater.add(e);
        return e;
    }

    private Signal signal(String source, String name) {
        String machine = model.machineBySource(source);
        return machine == null ? null : model.signalByName(machine, name);
    }

    private double count(String name, String... tags) {
        Counter c = metrics.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }
}
