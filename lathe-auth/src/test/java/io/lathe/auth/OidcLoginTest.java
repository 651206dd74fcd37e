package io.lathe.auth;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 10 "Proof": OIDC login against a local provider, with the ID-token checks each shown to bite. */
class OidcLoginTest {
    private static final URI CALLBACK = URI.create("https://lathe.plant.example/login/oidc/callback");
    @TempDir Path dataDir;
    private final TestClock clock = new TestClock();
    private final HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private LocalOidcProvider provider;
    private AccessControl ac;

    @BeforeEach
    void start() throws Exception {
        provider = new LocalOidcProvider();
        ac = AccessControl.open(dataDir, AuthSettings.builder().oidc(settings(LocalOidcProvider.CLIENT_SECRET)).build(), clock);
    }

    @AfterEach
    void stop() {
        ac.close();
        provider.close();
    }

    private OidcSettings settings(String secret) {
        return new OidcSettings(provider.uri(), LocalOidcProvider.CLIENT_ID, secret, CALLBACK, null, null,
                List.of(OidcRoleMapping.parse("groups=lathe-operators -> operator@north"), OidcRoleMapping.parse("groups=lathe-admins -> admin"),
                        OidcRoleMapping.parse("realm_access.roles=plant-viewer -> viewer")), Duration.ofSeconds(5), null);
    }

    @Test
    void aPersonLogsInThroughTheProviderAndGetsTheMappedRoles() throws Exception {
        URI authorize = ac.beginOidcLogin();
        assertThat(authorize.toString()).startsWith(provider.issuer + "/authorize?")
                .contains("code_challenge_method=S256").contains("code_challenge=").contains("nonce=").contains("state=")
                .contains("client_id=lathe").contains("scope=openid");

        LoginResult r = ac.completeOidcLogin(followToCallback(authorize), "10.0.0.7");
        Session s = ((LoginResult.Success) r).session();
        assertThat(s.user().name()).isEqualTo("olga");
        assertThat(s.user().source()).isEqualTo(Principal.Source.OIDC);
        assertThat(s.user().roles()).isEqualTo(Map.of("north", Role.OPERATOR));
        assertThat(Authorizer.check(s.user(), Permission.OPERATE, "north")).isEqualTo(Decision.ALLOW);
        assertThat(Authorizer.check(s.user(), Permission.OPERATE, "south")).isEqualTo(Decision.FORBIDDEN);
        assertThat(ac.session(s.id())).isPresent();
        assertThat(ac.audit().query(new AuditQuery(null, null, "oidc:olga", Set.of(AuditKind.LOGIN), 10))).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("method", "oidc").containsEntry("roles", "operator@north"));
    }

    @Test
    void nestedClaimsAndSeveralGroupsMapToTheHighestRolePerSite() throws Exception {
        provider.personClaims = Map.of("preferred_username", "karl", "groups", List.of("lathe-admins", "lathe-operators"),
                "realm_access", Map.of("roles", List.of("plant-viewer")));
        Principal.User u = ac.oidc().orElseThrow().complete(followToCallback(ac.beginOidcLogin()));
        assertThat(u.roles()).isEqualTo(Map.of("*", Role.ADMIN, "north", Role.OPERATOR));
        assertThat(u.roleAt("north")).isEqualTo(Role.ADMIN);
    }

    @Test
    void aPersonMatchingNoMappingIsRefused() throws Exception {
        provider.personClaims = Map.of("preferred_username", "visitor", "groups", List.of("contractors"));
        assertOidcFailure(ac.beginOidcLogin(), "no role mapping matched [user=visitor]");
    }

    @Test
    void anIdTokenWithAnotherNonceIsRefused() throws Exception {
        provider.tweak = b -> b.claim("nonce", "replayed-nonce");
        assertOidcFailure(ac.beginOidcLogin(), "nonce");
    }

    @Test
    void anIdTokenForAnotherAudienceIsRefused() throws Exception {
        provider.tweak = b -> b.audience("some-other-app");
        assertOidcFailure(ac.beginOidcLogin(), "audience");
    }

    @Test
    void anIdTokenFromAnotherIssuerIsRefused() throws Exception {
        provider.tweak = b -> b.issuer("http://evil.example");
        assertOidcFailure(ac.beginOidcLogin(), "issuer");
    }

    @Test
    void anIdTokenSignedWithAKeyTheProviderDoesNotPublishIsRefused() throws Exception {
        provider.signingKeyOverride = provider.otherKeyWithSameId();
        assertOidcFailure(ac.beginOidcLogin(), "signature");
    }

    @Test
    void anExpiredIdTokenIsRefused() throws Exception {
        long now = System.currentTimeMillis();
        provider.tweak = b -> b.issueTime(new Date(now - 3_600_000)).expirationTime(new Date(now - 600_000));
        assertOidcFailure(ac.beginOidcLogin(), "Expired");
    }

    @Test
    void aCallbackCanBeUsedOnceAndOnlyWithinTheLoginTimeout() throws Exception {
        URI callback = followToCallback(ac.beginOidcLogin());
        assertThat(ac.completeOidcLogin(callback, "10.0.0.7")).isInstanceOf(LoginResult.Success.class);
        assertThatThrownBy(() -> ac.oidc().orElseThrow().complete(callback)).hasMessageContaining("unknown, used or expired login state");

        URI late = followToCallback(ac.beginOidcLogin());
        clock.advance(Duration.ofMinutes(11));
        assertThatThrownBy(() -> ac.oidc().orElseThrow().complete(late)).hasMessageContaining("unknown, used or expired login state");
        assertThat(provider.tokenRequests).as("no code exchange for a refused state").isEqualTo(1);
    }

    @Test
    void anErrorFromTheProviderAndAForgedStateAreRefused() {
        URI authorize = ac.beginOidcLogin();
        String state = query(authorize, "state");
        assertThatThrownBy(() -> ac.oidc().orElseThrow().complete(URI.create(CALLBACK + "?error=access_denied&error_description=no+access&state=" + state)))
                .hasMessageContaining("error=access_denied");
        assertThatThrownBy(() -> ac.oidc().orElseThrow().complete(URI.create(CALLBACK + "?code=abc&state=forged")))
                .hasMessageContaining("unknown, used or expired login state");
    }

    @Test
    void aWrongClientSecretFailsAtTheTokenEndpointAndTheFailureIsAudited() throws Exception {
        ac.close();
        ac = AccessControl.open(dataDir, AuthSettings.builder().oidc(settings("wrong-secret")).build(), clock);
        LoginResult r = ac.completeOidcLogin(followToCallback(ac.beginOidcLogin()), "10.0.0.7");
        assertThat(r).isInstanceOfSatisfying(LoginResult.Failure.class, f -> assertThat(f.reason()).isEqualTo(LoginResult.Reason.SSO_FAILED));
        AuditEvent e = ac.audit().query(new AuditQuery(null, null, null, Set.of(AuditKind.LOGIN_FAILED), 10)).getFirst();
        assertThat(e.details().get("reason")).contains("invalid_client").doesNotContain("wrong-secret");
        assertThat(ac.settings().oidc().toString()).doesNotContain("wrong-secret").contains("clientSecret=***");
    }

    @Test
    void anUnreachableProviderGivesAClearErrorAndLatheStillStarts() {
        OidcSettings down = new OidcSettings(URI.create("http://127.0.0.1:1"), "lathe", null, CALLBACK, null, null,
                List.of(OidcRoleMapping.parse("groups=x -> viewer")), Duration.ofSeconds(2), null);
        try (AccessControl other = AccessControl.open(dataDir.resolve("other"), AuthSettings.builder().oidc(down).build(), clock)) {
            assertThatThrownBy(other::beginOidcLogin).isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.OIDC))
                    .hasMessageContaining("provider discovery failed").hasMessageContaining("http://127.0.0.1:1/.well-known/openid-configuration");
        }
    }

    @Test
    void roleMappingsParseAndReportBadSyntax() {
        assertThat(OidcRoleMapping.parse(" groups = Plant North Operators -> operator@north "))
                .isEqualTo(new OidcRoleMapping("groups", "Plant North Operators", Role.OPERATOR, "north"));
        assertThatThrownBy(() -> OidcRoleMapping.parse("groups operator")).isInstanceOfSatisfying(AuthException.class,
                e -> assertThat(e.error()).isEqualTo(AuthError.INVALID_SETTINGS)).hasMessageContaining("claim=value -> role@site");
        assertThatThrownBy(() -> new OidcSettings(null, "", null, URI.create("relative"), null, null, List.of(), null, null))
                .hasMessageContaining("issuer must be").hasMessageContaining("clientId").hasMessageContaining("redirectUri").hasMessageContaining("roleMappings");
    }

    private void assertOidcFailure(URI authorize, String expected) throws Exception {
        URI callback = followToCallback(authorize);
        assertThatThrownBy(() -> ac.oidc().orElseThrow().complete(callback))
                .isInstanceOfSatisfying(AuthException.class, e -> assertThat(e.error()).isEqualTo(AuthError.OIDC))
                .hasMessageContaining(expected);
    }

    /** What the browser does: GET the provider's authorization URL, which redirects to Lathe's callback with code and state. */
    private URI followToCallback(URI authorize) throws Exception {
        HttpResponse<String> r = browser.send(HttpRequest.newBuilder(authorize).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        URI location = URI.create(r.headers().firstValue("Location").orElseThrow());
        assertThat(location.toString()).startsWith(CALLBACK.toString());
        return location;
    }

    private static String query(URI uri, String name) {
        for (String p : uri.getRawQuery().split("&")) if (p.startsWith(name + "=")) return java.net.URLDecoder.decode(p.substring(name.length() + 1), java.nio.charset.StandardCharsets.UTF_8);
        throw new AssertionError("no " + name + " in " + uri);
    }
}
