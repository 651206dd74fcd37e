package io.lathe.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import io.lathe.api.ApiAccess;
import io.lathe.auth.Authorizer;
import io.lathe.auth.Decision;
import io.lathe.auth.Permission;
import io.lathe.auth.Principal;
import io.lathe.auth.Session;
import io.lathe.model.PlantModel;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces {@link RouteAccess} before every matched route: finds the caller (bearer API token, else session cookie,
 * else anonymous), refuses cross-origin and non-JSON state-changing requests, checks the CSRF token of
 * cookie-authenticated changes, and asks {@link Authorizer#check} for the route's permission at the request's site.
 * Leaves the principal in the request ({@link #principal}) for the handlers. Thread-safe.
 */
public final class AuthFilter {
    private static final Logger log = LoggerFactory.getLogger(AuthFilter.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Name of the session cookie. */
    public static final String COOKIE = "lathe_session";
    /** Header that carries the session's CSRF token on state-changing requests made with the cookie. */
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final String PRINCIPAL_ATTR = "lathe.principal";
    private static final String SESSION_ATTR = "lathe.session";
    private static final String AUTHORIZED_ATTR = "lathe.authorized";
    private static final String SITES_ATTR = "lathe.sites";

    private final ApiAccess access;
    private final PlantModel model;
    private final boolean loopbackOnly;

    /**
     * @param loopbackOnly true when the server binds to a loopback address: then only requests naming a loopback host
     *                     are served, which defeats DNS rebinding (a web page whose host name is re-pointed to
     *                     127.0.0.1 would otherwise read an open demo from the victim's browser)
     */
    public AuthFilter(ApiAccess access, PlantModel model, boolean loopbackOnly) {
        this.access = access;
        this.model = model;
        this.loopbackOnly = loopbackOnly;
    }

    public AuthFilter(ApiAccess access, PlantModel model) {
        this(access, model, false);
    }

    /** A reverse proxy on this machine that keeps the browser's Host: allowed when its origin is trusted. */
    private boolean trustedHost(String host) {
        if (host == null) return false;
        for (String o : access.trustedOrigins()) {
            try {
                URI u = URI.create(o);
                String authority = u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
                if (host.equalsIgnoreCase(authority) || host.equalsIgnoreCase(u.getHost())) return true;
            } catch (IllegalArgumentException e) {
                // not a URL: cannot name a host
            }
        }
        return false;
    }

    /** True for 127.0.0.0/8, ::1 and localhost. */
    public static boolean isLoopback(String host) {
        if (host == null) return false;
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        return h.equals("localhost") || h.endsWith(".localhost") || h.equals("::1") || h.startsWith("127.");
    }

    /**
     * Before every request: headers that cost nothing and close whole classes of browser attacks (MIME sniffing,
     * framing), and no HEAD on routes: Javalin answers HEAD on a GET route without running the handler wrapper, so
     * HEAD would skip {@link #check} (seen: HEAD /api/users answered 200 without credentials). Static files and
     * {@code /health} keep HEAD.
     */
    public void before(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "same-origin");
        if (loopbackOnly) {
            String host = ctx.header("Host");
            String name = host == null ? null : host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                    : host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
            if (!isLoopback(name) && !trustedHost(host)) {
                throw ApiError.of(421, "host_not_allowed", "this server listens on this machine only and answers requests for localhost or 127.0.0.1 [host="
                        + clip(String.valueOf(host)) + "]. To serve the network, start Lathe with --http-host 0.0.0.0; behind a reverse proxy on this"
                        + " machine, list the proxy's public origin in server.trusted-origins.");
            }
        }
        if (ctx.method().name().equals("HEAD")) {
            String path = ctx.path();
            if (path.startsWith("/api/") || path.equals("/api") || path.startsWith("/metrics") || path.startsWith("/login/")) {
                ctx.header("Allow", "GET");
                throw ApiError.of(405, "method_not_allowed", "HEAD is not served on API routes [path=" + path + "]: use GET.");
            }
        }
    }

    /**
     * Javalin's handler wrapper: every HTTP route's handler runs behind {@link #check}, which knows the matched route
     * (a plain before-handler does not). Before/after handlers and static files (the dashboard's page shell) pass.
     */
    public io.javalin.http.Handler wrap(Endpoint endpoint) {
        if (!endpoint.method.isHttpMethod()) return endpoint.handler;
        io.javalin.http.Handler h = endpoint.handler;
        return ctx -> {
            check(ctx, endpoint);
            h.handle(ctx);
        };
    }

    /** Refuses the request with an {@link ApiError} unless {@link RouteAccess} allows it; records the principal. */
    public void check(Context ctx, Endpoint endpoint) {
        String route = endpoint.method.name() + " " + endpoint.path;
        RouteAccess.Rule rule = RouteAccess.rule(route);
        if (rule == null) {
            // Fail closed: a route someone registered without deciding who may call it serves nobody.
            log.error("Route refused [route={}]: it has no entry in RouteAccess. Add one.", route);
            throw ApiError.of(500, "internal_error", "this route is not configured for access control [route=" + route + "]. Report it.");
        }
        boolean changes = !(ctx.method().name().equals("GET") || ctx.method().name().equals("HEAD") || ctx.method().name().equals("OPTIONS"));
        if (changes) {
            checkOrigin(ctx);
            if (rule.jsonBody()) requireJson(ctx);
        }
        if (rule.open()) return; // the login creates a session; Origin and JSON checks above guard it
        boolean viaCookie = authenticate(ctx);
        if (changes && viaCookie) {
            Session s = ctx.attribute(SESSION_ATTR);
            if (!s.csrfMatches(ctx.header(CSRF_HEADER))) {
                throw ApiError.of(403, "csrf", "missing or wrong CSRF token [header=" + CSRF_HEADER + "]: a change made with the session cookie "
                        + "must send the token that GET /api/auth/me returns. Reload the page.");
            }
        }
        if (route.equals(RouteAccess.METRICS) && access.metricsPublic()) {
            ctx.attribute(AUTHORIZED_ATTR, Boolean.TRUE);
            return;
        }
        Principal p = principal(ctx);
        String site = site(ctx, rule.site());
        Decision d = Authorizer.check(p, rule.permission(), site);
        // The live stream without ?asset= is the whole plant: a caller restricted to some sites gets those sites'
        // signals (ApiServer filters with visibleIds), like the plant tree.
        boolean filterable = rule.site() == RouteAccess.SiteFrom.FILTERED
                || (route.equals(LIVE_ROUTE) && site == null);
        if (d == Decision.FORBIDDEN && filterable) {
            io.lathe.auth.SiteAccess sites = Authorizer.sitesFor(p, rule.permission());
            if (!sites.isEmpty()) {
                ctx.attribute(SITES_ATTR, sites);
                d = Decision.ALLOW;
            }
        }
        if (d == Decision.UNAUTHENTICATED && access.anonymousRead() && rule.permission() == Permission.READ) d = Decision.ALLOW;
        switch (d) {
            case ALLOW -> ctx.attribute(AUTHORIZED_ATTR, Boolean.TRUE);
            case UNAUTHENTICATED -> throw unauthenticated(ctx, viaCookieButExpired(ctx) ? "the session has ended (expired, logged out or the user changed)"
                    : "no credentials");
            case PASSWORD_CHANGE_REQUIRED -> throw ApiError.of(403, "password_change_required", "the one-time password must be changed first [user="
                    + ((Principal.User) p).name() + "]: POST /api/auth/password with the current and a new password.");
            case FORBIDDEN -> throw ApiError.of(403, "forbidden", "not allowed [principal=" + p.actorName() + ", permission=" + rule.permission().id()
                    + (site == null ? ", site=all" : ", site=" + site) + "]: " + need(rule.permission(), site) + ".");
        }
    }

    /** The caller of this request, as the filter found it; anonymous when none. */
    public static Principal principal(Context ctx) {
        Principal p = ctx.attribute(PRINCIPAL_ATTR);
        return p == null ? Principal.ANONYMOUS : p;
    }

    /** The session of a cookie-authenticated request, if any. */
    public static Optional<Session> session(Context ctx) {
        return Optional.ofNullable(ctx.attribute(SESSION_ATTR));
    }

    /**
     * The plant tree as this request may see it: whole, or for a caller restricted to some sites only those sites
     * under the enterprise.
     */
    public static io.lathe.model.Asset visible(Context ctx, io.lathe.model.Asset root) {
        io.lathe.auth.SiteAccess sites = ctx.attribute(SITES_ATTR);
        if (sites == null || sites.allSites()) return root;
        java.util.List<io.lathe.model.Asset> kept = new java.util.ArrayList<>();
        String prefix = root.id() + ".";
        for (io.lathe.model.Asset site : root.children()) {
            if (site.id().startsWith(prefix) && sites.includes(site.id().substring(prefix.length()))) kept.add(site);
        }
        return new io.lathe.model.Asset(root.id(), root.name(), root.level(), root.description(), root.source(), kept, root.signals());
    }

    /**
     * Which signal (or asset) ids this request may see: all for a caller not restricted to sites, else those under its
     * sites. Site asset ids are {@code <enterprise id>.<site key>}. Read once per request, so a stream's filter costs
     * a prefix check per value.
     */
    public static java.util.function.Predicate<String> visibleIds(Context ctx, String rootId) {
        io.lathe.auth.SiteAccess sites = ctx.attribute(SITES_ATTR);
        if (sites == null || sites.allSites()) return id -> true;
        String prefix = rootId + ".";
        return id -> {
            if (!id.startsWith(prefix)) return false;
            int end = id.indexOf('.', prefix.length());
            return sites.includes(end < 0 ? id.substring(prefix.length()) : id.substring(prefix.length(), end));
        };
    }

    static final String LIVE_ROUTE = "GET /api/live";
    private static final String STILL_VALID_ATTR = "lathe.stillValid";

    /**
     * Whether the credential of this request still holds (session not ended, token not revoked): long-lived answers
     * such as the live stream ask it now and then, so a logout, a password change, a removed user or a revoked token
     * also ends streams already open. Always true for a request without credentials (anonymous reading).
     */
    public static java.util.function.BooleanSupplier stillValid(Context ctx) {
        java.util.function.BooleanSupplier v = ctx.attribute(STILL_VALID_ATTR);
        return v == null ? () -> true : v;
    }

    /** True when the filter allowed this request for its route's permission (routes may then skip their own checks). */
    public static boolean authorized(Context ctx) {
        return Boolean.TRUE.equals(ctx.attribute(AUTHORIZED_ATTR));
    }

    static ApiError unauthenticated(Context ctx, String why) {
        ctx.header("WWW-Authenticate", "Bearer realm=\"lathe\"");
        return ApiError.of(401, "unauthorized", "login required [path=" + ctx.path() + "]: " + why
                + ". Log in (POST /api/auth/login, or the page /login.html) or send 'Authorization: Bearer <API token>'.");
    }

    /** @return true when the principal came from the session cookie */
    private boolean authenticate(Context ctx) {
        String auth = ctx.header("Authorization");
        if (auth != null) {
            if (!auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw unauthenticated(ctx, "unsupported Authorization scheme (only Bearer API tokens are accepted)");
            }
            Optional<Principal.Token> t = access.control().authenticateToken(auth.substring(7).trim());
            if (t.isEmpty()) throw unauthenticated(ctx, "unknown or revoked API token");
            ctx.attribute(PRINCIPAL_ATTR, t.get());
            String secret = auth.substring(7).trim();
            ctx.attribute(STILL_VALID_ATTR, (java.util.function.BooleanSupplier) () -> access.control().authenticateToken(secret).isPresent());
            return false;
        }
        String sid = ctx.cookie(COOKIE);
        if (sid == null || sid.isBlank()) return false;
        Optional<Session> s = access.control().session(sid);
        if (s.isEmpty()) return false;
        ctx.attribute(SESSION_ATTR, s.get());
        ctx.attribute(PRINCIPAL_ATTR, s.get().user());
        ctx.attribute(STILL_VALID_ATTR, (java.util.function.BooleanSupplier) () -> access.control().session(sid).isPresent());
        return true;
    }

    private static boolean viaCookieButExpired(Context ctx) {
        String sid = ctx.cookie(COOKIE);
        return sid != null && !sid.isBlank() && ctx.attribute(SESSION_ATTR) == null;
    }

    /**
     * Browsers send {@code Origin} with every cross-origin POST (and fetches); a change from a page of another
     * origin is refused even when it carries a valid cookie. Programs that send no {@code Origin} pass.
     */
    private void checkOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null) return;
        String host = ctx.header("Host");
        String own = (ctx.scheme() + "://" + host).toLowerCase(Locale.ROOT);
        String o = origin.toLowerCase(Locale.ROOT);
        if (host != null && (o.equals(own) || o.equals(withoutDefaultPort(own)))) return;
        for (String t : access.trustedOrigins()) if (t.equalsIgnoreCase(origin)) return;
        throw ApiError.of(403, "cross_origin", "change refused from another origin [origin=" + clip(origin) + ", server=" + own
                + "]: state-changing requests are accepted from this server's own pages only. Call the API from a program with an API token.");
    }

    private static String withoutDefaultPort(String origin) {
        if (origin.startsWith("https://") && origin.endsWith(":443")) return origin.substring(0, origin.length() - 4);
        if (origin.startsWith("http://") && origin.endsWith(":80")) return origin.substring(0, origin.length() - 3);
        return origin;
    }

    /** A form or {@code text/plain} post needs no CORS preflight; JSON does, so requiring it keeps other sites out. */
    private static void requireJson(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw ApiError.of(415, "unsupported_media_type", "body must be JSON [Content-Type=" + clip(String.valueOf(type))
                    + "]: send it with 'Content-Type: application/json'.");
        }
    }

    /** The site a request acts on, or null for installation-wide (also when the id is not in the plant). */
    private String site(Context ctx, RouteAccess.SiteFrom from) {
        return switch (from) {
            case NONE, FILTERED -> null;
            case PATH_ID -> siteOf(ctx.pathParam("id"));
            case QUERY_ASSET -> siteOf(ctx.queryParam("asset"));
            case BODY_MACHINE -> {
                try {
                    JsonNode body = MAPPER.readTree(ctx.body());
                    JsonNode m = body == null ? null : body.get("machine");
                    yield m != null && m.isTextual() ? siteOf(m.asText()) : null;
                } catch (Exception e) {
                    yield null; // the route answers 400 for the body; here it only means "no site named"
                }
            }
        };
    }

    /**
     * Ids are the plant path of slugs ({@code acme.north.press-shop.line-1.press-3}): the segment after the enterprise
     * is the site. Roles name sites by it ({@code operator@north}).
     */
    String siteOf(String id) {
        if (id == null) return null;
        String prefix = model.rootId() + ".";
        if (!id.startsWith(prefix)) return null;
        String rest = id.substring(prefix.length());
        int dot = rest.indexOf('.');
        String site = dot < 0 ? rest : rest.substring(0, dot);
        return site.isEmpty() ? null : site;
    }

    private static String need(Permission p, String site) {
        String where = site == null ? "on every site" : "at site " + site;
        return switch (p) {
            case READ -> "needs role viewer or higher " + where + ", or a token with scope read, operate or admin";
            case OPERATE -> "needs role operator or higher " + where + ", or a token with scope operate or admin";
            case INGEST -> "needs a token with scope ingest, or role engineer or higher " + where;
            case CONFIGURE -> "needs role engineer or higher " + where + ", or a token with scope admin";
            case ADMIN -> "needs role admin " + where + ", or a token with scope admin";
            case ACCOUNT -> "needs a login";
        };
    }

    private static String clip(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "…";
    }
}
