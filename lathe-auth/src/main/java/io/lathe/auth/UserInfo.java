package io.lathe.auth;

import java.time.Instant;
import java.util.Map;

/**
 * A local user as the CLI and the admin API show it; no password hash.
 *
 * @param roles           role per site ({@code *} for every site)
 * @param passwordChanged when the password was last set
 */
public record UserInfo(String name, Map<String, Role> roles, boolean mustChangePassword, Instant created, Instant passwordChanged) {
    public UserInfo {
        roles = Map.copyOf(roles);
    }

    /** The person this user logs in as. */
    public Principal.User principal() {
        return new Principal.User(name, roles, mustChangePassword, Principal.Source.LOCAL);
    }
}
