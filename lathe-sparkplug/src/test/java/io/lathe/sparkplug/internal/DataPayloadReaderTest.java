package io.lathe.sparkplug.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.lathe.ingest.ConnectionStats;
import io.lathe.ingest.PointSink;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fast NDATA/DDATA reader must give exactly what the host gave with Tahu's decoder: the same points (signal,
 * time, value, quality, historical) in the same order and the same rejects by reason, for well-formed messages and
 * for the odd ones it declines (unknown names and aliases, other value fields than the type reads, missing types,
 * nulls, bytes metrics, gaps and reordering, truncated payloads). Two hosts get the same byte arrays; one reads data
 * with the fast path, the other only with Tahu.
 */
class DataPayloadReaderTest {
    private static final int[] SCALARS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    private static final int BYTES = 17;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** One host and what reached its sink. */
    private final class Host {
        final List<String> events = new ArrayList<>();
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final HostProcessor processor;

        Host(boolean fast) {
            PointSink sink = new PointSink() {
                @Override
                public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
                    events.add("point " + signal.id() + " " + timestampMicros + " " + value + " " + quality + " " + historical);
                }

                @Override
                public void markStale(Signal signal, long timestampMicros) {
                    events.add("stale " + signal.id() + " " + timestampMicros);
                }
            };
            InstantSource clock = InstantSource.fixed(Instant.parse("2026-12-04T10:00:00Z"));
            processor = new HostProcessor(new PlantModel("Acme"), sink, registry, clock,
                    new ConnectionStats("sparkplug", "sparkplug", "test", clock), Duration.ofHours(1), "Site", "Area", scheduler,
                    (g, e) -> events.add("rebirth " + g + "/" + e));
            processor.fastDataPath(fast);
        }

        void send(String topic, byte[] payload) {
            processor.onMessage(topic, SparkplugTopic.parse(topic), payload);
        }

        Map<String, Double> rejects() {
            Map<String, Double> m = new TreeMap<>();
            for (var meter : registry.find("lathe.ingest.rejects").counters()) {
                if (meter.count() > 0) m.put(meter.getId().getTag("reason"), meter.count());
            }
            Counter metrics = registry.find("lathe.ingest.metrics").counter();
            m.put("(metrics)", metrics == null ? 0 : metrics.count());
            return m;
        }
    }

    @Test
    void sameResultsAsTahusDecoderOnRandomMessages() {
        long fastTaken = 0;
        long messages = 0;
        for (int seed = 1; seed <= 400; seed++) {
            Random r = new Random(seed);
            Host fast = new Host(true);
            Host tahu = new Host(false);
            List<byte[]> stream = new ArrayList<>();
            List<String> topics = new ArrayList<>();
            session(r, topics, stream);
            for (int i = 0; i < stream.size(); i++) {
                fast.send(topics.get(i), stream.get(i));
                tahu.send(topics.get(i), stream.get(i));
            }
            messages += stream.size();
            assertThat(fast.events).as("seed %d: points", seed).containsExactlyElementsOf(tahu.events);
            assertThat(fast.rejects()).as("seed %d: rejects", seed).isEqualTo(tahu.rejects());
            assertThat(tahu.processor.fastReads).isZero();
            fastTaken += fast.processor.fastReads;
        }
        // the odd cases are frequent here on purpose, yet a good part of the messages must have taken the fast path
        assertThat(fastTaken).as("data messages the fast path took, of %d messages", messages).isGreaterThan(messages / 5);
    }

    @Test
    void takesAnOrdinaryAliasedNdataAndCountsItsMetrics() {
        Host fast = new Host(true);
        Host tahu = new Host(false);
        List<Metric> birth = new ArrayList<>();
        birth.add(Metric.newBuilder().setName("bdSeq").setDatatype(4).setLongValue(0).build());
        for (int i = 0; i < 100; i++) birth.add(Metric.newBuilder().setName("m" + i).setAlias(i).setDatatype(10).setDoubleValue(i).build());
        byte[] nbirth = Payload.newBuilder().setTimestamp(1_000).setSeq(0).addAllMetrics(birth).build().toByteArray();
        Payload.Builder data = Payload.newBuilder().setTimestamp(2_000).setSeq(1);
        for (int i = 0; i < 100; i++) data.addMetrics(Metric.newBuilder().setAlias(i).setDoubleValue(i + 0.5));
        for (Host h : List.of(fast, tahu)) {
            h.send("spBv1.0/G/NBIRTH/E", nbirth);
            h.send("spBv1.0/G/NDATA/E", data.build().toByteArray());
        }
        assertThat(fast.processor.fastReads).isEqualTo(1);
        assertThat(fast.events).hasSize(200).containsExactlyElementsOf(tahu.events);
        assertThat(fast.events.get(199)).isEqualTo("point acme.site.area.g-e.e.m99 2000000 DoubleValue[value=99.5] GOOD false");
        assertThat(fast.rejects()).isEqualTo(tahu.rejects()).containsEntry("(metrics)", 200.0);
    }

    /** A birth, then data messages with the odd cases mixed in; node data and (for half the seeds) a device's. */
    private static void session(Random r, List<String> topics, List<byte[]> stream) {
        int k = 1 + r.nextInt(12);
        int[] types = new int[k];
        long[] aliases = new long[k];
        List<Metric> birth = new ArrayList<>();
        birth.add(Metric.newBuilder().setName("bdSeq").setDatatype(4).setLongValue(0).build());
        birth.add(Metric.newBuilder().setName("Node Control/Rebirth").setAlias(99_999).setDatatype(11).setBooleanValue(false).build());
        for (int i = 0; i < k; i++) {
            types[i] = r.nextInt(10) == 0 ? BYTES : SCALARS[r.nextInt(SCALARS.length)];
            aliases[i] = r.nextInt(8) == 0 ? 70_000L + i : i;
            Metric.Builder m = Metric.newBuilder().setName("m" + i).setAlias(aliases[i]).setDatatype(types[i]);
            setValue(r, m, types[i]);
            birth.add(m.build());
        }
        boolean device = r.nextBoolean();
        topics.add("spBv1.0/G/NBIRTH/E");
        stream.add(Payload.newBuilder().setTimestamp(1_000).setSeq(0).addAllMetrics(birth).build().toByteArray());
        int seq = 1;
        if (device) {
            topics.add("spBv1.0/G/DBIRTH/E/D");
            stream.add(Payload.newBuilder().setTimestamp(1_001).setSeq(seq++).addAllMetrics(birth.subList(2, birth.size())).build().toByteArray());
        }
        byte[] held = null;
        String heldTopic = null;
        for (int msg = 0; msg < 25; msg++) {
            Payload.Builder p = Payload.newBuilder();
            if (r.nextInt(5) != 0) p.setTimestamp(2_000 + msg);
            int choice = r.nextInt(100);
            if (choice != 0) p.setSeq((seq++) & 0xFF);
            for (int i = 0; i < k; i++) {
                if (r.nextInt(4) == 0) continue;
                Metric.Builder m = Metric.newBuilder();
                int ref = r.nextInt(100);
                if (ref < 80) m.setAlias(aliases[i]);
                else if (ref < 93) m.setName("m" + i);
                else if (ref < 95) m.setAlias(50_000 + r.nextInt(3));
                else m.setName("new" + r.nextInt(3));
                int dt = r.nextInt(100);
                int type = types[i];
                if (dt < 25) m.setDatatype(type);
                else if (dt < 29) m.setDatatype(SCALARS[r.nextInt(SCALARS.length)]);
                else if (dt < 30 || (ref >= 95 && dt < 60)) m.setDatatype(type);
                int value = r.nextInt(100);
                if (value < 90) setValue(r, m, type);
                else if (value < 96) setValue(r, m, SCALARS[r.nextInt(SCALARS.length)]);
                if (r.nextInt(20) == 0) m.setIsNull(true);
                if (r.nextInt(10) == 0) m.setIsHistorical(r.nextBoolean());
                if (r.nextInt(10) < 3) m.setTimestamp(1_500 + r.nextInt(1_000));
                if (r.nextInt(30) == 0) m.setIsTransient(true);
                p.addMetrics(m);
            }
            if (r.nextInt(15) == 0) p.addMetrics(Metric.newBuilder().setAlias(99_999).setBooleanValue(true));
            String topic = device && r.nextBoolean() ? "spBv1.0/G/DDATA/E/D" : "spBv1.0/G/NDATA/E";
            byte[] bytes = p.build().toByteArray();
            if (r.nextInt(30) == 0 && bytes.length > 3) bytes = Arrays.copyOf(bytes, bytes.length - 1 - r.nextInt(3));
            if (held == null && r.nextInt(25) == 0) {
                held = bytes;
                heldTopic = topic;
                continue;
            }
            topics.add(topic);
            stream.add(bytes);
            if (held != null) {
                topics.add(heldTopic);
                stream.add(held);
                held = null;
            }
        }
    }

    private static void setValue(Random r, Metric.Builder m, int type) {
        switch (type) {
            case 1, 2, 3, 5, 6 -> m.setIntValue(r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(300) - 100);
            case 7 -> {
                if (r.nextBoolean()) m.setIntValue(r.nextInt());
                else m.setLongValue(r.nextLong() & 0xFFFF_FFFFL);
            }
            case 4, 8, 13 -> m.setLongValue(r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(1_000_000));
            case 9 -> m.setFloatValue(r.nextInt(20) == 0 ? Float.NaN : (float) r.nextGaussian() * 100);
            case 10 -> m.setDoubleValue(r.nextInt(20) == 0 ? Double.POSITIVE_INFINITY : r.nextGaussian() * 1e6);
            case 11 -> m.setBooleanValue(r.nextBoolean());
            case 12, 14, 15 -> m.setStringValue(r.nextBoolean() ? "v" + r.nextInt(100) : "wärme " + r.nextInt(10));
            case BYTES -> m.setBytesValue(ByteString.copyFrom(new byte[] {1, 2, (byte) r.nextInt()}));
            default -> throw new IllegalArgumentException("type " + type);
        }
    }
}
