package io.lathe.server.jar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo of the shaded jar, as users run it ({@code java -jar lathe.jar demo}), then a TsFile export of what it
 * stored: proof that trimming the jar (issue 14) removed nothing these paths load. The demo's OPC UA server makes its
 * certificate with Bouncy Castle's provider (post-quantum engines and the Java 9 class copies are gone), Milo runs on
 * the jar's one Guava (its own copy is relocated onto it), Sparkplug decodes through Tahu without Paho, Modbus and
 * Javalin run without Jetty's web-app jars; the export writes LZ4 without most of lz4-java's natives.
 */
class LatheJarDemoIT {
    private static final Pattern HTTP = Pattern.compile("Lathe API listening at http://[^:]+:(\\d+)/");
    /** What a class missing from the jar looks like in a log. */
    private static final List<String> MISSING = List.of("NoClassDefFoundError", "ClassNotFoundException",
            "ServiceConfigurationError", "UnsatisfiedLinkError", "NoSuchMethodError");

    @TempDir
    Path dir;

    @Test
    void demoOfTheShadedJarConnectsEveryProtocolAndItsDataExports() throws Exception {
        Path jar = LatheJarIT.jar().toAbsolutePath();
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path data = dir.resolve("data");
        Path out = dir.resolve("demo.out");
        Path err = dir.resolve("demo.err");
        Process demo = new ProcessBuilder(java, "-Xmx512m", "-jar", jar.toString(), "demo", "--data-dir", data.toString(),
                "--http-port", "0", "--mqtt-port", "0")
                .directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        Map<String, String> states;
        try {
            int port = awaitHttpPort(demo, out, err, Duration.ofSeconds(120));
            states = awaitConnected(demo, port, err, Duration.ofSeconds(120));
            assertThat(demo.isAlive()).isTrue();
        } finally {
            demo.destroy();
            if (!demo.waitFor(60, TimeUnit.SECONDS)) demo.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(states).as("state by protocol").containsEntry("sparkplug", "connected").containsEntry("opcua", "connected")
                .containsEntry("modbus-tcp", "connected");
        String log = Files.readString(out) + Files.readString(err);
        for (String m : MISSING) assertThat(log).as("output of java -jar lathe.jar demo").doesNotContain(m);

        Path tsfiles = dir.resolve("tsfiles");
        Path exportOut = dir.resolve("export.out");
        Process export = new ProcessBuilder(java, "-Xmx384m", "-jar", jar.toString(), "store", "export-tsfile",
                "--data-dir", data.toString(), "--out", tsfiles.toString())
                .redirectErrorStream(true).redirectOutput(exportOut.toFile()).start();
        assertThat(export.waitFor(120, TimeUnit.SECONDS)).as("export finished").isTrue();
        String exported = Files.readString(exportOut);
        assertThat(export.exitValue()).as(exported).isZero();
        assertThat(exported).contains("exported ");
        for (String m : MISSING) assertThat(exported).doesNotContain(m);
        try (Stream<Path> files = Files.list(tsfiles)) {
            assertThat(files.filter(f -> f.toString().endsWith(".tsfile"))).isNotEmpty();
        }
    }

    private static int awaitHttpPort(Process p, Path out, Path err, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            // slf4j-simple logs to stderr; read both in case that changes.
            Matcher m = HTTP.matcher(Files.readString(out) + Files.readString(err));
            if (m.find()) return Integer.parseInt(m.group(1));
            if (!p.isAlive()) throw new AssertionError("java -jar lathe.jar demo exited with " + p.exitValue() + ":\n" + Files.readString(err));
            Thread.sleep(200);
        }
        throw new AssertionError("no API start line within " + timeout + ":\n" + Files.readString(err));
    }

    /** Polls GET /api/connections (the demo lets local clients read) until each connection is connected and has data. */
    private static Map<String, String> awaitConnected(Process p, int port, Path err, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> states = new TreeMap<>();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/connections")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                states.clear();
                boolean allLive = true;
                for (JsonNode c : json.readTree(r.body())) {
                    String state = c.path("state").asText();
                    states.put(c.path("protocol").asText(), state);
                    allLive &= state.equals("connected") && c.path("messages").asLong() > 0;
                }
                if (allLive && states.size() >= 3) return states;
            }
            if (!p.isAlive()) throw new AssertionError("java -jar lathe.jar demo exited with " + p.exitValue() + ":\n" + Files.readString(err));
            Thread.sleep(500);
        }
        return states;
    }
}
