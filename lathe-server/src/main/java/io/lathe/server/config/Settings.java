package io.lathe.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Typed values of the declared settings, defaults filled in. Immutable. */
public final class Settings {
    private final Map<String, Object> values;
    private final Map<String, String> origins;

    Settings(Map<String, Object> values, Map<String, String> origins) {
        this.values = Map.copyOf(values);
        this.origins = Map.copyOf(origins);
    }

    public static Settings defaults() {
        java.util.Map<String, Object> v = new java.util.HashMap<>();
        for (ConfigKey k : Keys.ALL) if (k.defaultValue() != null) v.put(k.name(), k.parse(k.defaultValue()));
        return new Settings(v, Map.of());
    }

    public Object get(ConfigKey k) {
        return values.get(k.name());
    }

    public String string(ConfigKey k) {
        return (String) values.get(k.name());
    }

    public int integer(ConfigKey k) {
        return (Integer) values.get(k.name());
    }

    public long longValue(ConfigKey k) {
        return (Long) values.get(k.name());
    }

    public double doubleValue(ConfigKey k) {
        return (Double) values.get(k.name());
    }

    public boolean bool(ConfigKey k) {
        return (Boolean) values.get(k.name());
    }

    public Duration duration(ConfigKey k) {
        return (Duration) values.get(k.name());
    }

    @SuppressWarnings("unchecked")
    public List<String> list(ConfigKey k) {
        Object o = values.get(k.name());
        return o == null ? List.of() : (List<String>) o;
    }

    /** Where a value came from: "default", "file:line", an environment variable or a command-line option. */
    public String origin(ConfigKey k) {
        return origins.getOrDefault(k.name(), "default");
    }

    /** A copy with one value replaced, e.g. from a command-line option. */
    public Settings with(ConfigKey k, Object value, String origin) {
        java.util.Map<String, Object> v = new java.util.HashMap<>(values);
        java.util.Map<String, String> o = new java.util.HashMap<>(origins);
        v.put(k.name(), value);
        o.put(k.name(), origin);
        return new Settings(v, o);
    }

    /** The effective configuration as lines {@code key = value (origin)}, secrets masked. */
    public List<String> describe() {
        List<String> out = new java.util.ArrayList<>();
        for (ConfigKey k : Keys.ALL) {
            Object v = values.get(k.name());
            if (v == null) continue;
            String shown = k.secret() ? "******" : (v instanceof Duration d ? d.toString().substring(2).toLowerCase(java.util.Locale.ROOT) : String.valueOf(v));
            out.add(k.name() + " = " + shown + "  (" + origin(k) + ")");
        }
        return out;
    }
}
