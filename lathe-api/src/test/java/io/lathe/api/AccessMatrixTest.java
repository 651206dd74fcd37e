package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.api.internal.RouteAccess;
import io.lathe.auth.AccessControl;
import io.lathe.auth.Actor;
import io.lathe.auth.RoleGrants;
import io.lathe.auth.Scope;
import io.lathe.ingest.LiveState;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Walks every registered route as anonymous, as each role, as a site-restricted person, and with each token scope
 * (also restricted to a site), and checks the answer against the expected allow/deny matrix written out below
 * (independently of the core's decision code): 401 for no credentials, 403 for insufficient rights, anything else
 * when allowed. Also checks that every route is in the access table and that the OpenAPI description declares the
 * same permission for it.
 */
class AccessMatrixTest {
    private static final String PASSWORD = "correct horse battery staple";

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private AccessControl control;
    private ApiServer server;
    private String base;
    private String northMachine;

    /** A caller: how it authenticates, and what the test expects it may do. */
    private record Caller(String name, Map<String, String> headers, Set<String> allowed, boolean siteNorthOnly) {}

    @BeforeEach
    void start() throws Exception {
        PlantModel model = new PlantModel("Acme");
        String north = model.addChild(model.rootId(), "North", "", "");
        String line = model.addChild(model.addChild(north, "Press Shop", "", ""), "Line 1", "", "");
        northMachine = model.addChild(line, "Press 3", "", "");
        model.addSignal(northMachine, "Temperature", DataType.DOUBLE, "°C", "", "");
        String south = model.addChild(model.rootId(), "South", "", "");
        model.addChild(model.addChild(model.addChild(south, "Paint", "", ""), "Line 9", "", ""), "Oven", "", "");
        TelemetryStore store = TelemetryStore.open(StoreSettings.defaults(dir.resolve("store")));
        toClose.add(store);
        control = TestAccess.control(dir);
        toClose.add(control);
        server = ApiServer.create(new ApiSettings("127.0.0.1", 0), model, new LiveState(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                List::of, store).access(ApiAccess.locked(control));
        toClose.addFirst(server);
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) c.close();
    }

    @Test
    void everyRouteAnswersTheExpectedMatrix() throws Exception {
        List<Caller> callers = new ArrayList<>();
        callers.add(new Caller("anonymous", Map.of(), Set.of(), false));
        Set<String> viewer = Set.of("account", "read");
        Set<String> operator = Set.of("account", "read", "operate");
        Set<String> engineer = Set.of("account", "read", "operate", "ingest", "configure");
        Set<String> admin = Set.of("account", "read", "operate", "ingest", "configure", "admin");
        callers.add(user("viewer", "viewer", viewer, false));
        callers.add(user("operator", "operator", operator, false));
        callers.add(user("engineer", "engineer", engineer, false));
        callers.add(user("admin2", "admin", admin, false));
        callers.add(user("north-operator", "operator@north", operator, true));
        callers.add(token(Scope.READ, null, viewer, false));
        callers.add(token(Scope.INGEST, null, Set.of("account", "ingest"), false));
        callers.add(token(Scope.OPERATE, null, operator, false));
        // An admin token does everything but ingest: a leaked admin token cannot forge data.
        callers.add(token(Scope.ADMIN, null, Set.of("account", "read", "operate", "configure", "admin"), false));
        callers.add(token(Scope.READ, "north", viewer, true));

        List<String> routes = server.routes();
        assertThat(routes).contains("GET /api/assets", "POST /api/downtime/reason", "GET /api/audit", "POST /api/tokens");
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Caller c : callers) {
            for (String route : routes) {
                if (route.equals("POST /api/auth/logout")) continue; // last, below: it ends the session
                checked++;
                check(c, route, failures);
            }
            check(c, "POST /api/auth/logout", failures);
        }
        assertThat(failures).as("routes answering against the matrix (of " + checked + " checks)").isEmpty();
    }

    @Test
    void everyRegisteredRouteHasARuleAndTheDescriptionDeclaresIt() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/openapi.json"))
                .header("Authorization", "Bearer " + TestAccess.token(control, Scope.READ)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode doc = json.readTree(r.body());
        assertThat(doc.at("/components/securitySchemes/apiToken/scheme").asText()).isEqualTo("bearer");
        assertThat(doc.at("/components/securitySchemes/sessionCookie/in").asText()).isEqualTo("cookie");
        for (String route : server.routes()) {
            RouteAccess.Rule rule = RouteAccess.rule(route);
            assertThat(rule).as("access rule of " + route).isNotNull();
            String[] mp = route.split(" ", 2);
            JsonNode op = doc.path("paths").path(mp[1]).path(mp[0].toLowerCase());
            assertThat(op.isMissingNode()).as("documented: " + route).isFalse();
            assertThat(op.path("x-lathe-permission").asText()).as("x-lathe-permission of " + route)
                    .isEqualTo(rule.open() ? "none" : rule.permission().id());
            assertThat(op.path("security").isArray()).as("security of " + route).isTrue();
            assertThat(op.path("security").isEmpty()).as("open means no security requirement: " + route).isEqualTo(rule.open());
        }
    }

    @Test
    void aSiteRestrictedCallerSeesOnlyItsSitesInThePlantTree() throws Exception {
        String northReader = control.tokens().create(Actor.system(), "north-reader", EnumSet.of(Scope.READ), "north").secret();
        JsonNode tree = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/assets")).header("Authorization", "Bearer " + northReader).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(tree.get("children")).hasSize(1);
        assertThat(tree.get("children").get(0).get("id").asText()).isEqualTo("acme.north");
        JsonNode all = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/assets"))
                .header("Authorization", "Bearer " + TestAccess.token(control, Scope.READ)).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(all.get("children")).hasSize(2);
        // A site that does not exist in the plant gives an empty tree, never another site's.
        String ghost = control.tokens().create(Actor.system(), "ghost", EnumSet.of(Scope.READ), "nowhere").secret();
        JsonNode none = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/assets")).header("Authorization", "Bearer " + ghost).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(none.get("children")).isEmpty();
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/assets/acme.south")).header("Authorization", "Bearer " + northReader).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(403);
    }

    @Test
    void aSiteRestrictedCallerStreamsOnlyItsSitesValues() throws Exception {
        // A person or token with several (or one) sites follows /api/live without ?asset=: values of its sites only.
        PlantModel model = new PlantModel("Acme");
        String north = model.addChild(model.rootId(), "North", "", "");
        String press = model.addChild(model.addChild(model.addChild(north, "Press Shop", "", ""), "Line 1", "", ""), "Press 3", "", "");
        String south = model.addChild(model.rootId(), "South", "", "");
        String oven = model.addChild(model.addChild(model.addChild(south, "Paint", "", ""), "Line 9", "", ""), "Oven", "", "");
        String pressT = model.addSignal(press, "Temperature", DataType.DOUBLE, "°C", "", "").id();
        String ovenT = model.addSignal(oven, "Temperature", DataType.DOUBLE, "°C", "", "").id();
        LiveState live = new LiveState();
        for (io.lathe.model.Signal s : model.signals()) {
            live.accept(s, 1_000_000L, io.lathe.model.Value.of(20.5), io.lathe.model.Quality.GOOD, false);
        }
        ApiServer restricted = ApiServer.create(new ApiSettings("127.0.0.1", 0), model, live,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of).access(ApiAccess.locked(control));
        toClose.addFirst(restricted);
        String b = "http://127.0.0.1:" + restricted.start();
        String northReader = control.tokens().create(Actor.system(), "north-live", EnumSet.of(Scope.READ), "north").secret();
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(b + "/api/live")).header("Authorization", "Bearer " + northReader).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        StringBuilder got = new StringBuilder();
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8))) {
            for (String l = in.readLine(); l != null && !l.startsWith("event: ready"); l = in.readLine()) got.append(l).append('\n');
        }
        assertThat(got.toString()).contains(pressT).doesNotContain(ovenT);
    }

    @Test
    void revokingATokenEndsItsOpenLiveStream() throws Exception {
        io.lathe.auth.IssuedToken t = control.tokens().create(Actor.system(), "wallboard", EnumSet.of(Scope.READ), null);
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/live")).header("Authorization", "Bearer " + t.secret()).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8))) {
            String l = in.readLine();
            while (l != null && !l.startsWith("event: ready")) l = in.readLine();
            assertThat(l).as("ready event").isNotNull();
            control.tokens().revoke(Actor.system(), t.info().prefix());
            // The stream checks its credential every few seconds; it must end with an "ended" event, not go on.
            boolean ended = false;
            for (l = in.readLine(); l != null; l = in.readLine()) if (l.startsWith("event: ended")) ended = true;
            assertThat(ended).isTrue();
        }
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/live")).header("Authorization", "Bearer " + t.secret()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
    }

    @Test
    void anonymousReadOpensReadingOnlyAndMetricsPublicOpensOnlyMetrics() throws Exception {
        ApiServer demo = ApiServer.create(new ApiSettings("127.0.0.1", 0), new PlantModel("Acme"), new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of).access(ApiAccess.locked(control).withAnonymousRead(true));
        toClose.addFirst(demo);
        String demoBase = "http://127.0.0.1:" + demo.start();
        assertThat(get(demoBase + "/api/assets").statusCode()).isEqualTo(200);
        assertThat(get(demoBase + "/metrics").statusCode()).isEqualTo(200);
        assertThat(get(demoBase + "/api/users").statusCode()).isEqualTo(401);
        assertThat(post(demoBase + "/api/downtime/reason", "{\"machine\":\"x\",\"start\":0,\"code\":\"1\"}").statusCode()).isEqualTo(401);

        ApiServer scraped = ApiServer.create(new ApiSettings("127.0.0.1", 0), new PlantModel("Acme"), new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of).access(ApiAccess.locked(control).withMetricsPublic(true));
        toClose.addFirst(scraped);
        String scrapedBase = "http://127.0.0.1:" + scraped.start();
        assertThat(get(scrapedBase + "/metrics").statusCode()).isEqualTo(200);
        assertThat(get(scrapedBase + "/api/assets").statusCode()).isEqualTo(401);
        // Locked by default: metrics too, health never.
        assertThat(get(base + "/metrics").statusCode()).isEqualTo(401);
        assertThat(get(base + "/health").statusCode()).isEqualTo(200);
    }

    @Test
    void aServerOnLoopbackAnswersOnlyRequestsForLoopbackHostNames() throws Exception {
        // DNS rebinding: a page of rebind.example whose name now points to 127.0.0.1 sends Host: rebind.example.
        assertThat(rawStatus("rebind.example:" + URI.create(base).getPort())).isEqualTo(421);
        assertThat(rawStatus("rebind.example")).isEqualTo(421);
        assertThat(rawStatus("localhost:" + URI.create(base).getPort())).isEqualTo(200);
        assertThat(rawStatus("127.0.0.1")).isEqualTo(200);
        assertThat(rawStatus("[::1]:" + URI.create(base).getPort())).isEqualTo(200);
        // A reverse proxy on this machine keeping the public Host works once its origin is trusted.
        ApiServer proxied = ApiServer.create(new ApiSettings("127.0.0.1", 0), new PlantModel("Acme"), new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of)
                .access(new ApiAccess(control, false, false, List.of("https://lathe.plant.example")));
        toClose.addFirst(proxied);
        String saved = base;
        base = "http://127.0.0.1:" + proxied.start();
        try {
            assertThat(rawStatus("lathe.plant.example")).isEqualTo(200);
            assertThat(rawStatus("other.plant.example")).isEqualTo(421);
        } finally {
            base = saved;
        }
    }

    /** Status of GET /health sent over a plain socket, with a Host header the JDK's HttpClient would not let us set. */
    private int rawStatus(String host) throws Exception {
        URI u = URI.create(base);
        try (java.net.Socket s = new java.net.Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /health HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    @Test
    void withoutAccessControlTheServerRefusesToServeTheNetwork() {
        ApiServer open = ApiServer.create(new ApiSettings("0.0.0.0", 0), new PlantModel("Acme"), new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of);
        toClose.addFirst(open);
        org.assertj.core.api.Assertions.assertThatThrownBy(open::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("access(ApiAccess)").hasMessageContaining("0.0.0.0");
    }

    @Test
    void otherSpellingsOfAProtectedRouteAreProtectedToo() throws Exception {
        // The filter keys on the matched route, not on the request path: HEAD, a trailing slash or an encoded path
        // reach the same handler behind the same check, or no handler at all.
        for (String path : List.of("/api/users", "/api/users/", "/api/%75sers", "/api/audit?kind=login", "/api/tokens/")) {
            HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(base + path)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> get = get(base + path);
            assertThat(head.statusCode()).as("HEAD " + path).isIn(401, 404, 405);
            assertThat(get.statusCode()).as("GET " + path).isIn(401, 404);
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void check(Caller c, String route, List<String> failures) throws Exception {
        RouteAccess.Rule rule = RouteAccess.rule(route);
        int status = send(c, route);
        int expected;
        if (rule.open()) expected = 0;
        else if (c.headers().isEmpty()) expected = 401;
        else {
            boolean granted = c.allowed().contains(rule.permission().id());
            // The site-restricted callers act only where the request names their site: here the {id} routes.
            // The live stream without ?asset= is filtered to the caller's sites, like the plant tree.
            boolean siteOk = !c.siteNorthOnly() || rule.permission().id().equals("account") || rule.site() == RouteAccess.SiteFrom.PATH_ID
                    || rule.site() == RouteAccess.SiteFrom.FILTERED || route.equals("GET /api/live");
            expected = granted && siteOk ? 0 : 403;
        }
        boolean ok = expected == 0 ? status != 401 && status != 403 : status == expected;
        if (!ok) failures.add(c.name() + " " + route + " -> " + status + ", expected " + (expected == 0 ? "allowed" : expected));
    }

    private int send(Caller c, String route) throws Exception {
        String[] mp = route.split(" ", 2);
        String path = mp[1].replace("{id}", northMachine).replace("{name}", "nobody").replace("{prefix}", "nonexist");
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
        c.headers().forEach(b::header);
        String method = mp[0];
        if (method.equals("GET") || method.equals("DELETE")) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else if (path.equals("/api/ingest")) {
            b.header("Content-Type", "text/csv").method(method, HttpRequest.BodyPublishers.ofString("matrix.test,2026-01-05T06:00:00Z,1\n"));
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString("{}"));
        }
        // Headers only: /api/live is an endless stream.
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        r.body().close();
        return r.statusCode();
    }

    private Caller user(String name, String roles, Set<String> allowed, boolean north) throws Exception {
        control.users().add(Actor.system(), name, PASSWORD, RoleGrants.parse(roles), false);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/auth/login")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(Map.of("user", name, "password", PASSWORD)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("login of " + name).isEqualTo(200);
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Cookie", cookie);
        // The dashboard sends the CSRF token on every change; so does this caller.
        h.put("X-CSRF-Token", json.readTree(r.body()).get("csrfToken").asText());
        return new Caller("user " + name + " (" + roles + ")", h, allowed, north);
    }

    private Caller token(Scope scope, String site, Set<String> allowed, boolean north) {
        String secret = control.tokens().create(Actor.system(), "matrix-" + scope.id(), EnumSet.of(scope), site).secret();
        return new Caller("token " + scope.id() + (site == null ? "" : "@" + site), Map.of("Authorization", "Bearer " + secret), allowed, north);
    }
}
