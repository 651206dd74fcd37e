package io.lathe.server.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.tahu.protobuf.SparkplugBProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The load side of {@code lathe bench ingest}, in its own JVM so that the measured process's CPU time is Lathe's
 * alone. It publishes what the parent grants: the parent writes a number of messages per line on stdin (credit) as
 * the store takes them, so no broker queue overflows and nothing is dropped, whatever the speed of the consumer.
 *
 * <p>Sparkplug: {@code nodes} edge nodes of group {@code group}, each with an NBIRTH of {@code metrics} Double metrics
 * (aliases 1..metrics), then NDATA messages carrying every metric by alias, round-robin over the nodes. Message
 * {@code i} of a node has timestamp {@code t0 + i} ms, and its last metric's value is the publish time in epoch
 * microseconds, from which the parent reads the end-to-end latency. JSON: the same over plain MQTT, one object per
 * message. HTTP: CSV bodies posted with {@code concurrency} connections, each answered after its fsync; credit counts
 * requests.
 *
 * <p>Prints {@code ready} once connected and born, and at the end {@code done <messages> <cpu-ns>}.
 */
@Command(name = "ingest-load", hidden = true, description = "Load side of lathe bench ingest (child process).")
public final class LoadProcess implements Callable<Integer> {
    @Option(names = "--mode", required = true) String mode;
    @Option(names = "--broker") String broker;
    @Option(names = "--group", defaultValue = "Bench") String group;
    @Option(names = "--nodes", defaultValue = "10") int nodes;
    @Option(names = "--metrics", defaultValue = "1000") int metrics;
    @Option(names = "--t0", required = true) long t0;
    @Option(names = "--http") String http;
    @Option(names = "--token") String token;
    @Option(names = "--lines", defaultValue = "50000") int lines;
    @Option(names = "--concurrency", defaultValue = "4") int concurrency;
    /** HTTP series names are this plus 0..999 (the bench's --alarms runs post plant signal ids, so points reach the fan-out). */
    @Option(names = "--series-prefix", defaultValue = "http.s") String seriesPrefix;

    private final Semaphore credit = new Semaphore(0);
    private volatile boolean stopping;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Thread reader = Thread.ofPlatform().daemon().name("credit").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.equals("stop")) break;
                    credit.release(Integer.parseInt(line.trim()));
                }
            } catch (Exception e) {
                // the parent went away: stop
            }
            stopping = true;
            credit.release(1_000_000);
        });
        long sent = switch (mode) {
            case "sparkplug" -> sparkplug(out);
            case "json" -> json(out);
            case "http" -> http(out);
            default -> throw new IllegalArgumentException("mode must be sparkplug, json or http, but was " + mode);
        };
        long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        out.println("done " + sent + " " + cpu);
        out.flush();
        reader.interrupt();
        return 0;
    }

    private List<Mqtt3AsyncClient> connect(String prefix) throws Exception {
        URI u = URI.create(broker);
        List<Mqtt3AsyncClient> clients = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            var b = MqttClient.builder().useMqttVersion3().identifier(prefix + "-" + ProcessHandle.current().pid() + "-" + n)
                    .serverHost(u.getHost()).serverPort(u.getPort());
            Mqtt3AsyncClient c = b.buildAsync();
            var connect = c.connectWith().cleanSession(true).keepAlive(60);
            if (mode.equals("sparkplug")) {
                connect = connect.willPublish().topic(topic("NDEATH", n)).qos(MqttQos.AT_MOST_ONCE)
                        .payload(SparkplugBProto.Payload.newBuilder().setTimestamp(System.currentTimeMillis())
                                .addMetrics(SparkplugBProto.Payload.Metric.newBuilder().setName("bdSeq").setDatatype(8).setLongValue(0))
                                .build().toByteArray()).applyWillPublish();
            }
            connect.send().get(30, TimeUnit.SECONDS);
            clients.add(c);
        }
        return clients;
    }

    private String topic(String type, int node) {
        return "spBv1.0/" + group + "/" + type + "/" + nodeId(node);
    }

    static String nodeId(int node) {
        return String.format(Locale.ROOT, "Node-%04d", node + 1);
    }

    static String metricName(int m) {
        return String.format(Locale.ROOT, "M%05d", m + 1);
    }

    private byte[] birth() {
        var p = SparkplugBProto.Payload.newBuilder().setTimestamp(System.currentTimeMillis()).setSeq(0)
                .addMetrics(SparkplugBProto.Payload.Metric.newBuilder().setName("bdSeq").setDatatype(8).setLongValue(0));
        for (int m = 0; m < metrics; m++) {
            p.addMetrics(SparkplugBProto.Payload.Metric.newBuilder().setName(metricName(m)).setAlias(m + 1).setDatatype(10)
                    .setTimestamp(t0 - 1).setDoubleValue(m));
        }
        return p.build().toByteArray();
    }

    private long sparkplug(PrintStream out) throws Exception {
        List<Mqtt3AsyncClient> clients = connect("bench-edge");
        byte[] birth = birth();
        int[] seq = new int[nodes];
        // NBIRTH carries seq 0; the node's first NDATA after it carries 1.
        java.util.Arrays.fill(seq, 1);
        for (int n = 0; n < nodes; n++) {
            int node = n;
            // A rebirth request (NCMD) from the host: born again, sequence from 0.
            clients.get(n).subscribeWith().topicFilter(topic("NCMD", n)).qos(MqttQos.AT_MOST_ONCE).callback(msg -> {
                synchronized (seq) {
                    seq[node] = 1;
                    clients.get(node).publishWith().topic(topic("NBIRTH", node)).qos(MqttQos.AT_MOST_ONCE).payload(birth()).send();
                }
            }).send().get(30, TimeUnit.SECONDS);
            clients.get(n).publishWith().topic(topic("NBIRTH", n)).qos(MqttQos.AT_MOST_ONCE).payload(birth).send().get(30, TimeUnit.SECONDS);
        }
        out.println("ready");
        out.flush();
        long[] index = new long[nodes];
        double[] values = new double[metrics];
        long sent = 0;
        for (int n = 0; ; n = (n + 1) % nodes) {
            credit.acquire();
            if (stopping) break;
            long ts = t0 + index[n]++;
            var p = SparkplugBProto.Payload.newBuilder().setTimestamp(ts);
            for (int m = 0; m < metrics - 1; m++) {
                values[m] = Math.round((values[m] + ((sent * 31 + m) % 7 - 3) * 0.5) * 100) / 100.0;
                p.addMetrics(SparkplugBProto.Payload.Metric.newBuilder().setAlias(m + 1).setDatatype(10).setTimestamp(ts).setDoubleValue(values[m]));
            }
            p.addMetrics(SparkplugBProto.Payload.Metric.newBuilder().setAlias(metrics).setDatatype(10).setTimestamp(ts)
                    .setDoubleValue(epochMicros()));
            synchronized (seq) {
                p.setSeq(seq[n]);
                seq[n] = (seq[n] + 1) % 256;
                clients.get(n).publishWith().topic(topic("NDATA", n)).qos(MqttQos.AT_MOST_ONCE).payload(p.build().toByteArray()).send();
            }
            sent++;
        }
        for (Mqtt3AsyncClient c : clients) c.disconnect().get(10, TimeUnit.SECONDS);
        return sent;
    }

    private long json(PrintStream out) throws Exception {
        List<Mqtt3AsyncClient> clients = connect("bench-json");
        out.println("ready");
        out.flush();
        long[] index = new long[nodes];
        long sent = 0;
        StringBuilder b = new StringBuilder(metrics * 16);
        for (int n = 0; ; n = (n + 1) % nodes) {
            credit.acquire();
            if (stopping) break;
            long ts = t0 + index[n]++;
            b.setLength(0);
            b.append("{\"ts\":").append(ts);
            for (int m = 0; m < metrics - 1; m++) b.append(",\"").append(metricName(m)).append("\":").append((sent + m) % 1000 / 10.0);
            b.append(",\"").append(metricName(metrics - 1)).append("\":").append(epochMicros()).append('}');
            clients.get(n).publishWith().topic("bench/" + nodeId(n) + "/data").qos(MqttQos.AT_MOST_ONCE)
                    .payload(b.toString().getBytes(StandardCharsets.UTF_8)).send();
            sent++;
        }
        for (Mqtt3AsyncClient c : clients) c.disconnect().get(10, TimeUnit.SECONDS);
        return sent;
    }

    /**
     * HTTP: {@code concurrency} workers, each posting a CSV body of {@code lines} lines per granted request (series
     * {@code http.s<k>}, 1,000 of them, timestamps advancing). Prints {@code ack <points> <latency-micros>} per answer.
     */
    private long http(PrintStream out) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        AtomicLong requests = new AtomicLong();
        AtomicLong clock = new AtomicLong(t0);
        out.println("ready");
        out.flush();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            workers.add(Thread.ofPlatform().name("http-" + w).start(() -> {
                StringBuilder body = new StringBuilder(lines * 32);
                try {
                    while (true) {
                        credit.acquire();
                        if (stopping) return;
                        body.setLength(0);
                        long base = clock.getAndAdd(lines / 1000 + 1);
                        for (int i = 0; i < lines; i++) {
                            body.append(seriesPrefix).append(i % 1000).append(',').append(base + i / 1000).append(',')
                                    .append((i * 7919 % 10000) / 100.0).append('\n');
                        }
                        long start = System.nanoTime();
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(http + "/api/ingest"))
                                .header("Content-Type", "text/csv").header("Authorization", "Bearer " + token)
                                .timeout(Duration.ofMinutes(2)).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                                HttpResponse.BodyHandlers.ofString());
                        long micros = (System.nanoTime() - start) / 1000;
                        if (r.statusCode() != 200) {
                            synchronized (out) {
                                out.println("error " + r.statusCode() + " " + r.body().replace('\n', ' '));
                            }
                            return;
                        }
                        requests.incrementAndGet();
                        synchronized (out) {
                            out.println("ack " + lines + " " + micros);
                            out.flush();
                        }
                    }
                } catch (Exception e) {
                    synchronized (out) {
                        out.println("error " + e);
                    }
                }
            }));
        }
        for (Thread t : workers) t.join();
        return requests.get();
    }

    static double epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000.0 + now.getNano() / 1000;
    }
}
