package io.lathe.broker;

import static io.lathe.broker.MqttTestClients.next;
import static io.lathe.broker.MqttTestClients.publish;
import static io.lathe.broker.MqttTestClients.subscribe;
import static io.lathe.broker.MqttTestClients.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.lathe.broker.internal.TlsMaterial;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10: TLS for the embedded broker, from PKCS#12 or PEM, with a test certificate made here by the JDK's keytool. */
class BrokerTlsTest {

    static final String STORE_PASSWORD = "test-store-pw";

    @TempDir
    Path dir;

    // A TLS client that trusts the test certificate exchanges messages with a plain-TCP client; one that does not trust
    // it cannot even connect, so the listener really speaks TLS with that certificate.
    @Test
    void pkcs12TlsListenerServesTlsClients() throws Exception {
        Path p12 = keytoolCertificate("EC");
        BrokerTls tls = new BrokerTls.Pkcs12("127.0.0.1", 0, p12, STORE_PASSWORD);
        try (EmbeddedBroker broker = EmbeddedBroker.start(BrokerSettings.ephemeral().withAccess(BrokerAccess.internalOnly()).withTls(tls))) {
            assertThat(broker.tlsPort()).isPositive().isNotEqualTo(broker.port());
            assertThat(broker.tlsUrl()).isEqualTo("ssl://127.0.0.1:" + broker.tlsPort());
            exchangeOverTls(broker, trusting(p12));
            assertThat(Files.readString(configXml(broker))).doesNotContain(STORE_PASSWORD);

            Mqtt5BlockingClient untrusting = MqttClient.builder().useMqttVersion5().identifier("lathe-untrusting").serverHost("127.0.0.1")
                    .serverPort(broker.tlsPort()).sslWithDefaultConfig().buildBlocking();
            assertThatThrownBy(() -> untrusting.connectWith().simpleAuth().username(broker.internalCredential().username())
                    .password(broker.internalCredential().password().getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send())
                    .hasStackTraceContaining("SSL");
        }
    }

    // The same certificate as PEM files (certificate chain and PKCS#8 key), as most plants get them from their CA.
    @Test
    void pemTlsListenerServesTlsClients() throws Exception {
        Path p12 = keytoolCertificate("RSA");
        Path[] pem = toPem(p12);
        BrokerTls tls = new BrokerTls.Pem("127.0.0.1", 0, pem[0], pem[1], null);
        try (EmbeddedBroker broker = EmbeddedBroker.start(BrokerSettings.ephemeral().withAccess(BrokerAccess.internalOnly()).withTls(tls))) {
            exchangeOverTls(broker, trusting(p12));
        }
    }

    // OpenSSL's other key forms: PKCS#1 RSA ("BEGIN RSA PRIVATE KEY") and encrypted PKCS#8. Needs the openssl command.
    @Test
    void pemKeysWrittenByOpensslAreRead() throws Exception {
        Path p12 = keytoolCertificate("RSA");
        Path[] pem = toPem(p12);
        Path pkcs1 = dir.resolve("key-pkcs1.pem");
        Path encrypted = dir.resolve("key-enc.pem");
        Assumptions.assumeTrue(run("openssl", "pkey", "-in", pem[1].toString(), "-traditional", "-out", pkcs1.toString()) == 0,
                "openssl is not installed: PKCS#1 and encrypted PKCS#8 keys are not tested");
        assertThat(Files.readString(pkcs1)).contains("BEGIN RSA PRIVATE KEY");
        assertThat(run("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", pem[1].toString(), "-out", encrypted.toString(),
                "-passout", "pass:key-pw")).isZero();

        TlsMaterial.KeyAndChain fromPkcs1 = TlsMaterial.load(new BrokerTls.Pem("127.0.0.1", 0, pem[0], pkcs1, null));
        TlsMaterial.KeyAndChain fromEncrypted = TlsMaterial.load(new BrokerTls.Pem("127.0.0.1", 0, pem[0], encrypted, "key-pw"));
        assertThat(fromPkcs1.key().getEncoded()).isEqualTo(fromEncrypted.key().getEncoded());
        assertThatThrownBy(() -> TlsMaterial.load(new BrokerTls.Pem("127.0.0.1", 0, pem[0], encrypted, null)))
                .hasMessageContaining("is encrypted").hasMessageContaining(encrypted.toString()).hasMessageContaining("mqtt.embedded.tls.key-password");
        assertThatThrownBy(() -> TlsMaterial.load(new BrokerTls.Pem("127.0.0.1", 0, pem[0], encrypted, "wrong")))
                .hasMessageContaining("cannot be decrypted");
    }

    // Bad TLS files stop the start with a message naming the file, instead of failing every handshake later.
    @Test
    void unusableKeyMaterialIsReportedWithTheFile() throws Exception {
        Path[] a = toPem(keytoolCertificate("EC"));
        Path otherDir = Files.createDirectories(dir.resolve("other"));
        Path[] b = toPem(keytoolCertificate("EC", otherDir));
        assertThatThrownBy(() -> EmbeddedBroker.start(BrokerSettings.ephemeral().withTls(new BrokerTls.Pem("127.0.0.1", 0, a[0], b[1], null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not belong to the certificate").hasMessageContaining(a[0].toString());
        assertThatThrownBy(() -> TlsMaterial.load(new BrokerTls.Pem("127.0.0.1", 0, a[1], a[1], null)))
                .hasMessageContaining("has no certificate").hasMessageContaining(a[1].toString());
        assertThatThrownBy(() -> TlsMaterial.load(new BrokerTls.Pkcs12("127.0.0.1", 0, dir.resolve("server-EC.p12"), "wrong")))
                .hasMessageContaining("cannot be read").hasMessageContaining("server-EC.p12").hasMessageContaining("password");
        assertThatThrownBy(() -> TlsMaterial.load(new BrokerTls.Pem("127.0.0.1", 0, dir.resolve("missing.pem"), a[1], null)))
                .hasMessageContaining("missing.pem");
    }

    private static void exchangeOverTls(EmbeddedBroker broker, TrustManagerFactory trust) throws Exception {
        BrokerCredential c = broker.internalCredential();
        Mqtt5BlockingClient overTls = MqttClient.builder().useMqttVersion5().identifier("lathe-tls-client").serverHost("127.0.0.1")
                .serverPort(broker.tlsPort()).sslConfig().trustManagerFactory(trust).handshakeTimeout(20, TimeUnit.SECONDS).applySslConfig().buildBlocking();
        overTls.connectWith().simpleAuth().username(c.username()).password(c.password().getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
        Mqtt5BlockingClient plain = MqttTestClients.connectInternal(broker, "lathe-plain-client");
        try (Mqtt5BlockingClient.Mqtt5Publishes seen = subscribe(plain, "tls/#")) {
            publish(overTls, "tls/hello", "over TLS", false);
            assertThat(text(next(seen))).isEqualTo("over TLS");
        } finally {
            overTls.disconnect();
            plain.disconnect();
        }
    }

    private Path keytoolCertificate(String algorithm) throws Exception {
        return keytoolCertificate(algorithm, dir);
    }

    /** A self-signed certificate for 127.0.0.1 and localhost, made by the running JDK's keytool. */
    private static Path keytoolCertificate(String algorithm, Path dir) throws Exception {
        Path p12 = dir.resolve("server-" + algorithm + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> cmd = new ArrayList<>(List.of(keytool, "-genkeypair", "-alias", "broker", "-keyalg", algorithm,
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", p12.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD));
        if (algorithm.equals("RSA")) cmd.addAll(List.of("-keysize", "2048"));
        assertThat(run(cmd.toArray(String[]::new))).as("keytool exit code").isZero();
        return p12;
    }

    /** {certificate chain PEM, PKCS#8 key PEM} of the key store's entry. */
    private static Path[] toPem(Path p12) throws Exception {
        KeyStore ks = load(p12);
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        StringBuilder certs = new StringBuilder();
        for (Certificate c : ks.getCertificateChain("broker")) {
            certs.append("-----BEGIN CERTIFICATE-----\n").append(b64.encodeToString(c.getEncoded())).append("\n-----END CERTIFICATE-----\n");
        }
        String key = "-----BEGIN PRIVATE KEY-----\n" + b64.encodeToString(ks.getKey("broker", STORE_PASSWORD.toCharArray()).getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Path cert = p12.resolveSibling(p12.getFileName() + ".crt.pem");
        Path keyFile = p12.resolveSibling(p12.getFileName() + ".key.pem");
        Files.writeString(cert, certs);
        Files.writeString(keyFile, key);
        return new Path[] {cert, keyFile};
    }

    private static TrustManagerFactory trusting(Path p12) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("broker", load(p12).getCertificate("broker"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf;
    }

    private static KeyStore load(Path p12) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        return ks;
    }

    private static Path configXml(EmbeddedBroker broker) throws IOException {
        // The temporary broker folder is private to the broker; find its config through the system temp folder.
        try (var paths = Files.walk(Path.of(System.getProperty("java.io.tmpdir")), 3)) {
            return paths.filter(p -> p.endsWith("conf/config.xml") && p.toString().contains("lathe-broker-"))
                    .filter(p -> {
                        try {
                            return Files.readString(p).contains("<port>" + broker.tlsPort() + "</port>");
                        } catch (IOException e) {
                            return false;
                        }
                    }).findFirst().orElseThrow();
        }
    }

    private static int run(String... cmd) throws Exception {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(120, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
