package io.lathe.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.lathe.auth.AccessControl;
import io.lathe.auth.AuditEvent;
import io.lathe.auth.AuditKind;
import io.lathe.model.PlantModel;
import io.lathe.predict.live.HealthMonitor;
import io.lathe.predict.live.MachineHealth;
import io.lathe.predict.live.RobustMahalanobis;
import io.lathe.predict.model.ModelFile;
import io.lathe.store.TelemetryStore;
import java.io.IOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Machine health routes (issue 12): {@code GET /api/assets/{id}/health}, {@code GET /api/health/machines},
 * {@code GET /api/models}, {@code GET /api/models/{id}} and {@code POST /api/models/fit}. They answer from the first
 * second: a machine still learning says so ({@code status: learning}); without a health monitor (switched off) every
 * machine is {@code no-model} and fitting answers 503.
 */
public final class HealthRoutes {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HealthMonitor monitor;
    private final PlantModel model;
    private final TelemetryStore store;
    private final InstantSource clock;

    /** @param monitor the server's health monitor, or null when machine health is off */
    public HealthRoutes(HealthMonitor monitor, PlantModel model, TelemetryStore store, InstantSource clock) {
        this.monitor = monitor;
        this.model = model;
        this.store = store;
        this.clock = clock;
    }

    public void machineHealth(Context ctx) {
        String id = Views.requireId("id", ctx.pathParam("id"));
        if (!isMachine(id)) throw ApiError.notFound("machine", id);
        ctx.json(health(id));
    }

    public void allMachines(Context ctx) {
        Predicate<String> visible = AuthFilter.visibleIds(ctx, model.rootId());
        List<MachineHealth> out = new ArrayList<>();
        for (String m : machineIds()) if (visible.test(m)) out.add(health(m));
        ctx.json(Map.of("machines", out));
    }

    public void models(Context ctx) {
        Predicate<String> visible = AuthFilter.visibleIds(ctx, model.rootId());
        List<Map<String, Object>> out = new ArrayList<>();
        if (monitor != null) {
            for (ModelFile f : monitor.models()) if (visible.test(f.machine())) out.add(summary(f));
        }
        ctx.json(Map.of("models", out));
    }

    public void model(Context ctx) {
        String id = Views.requireId("id", ctx.pathParam("id"));
        ModelFile f = monitor == null ? null : monitor.repository().get(id);
        if (f == null) throw ApiError.of(404, "not_found", "unknown model [id=" + id + "]. List the models with GET /api/models.");
        ctx.json(f);
    }

    /** Body {@code {"machine": id, "type": "anomaly"|"rul", "from": time, "to": time}}; from/to default to the last 2 h / now. */
    public void fit(Context ctx) throws IOException {
        if (monitor == null) {
            throw ApiError.of(503, "unavailable", "machine health is off [predict.enabled=false]: no model can be fitted. Turn it on and restart.");
        }
        JsonNode body;
        try {
            body = MAPPER.readTree(ctx.body());
        } catch (IOException e) {
            throw ApiError.badRequest("body", "", "must be a JSON object such as {\"machine\":\"...\",\"type\":\"anomaly\",\"from\":\"2026-01-05T06:00:00Z\",\"to\":\"2026-01-05T10:00:00Z\"}");
        }
        if (body == null || !body.isObject()) throw ApiError.badRequest("body", "", "must be a JSON object");
        String machine = text(body, "machine");
        if (machine == null) throw ApiError.badRequest("machine", null, "is required: the id of the machine whose model to fit");
        Views.requireId("machine", machine);
        if (!isMachine(machine)) throw ApiError.notFound("machine", machine);
        String type = text(body, "type") == null ? ModelFile.ANOMALY : text(body, "type");
        if (!type.equals(ModelFile.ANOMALY) && !type.equals(ModelFile.RUL)) throw ApiError.badRequest("type", type, "must be anomaly or rul");
        long now = clock.instant().getEpochSecond() * 1_000_000L;
        long to = time(body, "to", now);
        long defaultSpan = type.equals(ModelFile.RUL) ? 30L * 24 * 3600 * 1_000_000L : monitor.settings().training().toNanos() / 1000;
        long from = time(body, "from", to - defaultSpan);
        if (to <= from) throw ApiError.badRequest("to", Times.iso(to), "must be after from (" + Times.iso(from) + ")");
        try {
            ModelFile f = monitor.fitFromHistory(machine, type, from, to, store);
            ctx.attribute(FITTED, f);
            ctx.json(f);
        } catch (IllegalArgumentException e) {
            throw ApiError.of(422, "cannot_fit", e.getMessage());
        }
    }

    /** Context attribute: the model file {@link #fit} wrote, for the audit entry. */
    private static final String FITTED = "lathe.health.fitted";

    /**
     * {@code fit} with an audit entry in {@code control}'s log for every call that got past authorisation: who fitted
     * which machine's model from which period, the version made, or the refusal's status and code. Why: a refit
     * replaces the model that scores the machine and so changes its alarms.
     */
    public static Handler audited(AccessControl control, Handler fit) {
        return ctx -> {
            Map<String, String> details = new LinkedHashMap<>();
            String target = "";
            try {
                JsonNode b = MAPPER.readTree(ctx.body());
                if (b != null && b.isObject()) {
                    target = b.path("machine").asText("");
                    for (String k : List.of("type", "from", "to")) if (b.hasNonNull(k)) details.put(k, b.get(k).asText());
                }
            } catch (IOException e) {
                // fit refuses the body itself; the entry keeps no details
            }
            try {
                fit.handle(ctx);
            } catch (ApiError e) {
                details.put("status", String.valueOf(e.status()));
                details.put("code", e.code());
                control.audit().record(AdminRoutes.actor(ctx), AuditKind.MODEL_FIT, target, AuditEvent.Outcome.FAILURE, details);
                throw e;
            }
            if (ctx.attribute(FITTED) instanceof ModelFile f) {
                details.put("type", f.type());
                details.put("version", String.valueOf(f.version()));
                control.audit().record(AdminRoutes.actor(ctx), AuditKind.MODEL_FIT, target, AuditEvent.Outcome.SUCCESS, details);
            }
        };
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static long time(JsonNode body, String field, long dflt) {
        String t = text(body, field);
        if (t == null) return dflt;
        try {
            return Times.parseMicros(t);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(field, t, e.getMessage());
        }
    }

    private boolean isMachine(String id) {
        io.lathe.model.Asset a = model.snapshot().find(id);
        return a != null && a.level() == io.lathe.model.AssetLevel.MACHINE;
    }

    private List<String> machineIds() {
        List<String> out = new ArrayList<>();
        collect(model.snapshot(), out);
        return out;
    }

    private static void collect(io.lathe.model.Asset a, List<String> out) {
        if (a.level() == io.lathe.model.AssetLevel.MACHINE) out.add(a.id());
        for (io.lathe.model.Asset c : a.children()) collect(c, out);
    }

    private MachineHealth health(String machine) {
        if (monitor != null) return monitor.health(machine);
        return new MachineHealth(machine, new MachineHealth.Anomaly(null, RobustMahalanobis.THRESHOLD, false, null, null, List.of(), null,
                "no-model", 0, 0, "machine health is off [predict.enabled=false]"), null);
    }

    /** A model without its parameters, for lists. */
    static Map<String, Object> summary(ModelFile f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", f.id());
        m.put("type", f.type());
        m.put("algorithm", f.algorithm());
        m.put("version", f.version());
        m.put("machine", f.machine());
        m.put("createdAt", f.createdAt());
        m.put("training", f.training());
        m.put("features", f.features().stream().map(ModelFile.Feature::signal).toList());
        m.put("validation", f.validation());
        return m;
    }
}
