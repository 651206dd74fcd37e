package io.lathe.auth;

import java.util.Locale;

/**
 * What a route requires. The HTTP layer declares one per route (and in {@code /api/openapi.json}); {@link
 * Authorizer#check} decides. See the table in {@code package-info}.
 */
public enum Permission {
    /** Own account only: who am I, change my password, log out. Any authenticated principal. */
    ACCOUNT(null),
    /** Read data, KPIs, the plant model, metrics. */
    READ(Role.VIEWER),
    /** Enter downtime reasons, acknowledge alarms and notices. */
    OPERATE(Role.OPERATOR),
    /** Push data through HTTP ingest. Tokens need the {@code ingest} scope; people need the engineer role. */
    INGEST(Role.ENGINEER),
    /** Change configuration and connections. */
    CONFIGURE(Role.ENGINEER),
    /** Manage users and API tokens, read the audit log. */
    ADMIN(Role.ADMIN);

    private final Role minimumRole;

    Permission(Role minimumRole) {
        this.minimumRole = minimumRole;
    }

    /** The lowest role of a person that grants this permission; null for {@link #ACCOUNT}. */
    public Role minimumRole() {
        return minimumRole;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return id();
    }
}
