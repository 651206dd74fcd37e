package io.lathe.simulator;

import io.lathe.simulator.internal.BrokerAddress;
import io.lathe.simulator.internal.EdgeSession;
import io.lathe.simulator.internal.SparkplugMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sparkplug B load for benchmarks: {@code nodes} edge nodes ({@code Load-0001}, ...) each with {@code metricsPerNode}
 * Double metrics ({@code Metric-0001}, ..., aliases 2..), publishing NBIRTH and then NDATA messages carrying every
 * metric (a random walk) at {@code messagesPerSecondPerNode}. Timestamps are wall-clock time.
 *
 * <p>Pacing: every 10 ms each node publishes what it owes for the elapsed time, at most 100 ms worth at once; when
 * the broker or network cannot keep up the generator publishes less (never queues without bound), so
 * {@link #published()} is the load actually offered. Thread-safe.
 */
public final class LoadGenerator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadGenerator.class);
    private static final long TICK_MILLIS = 10;

    private final BrokerAddress broker;
    private final String group;
    private final int nodes;
    private final int metricsPerNode;
    private final double rate;
    private final long seed;
    private final ScheduledExecutorService executor;
    private final List<Node> nodeList = new ArrayList<>();
    private long startNanos;
    private boolean started;
    private boolean closed;

    /**
     * @param brokerUrl                MQTT broker URL, for example {@code tcp://127.0.0.1:1883}
     * @param group                    Sparkplug group id
     * @param nodes                    edge nodes in [1, 10000]
     * @param metricsPerNode           metrics per node in [1, 100000]
     * @param messagesPerSecondPerNode NDATA messages per second per node in (0, 100000]
     * @param seed                     seed of the values
     */
    public LoadGenerator(String brokerUrl, String group, int nodes, int metricsPerNode, double messagesPerSecondPerNode, long seed) {
        var problems = new ArrayList<String>();
        if (group == null || group.isBlank() || group.contains("/") || group.contains("+") || group.contains("#")) {
            problems.add("group must be a non-blank Sparkplug id without '/', '+' or '#', but was " + group);
        }
        if (nodes < 1 || nodes > 10_000) problems.add("nodes must be in [1, 10000], but was " + nodes);
        if (metricsPerNode < 1 || metricsPerNode > 100_000) problems.add("metricsPerNode must be in [1, 100000], but was " + metricsPerNode);
        if (!(messagesPerSecondPerNode > 0 && messagesPerSecondPerNode <= 100_000)) {
            problems.add("messagesPerSecondPerNode must be in (0, 100000], but was " + messagesPerSecondPerNode);
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException("Invalid load generator configuration: " + String.join("; ", problems) + ".");
        this.broker = BrokerAddress.parse(Objects.requireNonNull(brokerUrl, "brokerUrl"));
        this.group = group;
        this.nodes = nodes;
        this.metricsPerNode = metricsPerNode;
        this.rate = messagesPerSecondPerNode;
        this.seed = seed;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lathe-load-generator-" + group);
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects every edge node (up to 10 s each) and starts publishing; throws {@link IllegalStateException} when one cannot connect. */
    public synchronized void start() {
        if (closed || started) throw new IllegalStateException("Load generator can be started once [group=" + group + "].");
        started = true;
        var root = new SplittableRandom(seed);
        for (int i = 0; i < nodes; i++) {
            var node = new Node(String.format("Load-%04d", i + 1), root.split());
            node.session = new EdgeSession(broker, null, null, group, node.id, null, executor, Instant::now, node);
            nodeList.add(node);
        }
        try {
            for (Node n : nodeList) n.session.connect(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        startNanos = System.nanoTime();
        executor.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        LOG.info("Load generator started [broker={}, group={}, nodes={}, metricsPerNode={}, messagesPerSecondPerNode={}]",
                broker, group, nodes, metricsPerNode, rate);
    }

    private void tick() {
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        long owedTotal = (long) Math.floor(rate * elapsed);
        long maxBurst = Math.max(1, (long) Math.ceil(rate * 0.1));
        for (Node n : nodeList) {
            if (!n.session.isOnline()) continue;
            long owed = owedTotal - n.sent;
            if (owed > maxBurst) {
                n.sent = owedTotal - maxBurst; // cannot keep up: skip ahead instead of queueing
                owed = maxBurst;
            }
            for (long k = 0; k < owed; k++) n.publishData();
        }
    }

    /** Messages (births and NDATA) handed to the MQTT client so far. */
    public long published() {
        long sum = 0;
        for (Node n : nodeList) sum += n.session.published();
        return sum;
    }

    /** NDEATH for every node, then disconnect. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Node n : nodeList) n.session.close(Duration.ofSeconds(5));
    }

    private final class Node implements EdgeSession.Handler {
        final String id;
        final SplittableRandom rng;
        final double[] values;
        EdgeSession session;
        long sent;

        Node(String id, SplittableRandom rng) {
            this.id = id;
            this.rng = rng;
            this.values = new double[metricsPerNode];
            for (int i = 0; i < values.length; i++) values[i] = Math.round(rng.nextDouble(0, 100) * 100) / 100.0;
        }

        @Override
        public void online() {
            Date ts = new Date();
            var metrics = new ArrayList<Metric>(values.length);
            for (int i = 0; i < values.length; i++) {
                metrics.add(SparkplugMetrics.birth(String.format("Metric-%04d", i + 1), 2L + i, MetricDataType.Double, values[i], ts, ""));
            }
            session.publishNodeBirth(ts, metrics);
        }

        @Override
        public void rebirth() {
            online();
        }

        void publishData() {
            Date ts = new Date();
            var metrics = new ArrayList<Metric>(values.length);
            for (int i = 0; i < values.length; i++) {
                values[i] = Math.round((values[i] + rng.nextGaussian() * 0.5) * 100) / 100.0;
                metrics.add(SparkplugMetrics.data(2L + i, MetricDataType.Double, values[i], ts));
            }
            session.publish("NDATA", null, ts, metrics);
            sent++;
        }
    }
}
