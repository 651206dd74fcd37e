package io.lathe.auth;

import java.time.Instant;
import java.util.Set;

/**
 * A filter over the audit log; null fields do not filter.
 *
 * @param from  first instant included
 * @param to    first instant excluded
 * @param actor exact actor name ({@code user:alice})
 * @param kinds kinds included; null or empty for all
 * @param limit at most this many entries, newest first; 1 to {@value #MAX_LIMIT}
 */
public record AuditQuery(Instant from, Instant to, String actor, Set<AuditKind> kinds, int limit) {
    public static final int MAX_LIMIT = 10_000;

    public AuditQuery {
        if (limit < 1 || limit > MAX_LIMIT) throw new IllegalArgumentException("Audit query limit must be in [1, " + MAX_LIMIT + "], but was " + limit);
        kinds = kinds == null ? Set.of() : Set.copyOf(kinds);
    }

    /** Everything, newest 1,000 entries. */
    public static AuditQuery all() {
        return new AuditQuery(null, null, null, null, 1000);
    }

    boolean matches(AuditEvent e) {
        return (from == null || !e.time().isBefore(from))
                && (to == null || e.time().isBefore(to))
                && (actor == null || actor.equals(e.actor()))
                && (kinds.isEmpty() || kinds.contains(e.kind()));
    }
}
