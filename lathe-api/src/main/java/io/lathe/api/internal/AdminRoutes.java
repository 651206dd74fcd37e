package io.lathe.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.lathe.auth.AccessControl;
import io.lathe.auth.Actor;
import io.lathe.auth.AuditEvent;
import io.lathe.auth.AuditKind;
import io.lathe.auth.AuditQuery;
import io.lathe.auth.IssuedToken;
import io.lathe.auth.Role;
import io.lathe.auth.RoleGrants;
import io.lathe.auth.Scope;
import io.lathe.auth.TokenInfo;
import io.lathe.auth.UserAdmin;
import io.lathe.auth.UserInfo;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Administration over HTTP (permission admin, see {@link RouteAccess}): users ({@code GET|POST /api/users}, {@code PUT
 * /api/users/{name}/password}, {@code PUT /api/users/{name}/roles}, {@code DELETE /api/users/{name}}), API tokens
 * ({@code GET|POST /api/tokens}, {@code DELETE /api/tokens/{prefix}}; a token's secret is in the creation answer only)
 * and the audit log ({@code GET /api/audit?from=&to=&actor=&kind=&limit=}). Every change is audited by the core with
 * the caller and their address.
 */
public final class AdminRoutes {
    private final AccessControl control;

    public AdminRoutes(AccessControl control) {
        this.control = control;
    }

    public void register(RoutesConfig routes) {
        routes.get("/api/users", ctx -> ctx.json(control.users().list().stream().map(AdminRoutes::user).toList()));
        routes.post("/api/users", this::addUser);
        routes.put("/api/users/{name}/password", this::setPassword);
        routes.put("/api/users/{name}/roles", this::setRoles);
        routes.delete("/api/users/{name}", ctx -> {
            control.users().remove(actor(ctx), ctx.pathParam("name"));
            ctx.json(Map.of("removed", ctx.pathParam("name")));
        });
        routes.get("/api/tokens", ctx -> ctx.json(control.tokens().list().stream().map(AdminRoutes::token).toList()));
        routes.post("/api/tokens", this::createToken);
        routes.delete("/api/tokens/{prefix}", ctx -> {
            control.tokens().revoke(actor(ctx), ctx.pathParam("prefix"));
            ctx.json(Map.of("revoked", ctx.pathParam("prefix")));
        });
        routes.get("/api/audit", this::audit);
    }

    /**
     * Wraps {@code POST /api/downtime/reason} so each reason entry lands in the audit log with who entered it and
     * from where: on success after the change, on a refusal with the status and code.
     */
    public static Handler auditedReason(AccessControl control, Handler reason) {
        return ctx -> {
            try {
                reason.handle(ctx);
            } catch (ApiError e) {
                control.audit().record(actor(ctx), AuditKind.DOWNTIME_REASON, reasonTarget(ctx), AuditEvent.Outcome.FAILURE,
                        Map.of("status", String.valueOf(e.status()), "code", e.code()));
                throw e;
            }
            if (ctx.statusCode() < 300) {
                Map<String, String> details = new LinkedHashMap<>();
                try {
                    JsonNode b = AuthRoutes.jsonObject(ctx, "");
                    if (b.has("start")) details.put("start", b.get("start").asText());
                    if (b.has("code")) details.put("code", b.get("code").asText());
                    if (b.has("at")) details.put(b.path("join").asBoolean(false) ? "joinAt" : "splitAt", b.get("at").asText()); // POST /api/downtime/split
                } catch (ApiError ignored) {
                    // the route accepted the body, so this does not happen; the entry stays without details
                }
                control.audit().record(actor(ctx), AuditKind.DOWNTIME_REASON, reasonTarget(ctx), AuditEvent.Outcome.SUCCESS, details);
            }
        };
    }

    private static String reasonTarget(Context ctx) {
        try {
            JsonNode m = AuthRoutes.jsonObject(ctx, "").get("machine");
            return m != null && m.isTextual() ? m.asText() : null;
        } catch (ApiError e) {
            return null;
        }
    }

    private void addUser(Context ctx) {
        JsonNode body = AuthRoutes.jsonObject(ctx, "{\"name\": text, \"password\": text (optional: generated), \"roles\": \"operator@north,viewer\", "
                + "\"mustChangePassword\": true}");
        String name = AuthRoutes.text(body, "name", true);
        String password = AuthRoutes.text(body, "password", false);
        boolean generated = password == null;
        if (generated) password = UserAdmin.generatePassword();
        Map<String, Role> roles = roles(body, false);
        boolean mustChange = !body.has("mustChangePassword") || body.get("mustChangePassword").asBoolean(true);
        UserInfo u = control.users().add(actor(ctx), name, password, roles, mustChange);
        Map<String, Object> out = user(u);
        if (generated) out.put("password", password); // shown once: the only copy outside the user's head
        ctx.status(201).header("Cache-Control", "no-store").json(out);
    }

    private void setPassword(Context ctx) {
        JsonNode body = AuthRoutes.jsonObject(ctx, "{\"password\": text (optional: generated), \"mustChangePassword\": true}");
        String name = ctx.pathParam("name");
        String password = AuthRoutes.text(body, "password", false);
        boolean generated = password == null;
        if (generated) password = UserAdmin.generatePassword();
        boolean mustChange = !body.has("mustChangePassword") || body.get("mustChangePassword").asBoolean(true);
        control.users().setPassword(actor(ctx), name, password, mustChange);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("user", name);
        out.put("mustChangePassword", mustChange);
        if (generated) out.put("password", password);
        ctx.header("Cache-Control", "no-store").json(out);
    }

    private void setRoles(Context ctx) {
        JsonNode body = AuthRoutes.jsonObject(ctx, "{\"roles\": \"operator@north,viewer\"}");
        ctx.json(user(control.users().setRoles(actor(ctx), ctx.pathParam("name"), roles(body, true))));
    }

    private void createToken(Context ctx) {
        JsonNode body = AuthRoutes.jsonObject(ctx, "{\"name\": text, \"scopes\": [\"read\"], \"site\": text (optional)}");
        String name = AuthRoutes.text(body, "name", true);
        JsonNode s = body.get("scopes");
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        if (s != null && s.isArray()) {
            for (JsonNode x : s) scopes.add(Scope.parse(x.asText()));
        } else if (s != null && s.isTextual()) {
            for (String x : s.asText().split(",")) {
                if (!x.isBlank()) scopes.add(Scope.parse(x));
            }
        } else {
            throw ApiError.badRequest("scopes", s == null ? "" : s.toString(), "is required: a list of read, ingest, operate, admin");
        }
        IssuedToken t = control.tokens().create(actor(ctx), name, scopes, AuthRoutes.text(body, "site", false));
        Map<String, Object> out = token(t.info());
        out.put("token", t.secret()); // shown once; only its SHA-256 hash is stored
        ctx.status(201).header("Cache-Control", "no-store").json(out);
    }

    private void audit(Context ctx) {
        Instant from = instant(ctx, "from");
        Instant to = instant(ctx, "to");
        String actor = ctx.queryParam("actor");
        Set<AuditKind> kinds = EnumSet.noneOf(AuditKind.class);
        String k = ctx.queryParam("kind");
        if (k != null && !k.isBlank()) {
            for (String code : k.split(",")) {
                AuditKind kind = AuditKind.fromCode(code.strip());
                if (kind == null) {
                    List<String> known = new ArrayList<>();
                    for (AuditKind x : AuditKind.values()) known.add(x.code());
                    throw ApiError.badRequest("kind", code, "unknown audit kind; one of " + String.join(", ", known));
                }
                kinds.add(kind);
            }
        }
        int limit = 1000;
        String l = ctx.queryParam("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > AuditQuery.MAX_LIMIT) throw ApiError.badRequest("limit", l, "must be a whole number in [1, " + AuditQuery.MAX_LIMIT + "]");
        }
        List<Map<String, Object>> events = new ArrayList<>();
        for (AuditEvent e : control.audit().query(new AuditQuery(from, to, actor, kinds, limit))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", e.time().toString());
            m.put("actor", e.actor());
            m.put("address", e.address());
            m.put("kind", e.kind().code());
            m.put("target", e.target());
            m.put("outcome", e.outcome().name().toLowerCase(java.util.Locale.ROOT));
            m.put("details", e.details());
            events.add(m);
        }
        ctx.json(Map.of("events", events));
    }

    private static Instant instant(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return null;
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest(name, v, "must be an ISO-8601 instant such as 2026-01-05T06:00:00Z");
        }
    }

    private static Map<String, Role> roles(JsonNode body, boolean required) {
        JsonNode r = body.get("roles");
        if (r == null || r.isNull()) {
            if (required) throw ApiError.badRequest("roles", "", "is required, for example \"operator@north,viewer\"");
            return Map.of();
        }
        if (r.isTextual()) return r.asText().isBlank() ? Map.of() : RoleGrants.parse(r.asText());
        if (r.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode x : r) parts.add(x.asText());
            return parts.isEmpty() ? Map.of() : RoleGrants.parse(String.join(",", parts));
        }
        throw ApiError.badRequest("roles", r.toString(), "must be text such as \"operator@north,viewer\" or a list of such grants");
    }

    static Actor actor(Context ctx) {
        return Actor.of(AuthFilter.principal(ctx), ctx.ip());
    }

    static Map<String, Object> user(UserInfo u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", u.name());
        m.put("roles", RoleGrants.format(u.roles()));
        Map<String, String> bySite = new TreeMap<>();
        u.roles().forEach((site, role) -> bySite.put(site, role.id()));
        m.put("rolesBySite", bySite);
        m.put("mustChangePassword", u.mustChangePassword());
        m.put("created", String.valueOf(u.created()));
        m.put("passwordChanged", String.valueOf(u.passwordChanged()));
        return m;
    }

    static Map<String, Object> token(TokenInfo t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prefix", t.prefix());
        m.put("name", t.name());
        m.put("scopes", t.scopes().stream().map(Scope::id).sorted().toList());
        m.put("site", t.site());
        m.put("created", String.valueOf(t.created()));
        m.put("createdBy", t.createdBy());
        m.put("lastUsed", t.lastUsed() == null ? null : t.lastUsed().toString());
        m.put("legacy", t.legacy());
        return m;
    }
}
