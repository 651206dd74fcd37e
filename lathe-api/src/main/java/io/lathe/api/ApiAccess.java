package io.lathe.api;

import io.lathe.auth.AccessControl;
import java.util.List;
import java.util.Objects;

/**
 * Who may use the HTTP API: the access-control core and the switches that open parts of it. Every route's required
 * permission is in one table ({@code RouteAccess}); the filter answers 401 without credentials, 403 without the
 * permission and checks CSRF tokens and {@code Origin} on state-changing browser requests.
 *
 * @param control        users, sessions, API tokens and audit log; the server does not close it
 * @param anonymousRead  true lets requests without credentials read ({@code auth.anonymous-read}; {@code lathe demo}
 *                       sets it); changes always need a login or token
 * @param metricsPublic  true serves {@code /metrics} without credentials ({@code server.metrics-public}), for a
 *                       Prometheus that cannot send a token
 * @param trustedOrigins further origins ({@code https://portal.plant.example}) allowed to send state-changing
 *                       requests besides the server's own; empty for none
 */
public record ApiAccess(AccessControl control, boolean anonymousRead, boolean metricsPublic, List<String> trustedOrigins) {
    public ApiAccess {
        Objects.requireNonNull(control, "control");
        trustedOrigins = trustedOrigins == null ? List.of() : List.copyOf(trustedOrigins);
    }

    /** Everything needs credentials except {@code /health} and the login. */
    public static ApiAccess locked(AccessControl control) {
        return new ApiAccess(control, false, false, List.of());
    }

    public ApiAccess withAnonymousRead(boolean on) {
        return new ApiAccess(control, on, metricsPublic, trustedOrigins);
    }

    public ApiAccess withMetricsPublic(boolean on) {
        return new ApiAccess(control, anonymousRead, on, trustedOrigins);
    }
}
