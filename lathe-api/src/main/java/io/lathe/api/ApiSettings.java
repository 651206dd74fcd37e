package io.lathe.api;

import java.util.Objects;

/**
 * Where the HTTP API listens, and who may post data to it.
 *
 * @param host        interface to bind, for example {@code 0.0.0.0} or {@code 127.0.0.1}; not blank
 * @param port        TCP port in [0, 65535]; 0 picks a free port, which {@link ApiServer#start()} returns
 * @param ingestToken the bearer token {@code POST /api/ingest} requires; null (or blank) disables HTTP ingest
 */
public record ApiSettings(String host, int port, String ingestToken) {
    public ApiSettings {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("API host must not be blank [host='" + host + "']. Set server.http-host, for example 0.0.0.0.");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("API port must be in [0, 65535], but was " + port + ". Set server.http-port (0 picks a free port).");
        }
        if (ingestToken != null && ingestToken.isBlank()) ingestToken = null;
    }

    /** Settings with HTTP ingest disabled. */
    public ApiSettings(String host, int port) {
        this(host, port, null);
    }

    /** These settings with another ingest token (null disables HTTP ingest). */
    public ApiSettings withIngestToken(String token) {
        return new ApiSettings(host, port, token);
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        return "ApiSettings[host=" + host + ", port=" + port + ", ingest=" + (ingestToken == null ? "disabled" : "enabled") + "]";
    }
}
