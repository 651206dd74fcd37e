package io.lathe.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a person may do at a site. Each role includes every lower one: {@code viewer < operator < engineer < admin}.
 */
public enum Role {
    /** Reads data, KPIs, pages. */
    VIEWER,
    /** Also enters downtime reasons and acknowledges things. */
    OPERATOR,
    /** Also changes configuration and connections, and may push data over HTTP ingest. */
    ENGINEER,
    /** Also manages users, API tokens and reads the audit log. */
    ADMIN;

    /** The name used in files, configuration and the API: lower case. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when this role includes {@code other}. */
    public boolean includes(Role other) {
        return compareTo(other) >= 0;
    }

    /** The higher of two roles; null counts as no role. */
    public static Role max(Role a, Role b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * Parses a role id, case-insensitive.
     *
     * @throws AuthException {@link AuthError#INVALID_ROLE} naming the allowed values
     */
    public static Role parse(String id) {
        if (id != null) {
            for (Role r : values()) if (r.id().equalsIgnoreCase(id.strip())) return r;
        }
        throw new AuthException(AuthError.INVALID_ROLE, "Unknown role [role=" + id + "]: must be one of "
                + Arrays.stream(values()).map(Role::id).collect(Collectors.joining(", ")) + ".");
    }

    @Override
    public String toString() {
        return id();
    }
}
