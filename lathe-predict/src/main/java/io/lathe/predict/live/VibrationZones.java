package io.lathe.predict.live;

import io.lathe.model.Signal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Absolute vibration severity limits (ISO 10816-1 / 20816-1 evaluation zones for velocity RMS in mm/s) per machine: a
 * floor under the learned anomaly score. A learned normal cannot see wear that was already there when it learned (a
 * machine first monitored with a half-worn part); an absolute limit can, from the first minute.
 *
 * <p>Written as rules {@code MACHINES[@SIGNAL]=ZONES}, the last matching rule winning: {@code MACHINES} a machine id or
 * a glob with {@code *} ({@code *}, {@code *.band-saw}); {@code SIGNAL} the signal's name (default: every signal of the
 * machine with unit {@code mm/s} whose name contains "vibration"); {@code ZONES} an ISO 10816-1 machine class ({@code I}
 * … {@code IV}) or the B/C and C/D limits in the signal's unit, {@code 2.0:5.0}. An empty list is off.
 *
 * @param rules in the order written
 */
public record VibrationZones(List<Rule> rules) {
    /** No limits: the anomaly score is the learned model's alone. */
    public static final VibrationZones NONE = new VibrationZones(List.of());
    /** Name of the setting, for messages. */
    public static final String KEY = "predict.vibration-zones";

    /**
     * @param machines glob on the machine id ({@code *} any run of characters)
     * @param signal   the signal's name (case-insensitive), or null for vibration signals in mm/s
     * @param limits   the zone limits
     */
    public record Rule(String machines, String signal, Limits limits) {
        boolean matches(String machine) {
            return glob(machines).matcher(machine).matches();
        }
    }

    /**
     * Zone limits of one signal.
     *
     * @param bc    boundary between zone B (unrestricted long-term operation) and C (unsatisfactory for long-term operation)
     * @param cd    boundary between zone C and D (vibration severe enough to cause damage)
     * @param label where the limits come from, e.g. {@code ISO 10816 class I}
     */
    public record Limits(double bc, double cd, String label) {
        public Limits {
            if (!(bc > 0) || !(cd > bc) || !Double.isFinite(cd)) {
                throw new IllegalArgumentException("zone limits must be 0 < B/C < C/D, but were B/C=" + bc + ", C/D=" + cd);
            }
        }

        /**
         * The severity score of a reading: 0 below B/C (zones A and B), the threshold at B/C, rising linearly to twice the
         * threshold at C/D and on at the same slope above it.
         */
        public double score(double value, double threshold) {
            if (!(value >= bc)) return 0;
            return threshold * (1 + (value - bc) / (cd - bc));
        }

        /** The zone of a reading as an operator reads it, e.g. {@code zone C (ISO 10816 class I, >1.8 mm/s)}. */
        public String zone(double value, String unit) {
            boolean d = value >= cd;
            String u = unit == null || unit.isBlank() ? "" : " " + unit;
            return "zone " + (d ? "D" : value >= bc ? "C" : "A/B") + " (" + label + ", " + (d ? ">" + fmt(cd) : value >= bc ? ">" + fmt(bc) : "<" + fmt(bc)) + u + ")";
        }
    }

    /** ISO 10816-1 zone limits for velocity RMS in mm/s (10-1000 Hz), by machine class. */
    public static Limits isoClass(String name) {
        return switch (name.trim().toUpperCase(Locale.ROOT)) {
            case "I", "1" -> new Limits(1.8, 4.5, "ISO 10816 class I");
            case "II", "2" -> new Limits(2.8, 7.1, "ISO 10816 class II");
            case "III", "3" -> new Limits(4.5, 11.2, "ISO 10816 class III");
            case "IV", "4" -> new Limits(7.1, 18.0, "ISO 10816 class IV");
            default -> null;
        };
    }

    public VibrationZones {
        rules = List.copyOf(rules);
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /**
     * Parses the rules of {@link #KEY}.
     *
     * @throws IllegalArgumentException naming the rule, what is wrong with it and how to write it
     */
    public static VibrationZones parse(List<String> items) {
        List<Rule> rules = new ArrayList<>();
        for (String item : items) {
            String s = item.trim();
            if (s.isEmpty()) continue;
            int eq = s.lastIndexOf('=');
            if (eq <= 0 || eq == s.length() - 1) {
                throw bad(item, "must be MACHINES=ZONES, e.g. *=I, *.band-saw=II or line-a.press@Vibration Z=2.0:5.0");
            }
            String left = s.substring(0, eq).trim();
            String right = s.substring(eq + 1).trim();
            String machines = left;
            String signal = null;
            int at = left.indexOf('@');
            if (at >= 0) {
                machines = left.substring(0, at).trim();
                signal = left.substring(at + 1).trim();
                if (signal.isEmpty()) throw bad(item, "names no signal after '@': write MACHINES@Signal Name=ZONES, or leave out '@'");
            }
            if (machines.isEmpty()) throw bad(item, "names no machine: write * for every machine, or a machine id or glob such as *.band-saw");
            Limits limits = isoClass(right);
            if (limits == null) {
                int colon = right.indexOf(':');
                if (colon < 0) {
                    throw bad(item, "zones must be an ISO 10816-1 class I, II, III or IV, or the B/C and C/D limits as B/C:C/D (e.g. 1.8:4.5),"
                            + " but were '" + right + "'");
                }
                double bc, cd;
                try {
                    bc = Double.parseDouble(right.substring(0, colon).trim());
                    cd = Double.parseDouble(right.substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    throw bad(item, "limits must be two numbers B/C:C/D in the signal's unit (mm/s), e.g. 1.8:4.5, but were '" + right + "'");
                }
                if (!(bc > 0) || !(cd > bc) || !Double.isFinite(cd)) {
                    throw bad(item, "limits must be 0 < B/C < C/D, e.g. 1.8:4.5, but were B/C=" + right.substring(0, colon).trim()
                            + ", C/D=" + right.substring(colon + 1).trim());
                }
                limits = new Limits(bc, cd, "configured limits");
            }
            rules.add(new Rule(machines, signal, limits));
        }
        return new VibrationZones(rules);
    }

    private static IllegalArgumentException bad(String item, String what) {
        return new IllegalArgumentException(KEY + ": rule '" + item.trim() + "' " + what);
    }

    /** The rules that may apply to a machine, in order (the last matching one wins per signal). */
    List<Rule> forMachine(String machine) {
        List<Rule> out = new ArrayList<>();
        for (Rule r : rules) if (r.matches(machine)) out.add(r);
        return out;
    }

    /**
     * The limits of a signal under a machine's rules, or null: a rule naming the signal matches it by name; one naming
     * none matches a vibration velocity signal (unit mm/s, name containing "vibration").
     */
    static Limits limitsOf(List<Rule> machineRules, Signal s) {
        Limits found = null;
        for (Rule r : machineRules) {
            if (r.signal() != null ? r.signal().equalsIgnoreCase(s.name()) : isVibrationVelocity(s)) found = r.limits();
        }
        return found;
    }

    /** A signal the rules without a signal name apply to: unit mm/s and a name containing "vibration". */
    static boolean isVibrationVelocity(Signal s) {
        return s.unit() != null && s.unit().trim().equalsIgnoreCase("mm/s") && s.name().toLowerCase(Locale.ROOT).contains("vibration");
    }

    /** The limits of a signal of a machine, or null (for tools and tests). */
    public Limits limitsOf(String machine, Signal s) {
        return limitsOf(forMachine(machine), s);
    }

    private static Pattern glob(String g) {
        String[] parts = g.split("\\*", -1);
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) re.append(".*");
            if (!parts[i].isEmpty()) re.append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.1f", v) : String.valueOf(v);
    }
}
