package io.lathe.server;

import io.lathe.api.ApiAccess;
import io.lathe.api.HttpTls;
import io.lathe.auth.AccessControl;
import io.lathe.auth.AuthException;
import io.lathe.auth.AuthSettings;
import io.lathe.auth.OidcRoleMapping;
import io.lathe.auth.OidcSettings;
import io.lathe.server.config.Keys;
import io.lathe.server.config.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/** Access control and HTTPS from the {@code auth.*} and {@code server.tls.*} settings. */
final class AccessWiring {
    private AccessWiring() {}

    /** The folder of the generated self-signed certificate. */
    static final String TLS_DIR = "tls";

    /**
     * Opens access control on the data folder; the CLI ({@code lathe user …}) opens the same files.
     *
     * @throws StartupException (exit 2) for invalid settings or unreadable files under {@code <data-dir>/auth}
     */
    static AccessControl open(Settings st, Path dataDir, InstantSource clock) throws StartupException {
        try {
            return AccessControl.open(dataDir, authSettings(st), clock);
        } catch (AuthException e) {
            throw new StartupException("Cannot start access control [data-dir=" + dataDir.toAbsolutePath() + "]: " + e.getMessage(), 2, e);
        } catch (IllegalArgumentException e) { // an auth.oidc.* URL that is not a URL
            throw new StartupException("Invalid single sign-on settings: " + e.getMessage() + ". Check auth.oidc.issuer and auth.oidc.redirect-uri.", 2, e);
        }
    }

    static AuthSettings authSettings(Settings st) {
        return AuthSettings.builder()
                .sessionIdleTimeout(st.duration(Keys.AUTH_SESSION_IDLE))
                .sessionAbsoluteTimeout(st.duration(Keys.AUTH_SESSION_ABSOLUTE))
                .maxSessions(st.integer(Keys.AUTH_MAX_SESSIONS))
                .lockoutFailures(st.integer(Keys.AUTH_LOCKOUT_FAILURES))
                .lockoutFirst(st.duration(Keys.AUTH_LOCKOUT_FIRST))
                .lockoutMax(st.duration(Keys.AUTH_LOCKOUT_MAX))
                .oidc(oidc(st))
                .build();
    }

    private static OidcSettings oidc(Settings st) {
        String issuer = st.string(Keys.OIDC_ISSUER);
        if (issuer == null || issuer.isBlank()) return null;
        List<OidcRoleMapping> mappings = new ArrayList<>();
        for (String m : st.list(Keys.OIDC_ROLE_MAPPINGS)) mappings.add(OidcRoleMapping.parse(m));
        String redirect = st.string(Keys.OIDC_REDIRECT_URI);
        return new OidcSettings(URI.create(issuer), st.string(Keys.OIDC_CLIENT_ID), st.string(Keys.OIDC_CLIENT_SECRET),
                redirect == null ? null : URI.create(redirect), st.list(Keys.OIDC_SCOPES), st.string(Keys.OIDC_USERNAME_CLAIM), mappings, null, null);
    }

    /** Anonymous reading: the setting when given, else on for {@code lathe demo} and off for {@code lathe serve}. */
    static ApiAccess apiAccess(Settings st, AccessControl control, boolean demo) {
        Object anon = st.get(Keys.AUTH_ANONYMOUS_READ);
        boolean anonymousRead = anon == null ? demo : (Boolean) anon;
        return new ApiAccess(control, anonymousRead, st.bool(Keys.METRICS_PUBLIC), st.list(Keys.TRUSTED_ORIGINS));
    }

    /**
     * @return HTTPS settings, or null for plain HTTP
     * @throws StartupException when the TLS settings contradict each other
     */
    static HttpTls tls(Settings st, Path dataDir) throws StartupException {
        String cert = st.string(Keys.TLS_CERT_FILE);
        String key = st.string(Keys.TLS_KEY_FILE);
        String store = st.string(Keys.TLS_KEYSTORE);
        boolean self = st.bool(Keys.TLS_SELF_SIGNED);
        int given = (cert != null || key != null ? 1 : 0) + (store != null ? 1 : 0) + (self ? 1 : 0);
        if (given > 1) throw new StartupException("Conflicting HTTPS settings [server.tls.cert-file=" + cert + ", server.tls.keystore=" + store
                + ", server.tls.self-signed=" + self + "]: give exactly one of cert-file with key-file, keystore, or self-signed: true.", 2, null);
        if (cert != null || key != null) {
            if (cert == null || key == null) throw new StartupException("Incomplete HTTPS settings [server.tls.cert-file=" + cert + ", server.tls.key-file="
                    + key + "]: give both the certificate and the private key (PEM).", 2, null);
            return new HttpTls.Pem(Path.of(cert), Path.of(key));
        }
        if (store != null) return new HttpTls.Pkcs12(Path.of(store), st.string(Keys.TLS_KEYSTORE_PASSWORD));
        if (self) return new HttpTls.SelfSigned(dataDir.resolve(TLS_DIR), List.of(st.string(Keys.HTTP_HOST)));
        return null;
    }
}
