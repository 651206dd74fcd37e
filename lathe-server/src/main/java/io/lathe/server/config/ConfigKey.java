package io.lathe.server.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * One setting, declared once: name, type, default, documentation. The configuration reference in README.md is
 * generated from these declarations ({@link ConfigReference}), and a test fails when it is stale.
 *
 * @param name         dotted YAML path, e.g. {@code server.http-port}
 * @param defaultValue the default as it would be written in YAML; null means "not set"
 * @param secret       masked in the start-up banner
 */
public record ConfigKey(String name, Type type, String defaultValue, String doc, boolean secret) {

    public enum Type {
        STRING, INT, PORT, BOOLEAN, DURATION, DOUBLE, LONG, LIST;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
    }

    /** The environment variable that overrides this key: {@code server.http-port} → {@code LATHE_SERVER_HTTP_PORT}. */
    public String envVar() {
        return "LATHE_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * Parses and validates a raw value.
     *
     * @return the typed value (String, Integer, Boolean, Duration, Double, Long or java.util.List of String)
     * @throws IllegalArgumentException with a message of the shape "must be …, but was …"
     */
    public Object parse(String raw) {
        String v = raw.trim();
        return switch (type) {
            case STRING -> v;
            case INT -> parseInt(v, Integer.MIN_VALUE, Integer.MAX_VALUE, "a whole number");
            case PORT -> parseInt(v, 0, 65535, "a port number in [0, 65535]");
            case LONG -> {
                try {
                    yield Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("must be a whole number, but was '" + raw + "'");
                }
            }
            case DOUBLE -> {
                try {
                    double d = Double.parseDouble(v);
                    if (!Double.isFinite(d)) throw new NumberFormatException();
                    yield d;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("must be a finite number, but was '" + raw + "'");
                }
            }
            case BOOLEAN -> switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> Boolean.TRUE;
                case "false", "no", "off" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException("must be true or false, but was '" + raw + "'");
            };
            case DURATION -> parseDuration(v);
            case LIST -> v.isEmpty() ? java.util.List.of()
                    : java.util.Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        };
    }

    private static int parseInt(String v, int min, int max, String what) {
        try {
            long l = Long.parseLong(v);
            if (l < min || l > max) throw new NumberFormatException();
            return (int) l;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be " + what + ", but was '" + v + "'");
        }
    }

    /** Durations are written like {@code 500ms}, {@code 5s}, {@code 10m}, {@code 2h}, {@code 30d} or ISO-8601 {@code PT5S}. */
    public static Duration parseDuration(String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("p")) return Duration.parse(v.trim());
            int i = 0;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
            if (i == 0) throw new NumberFormatException();
            double n = Double.parseDouble(s.substring(0, i));
            String unit = s.substring(i).trim();
            double millis = switch (unit) {
                case "ms" -> n;
                case "s", "" -> n * 1_000;
                case "m", "min" -> n * 60_000;
                case "h" -> n * 3_600_000;
                case "d" -> n * 86_400_000;
                default -> throw new NumberFormatException();
            };
            return Duration.ofMillis(Math.round(millis));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("must be a duration such as 500ms, 5s, 10m, 2h or 30d, but was '" + v + "'");
        }
    }
}
