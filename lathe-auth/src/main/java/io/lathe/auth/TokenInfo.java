package io.lathe.auth;

import java.time.Instant;
import java.util.Set;

/**
 * An API token as listed to admins; never the secret.
 *
 * @param prefix    public 8-character id, the part after {@code lathe_} in the token
 * @param site      the only site it may act on, or null for every site
 * @param createdBy actor name of whoever created it
 * @param lastUsed  last successful authentication (recorded to the nearest minute), or null
 * @param legacy    true for the token imported from the deprecated {@code server.ingest-token} setting
 */
public record TokenInfo(String prefix, String name, Set<Scope> scopes, String site, Instant created, String createdBy, Instant lastUsed, boolean legacy) {
    public TokenInfo {
        scopes = Set.copyOf(scopes);
    }

    public Principal.Token principal() {
        return new Principal.Token(prefix, name, scopes, site);
    }
}
