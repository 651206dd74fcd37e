package io.lathe.auth;

import com.nimbusds.jose.JOSEException;
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

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A small OpenID Connect provider in the test JVM (JDK HTTP server): discovery document, JWKS with an RSA key,
 * authorization endpoint that logs in a fixed person and redirects with a code, token endpoint that checks client
 * credentials, redirect URI and the PKCE verifier and issues an RS256-signed ID token. Knobs let a test make the
 * ID token wrong in one way at a time.
 */
final class LocalOidcProvider implements AutoCloseable {
    static final String CLIENT_ID = "lathe";
    static final String CLIENT_SECRET = "lathe-client-secret-for-tests";

    private record Grant(String redirectUri, String challenge, String nonce) {}

    private final HttpServer server;
    private final RSAKey key;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    final String issuer;
    volatile Map<String, Object> personClaims = Map.of("preferred_username", "olga", "groups", List.of("lathe-operators", "staff"));
    /** Changes the ID token's claims before signing. */
    volatile Consumer<JWTClaimsSet.Builder> tweak = b -> {};
    /** Signs with this key instead of the published one, when set. */
    volatile RSAKey signingKeyOverride;
    volatile int tokenRequests;

    LocalOidcProvider() throws IOException, JOSEException {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        issuer = "http://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/.well-known/openid-configuration", ex -> json(ex, 200, """
                {"issuer":"%1$s","authorization_endpoint":"%1$s/authorize","token_endpoint":"%1$s/token","jwks_uri":"%1$s/jwks",
                 "response_types_supported":["code"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"],
                 "code_challenge_methods_supported":["S256"],"token_endpoint_auth_methods_supported":["client_secret_basic"]}""".formatted(issuer)));
        server.createContext("/jwks", ex -> json(ex, 200, new JWKSet(key.toPublicJWK()).toString()));
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.start();
    }

    RSAKey otherKeyWithSameId() throws JOSEException {
        return new RSAKeyGenerator(2048).keyID("k1").generate();
    }

    private void authorize(HttpExchange ex) throws IOException {
        Map<String, String> q = form(ex.getRequestURI().getRawQuery());
        if (!CLIENT_ID.equals(q.get("client_id")) || !"code".equals(q.get("response_type")) || !"S256".equals(q.get("code_challenge_method"))
                || q.get("code_challenge") == null || q.get("nonce") == null || q.get("state") == null || !q.getOrDefault("scope", "").contains("openid")) {
            json(ex, 400, "{\"error\":\"invalid_request\"}");
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
        if (!basic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            json(ex, 401, "{\"error\":\"invalid_client\",\"error_description\":\"client authentication failed\"}");
            return;
        }
        Grant g = codes.remove(f.getOrDefault("code", ""));
        if (g == null || !"authorization_code".equals(f.get("grant_type")) || !g.redirectUri().equals(f.get("redirect_uri"))
                || !g.challenge().equals(s256(f.getOrDefault("code_verifier", "")))) {
            json(ex, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"code, redirect_uri or code_verifier wrong\"}");
            return;
        }
        try {
            long now = System.currentTimeMillis();
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer).subject("sub-olga-1").audience(CLIENT_ID)
                    .issueTime(new Date(now)).expirationTime(new Date(now + 300_000)).claim("nonce", g.nonce());
            personClaims.forEach(claims::claim);
            tweak.accept(claims);
            RSAKey signer = signingKeyOverride != null ? signingKeyOverride : key;
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signer.getKeyID()).build(), claims.build());
            jwt.sign(new RSASSASigner(signer));
            json(ex, 200, "{\"access_token\":\"at-" + UUID.randomUUID() + "\",\"token_type\":\"Bearer\",\"expires_in\":300,\"id_token\":\"" + jwt.serialize() + "\"}");
        } catch (JOSEException e) {
            json(ex, 500, "{\"error\":\"server_error\"}");
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
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) m.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    private static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    URI uri() {
        return URI.create(issuer);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
