package io.lathe.auth;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One audit entry: who did what, when, from where, with which outcome.
 *
 * @param time    when it happened
 * @param actor   {@link Actor#name()}
 * @param address remote address, or null
 * @param kind    what kind of change or event
 * @param target  what it acted on: a user name, token prefix, machine id, config key; may be null
 * @param outcome success, failure or denied
 * @param details further facts (reason code, old and new value); never secrets: keys that look like secrets are
 *                masked when written
 */
public record AuditEvent(Instant time, String actor, String address, AuditKind kind, String target, Outcome outcome, Map<String, String> details) {
    public enum Outcome { SUCCESS, FAILURE, DENIED }

    public AuditEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(outcome, "outcome");
        details = details == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }
}
