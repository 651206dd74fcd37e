package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lathe.auth.AccessControl;
import io.lathe.auth.AuthSettings;
import io.lathe.auth.OidcRoleMapping;
import io.lathe.auth.OidcSettings;
import io.lathe.auth.Scope;
import io.lathe.ingest.LiveState;
import io.lathe.model.PlantModel;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single sign-on through the HTTP routes, the browser's redirects followed by hand, against an OpenID Connect
 * provider in the test JVM ({@link Provider}: discovery, JWKS, authorization endpoint that signs in a configurable
 * person, token endpoint checking the client secret, redirect URI and PKCE verifier, RS256 ID tokens).
 */
class OidcLoginHttpTest {
    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    // Redirects are followed by the test, one by one, so each hop can be checked.
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private Provider provider;
    private AccessControl control;
    private String base;

    @BeforeEach
    void start() throws Exception {
        provider = new Provider();
        toClose.add(provider);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // the redirect URI is registered before the server starts
        }
        base = "http://127.0.0.1:" + port;
        OidcSettings oidc = new OidcSettings(URI.create(provider.issuer), Provider.CLIENT_ID, Provider.CLIENT_SECRET, URI.create(base + "/login/oidc/callback"),
                null, null, List.of(OidcRoleMapping.parse("groups=plant-operators -> operator"), OidcRoleMapping.parse("groups=north-admins -> admin@north")), null, null);
        control = TestAccess.control(dir, AuthSettings.builder().oidc(oidc).build());
        toClose.add(control);
        ApiServer server = ApiServer.create(new ApiSettings("127.0.0.1", port), new PlantModel("Acme"), new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of).access(ApiAccess.locked(control));
        toClose.addFirst(server);
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) c.close();
    }

    @Test
    void aPersonSignsOnAtTheProviderAndGetsASessionWithTheMappedRoles() throws Exception {
        provider.person = Map.of("preferred_username", "olga", "groups", List.of("plant-operators", "north-admins", "staff"));
        String cookie = signOn();
        JsonNode me = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/auth/me")).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(me.get("user").asText()).isEqualTo("olga");
        assertThat(me.get("source").asText()).isEqualTo("oidc");
        assertThat(me.get("roles").asText()).isEqualTo("operator,admin@north");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/assets")).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        // admin only at north: installation-wide administration stays closed
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/users")).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(403);
        JsonNode audit = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/audit?kind=login"))
                .header("Authorization", "Bearer " + TestAccess.token(control, Scope.ADMIN)).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(audit.get("events").get(0).get("actor").asText()).isEqualTo("oidc:olga");
        assertThat(audit.get("events").get(0).get("details").get("method").asText()).isEqualTo("oidc");
        assertThat(provider.tokenRequests).isEqualTo(1);
    }

    @Test
    void aPersonWithoutMappedGroupIsSentBackToTheLoginPageWithoutASession() throws Exception {
        provider.person = Map.of("preferred_username", "mallory", "groups", List.of("visitors"));
        HttpResponse<String> back = followToCallback();
        assertThat(back.statusCode()).isEqualTo(302);
        assertThat(back.headers().firstValue("Location").orElseThrow()).isEqualTo("/login.html?error=sso");
        assertThat(back.headers().firstValue("Set-Cookie")).isEmpty();
        // The same callback again (a replayed state) is refused too.
        HttpResponse<String> replay = http.send(HttpRequest.newBuilder(back.request().uri()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(replay.headers().firstValue("Location").orElseThrow()).isEqualTo("/login.html?error=sso");
    }

    @Test
    void withoutSingleSignOnConfiguredTheRoutesAnswer404() throws Exception {
        AccessControl plain = TestAccess.control(dir.resolve("plain"));
        toClose.add(plain);
        ApiServer s = ApiServer.create(new ApiSettings("127.0.0.1", 0), new PlantModel("Acme"), new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of).access(ApiAccess.locked(plain));
        toClose.addFirst(s);
        int port = s.start();
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/login/oidc")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(404);
        // the login page's probe: 204 here, so it offers no single sign-on and logs no 404
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/login/oidc?probe")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(204);
    }

    /** Lathe → provider → Lathe's callback; returns the session cookie. */
    private String signOn() throws Exception {
        HttpResponse<String> back = followToCallback();
        assertThat(back.statusCode()).isEqualTo(302);
        assertThat(back.headers().firstValue("Location").orElseThrow()).isEqualTo("/");
        String setCookie = back.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).contains("HttpOnly").contains("SameSite=Lax");
        return setCookie.split(";")[0];
    }

    private HttpResponse<String> followToCallback() throws Exception {
        // the login page's probe: 200, single sign-on is offered
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/login/oidc?probe")).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        HttpResponse<String> begin = http.send(HttpRequest.newBuilder(URI.create(base + "/login/oidc")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(begin.statusCode()).isEqualTo(302);
        String authorize = begin.headers().firstValue("Location").orElseThrow();
        assertThat(authorize).startsWith(provider.issuer + "/authorize?").contains("code_challenge_method=S256").contains("nonce=");
        HttpResponse<String> atProvider = http.send(HttpRequest.newBuilder(URI.create(authorize)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(atProvider.statusCode()).isEqualTo(302);
        String callback = atProvider.headers().firstValue("Location").orElseThrow();
        assertThat(callback).startsWith(base + "/login/oidc/callback?");
        return http.send(HttpRequest.newBuilder(URI.create(callback)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A minimal OpenID Connect provider: signs in {@link #person} at once, no login page. */
    static final class Provider implements AutoCloseable {
        static final String CLIENT_ID = "lathe-web";
        static final String CLIENT_SECRET = "provider-side-client-secret";

        private record Grant(String redirectUri, String challenge, String nonce) {}

        final String issuer;
        volatile Map<String, Object> person = Map.of("preferred_username", "olga", "groups", List.of());
        volatile int tokenRequests;
        private final HttpServer server;
        private final RSAKey key;
        private final Map<String, Grant> codes = new ConcurrentHashMap<>();

        Provider() throws Exception {
            key = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            issuer = "http://127.0.0.1:" + server.getAddress().getPort();
            server.createContext("/.well-known/openid-configuration", ex -> reply(ex, 200, "application/json", ("{\"issuer\":\"" + issuer
                    + "\",\"authorization_endpoint\":\"" + issuer + "/authorize\",\"token_endpoint\":\"" + issuer + "/token\",\"jwks_uri\":\"" + issuer
                    + "/jwks\",\"response_types_supported\":[\"code\"],\"subject_types_supported\":[\"public\"],"
                    + "\"id_token_signing_alg_values_supported\":[\"RS256\"],\"code_challenge_methods_supported\":[\"S256\"]}")));
            server.createContext("/jwks", ex -> reply(ex, 200, "application/json", new JWKSet(key.toPublicJWK()).toString()));
            server.createContext("/authorize", this::authorize);
            server.createContext("/token", this::token);
            server.start();
        }

        private void authorize(HttpExchange ex) throws IOException {
            Map<String, String> q = form(ex.getRequestURI().getRawQuery());
            if (!CLIENT_ID.equals(q.get("client_id")) || !"S256".equals(q.get("code_challenge_method"))) {
                reply(ex, 400, "text/plain", "bad authorization request");
                return;
            }
            String code = UUID.randomUUID().toString();
            codes.put(code, new Grant(q.get("redirect_uri"), q.get("code_challenge"), q.get("nonce")));
            ex.getResponseHeaders().add("Location", q.get("redirect_uri") + "?code=" + code + "&state=" + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(302, -1);
            ex.close();
        }

        private void token(HttpExchange ex) throws IOException {
            tokenRequests++;
            Map<String, String> f = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String basic = "Basic " + Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
            Grant g = codes.remove(String.valueOf(f.get("code")));
            if (!basic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                reply(ex, 401, "application/json", "{\"error\":\"invalid_client\"}");
                return;
            }
            if (g == null || !g.redirectUri().equals(f.get("redirect_uri")) || f.get("code_verifier") == null || !g.challenge().equals(s256(f.get("code_verifier")))) {
                reply(ex, 400, "application/json", "{\"error\":\"invalid_grant\"}");
                return;
            }
            try {
                JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer).subject("sub-" + person.get("preferred_username")).audience(CLIENT_ID)
                        .issueTime(new Date()).expirationTime(new Date(System.currentTimeMillis() + 300_000)).claim("nonce", g.nonce());
                person.forEach(claims::claim);
                SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims.build());
                jwt.sign(new RSASSASigner(key));
                reply(ex, 200, "application/json", "{\"access_token\":\"" + UUID.randomUUID() + "\",\"token_type\":\"Bearer\",\"expires_in\":300,\"id_token\":\""
                        + jwt.serialize() + "\"}");
            } catch (Exception e) {
                reply(ex, 500, "text/plain", "signing failed");
            }
        }

        private static String s256(String verifier) {
            try {
                return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        private static Map<String, String> form(String raw) {
            Map<String, String> m = new HashMap<>();
            if (raw == null) return m;
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) m.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
            return m;
        }

        private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", type);
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
