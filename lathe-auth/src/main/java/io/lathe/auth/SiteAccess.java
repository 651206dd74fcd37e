package io.lathe.auth;

import java.util.Set;

/**
 * The sites on which a principal holds a permission, for routes that list data of many sites and filter it.
 *
 * @param allSites true when every site is included (then {@code sites} is empty)
 * @param sites    the included sites when not all
 */
public record SiteAccess(boolean allSites, Set<String> sites) {
    public static final SiteAccess NONE = new SiteAccess(false, Set.of());
    public static final SiteAccess ALL = new SiteAccess(true, Set.of());

    public SiteAccess {
        sites = allSites ? Set.of() : Set.copyOf(sites);
    }

    /** True when data of {@code site} may be shown. */
    public boolean includes(String site) {
        return allSites || sites.contains(site);
    }

    public boolean isEmpty() {
        return !allSites && sites.isEmpty();
    }
}
