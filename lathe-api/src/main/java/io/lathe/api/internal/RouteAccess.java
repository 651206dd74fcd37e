package io.lathe.api.internal;

import io.lathe.auth.Permission;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one table of who may call which route: for each {@code "METHOD /path"} as registered with Javalin, the {@link
 * Permission} it requires, where the request names its site, and whether its body must be JSON. {@link AuthFilter}
 * enforces it before every request, the OpenAPI description is annotated from it ({@code x-lathe-permission}), and a
 * test checks that every registered route has an entry: a route missing here is refused (500 in tests, never open).
 */
public final class RouteAccess {
    private RouteAccess() {}

    /** Where the site a request acts on comes from; a site-restricted principal is allowed only inside its sites. */
    public enum SiteFrom {
        /** Installation-wide: needs a grant on every site (role on {@code *}, or a token without site). */
        NONE,
        /** The {@code id} path parameter, an asset or signal id. */
        PATH_ID,
        /** The {@code ?asset=} query parameter; without it the request spans every site (installation-wide). */
        QUERY_ASSET,
        /** The {@code machine} field of the JSON body. */
        BODY_MACHINE,
        /**
         * A list over every site: a caller restricted to some sites gets only those (the route filters with {@link
         * AuthFilter#visible}); a caller with no site at all is refused.
         */
        FILTERED
    }

    /**
     * @param permission what the caller must hold; null for routes open to everyone ({@code /health}, the login)
     * @param site       where the request names its site
     * @param jsonBody   true when the route takes a JSON body: other content types are refused with 415 before the
     *                   handler runs, so a cross-origin {@code text/plain} form post cannot reach it
     */
    public record Rule(Permission permission, SiteFrom site, boolean jsonBody) {
        public boolean open() {
            return permission == null;
        }
    }

    /** Not a permission of the core: {@code /metrics}, READ unless {@code server.metrics-public} opens it. */
    public static final String METRICS = "GET /metrics";

    private static final Map<String, Rule> RULES;

    static {
        Map<String, Rule> m = new LinkedHashMap<>();
        // Data
        read(m, "GET /api/assets", SiteFrom.FILTERED);
        read(m, "GET /api/assets/{id}", SiteFrom.PATH_ID);
        read(m, "GET /api/signals/{id}/latest", SiteFrom.PATH_ID);
        read(m, "GET /api/signals/{id}/history", SiteFrom.PATH_ID);
        read(m, "GET /api/kpi", SiteFrom.QUERY_ASSET);
        read(m, "GET /api/kpi/sites", SiteFrom.QUERY_ASSET);
        read(m, "GET /api/downtime", SiteFrom.QUERY_ASSET);
        read(m, "GET /api/data-quality", SiteFrom.QUERY_ASSET);
        read(m, "GET /api/connections", SiteFrom.NONE);
        read(m, "GET /api/assets/{id}/health", SiteFrom.PATH_ID);
        read(m, "GET /api/health/machines", SiteFrom.FILTERED);
        read(m, "GET /api/models", SiteFrom.FILTERED);
        // Model ids begin with their machine's id, so the site is in the path.
        read(m, "GET /api/models/{id}", SiteFrom.PATH_ID);
        m.put("POST /api/models/fit", new Rule(Permission.CONFIGURE, SiteFrom.BODY_MACHINE, true));
        // Alarms (lathe-alarm): operators acknowledge, shelve, comment and reset; engineers define rules and take
        // alarms out of service. Alarm ids begin with their machine's id, so the site is in the path.
        read(m, "GET /api/alarms", SiteFrom.FILTERED);
        read(m, "GET /api/alarms/summary", SiteFrom.FILTERED);
        read(m, "GET /api/alarms/events", SiteFrom.FILTERED);
        read(m, "GET /api/alarms/kpis", SiteFrom.QUERY_ASSET);
        read(m, "GET /api/alarms/notifications", SiteFrom.FILTERED);
        read(m, "GET /api/alarms/rules", SiteFrom.FILTERED);
        read(m, "GET /api/alarms/{id}", SiteFrom.PATH_ID);
        m.put("POST /api/alarms/rules", new Rule(Permission.CONFIGURE, SiteFrom.BODY_MACHINE, true));
        m.put("PUT /api/alarms/rules/{id}", new Rule(Permission.CONFIGURE, SiteFrom.PATH_ID, true));
        m.put("DELETE /api/alarms/rules/{id}", new Rule(Permission.CONFIGURE, SiteFrom.PATH_ID, false));
        m.put("POST /api/alarms/ack", new Rule(Permission.OPERATE, SiteFrom.FILTERED, true));
        for (String action : new String[] {"ack", "shelve", "unshelve", "comment", "reset"}) {
            m.put("POST /api/alarms/{id}/" + action, new Rule(Permission.OPERATE, SiteFrom.PATH_ID, true));
        }
        m.put("POST /api/alarms/{id}/out-of-service", new Rule(Permission.CONFIGURE, SiteFrom.PATH_ID, true));
        m.put("POST /api/alarms/{id}/in-service", new Rule(Permission.CONFIGURE, SiteFrom.PATH_ID, true));
        read(m, "GET /api/live", SiteFrom.QUERY_ASSET);
        read(m, "GET /api/openapi.json", SiteFrom.NONE);
        read(m, METRICS, SiteFrom.NONE);
        m.put("POST /api/downtime/reason", new Rule(Permission.OPERATE, SiteFrom.BODY_MACHINE, true));
        m.put("POST /api/downtime/split", new Rule(Permission.OPERATE, SiteFrom.BODY_MACHINE, true));
        // Ingest checks its own content types (JSON lines or CSV).
        m.put("POST /api/ingest", new Rule(Permission.INGEST, SiteFrom.NONE, false));
        // Open
        m.put("GET /health", new Rule(null, SiteFrom.NONE, false));
        m.put("POST /api/auth/login", new Rule(null, SiteFrom.NONE, true));
        m.put("GET /login/oidc", new Rule(null, SiteFrom.NONE, false));
        m.put("GET /login/oidc/callback", new Rule(null, SiteFrom.NONE, false));
        // The language list of the dashboard, open like the page's own files (the login page needs it too).
        m.put("GET /api/ui/languages", new Rule(null, SiteFrom.NONE, false));
        // Own account
        m.put("GET /api/auth/me", new Rule(Permission.ACCOUNT, SiteFrom.NONE, false));
        m.put("POST /api/auth/logout", new Rule(Permission.ACCOUNT, SiteFrom.NONE, false));
        m.put("POST /api/auth/password", new Rule(Permission.ACCOUNT, SiteFrom.NONE, true));
        // Administration
        admin(m, "GET /api/users", false);
        admin(m, "POST /api/users", true);
        admin(m, "PUT /api/users/{name}/password", true);
        admin(m, "PUT /api/users/{name}/roles", true);
        admin(m, "DELETE /api/users/{name}", false);
        admin(m, "GET /api/tokens", false);
        admin(m, "POST /api/tokens", true);
        admin(m, "DELETE /api/tokens/{prefix}", false);
        admin(m, "GET /api/audit", false);
        RULES = Collections.unmodifiableMap(m);
    }

    private static void read(Map<String, Rule> m, String route, SiteFrom site) {
        m.put(route, new Rule(Permission.READ, site, false));
    }

    private static void admin(Map<String, Rule> m, String route, boolean json) {
        m.put(route, new Rule(Permission.ADMIN, SiteFrom.NONE, json));
    }

    /** The rule of a route as registered ({@code "GET /api/assets/{id}"}), or null when it has none. */
    public static Rule rule(String methodAndPath) {
        return RULES.get(methodAndPath);
    }

    /** Every rule, in table order. */
    public static Map<String, Rule> all() {
        return RULES;
    }
}
