package io.lathe.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HttpStatus;
import io.javalin.http.SameSite;
import io.lathe.auth.AccessControl;
import io.lathe.auth.AuthException;
import io.lathe.auth.LoginResult;
import io.lathe.auth.Principal;
import io.lathe.auth.RoleGrants;
import io.lathe.auth.Scope;
import io.lathe.auth.Session;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions over HTTP: {@code POST /api/auth/login}, {@code POST /api/auth/logout}, {@code GET /api/auth/me}, {@code POST
 * /api/auth/password}, and single sign-on at {@code GET /login/oidc} and {@code GET /login/oidc/callback} (404 when
 * not configured). The session id travels only in the {@value AuthFilter#COOKIE} cookie: HttpOnly, SameSite=Lax, Secure
 * when the server runs TLS, no Max-Age (it ends with the browser, and server-side after the idle or absolute timeout).
 */
public final class AuthRoutes {
    private static final Logger log = LoggerFactory.getLogger(AuthRoutes.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The login page of the dashboard; single sign-on failures come back to it with {@code ?error=sso}. */
    public static final String LOGIN_PAGE = "/login.html";

    private final AccessControl control;
    private final boolean tls;

    public AuthRoutes(AccessControl control, boolean tls) {
        this.control = control;
        this.tls = tls;
    }

    public void register(RoutesConfig routes) {
        routes.post("/api/auth/login", this::login);
        routes.post("/api/auth/logout", this::logout);
        routes.get("/api/auth/me", this::me);
        routes.post("/api/auth/password", this::password);
        routes.get("/login/oidc", this::oidcBegin);
        routes.get("/login/oidc/callback", this::oidcCallback);
    }

    private void login(Context ctx) {
        JsonNode body = jsonObject(ctx, "{\"user\": name, \"password\": password}");
        String user = text(body, "user", true);
        String password = text(body, "password", true);
        noStore(ctx);
        switch (control.login(user, password, ctx.ip())) {
            case LoginResult.Success s -> {
                setCookie(ctx, s.session());
                ctx.json(me(s.session().user(), s.session()));
            }
            case LoginResult.Failure f when f.reason() == LoginResult.Reason.LOCKED -> {
                long seconds = Math.max(1, f.retryAfter().toSeconds() + (f.retryAfter().toNanosPart() > 0 ? 1 : 0));
                ctx.header("Retry-After", Long.toString(seconds));
                throw ApiError.of(429, "locked", f.message() + " [retryAfterSeconds=" + seconds + "]");
            }
            case LoginResult.Failure f -> throw ApiError.of(401, "login_failed", f.message());
        }
    }

    private void logout(Context ctx) {
        AuthFilter.session(ctx).ifPresent(s -> control.logout(s.id(), ctx.ip()));
        clearCookie(ctx);
        noStore(ctx);
        ctx.json(Map.of("loggedOut", true));
    }

    private void me(Context ctx) {
        noStore(ctx);
        Principal p = AuthFilter.principal(ctx);
        ctx.json(me(p, AuthFilter.session(ctx).orElse(null)));
    }

    private void password(Context ctx) {
        Session current = AuthFilter.session(ctx).orElseThrow(() -> ApiError.of(400, "no_session",
                "a password is changed from a login session [principal=" + AuthFilter.principal(ctx).actorName()
                        + "]: log in with POST /api/auth/login first; API tokens have no password."));
        JsonNode body = jsonObject(ctx, "{\"currentPassword\": text, \"newPassword\": text}");
        Session next = control.changeOwnPassword(current, text(body, "currentPassword", true), text(body, "newPassword", true), ctx.ip());
        setCookie(ctx, next);
        noStore(ctx);
        ctx.json(me(next.user(), next));
    }

    private void oidcBegin(Context ctx) {
        // The login page asks whether to offer single sign-on without a 404 in the browser console: 200 or 204.
        if (ctx.queryParam("probe") != null) {
            ctx.status(control.oidc().isEmpty() ? 204 : 200);
            return;
        }
        if (control.oidc().isEmpty()) throw ApiError.of(404, "not_found", "single sign-on is not configured on this server [path=/login/oidc]: "
                + "set auth.oidc.issuer, client-id, redirect-uri and role-mappings, or log in with a user name and password.");
        URI target;
        try {
            target = control.beginOidcLogin();
        } catch (AuthException e) {
            log.warn("{}", e.getMessage());
            throw ApiError.of(502, "sso_unavailable", "the identity provider cannot be reached now. Try again later, or log in with a local user.");
        }
        noStore(ctx);
        ctx.redirect(target.toString(), HttpStatus.FOUND);
    }

    private void oidcCallback(Context ctx) {
        if (control.oidc().isEmpty()) throw ApiError.of(404, "not_found", "single sign-on is not configured on this server [path=/login/oidc/callback].");
        String query = ctx.queryString();
        URI callback = URI.create(control.oidc().get().settings().redirectUri().toString().split("\\?")[0] + (query == null ? "" : "?" + query));
        noStore(ctx);
        switch (control.completeOidcLogin(callback, ctx.ip())) {
            case LoginResult.Success s -> {
                setCookie(ctx, s.session());
                ctx.redirect("/", HttpStatus.FOUND);
            }
            case LoginResult.Failure f -> ctx.redirect(LOGIN_PAGE + "?error=sso", HttpStatus.FOUND);
        }
    }

    /** Who the caller is, as {@code GET /api/auth/me} and the login answer show it. */
    static Map<String, Object> me(Principal p, Session session) {
        Map<String, Object> m = new LinkedHashMap<>();
        switch (p) {
            case Principal.User u -> {
                m.put("kind", "user");
                m.put("user", u.name());
                m.put("source", u.source().name().toLowerCase(java.util.Locale.ROOT));
                m.put("roles", RoleGrants.format(u.roles()));
                Map<String, String> bySite = new TreeMap<>();
                u.roles().forEach((site, role) -> bySite.put(site, role.id()));
                m.put("rolesBySite", bySite);
                m.put("mustChangePassword", u.mustChangePassword());
            }
            case Principal.Token t -> {
                m.put("kind", "token");
                m.put("prefix", t.prefix());
                m.put("name", t.name());
                m.put("scopes", t.scopes().stream().map(Scope::id).sorted().toList());
                m.put("site", t.site());
            }
            case Principal.Anonymous a -> m.put("kind", "anonymous");
        }
        if (session != null) {
            m.put("csrfToken", session.csrfToken());
            m.put("expires", session.expires().toString());
        }
        return m;
    }

    private void setCookie(Context ctx, Session s) {
        ctx.cookie(new Cookie(AuthFilter.COOKIE, s.id(), "/", -1, tls, true, null, SameSite.LAX));
    }

    private void clearCookie(Context ctx) {
        ctx.cookie(new Cookie(AuthFilter.COOKIE, "", "/", 0, tls, true, null, SameSite.LAX));
    }

    private static void noStore(Context ctx) {
        ctx.header("Cache-Control", "no-store");
    }

    static JsonNode jsonObject(Context ctx, String shape) {
        JsonNode body;
        try {
            body = MAPPER.readTree(ctx.body());
        } catch (Exception e) {
            throw ApiError.badRequest("body", "", "must be a JSON object " + shape);
        }
        if (body == null || !body.isObject()) throw ApiError.badRequest("body", "", "must be a JSON object " + shape);
        return body;
    }

    static String text(JsonNode body, String field, boolean required) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            if (required) throw ApiError.badRequest(field, "", "is required");
            return null;
        }
        if (!n.isTextual()) throw ApiError.badRequest(field, "", "must be text");
        return n.asText();
    }
}
