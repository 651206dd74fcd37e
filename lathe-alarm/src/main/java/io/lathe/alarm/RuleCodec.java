package io.lathe.alarm;

import io.lathe.model.Ids;
import io.lathe.model.PlantModel;
import io.lathe.model.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Alarm definitions from and to plain maps, shared by the YAML section {@code alarms:} and the API
 * ({@code /api/alarms/rules}), so both accept exactly the same fields and say the same things about mistakes.
 *
 * <p>Fields (kebab-case in YAML and JSON): {@code name} (required), {@code kind} (required: limit, rate-of-change,
 * deviation, stale, state, discrete, expression, anomaly-score), {@code priority} (urgent, high, medium (default), low),
 * {@code message}, {@code response}, {@code on-delay}, {@code off-delay}, {@code latching}, {@code suppress-when-planned};
 * and by kind: limit {@code signal type(HH|H|L|LL) limit deadband}; rate-of-change {@code signal max-change window
 * direction(both|up|down)}; deviation {@code signal setpoint max-deviation deadband}; stale {@code signal max-age}; state
 * {@code signal states for}; discrete {@code signal value}; expression {@code expression}; anomaly-score
 * {@code signal threshold deadband}. A signal is named as on its machine ("Temperature"), by its slug or by its id.
 */
public final class RuleCodec {
    public static final Set<String> COMMON = Set.of("name", "kind", "priority", "message", "response", "on-delay", "off-delay",
            "latching", "suppress-when-planned");
    /** Fields of each kind besides {@link #COMMON}. */
    public static final Map<String, Set<String>> KIND_FIELDS = kindFields();
    /** Every field of some kind, for "did you mean". */
    public static final Set<String> ALL_FIELDS;

    static {
        Set<String> all = new LinkedHashSet<>(COMMON);
        KIND_FIELDS.values().forEach(all::addAll);
        all.add("machine");
        all.add("id");
        ALL_FIELDS = Set.copyOf(all);
    }

    private static Map<String, Set<String>> kindFields() {
        Map<String, Set<String>> m = new LinkedHashMap<>();
        m.put("limit", Set.of("signal", "type", "limit", "deadband"));
        m.put("rate-of-change", Set.of("signal", "max-change", "window", "direction"));
        m.put("deviation", Set.of("signal", "setpoint", "max-deviation", "deadband"));
        m.put("stale", Set.of("signal", "max-age"));
        m.put("state", Set.of("signal", "states", "for"));
        m.put("discrete", Set.of("signal", "value"));
        m.put("expression", Set.of("expression"));
        m.put("anomaly-score", Set.of("signal", "threshold", "deadband"));
        return Map.copyOf(m);
    }

    private RuleCodec() {}

    /**
     * Builds the rule of one machine from fields whose values are text, numbers, booleans or lists of those.
     *
     * @param problems told (field, message) for each problem; the rule is null when there was any
     */
    public static AlarmRule fromMap(Map<String, ?> f, String machine, PlantModel model, String source, BiConsumer<String, String> problems) {
        int[] n = {0};
        BiConsumer<String, String> p = (k, m) -> {
            n[0]++;
            problems.accept(k, m);
        };
        String name = text(f, "name", p, true);
        String kindName = text(f, "kind", p, true);
        Set<String> allowed = new LinkedHashSet<>(COMMON);
        allowed.add("machine");
        allowed.add("id");
        Set<String> kf = kindName == null ? null : KIND_FIELDS.get(kindName);
        if (kindName != null && kf == null) p.accept("kind", "must be one of " + String.join(", ", KIND_FIELDS.keySet()) + ", but was '" + kindName + "'");
        if (kf != null) allowed.addAll(kf);
        for (String k : f.keySet()) {
            if (allowed.contains(k) || kf == null && ALL_FIELDS.contains(k)) continue; // unknown kind: said once, at kind
            String hint = suggest(k, kf == null ? ALL_FIELDS : allowed);
            p.accept(k, "unknown field" + (kf != null && ALL_FIELDS.contains(k) ? " for kind " + kindName : "") + hint);
        }
        Priority priority = Priority.MEDIUM;
        String pt = text(f, "priority", p, false);
        if (pt != null) {
            priority = Priority.parse(pt);
            if (priority == null) {
                p.accept("priority", "must be urgent, high, medium or low, but was '" + pt + "'");
                priority = Priority.MEDIUM;
            }
        }
        Duration on = duration(f, "on-delay", p, false);
        Duration off = duration(f, "off-delay", p, false);
        Boolean latching = bool(f, "latching", p);
        Boolean suppress = bool(f, "suppress-when-planned", p);
        RuleKind kind = null;
        if (kf != null) kind = kind(kindName, f, machine, model, p);
        if (n[0] > 0 || name == null || kind == null) return null;
        try {
            return new AlarmRule(AlarmRule.idFor(machine, name), name, machine, kind, priority, text(f, "message", p, false),
                    text(f, "response", p, false), on, off, Boolean.TRUE.equals(latching), Boolean.TRUE.equals(suppress), source);
        } catch (IllegalArgumentException e) {
            p.accept("name", e.getMessage());
            return null;
        }
    }

    private static RuleKind kind(String kind, Map<String, ?> f, String machine, PlantModel model, BiConsumer<String, String> p) {
        try {
            return switch (kind) {
                case "limit" -> {
                    String sig = signal(f, "signal", machine, model, p);
                    String t = text(f, "type", p, true);
                    LimitKind.Type type = LimitKind.Type.parse(t);
                    if (t != null && type == null) p.accept("type", "must be HH, H, L or LL, but was '" + t + "'");
                    Double limit = number(f, "limit", p, true);
                    Double db = number(f, "deadband", p, false);
                    yield sig == null || type == null || limit == null ? null : new LimitKind(sig, type, limit, db == null ? 0 : db);
                }
                case "rate-of-change" -> {
                    String sig = signal(f, "signal", machine, model, p);
                    Double max = number(f, "max-change", p, true);
                    Duration w = duration(f, "window", p, true);
                    String d = text(f, "direction", p, false);
                    RateOfChangeKind.Direction dir = d == null ? RateOfChangeKind.Direction.BOTH : RateOfChangeKind.Direction.parse(d);
                    if (dir == null) p.accept("direction", "must be both, up or down, but was '" + d + "'");
                    yield sig == null || max == null || w == null || dir == null ? null : new RateOfChangeKind(sig, max, w, dir);
                }
                case "deviation" -> {
                    String sig = signal(f, "signal", machine, model, p);
                    String sp = signal(f, "setpoint", machine, model, p);
                    Double max = number(f, "max-deviation", p, true);
                    Double db = number(f, "deadband", p, false);
                    yield sig == null || sp == null || max == null ? null : new DeviationKind(sig, sp, max, db == null ? 0 : db);
                }
                case "stale" -> {
                    String sig = signal(f, "signal", machine, model, p);
                    Duration age = duration(f, "max-age", p, true);
                    yield sig == null || age == null ? null : new StaleKind(sig, age);
                }
                case "state" -> {
                    String sig = signal(f, "signal", machine, model, p);
                    Object st = f.get("states");
                    List<String> states = new ArrayList<>();
                    if (st instanceof Collection<?> c) for (Object o : c) states.add(String.valueOf(o));
                    else if (st != null) states.add(String.valueOf(st));
                    if (states.isEmpty()) p.accept("states", "is required: the state values that alarm, such as [fault]");
                    Duration d = duration(f, "for", p, false);
                    yield sig == null || states.isEmpty() ? null : new StateKind(sig, Set.copyOf(states), d);
                }
                case "discrete" -> {
                    String sig = signal(f, "signal", machine, model, p);
                    Object v = f.get("value");
                    String value = v == null ? "true" : v instanceof Double d && d == Math.rint(d) ? Long.toString(d.longValue()) : String.valueOf(v);
                    yield sig == null ? null : new DiscreteKind(sig, value);
                }
                case "expression" -> {
                    String ex = text(f, "expression", p, true);
                    if (ex == null) yield null;
                    try {
                        yield new ExpressionKind(Expression.parse(ex, n -> resolve(n.replace('_', '-'), machine, model)));
                    } catch (IllegalArgumentException e) {
                        p.accept("expression", e.getMessage());
                        yield null;
                    }
                }
                case "anomaly-score" -> {
                    String sig = signal(f, "signal", machine, model, p);
                    Double th = number(f, "threshold", p, true);
                    Double db = number(f, "deadband", p, false);
                    yield sig == null || th == null ? null : new AnomalyScoreKind(sig, th, db == null ? 0 : db);
                }
                default -> null;
            };
        } catch (IllegalArgumentException e) {
            p.accept("kind", e.getMessage());
            return null;
        }
    }

    /** A signal of the machine by name, slug or id; null when there is none. */
    public static String resolve(String ref, String machine, PlantModel model) {
        if (ref == null) return null;
        Signal s = model.signalByName(machine, ref);
        if (s == null) s = model.signal(ref);
        if (s == null) s = model.signal(machine + "." + Ids.slug(ref));
        if (s != null && !s.machineId().equals(machine) && !ref.equals(s.id())) return null;
        return s == null ? null : s.id();
    }

    private static String signal(Map<String, ?> f, String key, String machine, PlantModel model, BiConsumer<String, String> p) {
        String ref = text(f, key, p, true);
        if (ref == null) return null;
        String id = resolve(ref, machine, model);
        if (id == null) {
            List<String> names = new ArrayList<>();
            for (Signal s : model.signals()) if (s.machineId().equals(machine)) names.add(s.name());
            p.accept(key, "no signal '" + ref + "' on machine " + machine + suggest(ref, names) + (names.isEmpty() ? "" : "; its signals: " + names));
        }
        return id;
    }

    private static String text(Map<String, ?> f, String key, BiConsumer<String, String> p, boolean required) {
        Object v = f.get(key);
        if (v == null) {
            if (required) p.accept(key, "is required");
            return null;
        }
        if (v instanceof Collection<?> || v instanceof Map<?, ?>) {
            p.accept(key, "must be a single value");
            return null;
        }
        String s = String.valueOf(v).strip();
        if (s.isEmpty()) {
            if (required) p.accept(key, "is required");
            return null;
        }
        return s;
    }

    private static Double number(Map<String, ?> f, String key, BiConsumer<String, String> p, boolean required) {
        Object v = f.get(key);
        if (v instanceof Number n) return n.doubleValue();
        String t = text(f, key, p, required);
        if (t == null) return null;
        try {
            double d = Double.parseDouble(t);
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            p.accept(key, "must be a number, but was '" + t + "'");
            return null;
        }
    }

    private static Boolean bool(Map<String, ?> f, String key, BiConsumer<String, String> p) {
        Object v = f.get(key);
        if (v == null) return null;
        if (v instanceof Boolean b) return b;
        String t = String.valueOf(v).strip().toLowerCase(Locale.ROOT);
        if (t.equals("true")) return true;
        if (t.equals("false")) return false;
        p.accept(key, "must be true or false, but was '" + v + "'");
        return null;
    }

    private static Duration duration(Map<String, ?> f, String key, BiConsumer<String, String> p, boolean required) {
        String t = text(f, key, p, required);
        if (t == null) return null;
        try {
            Duration d = parseDuration(t);
            if (d.isNegative()) throw new IllegalArgumentException();
            if (required && d.isZero()) {
                p.accept(key, "must be positive, but was '" + t + "'");
                return null;
            }
            return d;
        } catch (RuntimeException e) {
            p.accept(key, "must be a duration like 30s, 5m, 2h or 500ms, but was '" + t + "'");
            return null;
        }
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}, or ISO-8601 {@code PT5M}. */
    public static Duration parseDuration(String t) {
        String s = t.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("p")) return Duration.parse(s.toUpperCase(Locale.ROOT));
        if (s.equals("0")) return Duration.ZERO;
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
        double n = Double.parseDouble(s.substring(0, i));
        String u = s.substring(i).strip();
        double nanos = switch (u) {
            case "ms" -> n * 1e6;
            case "s" -> n * 1e9;
            case "m", "min" -> n * 60e9;
            case "h" -> n * 3600e9;
            case "d" -> n * 86400e9;
            default -> throw new IllegalArgumentException("unit");
        };
        return Duration.ofNanos((long) nanos);
    }

    /** The rule as fields, the inverse of {@link #fromMap} (signals by id). */
    public static Map<String, Object> toMap(AlarmRule r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("machine", r.asset());
        m.put("name", r.name());
        m.put("kind", r.kind().id());
        m.put("priority", r.priority().id());
        if (r.message() != null) m.put("message", r.message());
        if (r.response() != null) m.put("response", r.response());
        m.put("on-delay", r.onDelay().toString());
        m.put("off-delay", r.offDelay().toString());
        m.put("latching", r.latching());
        m.put("suppress-when-planned", r.suppressWhenPlanned());
        m.putAll(r.kind().settings());
        m.put("source", r.source());
        return m;
    }

    /** " (did you mean 'x'?)" for the closest candidate within edit distance 3, else "". */
    public static String suggest(String word, Collection<String> candidates) {
        String best = null;
        int bestD = 4;
        for (String c : candidates) {
            int d = distance(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
