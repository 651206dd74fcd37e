package io.lathe.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lathe.simulator.internal.SparkplugMetrics;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VirtualFactoryTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger GROUPS = new AtomicInteger();
    private static TestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    private static String uniqueGroup() {
        return "T" + GROUPS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static FactoryConfig config(String group) {
        // 20 ms per publication at speed 50: one simulated second per step, so every machine changes every step.
        return FactoryConfig.demo(broker.url).withGroup(group).withSpeed(50).withPublishInterval(Duration.ofMillis(20));
    }

    @Test
    void publishesBirthsThenAliasedDataAsASparkplugEdgeNode() throws Exception {
        // Sparkplug B 3.0 payload rules: NBIRTH with bdSeq and Node Control/Rebirth, DBIRTH with name, alias, datatype
        // and value for every metric, DDATA by alias only, seq consecutive per edge node.
        String group = uniqueGroup();
        try (var capture = new SparkplugCapture(broker.url, group);
             var factory = new VirtualFactory(config(group), InstantSource.system())) {
            factory.start();
            var nbirth = capture.await("NBIRTH", "Line-A", WAIT);
            assertThat(nbirth.seq()).isZero();
            assertThat(nbirth.metric("bdSeq").getDataType()).isEqualTo(MetricDataType.Int64);
            Metric rebirth = nbirth.metric("Node Control/Rebirth");
            assertThat(rebirth.getDataType()).isEqualTo(MetricDataType.Boolean);
            assertThat(rebirth.getValue()).isEqualTo(false);
            assertThat(rebirth.getAlias()).isNotNull();
            assertThat(nbirth.metric("Line/Shift").getValue()).isIn("Early", "Late", "Night");

            Map<String, Set<Long>> aliasesByDevice = new HashMap<>();
            for (int d = 0; d < 4; d++) {
                var dbirth = capture.await("DBIRTH", "Line-A", WAIT);
                assertThat(dbirth.seq()).isEqualTo(d + 1L);
                assertThat(dbirth.payload().getMetrics()).hasSize(SimulatorMetrics.deviceMetrics().size())
                        .allSatisfy(m -> {
                            assertThat(m.getName()).isNotBlank();
                            assertThat(m.getAlias()).isNotNull();
                            assertThat(m.getDataType()).isNotNull();
                            assertThat(m.getValue()).isNotNull();
                        });
                assertThat(dbirth.metric("Good Count").getDataType()).isEqualTo(MetricDataType.Int64);
                assertThat(dbirth.metric("Reason Code").getDataType()).isEqualTo(MetricDataType.Int32);
                assertThat(dbirth.metric("State").getDataType()).isEqualTo(MetricDataType.Text);
                assertThat(dbirth.metric("Spindle Speed").getProperties().getPropertyValue("engUnit").getValue()).isEqualTo("rpm");
                assertThat(dbirth.metric("Energy").getProperties().getPropertyValue("engUnit").getValue()).isEqualTo("kWh");
                aliasesByDevice.put(dbirth.device(), dbirth.payload().getMetrics().stream().map(Metric::getAlias).collect(
                        java.util.stream.Collectors.toSet()));
            }
            assertThat(aliasesByDevice.keySet()).containsExactlyInAnyOrder("Saw", "CNC-1", "CNC-2", "Wash");
            Set<Long> allAliases = new HashSet<>();
            aliasesByDevice.values().forEach(allAliases::addAll);
            assertThat(allAliases).hasSize(4 * SimulatorMetrics.deviceMetrics().size()).doesNotContain(rebirth.getAlias());

            var ddata = capture.await("DDATA", "Line-A", WAIT);
            assertThat(ddata.payload().getMetrics()).isNotEmpty().allSatisfy(m -> {
                assertThat(m.hasName()).isFalse();
                assertThat(aliasesByDevice.get(ddata.device())).contains(m.getAlias());
            });

            // seq counts every NBIRTH, DBIRTH, NDATA and DDATA of the edge node modulo 256; wait for one wrap.
            capture.await(m -> m.edgeNode().equals("Line-A") && m.seq() != null && m.seq() == 255, Duration.ofSeconds(60));
            var afterWrap = capture.await(m -> m.edgeNode().equals("Line-A"), WAIT);
            assertThat(afterWrap.seq()).isZero();
            List<Long> seqs = capture.seen().stream().filter(m -> m.edgeNode().equals("Line-A")).map(SparkplugCapture.Message::seq).toList();
            for (int i = 1; i < seqs.size(); i++) assertThat(seqs.get(i)).as("seq #%d", i).isEqualTo((seqs.get(i - 1) + 1) % 256);
        }
    }

    @Test
    void rebirthCommandRepublishesAllBirthsWithTheSameBdSeq() throws Exception {
        // Sparkplug 3.0: on NCMD Node Control/Rebirth = true the edge node sends NBIRTH (seq 0) and every DBIRTH again.
        String group = uniqueGroup();
        try (var capture = new SparkplugCapture(broker.url, group);
             var factory = new VirtualFactory(config(group), InstantSource.system())) {
            factory.start();
            var first = capture.await("NBIRTH", "Line-B", WAIT);
            capture.await("DDATA", "Line-B", WAIT);
            Date now = new Date();
            capture.publish("spBv1.0/" + group + "/NCMD/Line-B", SparkplugMetrics.encode(now, null,
                    List.of(SparkplugMetrics.birth("Node Control/Rebirth", null, MetricDataType.Boolean, true, now, null))), false);
            var second = capture.await("NBIRTH", "Line-B", WAIT);
            assertThat(second.seq()).isZero();
            assertThat(second.metric("bdSeq").getValue()).isEqualTo(first.metric("bdSeq").getValue());
            Set<String> reborn = new HashSet<>();
            while (reborn.size() < 4) {
                var m = capture.await(x -> x.edgeNode().equals("Line-B") && !x.type().equals("DDATA") && !x.type().equals("NDATA"), WAIT);
                assertThat(m.type()).isEqualTo("DBIRTH");
                reborn.add(m.device());
            }
            assertThat(reborn).containsExactlyInAnyOrder("Saw", "CNC-1", "CNC-2", "Wash");
        }
    }

    @Test
    void closePublishesNdeathWithTheBirthBdSeq() throws Exception {
        // Hosts match NDEATH to NBIRTH by bdSeq; an intentional stop must send NDEATH before DISCONNECT.
        String group = uniqueGroup();
        try (var capture = new SparkplugCapture(broker.url, group)) {
            var factory = new VirtualFactory(config(group), InstantSource.system());
            factory.start();
            var birth = capture.await("NBIRTH", "Line-A", WAIT);
            capture.await("DDATA", "Line-A", WAIT);
            factory.close();
            var death = capture.await("NDEATH", "Line-A", WAIT);
            assertThat(death.metric("bdSeq").getValue()).isEqualTo(birth.metric("bdSeq").getValue());
        }
    }

    @Test
    void primaryHostStateGatesBirthsAndItsLossForcesANewSession() throws Exception {
        // Sparkplug 3.0: with a primary host, births wait for STATE online; STATE offline ends the session (NDEATH,
        // disconnect) and the next session, with the next bdSeq, births when the host is back.
        String group = uniqueGroup();
        String host = "Host-" + UUID.randomUUID().toString().substring(0, 8);
        String stateTopic = "spBv1.0/STATE/" + host;
        try (var capture = new SparkplugCapture(broker.url, group)) {
            capture.publish(stateTopic, "{\"online\":false,\"timestamp\":1000}", true);
            try (var factory = new VirtualFactory(config(group).withPrimaryHostId(host), InstantSource.system())) {
                factory.start();
                capture.publish(stateTopic, "{\"online\":true,\"timestamp\":2000}", true);
                var birth = capture.await(m -> m.edgeNode().equals("Line-A"), WAIT);
                assertThat(birth.type()).as("first message of Line-A after the host came online").isEqualTo("NBIRTH");
                capture.await("DDATA", "Line-A", WAIT);

                capture.publish(stateTopic, "{\"online\":false,\"timestamp\":3000}", true);
                var death = capture.await("NDEATH", "Line-A", WAIT);
                assertThat(death.metric("bdSeq").getValue()).isEqualTo(birth.metric("bdSeq").getValue());

                capture.publish(stateTopic, "{\"online\":true,\"timestamp\":4000}", true);
                var rebirth = capture.await("NBIRTH", "Line-A", WAIT);
                assertThat((Long) rebirth.metric("bdSeq").getValue()).isGreaterThan((Long) birth.metric("bdSeq").getValue());
                List<String> between = capture.seen().subList(capture.seen().indexOf(death), capture.seen().indexOf(rebirth)).stream()
                        .filter(m -> m.edgeNode().equals("Line-A")).map(SparkplugCapture.Message::type).toList();
                // No births until the host is back. DDATA/NDATA of the cycle published just before the NDEATH may still
                // arrive after it: they go at QoS 0 and the NDEATH at QoS 1, and MQTT orders delivery per topic and QoS
                // only, so at most one cycle's worth (4 devices and the node) may trail it.
                assertThat(between).contains("NDEATH").doesNotContain("NBIRTH", "DBIRTH");
                assertThat(between.stream().filter(t -> t.endsWith("DATA")).count()).isLessThanOrEqualTo(5);
            } finally {
                capture.publish(stateTopic, new byte[0], true); // clear the retained STATE
            }
        }
    }

    @Test
    void startFailsWithAHelpfulMessageWhenNoBrokerListens() throws Exception {
        // `lathe demo` pointed at a wrong port must say which broker it tried and what to check.
        int freePort;
        try (var s = new ServerSocket(0)) {
            freePort = s.getLocalPort();
        }
        var factory = new VirtualFactory(FactoryConfig.demo("tcp://127.0.0.1:" + freePort), InstantSource.system());
        assertThatThrownBy(factory::start).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Virtual factory edge node could not connect [broker=tcp://127.0.0.1:" + freePort
                        + ", group=Demo, edgeNode=Line-A]")
                .hasMessageContaining("Check that the MQTT broker is running");
        factory.close();
    }

    @Test
    void loadGeneratorPublishesBirthsAndDataForEveryNode() throws Exception {
        // Benchmarks need a known offered load: N nodes, M metrics per NDATA, and a count of what was published.
        String group = uniqueGroup();
        try (var capture = new SparkplugCapture(broker.url, group);
             var load = new LoadGenerator(broker.url, group, 3, 50, 100.0, 1L)) {
            load.start();
            Set<String> born = new HashSet<>();
            while (born.size() < 3) {
                var birth = capture.await(m -> m.type().equals("NBIRTH"), WAIT);
                assertThat(birth.payload().getMetrics()).hasSize(52); // bdSeq, Node Control/Rebirth and 50 metrics
                born.add(birth.edgeNode());
            }
            assertThat(born).containsExactlyInAnyOrder("Load-0001", "Load-0002", "Load-0003");
            var data = capture.await("NDATA", "Load-0002", WAIT);
            assertThat(data.payload().getMetrics()).hasSize(50).allSatisfy(m -> assertThat(m.hasName()).isFalse());
            for (int i = 0; i < 300; i++) capture.await(m -> m.type().equals("NDATA"), WAIT);
            assertThat(load.published()).isGreaterThanOrEqualTo(303);
        }
    }
}
