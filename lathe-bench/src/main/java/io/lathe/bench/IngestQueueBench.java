package io.lathe.bench;

import io.lathe.ingest.IngestQueue;
import io.lathe.ingest.PointBatch;
import io.lathe.ingest.PointSink;
import io.lathe.ingest.TimestampCheck;
import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Hand-off throughput of one connection's {@link IngestQueue}: one producer thread hands batches of points (as a
 * Sparkplug payload or a Modbus poll would) to the queue, whose consumer delivers them to a sink that only counts.
 * Measures points per second from the first hand-off until the consumer has delivered the last point, and the bytes
 * the producer and the consumer thread allocate per point (values and signals are made up front, as connectors make
 * them before the hand-off).
 */
@Command(name = "ingest-queue", mixinStandardHelpOptions = true,
        description = "Points/s through one connection's ingest queue into a no-op sink, one producer.")
public final class IngestQueueBench implements Callable<Integer> {
    @Option(names = "--points", description = "Points per measured round (default ${DEFAULT-VALUE}).")
    long points = 20_000_000;

    @Option(names = "--rounds", description = "Measured rounds per batch size, after two warm-up rounds (default ${DEFAULT-VALUE}).")
    int rounds = 5;

    @Option(names = "--batch", split = ",", description = "Points per hand-off, comma-separated (default ${DEFAULT-VALUE}).")
    int[] batches = {1, 10, 100};

    @Option(names = "--capacity", description = "ingest.queue-capacity (default ${DEFAULT-VALUE}).")
    int capacity = IngestQueue.DEFAULT_CAPACITY;

    /** Counts what arrives; the count is read at the end so the work cannot be optimised away. */
    static final class Counting implements PointSink {
        volatile long points;

        @Override
        public void accept(PointBatch batch) {
            points += batch.size();
        }

        @Override
        public void accept(Signal signal, long ts, Value value, Quality quality, boolean historical) {
            points++;
        }

        @Override
        public void markStale(Signal signal, long ts) {
            points++;
        }
    }

    @Override
    public Integer call() throws Exception {
        System.out.printf(Locale.ROOT, "ingest-queue: %,d points per round, %d rounds, capacity %,d, JDK %s, %d CPUs%n",
                points, rounds, capacity, Runtime.version(), Runtime.getRuntime().availableProcessors());
        Signal[] signals = new Signal[100];
        for (int i = 0; i < signals.length; i++) signals[i] = new Signal("bench.s" + i, "s" + i, "bench", DataType.DOUBLE, "", "", "");
        Value[] values = new Value[1024];
        for (int i = 0; i < values.length; i++) values[i] = Value.of(i * 0.5);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int batch : batches) {
            List<double[]> results = new ArrayList<>();
            for (int r = 0; r < rounds + 2; r++) {
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                Counting sink = new Counting();
                TimestampCheck check = new TimestampCheck(TimestampCheck.DEFAULT_MAX_SKEW, InstantSource.system(), registry);
                IngestQueue q = new IngestQueue("bench", sink, capacity, IngestQueue.DEFAULT_MAX_BLOCK, check, registry);
                Thread consumer = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("lathe-ingest-bench")).findFirst().orElseThrow();
                PointBatch b = new PointBatch(batch);
                long ts = System.currentTimeMillis() * 1000 - 3_600_000_000L;
                long producerBytes0 = threads.getThreadAllocatedBytes(Thread.currentThread().threadId());
                long consumerBytes0 = threads.getThreadAllocatedBytes(consumer.threadId());
                long t0 = System.nanoTime();
                for (long p = 0; p < points; p += batch) {
                    b.clear();
                    for (int k = 0; k < batch; k++) {
                        int i = (int) ((p + k) & 1023);
                        b.add(signals[i % 100], ts + p + k, values[i], Quality.GOOD, false);
                    }
                    q.accept(b);
                }
                if (!q.awaitDelivered(Duration.ofMinutes(5))) throw new IllegalStateException("queue did not drain in 5 minutes");
                long nanos = System.nanoTime() - t0;
                long producerBytes = threads.getThreadAllocatedBytes(Thread.currentThread().threadId()) - producerBytes0;
                long consumerBytes = threads.getThreadAllocatedBytes(consumer.threadId()) - consumerBytes0;
                long delivered = sink.points;
                q.close();
                long sent = (points + batch - 1) / batch * batch;
                if (delivered != sent) throw new IllegalStateException("delivered " + delivered + " of " + sent + " points");
                if (q.rejectedFull() != 0) throw new IllegalStateException("rejected " + q.rejectedFull() + " points");
                if (r >= 2) {
                    results.add(new double[] {delivered * 1e9 / nanos, (double) producerBytes / delivered, (double) consumerBytes / delivered,
                            q.accepted()});
                }
            }
            results.sort((x, y) -> Double.compare(x[0], y[0]));
            double[] med = results.get(results.size() / 2);
            System.out.printf(Locale.ROOT, "batch %4d: median %,.0f points/s (rounds: %s); allocated per point: producer %.2f B, consumer %.2f B%n",
                    batch, med[0], Arrays.toString(results.stream().mapToLong(x -> Math.round(x[0])).toArray()), med[1], med[2]);
        }
        return 0;
    }
}
