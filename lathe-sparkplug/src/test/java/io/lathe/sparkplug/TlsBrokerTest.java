package io.lathe.sparkplug;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.ConnectionStatus;
import io.lathe.model.PlantModel;
import io.lathe.sparkplug.internal.TlsSupport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT TLS client settings ({@code mqtt.tls.ca-file}, {@code mqtt.tls.verify-hostname}) against a real TLS broker:
 * a Mosquitto process with a listener whose certificate, made here with the openssl CLI, names only {@code localhost}
 * and is signed by a test CA.
 */
class TlsBrokerTest {
    private static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");

    @TempDir
    static Path dir;
    private static Process mosquitto;
    private static int port;
    private static Path ca, otherCa, log;

    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private final String hostId = "lathe-tls-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void startTlsBroker() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(MOSQUITTO), "skipped: no Mosquitto binary at " + MOSQUITTO
                + " to run a TLS broker (apt-get install mosquitto)");
        Assumptions.assumeTrue(runs("openssl", "version"), "skipped: the openssl command is not on the PATH to make test certificates");
        ca = dir.resolve("ca.pem");
        otherCa = dir.resolve("other-ca.pem");
        Path caKey = dir.resolve("ca.key"), serverKey = dir.resolve("server.key"), csr = dir.resolve("server.csr");
        Path cert = dir.resolve("server.pem"), ext = dir.resolve("server.ext");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Lathe Test CA",
                "-keyout", caKey.toString(), "-out", ca.toString());
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Some Other CA",
                "-keyout", dir.resolve("other-ca.key").toString(), "-out", otherCa.toString());
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", serverKey.toString(),
                "-out", csr.toString());
        // Only the name localhost: connecting by 127.0.0.1 is then a host-name mismatch.
        Files.writeString(ext, "subjectAltName=DNS:localhost\n");
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(), "-CAcreateserial",
                "-days", "2", "-extfile", ext.toString(), "-out", cert.toString());

        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path conf = dir.resolve("mosquitto.conf");
        log = dir.resolve("mosquitto.log");
        Files.writeString(conf, String.join("\n",
                "user " + System.getProperty("user.name"), // as root Mosquitto would switch to a user that cannot read the temp files
                "persistence false",
                "listener " + port + " 127.0.0.1",
                "cafile " + ca,
                "certfile " + cert,
                "keyfile " + serverKey,
                "allow_anonymous true",
                ""));
        mosquitto = new ProcessBuilder(MOSQUITTO.toString(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!listening(port)) {
            if (!mosquitto.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the TLS Mosquitto did not start [port=" + port + ", alive=" + mosquitto.isAlive()
                        + "]: " + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stopTlsBroker() throws Exception {
        if (mosquitto != null) {
            mosquitto.destroy();
            if (!mosquitto.waitFor(10, TimeUnit.SECONDS)) {
                mosquitto.destroyForcibly();
                mosquitto.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) closeLater.get(i).close();
    }

    @Test
    void theHostConnectsWithTheCaFileAndHostNameVerificationAndPublishesItsState() throws Exception {
        SparkplugHost host = host("ssl://localhost:" + port, ca, true);
        host.start();
        Await.until("host connected over TLS", Duration.ofSeconds(30), () -> host.status().state() == ConnectionState.CONNECTED);
        // Data flows over the session: the online STATE reaches a second client that trusts the same CA.
        Mqtt3BlockingClient watcher = MqttClient.builder().useMqttVersion3().identifier("tls-watch-" + hostId)
                .serverHost("localhost").serverPort(port).sslConfig(TlsSupport.sslConfig(ca, true)).buildBlocking();
        watcher.connect();
        closeLater.add(watcher::disconnect);
        try (Mqtt3BlockingClient.Mqtt3Publishes states = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter("spBv1.0/STATE/" + hostId).qos(MqttQos.AT_LEAST_ONCE).send();
            Optional<Mqtt3Publish> state = states.receive(20, TimeUnit.SECONDS);
            assertThat(state).as("retained STATE of the host").isPresent();
            assertThat(new String(state.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).contains("\"online\":true");
        }
    }

    @Test
    void aBrokerCertificateFromAnotherCaIsRefusedWithACertificateError() {
        SparkplugHost host = host("ssl://localhost:" + port, otherCa, true);
        host.start();
        ConnectionStatus failed = awaitError(host);
        assertThat(failed.state()).isNotEqualTo(ConnectionState.CONNECTED);
        assertThat(failed.lastError()).as(failed.lastError()).containsIgnoringCase("certificat")
                .contains("mqtt.tls.ca-file");
    }

    @Test
    void aHostNameTheCertificateDoesNotNameIsRefusedUnlessVerificationIsOff() {
        SparkplugHost strict = host("ssl://127.0.0.1:" + port, ca, true);
        strict.start();
        ConnectionStatus failed = awaitError(strict);
        assertThat(failed.state()).isNotEqualTo(ConnectionState.CONNECTED);
        assertThat(failed.lastError()).as(failed.lastError()).contains("127.0.0.1").contains("mqtt.tls.verify-hostname");
        strict.close();

        // The documented escape for brokers with certificates for another name: the same CA, verification off.
        SparkplugHost lenient = host("ssl://127.0.0.1:" + port, ca, false);
        lenient.start();
        Await.until("host connected without host-name verification", Duration.ofSeconds(30),
                () -> lenient.status().state() == ConnectionState.CONNECTED);
    }

    private ConnectionStatus awaitError(SparkplugHost host) {
        Await.until("a connection error reported", Duration.ofSeconds(30), () -> host.status().lastError() != null);
        return host.status();
    }

    private SparkplugHost host(String url, Path trust, boolean verifyHostname) {
        SparkplugHost host = new SparkplugHost(new SparkplugHostConfig(hostId, url, null, null, trust, verifyHostname,
                List.of("G" + hostId), Duration.ofSeconds(2), "Discovered", "Sparkplug"), new PlantModel("Acme"),
                new RecordingSink(), new SimpleMeterRegistry(), InstantSource.system());
        closeLater.add(host);
        return host;
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean runs(String... command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "openssl", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (p.waitFor() != 0) throw new AssertionError("openssl failed " + command + ": " + Files.readString(out));
    }
}
