package io.lathe.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.lathe.alarm.Alarm;
import io.lathe.alarm.AlarmException;
import io.lathe.alarm.AlarmState;
import io.lathe.alarm.AlarmSystem;
import io.lathe.alarm.Priority;
import io.lathe.alarm.RuleCodec;
import io.lathe.alarm.Transition;
import io.lathe.auth.AccessControl;
import io.lathe.auth.AuditEvent;
import io.lathe.auth.AuditKind;
import io.lathe.auth.Principal;
import io.lathe.model.PlantModel;
import java.io.IOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The alarm routes ({@code /api/alarms...}, CONTRACTS.md "Alarms") and the {@code alarm} events of {@code /api/live}.
 * Without an {@link AlarmSystem} every route answers 503. Lists are filtered to the sites the caller may see; a single
 * alarm's site is in its id ({@code <machine id>.alarm.<name>}). With access control, every action by a person (ack,
 * shelve, unshelve, comment, reset, out-of-service, in-service) and every rule change is also written to the audit
 * log ({@code acknowledgement}, {@code alarm.action}, {@code alarm.rule}) with who, the alarm or rule and the comment,
 * refusals with their status and code: the alarm journal keeps the lifecycle, the audit log who changed what.
 */
public final class AlarmRoutes {
    /** Most alarm events queued for one live client that is behind; past it the oldest are dropped. */
    static final int FEED_CAPACITY = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AlarmSystem system;
    private final InstantSource clock;
    private final Set<Feed> feeds = new CopyOnWriteArraySet<>();
    /** null without access control: nothing to audit into */
    private volatile AccessControl control;

    public AlarmRoutes(AlarmSystem system, InstantSource clock) {
        this.system = system;
        this.clock = clock;
        if (system != null) system.engine().addListener(this::publish);
    }

    /** Registers every alarm route without an audit log. */
    public void register(JavalinConfig config) {
        register(config, null);
    }

    /** Registers every alarm route, specific paths before {@code {id}} ones; actions are audited into {@code control}'s log. */
    public void register(JavalinConfig config, AccessControl control) {
        this.control = control;
        config.routes.get("/api/alarms", this::list);
        config.routes.get("/api/alarms/summary", this::summary);
        config.routes.get("/api/alarms/events", this::events);
        config.routes.get("/api/alarms/kpis", this::kpis);
        config.routes.get("/api/alarms/notifications", this::notifications);
        config.routes.get("/api/alarms/rules", this::rules);
        config.routes.post("/api/alarms/rules", ctx -> defineRule(ctx, null));
        config.routes.put("/api/alarms/rules/{id}", ctx -> defineRule(ctx, Views.requireId("id", ctx.pathParam("id"))));
        config.routes.delete("/api/alarms/rules/{id}", this::deleteRule);
        config.routes.post("/api/alarms/ack", this::bulkAck);
        config.routes.get("/api/alarms/{id}", this::one);
        for (String action : List.of("ack", "shelve", "unshelve", "comment", "reset", "out-of-service", "in-service")) {
            config.routes.post("/api/alarms/{id}/" + action, ctx -> act(ctx, action));
        }
    }

    private AlarmSystem system() {
        if (system == null) throw ApiError.of(503, "unavailable", "alarm management is not running in this server");
        return system;
    }

    // ---- views ----

    static Map<String, Object> view(Alarm a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("name", a.name());
        m.put("asset", a.asset());
        m.put("assetName", a.assetName());
        m.put("kind", a.kind());
        m.put("priority", a.priority().id());
        m.put("state", a.state().id());
        m.put("active", a.active());
        m.put("acknowledged", a.acknowledged());
        m.put("shelved", a.shelved());
        m.put("shelvedUntil", !a.shelved() || a.shelvedUntilMicros() == Long.MAX_VALUE ? null : Times.iso(a.shelvedUntilMicros()));
        m.put("oneShot", a.oneShot());
        m.put("outOfService", a.outOfService());
        m.put("suppressed", a.suppressed());
        m.put("message", a.message());
        m.put("value", Double.isFinite(a.value()) ? a.value() : null);
        m.put("unit", a.unit());
        m.put("activeSince", a.activeSinceMicros() == Long.MIN_VALUE ? null : Times.iso(a.activeSinceMicros()));
        m.put("lastChange", Times.iso(a.lastChangeMicros() == Long.MIN_VALUE ? 0 : a.lastChangeMicros()));
        m.put("response", a.response());
        return m;
    }

    static Map<String, Object> transition(Transition t, boolean withAlarm) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", Times.iso(t.atMicros()));
        if (withAlarm) {
            m.put("alarm", t.alarm());
            m.put("asset", t.asset());
        }
        m.put("event", t.event());
        m.put("from", t.from().id());
        m.put("to", t.to().id());
        m.put("user", t.user());
        m.put("comment", t.comment());
        m.put("value", Double.isFinite(t.value()) ? t.value() : null);
        return m;
    }

    // ---- reading ----

    private Predicate<String> scope(Context ctx) {
        PlantModel model = system().model();
        Predicate<String> visible = AuthFilter.visibleIds(ctx, model.rootId());
        String asset = ctx.queryParam("asset");
        if (asset == null || asset.isBlank()) return visible;
        Views.requireId("asset", asset);
        if (!model.contains(asset)) throw ApiError.notFound("asset", asset);
        return id -> visible.test(id) && (id.equals(asset) || id.startsWith(asset + "."));
    }

    private long time(Context ctx, String name, long dflt) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return dflt;
        try {
            return Times.parseMicros(v);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(name, v, e.getMessage());
        }
    }

    private void list(Context ctx) {
        Predicate<String> scope = scope(ctx);
        String state = ctx.queryParam("state");
        AlarmState wanted = null;
        if (state != null && !state.isBlank() && !state.equals("all")) {
            wanted = AlarmState.parse(state);
            if (wanted == null) throw ApiError.badRequest("state", state, "must be normal, unack, ack, rtn_unack, latched or all");
        }
        String pr = ctx.queryParam("priority");
        Priority priority = null;
        if (pr != null && !pr.isBlank()) {
            priority = Priority.parse(pr);
            if (priority == null) throw ApiError.badRequest("priority", pr, "must be urgent, high, medium or low");
        }
        long from = time(ctx, "from", Long.MIN_VALUE), to = time(ctx, "to", Long.MAX_VALUE);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Alarm a : system().engine().alarms()) {
            if (!scope.test(a.asset())) continue;
            if (wanted != null ? a.state() != wanted : state == null || state.isBlank() ? !a.notable() : false) continue;
            if (priority != null && a.priority() != priority) continue;
            if (a.lastChangeMicros() < from && from != Long.MIN_VALUE || a.lastChangeMicros() >= to) continue;
            out.add(view(a));
        }
        ctx.json(Map.of("alarms", out));
    }

    private void one(Context ctx) {
        String id = Views.requireId("id", ctx.pathParam("id"));
        Alarm a = system().engine().alarm(id);
        if (a == null) throw ApiError.of(404, "not_found", "unknown alarm [id=" + id + "]. List alarms with GET /api/alarms?state=all.");
        Map<String, Object> m = view(a);
        List<Map<String, Object>> ts = new ArrayList<>();
        for (Transition t : system().engine().transitions(t -> t.alarm().equals(id))) ts.add(transition(t, false));
        m.put("transitions", ts);
        ctx.json(m);
    }

    private void summary(Context ctx) {
        Predicate<String> scope = scope(ctx);
        Map<String, Integer> unack = counts(), active = counts();
        int shelved = 0, oos = 0, suppressed = 0;
        for (Alarm a : system().engine().alarms()) {
            if (!scope.test(a.asset())) continue;
            if (!a.acknowledged()) unack.merge(a.priority().id(), 1, Integer::sum);
            if (a.active() && !a.shelved() && !a.outOfService() && !a.suppressed()) active.merge(a.priority().id(), 1, Integer::sum);
            if (a.shelved()) shelved++;
            if (a.outOfService()) oos++;
            if (a.suppressed()) suppressed++;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("unacknowledged", unack);
        m.put("active", active);
        m.put("shelved", shelved);
        m.put("outOfService", oos);
        m.put("suppressed", suppressed);
        ctx.json(m);
    }

    private static Map<String, Integer> counts() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (Priority p : Priority.values()) m.put(p.id(), 0);
        return m;
    }

    /** Newest first, at most {@code limit} (default 500, at most 10,000). */
    private void events(Context ctx) {
        Predicate<String> scope = scope(ctx);
        long from = time(ctx, "from", Long.MIN_VALUE), to = time(ctx, "to", Long.MAX_VALUE);
        int limit = 500;
        String l = ctx.queryParam("limit");
        if (l != null && !l.isBlank()) {
            try {
                limit = Integer.parseInt(l.strip());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 10_000) throw ApiError.badRequest("limit", l, "must be a whole number in [1, 10000]");
        }
        List<Transition> ts = system().engine().transitions(t -> scope.test(t.asset()) && t.atMicros() >= from && t.atMicros() < to);
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = ts.size() - 1; i >= 0 && out.size() < limit; i--) out.add(transition(ts.get(i), true));
        ctx.json(Map.of("events", out));
    }

    private void kpis(Context ctx) {
        Predicate<String> scope = scope(ctx);
        // The default end is now, or the newest transition when the data runs ahead of the clock (a simulation with --speed).
        long newest = system().engine().newestTransitionMicros();
        long now = Math.max(clock.millis() * 1000, newest == Long.MIN_VALUE ? Long.MIN_VALUE : newest + 1);
        long to = time(ctx, "to", now);
        long from = time(ctx, "from", to - 24 * 3_600_000_000L);
        if (to <= from) throw ApiError.badRequest("to", ctx.queryParam("to"), "must be after from");
        if (to - from > 366L * 24 * 3_600_000_000L) throw ApiError.badRequest("from", ctx.queryParam("from"), "the period must be at most 366 days");
        Map<String, Object> k = system().kpis(scope, from, to);
        k.put("asset", ctx.queryParam("asset"));
        ctx.json(k);
    }

    private void notifications(Context ctx) {
        Predicate<String> scope = scope(ctx);
        List<Map<String, Object>> out = new ArrayList<>();
        if (system().notifier() != null) {
            List<Map<String, Object>> all = system().notifier().attempts();
            for (int i = all.size() - 1; i >= 0; i--) if (scope.test(String.valueOf(all.get(i).get("asset")))) out.add(all.get(i));
        }
        ctx.json(Map.of("notifications", out));
    }

    // ---- rules ----

    private void rules(Context ctx) {
        Predicate<String> scope = scope(ctx);
        List<Map<String, Object>> out = new ArrayList<>();
        for (var r : system().engine().rules()) if (scope.test(r.asset())) out.add(RuleCodec.toMap(r));
        ctx.json(Map.of("rules", out));
    }

    private void defineRule(Context ctx, String id) throws IOException {
        JsonNode body = AuthRoutes.jsonObject(ctx, "{\"machine\": id, \"name\": text, \"kind\": limit, ...}");
        @SuppressWarnings("unchecked") Map<String, Object> fields = JSON.convertValue(body, Map.class);
        if (id != null && system().engine().rule(id) != null && !id.startsWith(String.valueOf(fields.get("machine")) + ".")) {
            throw ApiError.badRequest("machine", String.valueOf(fields.get("machine")), "must stay the machine of the alarm " + id);
        }
        String target = id != null ? id : fields.get("machine") == null || fields.get("name") == null ? null
                : String.valueOf(fields.get("machine")) + ".alarm." + fields.get("name");
        boolean existed = id != null && system().engine().rule(id) != null;
        try {
            var r = system().define(fields, id);
            audit(ctx, AuditKind.ALARM_RULE, r.id(), null, details("action", existed ? "updated" : "created", "kind", String.valueOf(fields.get("kind"))));
            ctx.json(RuleCodec.toMap(r));
        } catch (AlarmSystem.InvalidRule e) {
            List<ApiError.FieldError> errors = new ArrayList<>();
            for (var p : e.problems()) errors.add(new ApiError.FieldError(p.field(), fields.get(p.field()) == null ? null : String.valueOf(fields.get(p.field())), p.message()));
            throw audit(ctx, AuditKind.ALARM_RULE, target, ApiError.invalid("invalid alarm rule: " + e.problems().size() + " problem(s); see errors", errors),
                    details("action", id == null ? "create" : "update", "problems", String.valueOf(e.problems().size())));
        } catch (AlarmException e) {
            throw audit(ctx, AuditKind.ALARM_RULE, target, map(e), details("action", id == null ? "create" : "update"));
        }
    }

    private void deleteRule(Context ctx) throws IOException {
        String id = Views.requireId("id", ctx.pathParam("id"));
        try {
            system().delete(id);
            audit(ctx, AuditKind.ALARM_RULE, id, null, details("action", "deleted"));
            ctx.json(Map.of("deleted", id));
        } catch (AlarmException e) {
            throw audit(ctx, AuditKind.ALARM_RULE, id, map(e), details("action", "delete"));
        }
    }

    // ---- audit ----

    private static Map<String, String> details(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) if (kv[i + 1] != null) m.put(kv[i], kv[i + 1]);
        return m;
    }

    /**
     * Records an action by the caller in the audit log (if there is one): a success when {@code refused} is null, else
     * a failure with its status and code. Returns {@code refused} so a refusal can be thrown in one line.
     */
    private ApiError audit(Context ctx, AuditKind kind, String target, ApiError refused, Map<String, String> details) {
        AccessControl c = control;
        if (c == null) return refused;
        Map<String, String> d = new LinkedHashMap<>(details);
        if (refused != null) {
            d.put("status", String.valueOf(refused.status()));
            d.put("code", refused.code());
        }
        c.audit().record(AdminRoutes.actor(ctx), kind, target, refused == null ? AuditEvent.Outcome.SUCCESS : AuditEvent.Outcome.FAILURE, d);
        return refused;
    }

    // ---- actions ----

    private static String user(Context ctx) {
        Principal p = AuthFilter.principal(ctx);
        return p == Principal.ANONYMOUS ? "anonymous" : p.actorName();
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw ApiError.badRequest(field, n.toString(), "must be text");
        if (n.asText().length() > 2000) throw ApiError.badRequest(field, n.asText().substring(0, 40) + "...", "must be at most 2000 characters");
        return n.asText();
    }

    private void act(Context ctx, String action) {
        String id = Views.requireId("id", ctx.pathParam("id"));
        JsonNode body = ctx.body().isBlank() ? JSON.createObjectNode() : AuthRoutes.jsonObject(ctx, "{\"comment\": text, \"minutes\": 60, \"oneShot\": false}");
        String comment = text(body, "comment");
        String user = user(ctx);
        var e = system().engine();
        AuditKind kind = action.equals("ack") ? AuditKind.ACKNOWLEDGEMENT : AuditKind.ALARM_ACTION;
        Map<String, String> details = details("action", action, "comment", comment);
        if (action.equals("shelve")) {
            if (body.hasNonNull("minutes")) details.put("minutes", body.get("minutes").toString());
            details.put("oneShot", String.valueOf(body.path("oneShot").asBoolean(false)));
        }
        try {
            Alarm a = switch (action) {
                case "ack" -> e.acknowledge(id, user, comment);
                case "reset" -> e.reset(id, user, comment);
                case "comment" -> e.comment(id, user, comment);
                case "unshelve" -> e.unshelve(id, user, comment);
                case "out-of-service" -> e.outOfService(id, user, comment);
                case "in-service" -> e.inService(id, user, comment);
                case "shelve" -> {
                    JsonNode min = body.get("minutes");
                    if (min != null && !min.isNull() && !min.canConvertToInt()) throw ApiError.badRequest("minutes", min.toString(), "must be a whole number");
                    yield e.shelve(id, user, comment, min == null || min.isNull() ? null : min.asInt(), body.path("oneShot").asBoolean(false));
                }
                default -> throw new IllegalStateException(action);
            };
            audit(ctx, kind, id, null, details);
            ctx.json(view(a));
        } catch (AlarmException ex) {
            throw audit(ctx, kind, id, map(ex), details);
        }
    }

    private void bulkAck(Context ctx) {
        JsonNode body = AuthRoutes.jsonObject(ctx, "{\"ids\": [alarm ids], \"comment\": text}");
        JsonNode ids = body.get("ids");
        if (ids == null || !ids.isArray() || ids.isEmpty()) throw ApiError.badRequest("ids", ids == null ? null : ids.toString(), "must be a non-empty list of alarm ids");
        if (ids.size() > 10_000) throw ApiError.badRequest("ids", "(" + ids.size() + " ids)", "must list at most 10000 alarms");
        String comment = text(body, "comment");
        Predicate<String> visible = AuthFilter.visibleIds(ctx, system().model().rootId());
        List<String> done = new ArrayList<>();
        List<Map<String, Object>> failed = new ArrayList<>();
        for (JsonNode n : ids) {
            String id = n.asText();
            try {
                if (!visible.test(id)) throw new AlarmException(AlarmException.Code.NOT_FOUND, "no alarm [id=" + id + "]");
                system().engine().acknowledge(id, user(ctx), comment);
                done.add(id);
                audit(ctx, AuditKind.ACKNOWLEDGEMENT, id, null, details("action", "ack", "comment", comment, "bulk", "true"));
            } catch (AlarmException e) {
                audit(ctx, AuditKind.ACKNOWLEDGEMENT, id, map(e), details("action", "ack", "comment", comment, "bulk", "true"));
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("id", id);
                f.put("code", code(e));
                f.put("message", e.getMessage());
                failed.add(f);
            }
        }
        ctx.json(Map.of("acknowledged", done, "failed", failed));
    }

    private static String code(AlarmException e) {
        return switch (e.code()) {
            case NOT_FOUND -> "not_found";
            case INVALID_STATE -> "invalid_state";
            case INVALID_REQUEST -> "bad_request";
        };
    }

    private static ApiError map(AlarmException e) {
        int status = switch (e.code()) {
            case NOT_FOUND -> 404;
            case INVALID_STATE -> 409;
            case INVALID_REQUEST -> 400;
        };
        return ApiError.of(status, code(e), e.getMessage());
    }

    // ---- live ----

    /** One live client's queue of alarm events (JSON of an Alarm), filtered to its sites or asset. */
    public final class Feed implements AutoCloseable {
        private final Predicate<String> filter;
        private final Runnable wake;
        private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger size = new AtomicInteger();

        Feed(Predicate<String> filter, Runnable wake) {
            this.filter = filter;
            this.wake = wake;
        }

        void offer(String assetId, String json) {
            if (!filter.test(assetId)) return;
            queue.add(json);
            if (size.incrementAndGet() > FEED_CAPACITY && queue.poll() != null) size.decrementAndGet();
            wake.run();
        }

        /** Appends every queued event as {@code event: alarm} to {@code b}. */
        public void drainTo(StringBuilder b) {
            for (String s; (s = queue.poll()) != null; ) {
                size.decrementAndGet();
                b.append("event: alarm\ndata: ").append(s).append("\n\n");
            }
        }

        @Override
        public void close() {
            feeds.remove(this);
        }
    }

    /** A feed for one live client; {@code wake} is called (on the engine's thread) when an event is queued. */
    public Feed subscribe(Predicate<String> filter, Runnable wake) {
        Feed f = new Feed(filter, wake);
        feeds.add(f);
        return f;
    }

    private void publish(Transition t, Alarm a) {
        if (feeds.isEmpty()) return;
        String json;
        try {
            json = JSON.writeValueAsString(view(a));
        } catch (IOException e) {
            return;
        }
        for (Iterator<Feed> it = feeds.iterator(); it.hasNext(); ) it.next().offer(a.asset(), json);
    }
}
