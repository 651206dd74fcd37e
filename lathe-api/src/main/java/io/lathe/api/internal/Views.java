package io.lathe.api.internal;

import io.lathe.ingest.ConnectionStatus;
import io.lathe.ingest.Latest;
import io.lathe.model.Asset;
import io.lathe.model.AssetLevel;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Maps model and ingest records to the JSON shapes of the API (plain maps and lists, written by Jackson). */
public final class Views {
    private Views() {}

    /** Asset and signal ids are slugs joined by dots ({@code acme.plant-1.press-3.temperature}). */
    private static final Pattern ID = Pattern.compile("[a-z0-9_][a-z0-9_.-]{0,255}");

    /** Throws a 400 naming the parameter and value unless {@code value} can be an asset or signal id. */
    public static String requireId(String parameter, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw ApiError.badRequest(parameter, value,
                    "must be an id of lower-case letters, digits, '_', '-' and '.', at most 256 characters");
        }
        return value;
    }

    public static Map<String, Object> asset(Asset a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("name", a.name());
        m.put("level", a.level().label());
        m.put("description", a.description());
        if (a.level() == AssetLevel.MACHINE) {
            m.put("source", a.source());
            List<Map<String, Object>> signals = new ArrayList<>(a.signals().size());
            for (Signal s : a.signals()) signals.add(signal(s));
            m.put("signals", signals);
            m.put("stateSignal", stateSignal(a));
        }
        List<Map<String, Object>> children = new ArrayList<>(a.children().size());
        for (Asset c : a.children()) children.add(asset(c));
        m.put("children", children);
        return m;
    }

    /** Id of the machine's signal named {@code State} (any case), or null. */
    public static String stateSignal(Asset machine) {
        for (Signal s : machine.signals()) {
            if (s.name().equalsIgnoreCase("state")) return s.id();
        }
        return null;
    }

    public static Map<String, Object> signal(Signal s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("name", s.name());
        m.put("type", s.dataType().label());
        m.put("unit", s.unit());
        m.put("description", s.description());
        m.put("source", s.source());
        return m;
    }

    public static Map<String, Object> latest(Latest l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("signal", l.signalId());
        m.put("timestamp", isoMicros(l.timestampMicros()));
        m.put("timestampMicros", l.timestampMicros());
        m.put("value", value(l.value()));
        m.put("quality", l.quality().label());
        return m;
    }

    public static Map<String, Object> connection(ConnectionStatus c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("protocol", c.protocol());
        m.put("endpoint", c.endpoint());
        m.put("state", c.state() == null ? null : c.state().label());
        m.put("lastError", c.lastError());
        m.put("lastMessage", c.lastMessage() == null ? null : c.lastMessage().toString());
        m.put("messages", c.messages());
        m.put("errors", c.errors());
        m.put("messagesPerSecond", Double.isFinite(c.messagesPerSecond()) ? c.messagesPerSecond() : null);
        m.put("stateSince", c.stateSince() == null ? null : c.stateSince().toString());
        m.put("lastErrorAt", c.lastErrorAt() == null ? null : c.lastErrorAt().toString());
        return m;
    }

    /** A value as a JSON scalar: numbers bare (non-finite doubles as null), booleans, text. */
    public static Object value(Value v) {
        return switch (v) {
            case Value.DoubleValue d -> Double.isFinite(d.value()) ? d.value() : null;
            case Value.LongValue l -> l.value();
            case Value.BooleanValue b -> b.value();
            case Value.TextValue t -> t.value();
        };
    }

    /** ISO-8601 UTC with microsecond precision, for example {@code 2026-03-01T06:00:00.123456Z}. */
    public static String isoMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L).toString();
    }

    public static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
