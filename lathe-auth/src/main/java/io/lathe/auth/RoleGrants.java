package io.lathe.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Roles per site, written {@code role@site} ({@code operator@north}); a role without a site, or with {@code @*},
 * holds for every site. Several grants are separated by commas: {@code viewer@*,operator@north}.
 */
public final class RoleGrants {
    /** The site id that stands for every site. */
    public static final String ALL_SITES = "*";

    private static final Pattern SITE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private RoleGrants() {}

    /**
     * Parses {@code role[@site][,role[@site]…]}. When a site is named twice the higher role wins.
     *
     * @throws AuthException {@link AuthError#INVALID_ROLE} or {@link AuthError#INVALID_SITE}
     */
    public static Map<String, Role> parse(String spec) {
        if (spec == null || spec.isBlank()) throw new AuthException(AuthError.INVALID_ROLE,
                "Role grants are empty: give at least one, for example admin or operator@north.");
        Map<String, Role> out = new TreeMap<>();
        for (String part : spec.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            int at = p.indexOf('@');
            Role role = Role.parse(at < 0 ? p : p.substring(0, at));
            String site = at < 0 ? ALL_SITES : p.substring(at + 1).strip();
            validateSite(site);
            out.merge(site, role, Role::max);
        }
        return out;
    }

    /** Formats grants the way {@link #parse} reads them, all-sites grant first. */
    public static String format(Map<String, Role> grants) {
        StringJoiner j = new StringJoiner(",");
        Role all = grants.get(ALL_SITES);
        if (all != null) j.add(all.id());
        new TreeMap<>(grants).forEach((site, role) -> {
            if (!ALL_SITES.equals(site)) j.add(role.id() + "@" + site);
        });
        return j.toString();
    }

    /** Checks every site id and role; returns the same map. An empty map is valid: the person sees nothing. */
    public static Map<String, Role> validate(Map<String, Role> grants) {
        if (grants == null) return Map.of();
        Map<String, Role> copy = new LinkedHashMap<>();
        grants.forEach((site, role) -> {
            validateSite(site);
            if (role == null) throw new AuthException(AuthError.INVALID_ROLE, "Role grant [site=" + site + "] has no role: give one of viewer, operator, engineer, admin.");
            copy.put(site, role);
        });
        return copy;
    }

    /**
     * Checks a site id: {@code *} or 1-64 letters, digits, {@code . _ -}, starting with a letter or digit.
     *
     * @throws AuthException {@link AuthError#INVALID_SITE}
     */
    public static void validateSite(String site) {
        if (site == null || !(ALL_SITES.equals(site) || SITE.matcher(site).matches())) throw new AuthException(AuthError.INVALID_SITE,
                "Invalid site [site=" + site + "]: must be * (every site) or 1-64 letters, digits, '.', '_', '-' starting with a letter or digit.");
    }
}
