package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.api.internal.KpiRoutes;
import io.lathe.auth.AccessControl;
import io.lathe.auth.Actor;
import io.lathe.auth.AuthSettings;
import io.lathe.auth.RoleGrants;
import io.lathe.auth.Scope;
import io.lathe.ingest.LiveState;
import io.lathe.kpi.CounterSignal;
import io.lathe.kpi.CountsConfig;
import io.lathe.kpi.KpiConfig;
import io.lathe.kpi.KpiEngine;
import io.lathe.kpi.MachineConfig;
import io.lathe.kpi.MachineState;
import io.lathe.kpi.ReasonTree;
import io.lathe.kpi.ShiftCalendar;
import io.lathe.kpi.SiteConfig;
import io.lathe.kpi.StateSource;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Value;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions, CSRF, cross-origin and content-type checks, brute-force lock-out, API token revocation, audit entries and
 * error bodies, over real HTTP against a server with real access control.
 */
class AuthHttpTest {
    private static final String PASSWORD = "correct horse battery staple";
    private static final Instant NOW = Instant.parse("2026-01-05T07:00:00Z");
    private static final long T6 = Instant.parse("2026-01-05T06:00:00Z").getEpochSecond() * 1_000_000L;
    private static final long MIN = 60_000_000L;

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private AccessControl control;
    private TelemetryStore store;
    private String base;
    private String machine;

    /** A logged-in browser: its cookie and the CSRF token the page got from the login answer. */
    private record Browser(String cookie, String csrf) {}

    @BeforeEach
    void start() throws Exception {
        PlantModel model = new PlantModel("Acme");
        String north = model.addChild(model.rootId(), "North", "", "");
        String line = model.addChild(model.addChild(north, "Press Shop", "", ""), "Line 1", "", "");
        machine = model.addChild(line, "Press 3", "", "");
        model.addSignal(machine, "Temperature", DataType.DOUBLE, "°C", "", "");
        store = TelemetryStore.open(StoreSettings.defaults(dir.resolve("store")));
        toClose.add(store);
        control = TestAccess.control(dir, AuthSettings.builder().lockoutFailures(3).build());
        toClose.add(control);
        KpiConfig kpi = kpiConfig(machine);
        KpiEngine engine = KpiEngine.create(kpi);
        engine.onPoint(machine + ".state", T6, Value.of("run"));
        engine.onPoint(machine + ".state", T6 + 30 * MIN, Value.of("stop"));
        engine.onPoint(machine + ".state", T6 + 40 * MIN, Value.of("run"));
        ApiServer server = ApiServer.create(new ApiSettings("127.0.0.1", 0), model, new LiveState(),
                        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of, store, InstantSource.fixed(NOW))
                .kpi(new KpiRoutes(engine, kpi, new KpiRoutes.ReasonLog(dir.resolve("reasons.jsonl")), InstantSource.fixed(NOW)))
                .access(ApiAccess.locked(control));
        toClose.addFirst(server);
        base = "http://127.0.0.1:" + server.start();
        control.users().add(Actor.system(), "olga", PASSWORD, RoleGrants.parse("operator"), false);
        control.users().add(Actor.system(), "vic", PASSWORD, RoleGrants.parse("viewer"), false);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) c.close();
    }

    private static KpiConfig kpiConfig(String machine) {
        ReasonTree tree = new ReasonTree(List.of(new ReasonTree.Category("mechanical", "Mechanical",
                List.of(new ReasonTree.Reason("11", "Tool break"), new ReasonTree.Reason("12", "Jam")))));
        SiteConfig site = new SiteConfig("north", ZoneId.of("UTC"), ShiftCalendar.threeShifts24x7(), 0.5, tree);
        MachineConfig m = new MachineConfig(machine, "line-1", "area", "north",
                new StateSource.Enumerated(machine + ".state", Map.of("run", MachineState.RUNNING, "stop", MachineState.UNPLANNED_DOWN), MachineState.IDLE),
                CountsConfig.of(CounterSignal.cumulative(machine + ".parts"), null, null), Duration.ofSeconds(30), null, null, null,
                machine + ".reason", Duration.ofMinutes(1));
        return new KpiConfig(List.of(site), List.of(m));
    }

    @Test
    void loginSetsAHardenedCookieAndMeShowsTheUserWithItsCsrfToken() throws Exception {
        HttpResponse<String> r = login("olga", PASSWORD);
        assertThat(r.statusCode()).isEqualTo(200);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("lathe_session=").containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax")
                .doesNotContainIgnoringCase("Secure"); // plain HTTP here; the TLS test checks Secure
        Browser b = browser(r);
        HttpResponse<String> me = send(get("/api/auth/me").header("Cookie", b.cookie()));
        assertThat(me.statusCode()).isEqualTo(200);
        JsonNode m = json.readTree(me.body());
        assertThat(m.get("user").asText()).isEqualTo("olga");
        assertThat(m.get("roles").asText()).isEqualTo("operator");
        assertThat(m.get("csrfToken").asText()).isEqualTo(b.csrf());
        assertThat(send(get("/api/assets").header("Cookie", b.cookie())).statusCode()).isEqualTo(200);

        HttpResponse<String> out = send(post("/api/auth/logout", "").header("Cookie", b.cookie()).header("X-CSRF-Token", b.csrf()));
        assertThat(out.statusCode()).isEqualTo(200);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("lathe_session=;").contains("Expires=Thu, 01 Jan 1970");
        HttpResponse<String> after = send(get("/api/assets").header("Cookie", b.cookie()));
        assertThat(after.statusCode()).isEqualTo(401);
        assertThat(json.readTree(after.body()).get("message").asText()).contains("session has ended");
    }

    @Test
    void changesMadeWithTheCookieNeedTheSessionsCsrfToken() throws Exception {
        Browser b = browser(login("olga", PASSWORD));
        String reason = "{\"machine\":\"" + machine + "\",\"start\":" + (T6 + 30 * MIN) + ",\"code\":\"11\"}";
        HttpResponse<String> none = send(post("/api/downtime/reason", reason).header("Cookie", b.cookie()));
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(json.readTree(none.body()).get("code").asText()).isEqualTo("csrf");
        Browser other = browser(login("vic", PASSWORD));
        HttpResponse<String> wrong = send(post("/api/downtime/reason", reason).header("Cookie", b.cookie()).header("X-CSRF-Token", other.csrf()));
        assertThat(wrong.statusCode()).isEqualTo(403);
        HttpResponse<String> right = send(post("/api/downtime/reason", reason).header("Cookie", b.cookie()).header("X-CSRF-Token", b.csrf()));
        assertThat(right.statusCode()).as(right.body()).isEqualTo(200);
        // A token needs no CSRF token: browsers never attach it on their own.
        String operate = TestAccess.token(control, Scope.OPERATE);
        HttpResponse<String> byToken = send(post("/api/downtime/reason", reason).header("Authorization", "Bearer " + operate));
        assertThat(byToken.statusCode()).as(byToken.body()).isEqualTo(200);
        // Reading with the cookie needs none either.
        HttpResponse<String> down = send(get("/api/downtime?asset=" + machine).header("Cookie", b.cookie()));
        assertThat(down.statusCode()).as(down.body()).isEqualTo(200);
    }

    @Test
    void crossOriginAndTextPlainChangesAreRefused() throws Exception {
        // Seen: a cross-origin text/plain POST to /api/downtime/reason was accepted and persisted.
        Browser b = browser(login("olga", PASSWORD));
        String reason = "{\"machine\":\"" + machine + "\",\"start\":" + (T6 + 30 * MIN) + ",\"code\":\"11\"}";
        HttpResponse<String> cross = send(HttpRequest.newBuilder(URI.create(base + "/api/downtime/reason")).header("Content-Type", "text/plain")
                .header("Origin", "http://evil.example").header("Cookie", b.cookie()).header("X-CSRF-Token", b.csrf())
                .POST(HttpRequest.BodyPublishers.ofString(reason)).build());
        assertThat(cross.statusCode()).isEqualTo(403);
        assertThat(json.readTree(cross.body()).get("code").asText()).isEqualTo("cross_origin");
        HttpResponse<String> plain = send(HttpRequest.newBuilder(URI.create(base + "/api/downtime/reason")).header("Content-Type", "text/plain")
                .header("Authorization", "Bearer " + TestAccess.token(control, Scope.OPERATE)).POST(HttpRequest.BodyPublishers.ofString(reason)).build());
        assertThat(plain.statusCode()).isEqualTo(415);
        HttpResponse<String> sameOrigin = send(post("/api/downtime/reason", reason).header("Origin", base)
                .header("Cookie", b.cookie()).header("X-CSRF-Token", b.csrf()));
        assertThat(sameOrigin.statusCode()).as(sameOrigin.body()).isEqualTo(200);
        assertThat(Files.readString(dir.resolve("reasons.jsonl")).lines().count()).as("only the same-origin entry was persisted").isEqualTo(1);
    }

    @Test
    void aReasonMustBeInTheMachinesReasonTreeAndTheRefusalListsCloseMatches() throws Exception {
        // Seen: any reason code was accepted (999), and 500 posts of 64 KB codes grew the reason log by 33 MB.
        String operate = TestAccess.token(control, Scope.OPERATE);
        long start = T6 + 30 * MIN;
        HttpResponse<String> unknown = send(post("/api/downtime/reason", "{\"machine\":\"" + machine + "\",\"start\":" + start + ",\"code\":\"999\"}")
                .header("Authorization", "Bearer " + operate));
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(json.readTree(unknown.body()).get("message").asText()).contains("999").contains("kpi.sites[].reasons");
        HttpResponse<String> typo = send(post("/api/downtime/reason", "{\"machine\":\"" + machine + "\",\"start\":" + start + ",\"code\":\"13\"}")
                .header("Authorization", "Bearer " + operate));
        assertThat(typo.statusCode()).isEqualTo(400);
        assertThat(json.readTree(typo.body()).get("message").asText()).contains("11 (Tool break)").contains("12 (Jam)");
        HttpResponse<String> byName = send(post("/api/downtime/reason", "{\"machine\":\"" + machine + "\",\"start\":" + start + ",\"code\":\"jam\"}")
                .header("Authorization", "Bearer " + operate));
        assertThat(json.readTree(byName.body()).get("message").asText()).contains("12 (Jam)");
        String huge = "7".repeat(64 * 1024);
        HttpResponse<String> big = send(post("/api/downtime/reason", "{\"machine\":\"" + machine + "\",\"start\":" + start + ",\"code\":\"" + huge + "\"}")
                .header("Authorization", "Bearer " + operate));
        assertThat(big.statusCode()).isEqualTo(400);
        assertThat(big.body().length()).isLessThan(2_000);
        assertThat(Files.exists(dir.resolve("reasons.jsonl")) ? Files.readString(dir.resolve("reasons.jsonl")) : "").as("nothing refused was persisted").isEmpty();
        HttpResponse<String> clear = send(post("/api/downtime/reason", "{\"machine\":\"" + machine + "\",\"start\":" + start + ",\"code\":\"\"}")
                .header("Authorization", "Bearer " + operate));
        assertThat(clear.statusCode()).as("an empty code clears the reason").isEqualTo(200);
    }

    @Test
    void repeatedFailedLoginsLockTheUserOutWithRetryAfterEvenForTheRightPassword() throws Exception {
        for (int i = 0; i < 2; i++) assertThat(login("olga", "wrong password " + i).statusCode()).isEqualTo(401);
        HttpResponse<String> third = login("olga", "wrong password 3");
        assertThat(third.statusCode()).isEqualTo(429);
        HttpResponse<String> right = login("olga", PASSWORD);
        assertThat(right.statusCode()).isEqualTo(429);
        long retry = Long.parseLong(right.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retry).isBetween(1L, 60L);
        assertThat(json.readTree(right.body()).get("code").asText()).isEqualTo("locked");
        // Another user from the same address is locked too (the address counts), as is the right password.
        assertThat(login("vic", PASSWORD).statusCode()).isEqualTo(429);
        String metrics = send(get("/metrics").header("Authorization", "Bearer " + TestAccess.token(control, Scope.READ))).body();
        assertThat(metrics).contains("lathe_auth_login_failures_total 3.0").contains("lathe_auth_locked_attempts_total 2.0");
        JsonNode audit = json.readTree(send(get("/api/audit?kind=login.failed").header("Authorization", "Bearer " + TestAccess.adminToken(control))).body());
        assertThat(audit.get("events")).hasSizeGreaterThanOrEqualTo(3);
        assertThat(audit.get("events").get(0).get("address").asText()).isEqualTo("127.0.0.1");
    }

    @Test
    void aRevokedTokenStopsWorkingAtOnceAndTheListNeverShowsSecrets() throws Exception {
        String admin = TestAccess.adminToken(control);
        HttpResponse<String> created = send(post("/api/tokens", "{\"name\":\"historian\",\"scopes\":[\"read\"]}").header("Authorization", "Bearer " + admin));
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode t = json.readTree(created.body());
        String secret = t.get("token").asText();
        String prefix = t.get("prefix").asText();
        assertThat(secret).startsWith("lathe_" + prefix + "_");
        assertThat(send(get("/api/assets").header("Authorization", "Bearer " + secret)).statusCode()).isEqualTo(200);

        HttpResponse<String> list = send(get("/api/tokens").header("Authorization", "Bearer " + admin));
        assertThat(list.body()).contains(prefix).doesNotContain(secret).doesNotContain(secret.substring(15));
        JsonNode listed = null;
        for (JsonNode x : json.readTree(list.body())) if (x.get("prefix").asText().equals(prefix)) listed = x;
        assertThat(listed.get("lastUsed").isNull()).isFalse();

        assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/tokens/" + prefix)).header("Authorization", "Bearer " + admin).DELETE().build())
                .statusCode()).isEqualTo(200);
        HttpResponse<String> after = send(get("/api/assets").header("Authorization", "Bearer " + secret));
        assertThat(after.statusCode()).isEqualTo(401);
        assertThat(after.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        JsonNode audit = json.readTree(send(get("/api/audit?kind=token.created,token.revoked").header("Authorization", "Bearer " + admin)).body());
        assertThat(audit.get("events")).hasSize(3); // the admin token, the historian token, its revocation
        assertThat(audit.get("events").get(0).get("kind").asText()).isEqualTo("token.revoked");
        assertThat(audit.get("events").get(0).get("actor").asText()).startsWith("token:");
    }

    @Test
    void reasonEntriesAndUserChangesAreAuditedWithActorAndAddress() throws Exception {
        Browser b = browser(login("olga", PASSWORD));
        String reason = "{\"machine\":\"" + machine + "\",\"start\":" + (T6 + 30 * MIN) + ",\"code\":\"12\"}";
        assertThat(send(post("/api/downtime/reason", reason).header("Cookie", b.cookie()).header("X-CSRF-Token", b.csrf())).statusCode()).isEqualTo(200);
        String admin = TestAccess.adminToken(control);
        HttpResponse<String> added = send(post("/api/users", "{\"name\":\"newbie\",\"roles\":\"viewer@north\"}").header("Authorization", "Bearer " + admin));
        assertThat(added.statusCode()).isEqualTo(201);
        String generated = json.readTree(added.body()).get("password").asText();
        assertThat(generated).hasSizeGreaterThanOrEqualTo(12);
        // The generated password works once, and only for changing it.
        Browser newbie = browser(login("newbie", generated));
        HttpResponse<String> blocked = send(get("/api/assets/" + machine).header("Cookie", newbie.cookie()));
        assertThat(blocked.statusCode()).isEqualTo(403);
        assertThat(json.readTree(blocked.body()).get("code").asText()).isEqualTo("password_change_required");
        HttpResponse<String> changed = send(post("/api/auth/password", "{\"currentPassword\":\"" + generated + "\",\"newPassword\":\"a brand new passphrase\"}")
                .header("Cookie", newbie.cookie()).header("X-CSRF-Token", newbie.csrf()));
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        Browser renewed = browser(changed);
        assertThat(send(get("/api/assets/" + machine).header("Cookie", renewed.cookie())).statusCode()).isEqualTo(200);
        assertThat(send(get("/api/assets/" + machine).header("Cookie", newbie.cookie())).statusCode()).as("old session ended").isEqualTo(401);

        JsonNode events = json.readTree(send(get("/api/audit").header("Authorization", "Bearer " + admin)).body()).get("events");
        JsonNode reasonEntry = find(events, "downtime.reason");
        assertThat(reasonEntry.get("actor").asText()).isEqualTo("user:olga");
        assertThat(reasonEntry.get("address").asText()).isEqualTo("127.0.0.1");
        assertThat(reasonEntry.get("target").asText()).isEqualTo(machine);
        assertThat(reasonEntry.get("details").get("code").asText()).isEqualTo("12");
        assertThat(find(events, "user.added").get("target").asText()).isEqualTo("newbie");
        assertThat(find(events, "login").get("outcome").asText()).isEqualTo("success");
        assertThat(events.toString()).doesNotContain(generated).doesNotContain(b.csrf());
        // Filters: actor and time range.
        JsonNode olga = json.readTree(send(get("/api/audit?actor=user:olga&from=2000-01-01T00:00:00Z").header("Authorization", "Bearer " + admin)).body()).get("events");
        for (JsonNode e : olga) assertThat(e.get("actor").asText()).isEqualTo("user:olga");
        assertThat(send(get("/api/audit?from=yesterday").header("Authorization", "Bearer " + admin)).statusCode()).isEqualTo(400);
    }

    @Test
    void errorBodiesNameNoExceptionClassAndNoStackTrace() throws Exception {
        String read = TestAccess.token(control, Scope.READ);
        // A failure inside a route (here the connection list throws) is the 500 path.
        ApiServer failing = ApiServer.create(new ApiSettings("127.0.0.1", 0), new PlantModel("Acme"), new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> {
                    throw new IllegalStateException("connection table corrupt at /secret/path");
                }).access(ApiAccess.locked(control));
        toClose.addFirst(failing);
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + failing.start() + "/api/connections"))
                .header("Authorization", "Bearer " + read).build());
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).doesNotContain("/secret/path");
        List<HttpResponse<String>> answers = List.of(r,
                send(get("/api/users").header("Authorization", "Bearer " + read)),
                send(get("/api/users")),
                send(post("/api/auth/login", "{not json")),
                send(post("/api/users", "{\"name\":\"x y\",\"password\":\"short\"}").header("Authorization", "Bearer " + TestAccess.adminToken(control))),
                send(get("/api/assets").header("Authorization", "Bearer lathe_bogus_token")));
        for (HttpResponse<String> a : answers) {
            assertThat(a.statusCode()).isBetween(400, 599);
            JsonNode body = json.readTree(a.body());
            assertThat(body.has("code") && body.has("message")).isTrue();
            assertThat(a.body()).doesNotContainPattern("[a-z]+\\.[a-z]+\\.[A-Za-z.]*(Exception|Error)\\b")
                    .doesNotContainPattern("\\b[A-Z][A-Za-z]*Exception\\b").doesNotContain("\tat ").doesNotContain(".java:");
        }
        assertThat(json.readTree(r.body()).get("message").asText()).contains("errorId=");
    }

    private static JsonNode find(JsonNode events, String kind) {
        for (JsonNode e : events) if (e.get("kind").asText().equals(kind)) return e;
        throw new AssertionError("no audit entry of kind " + kind + " in " + events);
    }

    private HttpResponse<String> login(String user, String password) throws Exception {
        return send(post("/api/auth/login", json.writeValueAsString(Map.of("user", user, "password", password))));
    }

    private Browser browser(HttpResponse<String> loginAnswer) throws Exception {
        assertThat(loginAnswer.statusCode()).as(loginAnswer.body()).isEqualTo(200);
        return new Browser(loginAnswer.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0], json.readTree(loginAnswer.body()).get("csrfToken").asText());
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
    }

    private HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return send(b.build());
    }

    private HttpResponse<String> send(HttpRequest r) throws Exception {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }
}
