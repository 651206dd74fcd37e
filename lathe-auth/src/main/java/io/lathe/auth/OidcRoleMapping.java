package io.lathe.auth;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Grants {@code role} at {@code site} to a person whose ID token has {@code value} in claim {@code claim} (a
 * string claim equal to it, or an array claim containing it). A dotted claim name walks into objects, as in
 * Keycloak's {@code realm_access.roles}. Written in configuration as {@code claim=value -> role@site}, for example
 * {@code groups=plant-north-operators -> operator@north} or {@code groups=lathe-admins -> admin}.
 */
public record OidcRoleMapping(String claim, String value, Role role, String site) {
    private static final Pattern SYNTAX = Pattern.compile("\\s*([^=\\s]+)\\s*=\\s*(.+?)\\s*->\\s*(\\S+)\\s*");

    public OidcRoleMapping {
        Objects.requireNonNull(claim, "claim");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(role, "role");
        site = site == null ? RoleGrants.ALL_SITES : site;
        RoleGrants.validateSite(site);
    }

    /**
     * Parses {@code claim=value -> role[@site]}.
     *
     * @throws AuthException {@link AuthError#INVALID_SETTINGS}, {@link AuthError#INVALID_ROLE} or {@link AuthError#INVALID_SITE}
     */
    public static OidcRoleMapping parse(String spec) {
        Matcher m = spec == null ? null : SYNTAX.matcher(spec);
        if (m == null || !m.matches()) throw new AuthException(AuthError.INVALID_SETTINGS, "Invalid role mapping [mapping=" + spec
                + "]: write claim=value -> role@site, for example groups=plant-north-operators -> operator@north.");
        String grant = m.group(3);
        int at = grant.indexOf('@');
        return new OidcRoleMapping(m.group(1), m.group(2), Role.parse(at < 0 ? grant : grant.substring(0, at)), at < 0 ? null : grant.substring(at + 1));
    }

    @Override
    public String toString() {
        return claim + "=" + value + " -> " + role.id() + "@" + site;
    }
}
