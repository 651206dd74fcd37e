package io.lathe.api;

import io.lathe.ingest.LiveState;
import io.lathe.model.PlantModel;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Throughput of POST /api/ingest over loopback, end to end (HTTP, parsing, store, fsync per request): 1,000,000 points
 * in 10 requests of 100,000 lines, 1,000 series, one fresh store per run. Not a test (no assertion on time); run it by
 * hand, see docs/PERFORMANCE.md:
 * <pre>
 * lmvn lathe-api test-compile -q
 * java -cp lathe-api/target/test-classes:lathe-api/target/classes:$(cat cp.txt) io.lathe.api.IngestThroughput 8 csv
 * </pre>
 * where cp.txt comes from {@code lmvn lathe-api dependency:build-classpath -Dmdep.outputFile=$PWD/cp.txt -Dmdep.includeScope=test}.
 * Arguments: runs (default 8) and csv|json (default csv). The first runs warm the JIT up; read the later ones.
 */
public final class IngestThroughput {
    private static final int REQUESTS = 10, LINES_PER_REQUEST = 100_000, SERIES = 1000;
    private static final long T0_MILLIS = 1_767_250_800_000L; // 2026-01-01T07:00:00Z

    private IngestThroughput() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        boolean csv = args.length < 2 || args[1].equals("csv");
        byte[][] bodies = bodies(csv);
        HttpClient http = HttpClient.newHttpClient();
        for (int r = 1; r <= runs; r++) {
            Path dir = Files.createTempDirectory("lathe-ingest-throughput");
            try (TelemetryStore store = TelemetryStore.open(StoreSettings.defaults(dir.resolve("store")));
                 ApiServer server = ApiServer.create(new ApiSettings("127.0.0.1", 0, "t"), new PlantModel("Acme"), new LiveState(),
                         new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of, store)) {
                URI uri = URI.create("http://127.0.0.1:" + server.start() + "/api/ingest");
                long start = System.nanoTime();
                for (byte[] body : bodies) {
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5))
                            .header("Content-Type", csv ? "text/csv" : "application/x-ndjson").header("Authorization", "Bearer t")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() != 200) throw new IllegalStateException(answer.statusCode() + " " + answer.body());
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                long points = (long) REQUESTS * LINES_PER_REQUEST;
                System.out.printf("run %d %s: %,d points in %.2f s = %,.0f points/s%n", r, csv ? "csv" : "json", points, seconds,
                        points / seconds);
            } finally {
                delete(dir);
            }
        }
    }

    /** Series line1/m0..m999 round robin, one timestamp a second per series, values like 57.42. */
    private static byte[][] bodies(boolean csv) {
        byte[][] bodies = new byte[REQUESTS][];
        long line = 0;
        for (int b = 0; b < REQUESTS; b++) {
            StringBuilder s = new StringBuilder(LINES_PER_REQUEST * 48);
            if (csv) s.append("series,timestamp,value\n");
            for (int i = 0; i < LINES_PER_REQUEST; i++, line++) {
                String series = "line1/m" + (line % SERIES) + "/temp";
                long ts = T0_MILLIS + (line / SERIES) * 1000;
                String value = (20 + line % 97) + "." + (line % 100);
                if (csv) s.append(series).append(',').append(ts).append(',').append(value).append('\n');
                else s.append("{\"series\":\"").append(series).append("\",\"timestamp\":").append(ts).append(",\"value\":")
                        .append(value).append("}\n");
            }
            bodies[b] = s.toString().getBytes(StandardCharsets.UTF_8);
        }
        return bodies;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
