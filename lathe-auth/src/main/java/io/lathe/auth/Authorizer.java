package io.lathe.auth;

import java.util.HashSet;
import java.util.Set;

/**
 * The authorization decision: pure functions of a principal, a permission and a site, no I/O, thread-safe.
 * The rules are tabled in {@code package-info}.
 */
public final class Authorizer {
    private Authorizer() {}

    /**
     * Decides whether {@code p} holds {@code required} at {@code siteOrNull}.
     *
     * @param p          the caller; null counts as anonymous
     * @param required   the route's permission
     * @param siteOrNull the site the request acts on, or null for an installation-wide action, which needs a grant
     *                   on every site ({@code *} role, or a token without site restriction)
     * @return {@link Decision#UNAUTHENTICATED} for anonymous, {@link Decision#PASSWORD_CHANGE_REQUIRED} for a person
     * who must change a one-time password first (except {@link Permission#ACCOUNT}), {@link Decision#ALLOW} or
     * {@link Decision#FORBIDDEN}
     */
    public static Decision check(Principal p, Permission required, String siteOrNull) {
        if (p == null || p instanceof Principal.Anonymous) return Decision.UNAUTHENTICATED;
        if (required == Permission.ACCOUNT) return Decision.ALLOW;
        return switch (p) {
            case Principal.User u -> u.mustChangePassword() ? Decision.PASSWORD_CHANGE_REQUIRED
                    : grants(u.roleAt(siteOrNull), required) ? Decision.ALLOW : Decision.FORBIDDEN;
            case Principal.Token t -> tokenCovers(t, siteOrNull) && grants(t, required) ? Decision.ALLOW : Decision.FORBIDDEN;
            case Principal.Anonymous a -> Decision.UNAUTHENTICATED;
        };
    }

    /**
     * The sites on which {@code p} holds {@code required}; for list routes that filter per site. Anonymous
     * principals and persons who must change their password get {@link SiteAccess#NONE}.
     */
    public static SiteAccess sitesFor(Principal p, Permission required) {
        if (p == null) return SiteAccess.NONE;
        return switch (p) {
            case Principal.Anonymous a -> SiteAccess.NONE;
            case Principal.Token t -> !grants(t, required) ? SiteAccess.NONE
                    : t.site() == null ? SiteAccess.ALL : new SiteAccess(false, Set.of(t.site()));
            case Principal.User u -> {
                if (u.mustChangePassword() && required != Permission.ACCOUNT) yield SiteAccess.NONE;
                if (grants(u.roleAt(null), required)) yield SiteAccess.ALL;
                Set<String> sites = new HashSet<>();
                u.roles().forEach((site, role) -> {
                    if (!RoleGrants.ALL_SITES.equals(site) && grants(u.roleAt(site), required)) sites.add(site);
                });
                yield new SiteAccess(false, sites);
            }
        };
    }

    private static boolean grants(Role role, Permission required) {
        return required == Permission.ACCOUNT || (role != null && role.includes(required.minimumRole()));
    }

    private static boolean grants(Principal.Token t, Permission required) {
        if (required == Permission.ACCOUNT) return true;
        // Ingest stands apart: an admin token pushing data would make every leaked admin token a data-forging tool too.
        if (required == Permission.INGEST) return t.scopes().contains(Scope.INGEST);
        return grants(t.equivalentRole(), required);
    }

    private static boolean tokenCovers(Principal.Token t, String siteOrNull) {
        return t.site() == null || t.site().equals(siteOrNull);
    }
}
