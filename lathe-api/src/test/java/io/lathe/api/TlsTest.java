package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lathe.auth.AccessControl;
import io.lathe.auth.Actor;
import io.lathe.auth.RoleGrants;
import io.lathe.ingest.LiveState;
import io.lathe.model.PlantModel;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS from each source of keys: PEM made by openssl (PKCS#8 EC and PKCS#1 RSA), a PKCS#12 store made by keytool, and
 * the self-signed certificate Lathe generates; clients trust exactly the test certificate. The session cookie is
 * Secure over TLS, and plain HTTP on the port gets no answer.
 */
class TlsTest {
    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) c.close();
    }

    @Test
    void selfSignedCertificateIsGeneratedOnceOwnerOnlyAndServesHttpsWithASecureCookie() throws Exception {
        AccessControl control = TestAccess.control(dir);
        toClose.add(control);
        control.users().add(Actor.system(), "olga", "correct horse battery staple", RoleGrants.parse("viewer"), false);
        Path tlsDir = dir.resolve("tls");
        int port = start(new HttpTls.SelfSigned(tlsDir, List.of()), control);
        Path cert = tlsDir.resolve("self-signed-cert.pem");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tlsDir.resolve("self-signed-key.pem")))).isEqualTo("rw-------");
        HttpClient client = trusting(cert);
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        HttpResponse<String> local = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(local.statusCode()).as("the certificate names localhost too").isEqualTo(200);
        HttpResponse<String> login = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"olga\",\"password\":\"correct horse battery staple\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.headers().firstValue("Set-Cookie").orElseThrow()).contains("Secure").contains("HttpOnly");

        // A client that trusts only the JDK's CAs refuses the self-signed certificate.
        assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/health")).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);
        // Plain HTTP on the TLS port gets no HTTP answer.
        assertThatThrownBy(() -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isInstanceOf(Exception.class);

        // A restart reuses the certificate instead of making clients trust a new one.
        byte[] before = Files.readAllBytes(cert);
        start(new HttpTls.SelfSigned(tlsDir, List.of()), control);
        assertThat(Files.readAllBytes(cert)).isEqualTo(before);
    }

    @Test
    void pemKeysMadeByOpensslServeHttps() throws Exception {
        Assumptions.assumeTrue(onPath("openssl"), "openssl is not installed; skipping the PEM test with independently made keys");
        AccessControl control = TestAccess.control(dir);
        toClose.add(control);
        // EC key in PKCS#8
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir.resolve("ec-key.pem").toString(),
                "-out", dir.resolve("ec-cert.pem").toString(), "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        int port = start(new HttpTls.Pem(dir.resolve("ec-cert.pem"), dir.resolve("ec-key.pem")), control);
        assertThat(get(trusting(dir.resolve("ec-cert.pem")), port)).isEqualTo(200);
        // RSA key in the older PKCS#1 form
        run("openssl", "genrsa", "-traditional", "-out", dir.resolve("rsa-key.pem").toString(), "2048");
        assertThat(Files.readString(dir.resolve("rsa-key.pem"))).contains("BEGIN RSA PRIVATE KEY");
        run("openssl", "req", "-x509", "-key", dir.resolve("rsa-key.pem").toString(), "-out", dir.resolve("rsa-cert.pem").toString(), "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        int rsaPort = start(new HttpTls.Pem(dir.resolve("rsa-cert.pem"), dir.resolve("rsa-key.pem")), control);
        assertThat(get(trusting(dir.resolve("rsa-cert.pem")), rsaPort)).isEqualTo(200);
    }

    @Test
    void pkcs12StoreMadeByKeytoolServesHttpsAndAWrongPasswordFailsTheStartClearly() throws Exception {
        Assumptions.assumeTrue(onPath("keytool"), "keytool is not installed; skipping the PKCS#12 test");
        AccessControl control = TestAccess.control(dir);
        toClose.add(control);
        Path p12 = dir.resolve("server.p12");
        run("keytool", "-genkeypair", "-alias", "web", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", "store-secret-1", "-keypass", "store-secret-1");
        run("keytool", "-exportcert", "-rfc", "-alias", "web", "-keystore", p12.toString(), "-storepass", "store-secret-1", "-file", dir.resolve("web.pem").toString());
        int port = start(new HttpTls.Pkcs12(p12, "store-secret-1"), control);
        assertThat(get(trusting(dir.resolve("web.pem")), port)).isEqualTo(200);

        ApiServer wrong = ApiServer.create(new ApiSettings("127.0.0.1", 0), new PlantModel("Acme"), new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of).access(ApiAccess.locked(control)).tls(new HttpTls.Pkcs12(p12, "not-the-password"));
        toClose.addFirst(wrong);
        assertThatThrownBy(wrong::start).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(p12.toString()).hasMessageContaining("server.tls.keystore-password");
        assertThat(new HttpTls.Pkcs12(p12, "store-secret-1").toString()).doesNotContain("store-secret-1");
    }

    private int start(HttpTls tls, AccessControl control) throws Exception {
        ApiServer s = ApiServer.create(new ApiSettings("127.0.0.1", 0), new PlantModel("Acme"), new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of).access(ApiAccess.locked(control)).tls(tls);
        toClose.addFirst(s);
        return s.start();
    }

    private static int get(HttpClient client, int port) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** A client that trusts exactly the certificates in this PEM file. */
    static HttpClient trusting(Path pem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) trust.setCertificateEntry("c" + i++, (X509Certificate) c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static boolean onPath(String tool) {
        try {
            return new ProcessBuilder(tool, tool.equals("openssl") ? "version" : "-help").redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
    }
}
