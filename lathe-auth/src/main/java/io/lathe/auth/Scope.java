package io.lathe.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a program holding an API token may do. {@code read}, {@code operate} and {@code admin} act like the roles
 * viewer, operator and admin; {@code ingest} stands apart: it only pushes data, and only it does.
 */
public enum Scope {
    READ(Role.VIEWER),
    INGEST(null),
    OPERATE(Role.OPERATOR),
    ADMIN(Role.ADMIN);

    private final Role equivalentRole;

    Scope(Role equivalentRole) {
        this.equivalentRole = equivalentRole;
    }

    /** The role this scope acts like, or null for {@link #INGEST}, which acts like no role. */
    public Role equivalentRole() {
        return equivalentRole;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a scope id, case-insensitive.
     *
     * @throws AuthException {@link AuthError#INVALID_SCOPE} naming the allowed values
     */
    public static Scope parse(String id) {
        if (id != null) {
            for (Scope s : values()) if (s.id().equalsIgnoreCase(id.strip())) return s;
        }
        throw new AuthException(AuthError.INVALID_SCOPE, "Unknown token scope [scope=" + id + "]: must be one of "
                + Arrays.stream(values()).map(Scope::id).collect(Collectors.joining(", ")) + ".");
    }

    @Override
    public String toString() {
        return id();
    }
}
