package io.lathe.api.internal;

import io.javalin.config.JavalinConfig;
import io.lathe.api.ApiAccess;
import io.lathe.auth.AccessControl;
import io.lathe.auth.AuthError;
import io.lathe.auth.AuthException;
import io.lathe.model.PlantModel;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Installs access control and TLS into the Javalin configuration of {@code ApiServer}. */
public final class AccessSetup {
    private static final Logger log = LoggerFactory.getLogger(AccessSetup.class);

    private AccessSetup() {}

    /** The filter before every route, the login and admin routes, and the answers for access-control errors. */
    public static void install(JavalinConfig config, ApiAccess access, PlantModel model, boolean tls, String bindHost) {
        AuthFilter filter = new AuthFilter(access, model, AuthFilter.isLoopback(bindHost));
        config.routes.before(filter::before);
        config.router.handlerWrapper(filter::wrap);
        new AuthRoutes(access.control(), tls).register(config.routes);
        new AdminRoutes(access.control()).register(config.routes);
        config.routes.exception(AuthException.class, (e, ctx) -> {
            if (e.error() == AuthError.STORE) log.error("access-control store failed [path={}]: {}", ctx.path(), e.getMessage(), e);
            ctx.status(e.error().httpStatus()).json(new ApiError.Body(e.error().name().toLowerCase(Locale.ROOT), e.getMessage(), List.of()));
        });
    }

    /**
     * Login and token counters of the core in Prometheus: {@code lathe_auth_logins_total}, {@code
     * lathe_auth_login_failures_total}, {@code lathe_auth_locked_attempts_total} (refused while locked out), {@code
     * lathe_auth_token_rejections_total} (unknown or revoked bearer tokens) and the gauge {@code lathe_auth_sessions}.
     */
    public static List<Meter> meters(MeterRegistry registry, AccessControl control) {
        return List.of(
                FunctionCounter.builder("lathe.auth.logins", control, c -> c.stats().logins()).description("Successful logins (password and single sign-on)").register(registry),
                FunctionCounter.builder("lathe.auth.login.failures", control, c -> c.stats().loginFailures()).description("Failed logins: wrong user name or password, failed single sign-on").register(registry),
                FunctionCounter.builder("lathe.auth.locked.attempts", control, c -> c.stats().lockedAttempts()).description("Login attempts refused during a brute-force lock-out").register(registry),
                FunctionCounter.builder("lathe.auth.token.rejections", control, c -> c.stats().tokenRejections()).description("Bearer tokens that matched no live API token").register(registry),
                Gauge.builder("lathe.auth.sessions", control, c -> c.stats().sessions()).description("Live login sessions").register(registry));
    }

    /**
     * The deprecated {@code server.ingest-token}: imported as an API token with scope ingest (or the earlier import
     * revoked when the setting is gone), with the deprecation logged at every start while it is set.
     */
    public static void importLegacyIngestToken(AccessControl control, String value) {
        control.tokens().importLegacyIngestToken(value).ifPresent(i -> log.warn("{}", i.deprecationMessage()));
    }

    /** One HTTPS connector instead of Javalin's plain HTTP one (Javalin adds its own only when none is configured). */
    public static void httpsConnector(JavalinConfig config, TlsKeys.Loaded keys, String host, int port) {
        config.jetty.addConnector((server, httpConfig) -> {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(keys.keyStore());
            ssl.setKeyStorePassword(new String(TlsKeys.STORE_PASSWORD));
            ssl.setCertAlias(TlsKeys.ALIAS);
            HttpConfiguration https = new HttpConfiguration(httpConfig);
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            // Clients reach Lathe by addresses and names the certificate may not list (self-signed, 127.0.0.1): the
            // client's own certificate check is what protects them, not this server-side comparison.
            secure.setSniHostCheck(false);
            https.addCustomizer(secure);
            ServerConnector c = new ServerConnector(server, new SslConnectionFactory(ssl, HttpVersion.HTTP_1_1.asString()), new HttpConnectionFactory(https));
            c.setHost(host);
            c.setPort(port);
            return c;
        });
    }
}
