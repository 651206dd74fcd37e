package io.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.auth.InitialAdmin;
import io.lathe.server.cli.Main;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import io.lathe.server.config.Settings;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lathe serve} as shipped: locked by default, bound to 127.0.0.1, a one-time admin password in an owner-only
 * file, the deprecated ingest token still working, {@code lathe user} beside the running server, and HTTPS with a
 * self-signed certificate.
 */
class ServeSecurityTest {
    private static final String LEGACY_TOKEN = "legacy-shared-ingest-secret";

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void defaultsBindToThisMachineOnly() {
        Settings d = Settings.defaults();
        assertThat(d.string(Keys.HTTP_HOST)).isEqualTo("127.0.0.1");
        assertThat(d.string(Keys.MQTT_EMBEDDED_HOST)).isEqualTo("127.0.0.1");
        assertThat(d.bool(Keys.METRICS_PUBLIC)).isFalse();
        assertThat(d.get(Keys.AUTH_ANONYMOUS_READ)).as("unset: serve locked, demo open for reading").isNull();
    }

    @Test
    void serveIsLockedHasAOneTimeAdminAndKeepsTheOldIngestTokenWorking() throws Exception {
        LatheConfig cfg = config(Map.of());
        try (LatheServer server = LatheServer.start(cfg, false, InstantSource.system())) {
            String base = "http://127.0.0.1:" + server.httpPort();
            assertThat(get(base + "/api/assets", null).statusCode()).isEqualTo(401);
            assertThat(get(base + "/metrics", null).statusCode()).isEqualTo(401);
            assertThat(get(base + "/health", null).statusCode()).isEqualTo(200);
            assertThat(get(base + "/login.html", null).statusCode()).as("the login page loads without a login").isEqualTo(200);

            InitialAdmin admin = server.initialAdmin();
            assertThat(admin).isNotNull();
            assertThat(admin.generated()).isTrue();
            assertThat(admin.toString()).doesNotContain(admin.password());
            Path file = dir.resolve("auth/initial-admin-password");
            assertThat(admin.file()).isEqualTo(file);
            assertThat(Files.readString(file).strip()).isEqualTo(admin.password());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

            HttpResponse<String> login = post(base + "/api/auth/login", "{\"user\":\"admin\",\"password\":\"" + admin.password() + "\"}", null);
            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(json.readTree(login.body()).get("mustChangePassword").asBoolean()).isTrue();
            String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            assertThat(get(base + "/api/assets", cookie).statusCode()).as("a one-time password allows nothing but changing it").isEqualTo(403);

            HttpResponse<String> ingest = http.send(HttpRequest.newBuilder(URI.create(base + "/api/ingest")).header("Content-Type", "text/csv")
                    .header("Authorization", "Bearer " + LEGACY_TOKEN).POST(HttpRequest.BodyPublishers.ofString("legacy.series,2026-01-05T06:00:00Z,1\n")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ingest.statusCode()).as(ingest.body()).isEqualTo(200);
            assertThat(server.accessControl().tokens().list()).anySatisfy(t -> assertThat(t.legacy()).isTrue());
            // The shared ingest secret reads nothing.
            assertThat(get(base + "/api/assets", null, LEGACY_TOKEN).statusCode()).isEqualTo(403);
        }
        // A restart while the one-time password is unchanged shows it again.
        try (LatheServer again = LatheServer.start(cfg, false, InstantSource.system())) {
            assertThat(again.initialAdmin()).isNotNull();
            assertThat(again.initialAdmin().created()).isFalse();
        }
    }

    @Test
    void userCommandsWorkBesideTheRunningServerAndEndSessionsAtOnce() throws Exception {
        try (LatheServer server = LatheServer.start(config(Map.of()), false, InstantSource.system())) {
            String base = "http://127.0.0.1:" + server.httpPort();
            Cli add = cli("first passphrase long\n", "user", "add", "olga", "--roles", "operator", "--password-stdin", "--data-dir", dir.toString());
            assertThat(add.code()).as(add.err()).isZero();
            assertThat(add.out()).contains("Added olga (operator)");
            HttpResponse<String> login = post(base + "/api/auth/login", "{\"user\":\"olga\",\"password\":\"first passphrase long\"}", null);
            assertThat(login.statusCode()).isEqualTo(200);
            String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            assertThat(get(base + "/api/assets", cookie).statusCode()).isEqualTo(200);

            Cli list = cli("", "user", "list", "--data-dir", dir.toString());
            assertThat(list.out()).contains("olga").contains("operator").contains("admin");
            Cli passwd = cli("second passphrase long\n", "user", "passwd", "olga", "--password-stdin", "--data-dir", dir.toString());
            assertThat(passwd.code()).as(passwd.err()).isZero();
            assertThat(get(base + "/api/assets", cookie).statusCode()).as("the session of a changed user ends").isEqualTo(401);
            assertThat(post(base + "/api/auth/login", "{\"user\":\"olga\",\"password\":\"second passphrase long\"}", null).statusCode()).isEqualTo(200);

            Cli tooShort = cli("short\n", "user", "add", "bob", "--roles", "viewer", "--password-stdin", "--data-dir", dir.toString());
            assertThat(tooShort.code()).isEqualTo(2);
            assertThat(tooShort.err()).contains("bob");
            Cli remove = cli("", "user", "remove", "olga", "--data-dir", dir.toString());
            assertThat(remove.code()).as(remove.err()).isZero();
            assertThat(post(base + "/api/auth/login", "{\"user\":\"olga\",\"password\":\"second passphrase long\"}", null).statusCode()).isEqualTo(401);
            assertThat(cli("", "user", "remove", "admin", "--data-dir", dir.toString()).err()).as("the last admin stays").containsIgnoringCase("admin");
        }
    }

    @Test
    void selfSignedHttpsFromTheConfiguration() throws Exception {
        LatheConfig cfg = config(Map.of());
        cfg = cfg.withSettings(cfg.settings().with(Keys.TLS_SELF_SIGNED, true, "test"));
        try (LatheServer server = LatheServer.start(cfg, false, InstantSource.system())) {
            assertThat(server.httpsEnabled()).isTrue();
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(dir.resolve("tls/self-signed-cert.pem"))) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) trust.setCertificateEntry("lathe", c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            HttpClient https = HttpClient.newBuilder().sslContext(ssl).build();
            HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.httpPort() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void conflictingTlsSettingsStopTheStartWithExitCode2() throws Exception {
        LatheConfig cfg = config(Map.of());
        LatheConfig bad = cfg.withSettings(cfg.settings().with(Keys.TLS_SELF_SIGNED, true, "test").with(Keys.TLS_KEYSTORE, "x.p12", "test"));
        try {
            LatheServer.start(bad, false, InstantSource.system()).close();
            throw new AssertionError("started with conflicting TLS settings");
        } catch (StartupException e) {
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("server.tls.keystore").contains("self-signed");
        }
    }

    @Test
    void invalidSingleSignOnSettingsStopTheStartWithExitCode2() throws Exception {
        LatheConfig cfg = config(Map.of());
        LatheConfig noMappings = cfg.withSettings(cfg.settings().with(Keys.OIDC_ISSUER, "https://login.example/realms/plant", "test")
                .with(Keys.OIDC_CLIENT_ID, "lathe", "test").with(Keys.OIDC_REDIRECT_URI, "https://lathe.example/login/oidc/callback", "test"));
        try {
            LatheServer.start(noMappings, false, InstantSource.system()).close();
            throw new AssertionError("started without role mappings");
        } catch (StartupException e) {
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("roleMappings");
        }
        LatheConfig badUrl = noMappings.withSettings(noMappings.settings().with(Keys.OIDC_ISSUER, "not a url", "test")
                .with(Keys.OIDC_ROLE_MAPPINGS, java.util.List.of("groups=a -> admin"), "test"));
        try {
            LatheServer.start(badUrl, false, InstantSource.system()).close();
            throw new AssertionError("started with a bad issuer URL");
        } catch (StartupException e) {
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("auth.oidc.issuer");
        }
    }

    private record Cli(int code, String out, String err) {}

    private static Cli cli(String stdin, String... args) {
        InputStream before = System.in;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
            return new Cli(code, out.toString(), err.toString());
        } finally {
            System.setIn(before);
        }
    }

    private LatheConfig config(Map<String, String> env) throws Exception {
        LatheConfig cfg;
        try (InputStream in = LatheServer.class.getResourceAsStream("/io/lathe/server/demo.yaml")) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", env);
        }
        return cfg.withSettings(cfg.settings()
                .with(Keys.HTTP_PORT, 0, "test")
                .with(Keys.MQTT_BROKER, "tcp://127.0.0.1:1", "test")
                .with(Keys.SPARKPLUG_ENABLED, false, "test")
                .with(Keys.INGEST_TOKEN, LEGACY_TOKEN, "test")
                .with(Keys.DATA_DIR, dir.toString(), "test"));
    }

    private HttpResponse<String> get(String url, String cookie) throws Exception {
        return get(url, cookie, null);
    }

    private HttpResponse<String> get(String url, String cookie, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        if (cookie != null) b.header("Cookie", cookie);
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url, String body, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (cookie != null) b.header("Cookie", cookie);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
