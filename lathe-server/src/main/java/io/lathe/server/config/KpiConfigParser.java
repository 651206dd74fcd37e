package io.lathe.server.config;

import io.lathe.kpi.CounterSignal;
import io.lathe.kpi.CountsConfig;
import io.lathe.kpi.EnergyConfig;
import io.lathe.kpi.KpiConfig;
import io.lathe.kpi.MachineConfig;
import io.lathe.kpi.MachineState;
import io.lathe.kpi.ReasonTree;
import io.lathe.kpi.ShiftCalendar;
import io.lathe.kpi.SiteConfig;
import io.lathe.kpi.StateSource;
import io.lathe.model.Asset;
import io.lathe.model.AssetLevel;
import io.lathe.model.PlantModel;
import io.lathe.model.Signal;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Parses the top-level {@code kpi:} section into a {@link KpiConfig}, against the plant declared in the same file.
 *
 * <pre>
 * kpi:
 *   sites:
 *     - site: Springfield                  # a plant site's name or asset id
 *       zone: Europe/Berlin                # default UTC
 *       emission-factor-kg-per-kwh: 0.38   # default 0
 *       calendar:                          # omit for three 8-hour shifts every day (06-14, 14-22, 22-06)
 *         shifts:
 *           - {name: early, days: [mon, tue, wed, thu, fri], start: "06:00", end: "14:00",
 *              breaks: [{start: "10:00", end: "10:30"}]}
 *         holidays: [2026-12-25]
 *       reasons:
 *         - {category: fault, name: Breakdowns, reasons: [{code: "201", name: Spindle overheat}]}
 *   machine-types:                         # defaults that machines of the type inherit, key by key
 *     - name: cnc
 *       state: {signal: State, values: {running: running, fault: unplanned-down}, otherwise: unknown}
 *       # or: state: {rules: [{state: running, when: [{signal: Spindle Speed, op: gt, value: 50}]}], otherwise: idle}
 *       counts: {good: {signal: Good Count, kind: cumulative}, reject: {signal: Reject Count, kind: cumulative, rollover-max: 65535}}
 *       ideal-cycle-time: 45s
 *       ideal-cycle-time-signal: Ideal Cycle Time
 *       product-signal: Program
 *       ideal-cycle-time-by-product: {P-100: 40s}
 *       energy: {signal: Energy, kind: meter-kwh, max-power-kw: 40}   # or kind: power-kw; max-power-kw bounds meter jumps
 *       reason-signal: Reason Code
 *       micro-stop-threshold: 1m
 *   machines:
 *     - machine: Springfield/Machining/Line A/Band Saw     # a machine's path or asset id
 *       type: cnc                                          # optional; any key above overrides the type's
 * </pre>
 *
 * A signal is named by the machine's signal name ({@code Good Count}) or by any signal's id. A machine's line, area
 * and site (for rollups) come from the plant tree; its site needs an entry under {@code sites}. Problems are reported
 * with file, line and key, like {@link ConnectionsParser}.
 */
public final class KpiConfigParser {

    private static final Set<String> TOP = Set.of("sites", "machine-types", "machines", "raw-retention");
    private static final Set<String> SITE = Set.of("site", "zone", "emission-factor-kg-per-kwh", "calendar", "reasons");
    private static final Set<String> CALENDAR = Set.of("shifts", "holidays");
    private static final Set<String> SHIFT = Set.of("name", "days", "start", "end", "breaks");
    private static final Set<String> BREAK = Set.of("start", "end");
    private static final Set<String> CATEGORY = Set.of("category", "name", "reasons");
    private static final Set<String> REASON = Set.of("code", "name");
    private static final Set<String> MACHINE_KEYS = new LinkedHashSet<>(List.of("state", "counts", "ideal-cycle-time",
            "ideal-cycle-time-signal", "product-signal", "ideal-cycle-time-by-product", "energy", "reason-signal",
            "micro-stop-threshold"));
    private static final Set<String> TYPE = union(Set.of("name"), MACHINE_KEYS);
    private static final Set<String> MACHINE = union(Set.of("machine", "type"), MACHINE_KEYS);
    private static final Set<String> STATE = Set.of("signal", "values", "rules", "otherwise");
    private static final Set<String> RULE = Set.of("state", "when");
    private static final Set<String> CONDITION = Set.of("signal", "op", "value");
    private static final Set<String> COUNTS = Set.of("produced", "good", "reject", "inspected", "first-pass-good");
    private static final Set<String> COUNTER = Set.of("signal", "kind", "rollover-max");
    private static final Set<String> ENERGY = Set.of("signal", "kind", "max-power-kw");

    private final String file;
    private final PlantModel model;
    private final List<ConfigProblem> problems;
    private final YamlProblems yaml;
    /** Site ids with an entry under sites, valid or not (an invalid one is reported there, not at every machine). */
    private final Set<String> mentionedSites = new HashSet<>();

    private KpiConfigParser(String file, PlantModel model, List<ConfigProblem> problems) {
        this.file = file;
        this.model = model;
        this.problems = problems;
        this.yaml = new YamlProblems(file, problems);
    }

    /**
     * Parses the value of {@code kpi:}.
     *
     * @param node     the YAML node (a mapping); null or empty gives null (no KPIs)
     * @param model    the plant declared in the same file, to resolve sites, machines and signals
     * @param problems where problems are added
     * @return the configuration, or null when the section is empty or has problems
     */
    public static KpiConfig parse(String file, Node node, PlantModel model, List<ConfigProblem> problems) {
        int before = problems.size();
        KpiConfig c = new KpiConfigParser(file, model, problems).kpi(node);
        return problems.size() > before ? null : c;
    }

    private KpiConfig kpi(Node node) {
        if (node == null || node instanceof ScalarNode s && s.getValue().isEmpty()) return null;
        Map<String, Node> top = fields(node, "kpi", TOP);
        if (top == null) return null;
        Map<String, SiteConfig> sites = new LinkedHashMap<>();
        for (Node n : yaml.list(top.get("sites"), "kpi.sites")) {
            SiteConfig s = site(n);
            if (s == null) continue;
            if (sites.putIfAbsent(s.id(), s) != null) problem(n, "kpi.sites[" + s.id() + "]", "the site appears twice; keep one entry");
        }
        Map<String, Map<String, Node>> types = new LinkedHashMap<>();
        for (Node n : yaml.list(top.get("machine-types"), "kpi.machine-types")) {
            Map<String, Node> f = fields(n, "kpi.machine-types[]", TYPE);
            if (f == null) continue;
            String name = yaml.scalar(f.get("name"), "kpi.machine-types[].name");
            if (name == null) {
                if (!f.containsKey("name")) problem(n, "kpi.machine-types[].name", "is required: the name machines give as 'type'");
                continue;
            }
            f.remove("name");
            if (types.putIfAbsent(name, f) != null) problem(n, "kpi.machine-types[" + name + "].name", "'" + name + "' is used twice; type names must be unique");
        }
        List<MachineConfig> machines = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Node n : yaml.list(top.get("machines"), "kpi.machines")) {
            MachineConfig m = machine(n, types, sites);
            if (m != null && !seen.add(m.id())) {
                problem(n, "kpi.machines[" + m.id() + "]", "the machine appears twice; keep one entry");
            } else if (m != null) {
                machines.add(m);
            }
        }
        try {
            Duration rr = top.containsKey("raw-retention") ? duration(top.get("raw-retention"), "kpi.raw-retention", false) : null;
            return new KpiConfig(List.copyOf(sites.values()), machines, rr == null ? KpiConfig.DEFAULT_RAW_RETENTION : rr);
        } catch (IllegalArgumentException e) {
            problem(node, "kpi", e.getMessage());
            return null;
        }
    }

    // ---- sites ----

    private SiteConfig site(Node n) {
        Map<String, Node> f = fields(n, "kpi.sites[]", SITE);
        if (f == null) return null;
        String ref = yaml.scalar(f.get("site"), "kpi.sites[].site");
        if (ref == null) {
            if (!f.containsKey("site")) problem(n, "kpi.sites[].site", "is required: a site's name (as under plant:) or asset id");
            return null;
        }
        String where = "kpi.sites[" + ref + "]";
        String id = resolveSite(ref);
        if (id == null) {
            problem(f.get("site"), where + ".site", "no site '" + ref + "' in plant; known sites: " + siteNames());
            return null;
        }
        mentionedSites.add(id);
        ZoneId zone = ZoneId.of("UTC");
        String z = yaml.scalar(f.get("zone"), where + ".zone");
        if (z != null) {
            try {
                zone = ZoneId.of(z);
            } catch (DateTimeException e) {
                problem(f.get("zone"), where + ".zone", "must be a time zone id such as Europe/Berlin or UTC, but was '" + z + "'");
            }
        }
        double factor = 0;
        String ef = yaml.scalar(f.get("emission-factor-kg-per-kwh"), where + ".emission-factor-kg-per-kwh");
        if (ef != null) {
            try {
                factor = Double.parseDouble(ef.trim());
                if (!(factor >= 0)) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                problem(f.get("emission-factor-kg-per-kwh"), where + ".emission-factor-kg-per-kwh", "must be a number 0 or above (kg CO2e per kWh), but was '" + ef + "'");
                factor = 0;
            }
        }
        ShiftCalendar calendar = f.containsKey("calendar") ? calendar(f.get("calendar"), where + ".calendar") : ShiftCalendar.threeShifts24x7();
        ReasonTree reasons = reasons(f.get("reasons"), where + ".reasons");
        if (calendar == null || reasons == null) return null;
        return new SiteConfig(id, zone, calendar, factor, reasons);
    }

    private ShiftCalendar calendar(Node n, String where) {
        Map<String, Node> f = fields(n, where, CALENDAR);
        if (f == null) return null;
        List<ShiftCalendar.Shift> shifts = new ArrayList<>();
        boolean ok = true;
        Set<String> names = new HashSet<>();
        for (Node s : yaml.list(f.get("shifts"), where + ".shifts")) {
            Map<String, Node> sf = fields(s, where + ".shifts[]", SHIFT);
            if (sf == null) {
                ok = false;
                continue;
            }
            String name = yaml.scalar(sf.get("name"), where + ".shifts[].name");
            String w = where + ".shifts[" + (name == null ? "?" : name) + "]";
            if (name == null) {
                problem(s, w + ".name", "is required: the shift's name, such as early");
                ok = false;
            } else if (!names.add(name)) {
                problem(sf.get("name"), w + ".name", "'" + name + "' is used twice; shift names must be unique");
                ok = false;
            }
            Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
            if (!sf.containsKey("days")) {
                days = EnumSet.allOf(DayOfWeek.class);
            } else {
                for (Node d : yaml.list(sf.get("days"), w + ".days")) {
                    String t = yaml.scalar(d, w + ".days");
                    DayOfWeek day = t == null ? null : day(t);
                    if (day == null) {
                        if (t != null) problem(d, w + ".days", "must be mon, tue, wed, thu, fri, sat or sun, but was '" + t + "'");
                        ok = false;
                    } else {
                        days.add(day);
                    }
                }
            }
            LocalTime start = time(sf, "start", w, s, true);
            LocalTime end = time(sf, "end", w, s, true);
            List<ShiftCalendar.Break> breaks = new ArrayList<>();
            for (Node b : yaml.list(sf.get("breaks"), w + ".breaks")) {
                Map<String, Node> bf = fields(b, w + ".breaks[]", BREAK);
                if (bf == null) {
                    ok = false;
                    continue;
                }
                LocalTime bs = time(bf, "start", w + ".breaks[]", b, true);
                LocalTime be = time(bf, "end", w + ".breaks[]", b, true);
                if (bs == null || be == null) ok = false;
                else breaks.add(new ShiftCalendar.Break(bs, be));
            }
            if (name == null || start == null || end == null) ok = false;
            else shifts.add(new ShiftCalendar.Shift(name, days, start, end, breaks));
        }
        if (f.containsKey("shifts") && shifts.isEmpty() && ok) {
            problem(f.get("shifts"), where + ".shifts", "is empty: list at least one shift, or omit calendar for three shifts every day");
            ok = false;
        }
        Set<LocalDate> holidays = new HashSet<>();
        for (Node h : yaml.list(f.get("holidays"), where + ".holidays")) {
            String t = yaml.scalar(h, where + ".holidays");
            if (t == null) {
                ok = false;
                continue;
            }
            try {
                holidays.add(LocalDate.parse(t.trim()));
            } catch (DateTimeException e) {
                problem(h, where + ".holidays", "must be dates like 2026-12-25, but was '" + t + "'");
                ok = false;
            }
        }
        if (!ok) return null;
        return new ShiftCalendar(f.containsKey("shifts") ? shifts : ShiftCalendar.threeShifts24x7().shifts(), holidays);
    }

    private LocalTime time(Map<String, Node> f, String key, String where, Node owner, boolean required) {
        String t = yaml.scalar(f.get(key), where + "." + key);
        if (t == null) {
            if (required && !f.containsKey(key)) problem(owner, where + "." + key, "is required: a local time like \"06:00\"");
            return null;
        }
        try {
            return LocalTime.parse(t.trim().length() == 4 ? "0" + t.trim() : t.trim());
        } catch (DateTimeException e) {
            problem(f.get(key), where + "." + key, "must be a local time like \"06:00\" (quote it), but was '" + t + "'");
            return null;
        }
    }

    private static DayOfWeek day(String t) {
        String s = t.trim().toLowerCase(Locale.ROOT);
        for (DayOfWeek d : DayOfWeek.values()) {
            String full = d.name().toLowerCase(Locale.ROOT);
            if (s.equals(full) || s.equals(full.substring(0, 3))) return d;
        }
        return null;
    }

    private ReasonTree reasons(Node n, String where) {
        List<ReasonTree.Category> cats = new ArrayList<>();
        boolean ok = true;
        for (Node c : yaml.list(n, where)) {
            Map<String, Node> f = fields(c, where + "[]", CATEGORY);
            if (f == null) {
                ok = false;
                continue;
            }
            String id = yaml.scalar(f.get("category"), where + "[].category");
            String w = where + "[" + (id == null ? "?" : id) + "]";
            if (id == null) {
                problem(c, w + ".category", "is required: the category's id, such as breakdown");
                ok = false;
                continue;
            }
            List<ReasonTree.Reason> rs = new ArrayList<>();
            for (Node r : yaml.list(f.get("reasons"), w + ".reasons")) {
                Map<String, Node> rf = fields(r, w + ".reasons[]", REASON);
                if (rf == null) {
                    ok = false;
                    continue;
                }
                String code = yaml.scalar(rf.get("code"), w + ".reasons[].code");
                if (code == null) {
                    problem(r, w + ".reasons[].code", "is required: the reason code (value of the reason signal)");
                    ok = false;
                    continue;
                }
                rs.add(new ReasonTree.Reason(code, yaml.scalar(rf.get("name"), w + ".reasons[" + code + "].name")));
            }
            cats.add(new ReasonTree.Category(id, yaml.scalar(f.get("name"), w + ".name"), rs));
        }
        if (!ok) return null;
        try {
            return new ReasonTree(cats);
        } catch (IllegalArgumentException e) {
            problem(n, where, e.getMessage());
            return null;
        }
    }

    // ---- machines ----

    private MachineConfig machine(Node n, Map<String, Map<String, Node>> types, Map<String, SiteConfig> sites) {
        Map<String, Node> own = fields(n, "kpi.machines[]", MACHINE);
        if (own == null) return null;
        String ref = yaml.scalar(own.get("machine"), "kpi.machines[].machine");
        if (ref == null) {
            if (!own.containsKey("machine")) problem(n, "kpi.machines[].machine", "is required: a machine's path like Site/Area/Line/Machine or its asset id");
            return null;
        }
        String where = "kpi.machines[" + ref + "]";
        String id = ConnectionsParser.resolveMachine(model, ref);
        if (id == null) {
            problem(own.get("machine"), where + ".machine", "no machine '" + ref + "' in plant; give a machine's id or its path like Site/Area/Line/Machine");
            return null;
        }
        Map<String, Node> f = new LinkedHashMap<>();
        String type = yaml.scalar(own.get("type"), where + ".type");
        if (type != null) {
            Map<String, Node> t = types.get(type);
            if (t == null) {
                problem(own.get("type"), where + ".type", "no machine type '" + type + "' under kpi.machine-types; known types: " + types.keySet());
                return null;
            }
            f.putAll(t);
        }
        for (Map.Entry<String, Node> e : own.entrySet()) if (!e.getKey().equals("machine") && !e.getKey().equals("type")) f.put(e.getKey(), e.getValue());

        List<String> ancestors = ancestors(id);  // site, area, line
        String site = ancestors.size() > 0 ? ancestors.get(0) : null;
        String area = ancestors.size() > 1 ? ancestors.get(1) : null;
        String line = ancestors.size() > 2 ? ancestors.get(2) : null;
        int before = problems.size();
        if (site == null || !mentionedSites.contains(site)) {
            problem(own.get("machine"), where + ".machine", "its site" + (site == null ? "" : " '" + model.snapshot().find(site).name() + "'")
                    + " has no entry under kpi.sites; add one (- site: NAME) with its zone and calendar");
        }
        StateSource state = null;
        if (!f.containsKey("state")) problem(n, where + ".state", "is required (here or in the machine type): how the machine's state is derived");
        else state = state(f.get("state"), where + ".state", id);
        CountsConfig counts = f.containsKey("counts") ? counts(f.get("counts"), where + ".counts", id) : null;
        Duration ict = duration(f.get("ideal-cycle-time"), where + ".ideal-cycle-time", true);
        String ictSignal = signal(f.get("ideal-cycle-time-signal"), where + ".ideal-cycle-time-signal", id);
        String productSignal = signal(f.get("product-signal"), where + ".product-signal", id);
        Map<String, Duration> byProduct = new LinkedHashMap<>();
        Node bp = f.get("ideal-cycle-time-by-product");
        if (bp != null) {
            Map<String, Node> m = mapping(bp, where + ".ideal-cycle-time-by-product");
            if (m != null) m.forEach((k, v) -> {
                Duration d = duration(v, where + ".ideal-cycle-time-by-product." + k, true);
                if (d != null) byProduct.put(k, d);
            });
            if (productSignal == null && !f.containsKey("product-signal")) problem(bp, where + ".ideal-cycle-time-by-product", "needs product-signal: the signal that names the current product");
        }
        EnergyConfig energy = f.containsKey("energy") ? energy(f.get("energy"), where + ".energy", id) : null;
        String reason = signal(f.get("reason-signal"), where + ".reason-signal", id);
        Duration micro = duration(f.get("micro-stop-threshold"), where + ".micro-stop-threshold", false);
        if (problems.size() > before || state == null) return null;
        try {
            return new MachineConfig(id, line, area, site, state, counts, ict, productSignal, byProduct, energy, reason, micro, ictSignal);
        } catch (IllegalArgumentException e) {
            problem(n, where, e.getMessage());
            return null;
        }
    }

    private StateSource state(Node n, String where, String machine) {
        Map<String, Node> f = fields(n, where, STATE);
        if (f == null) return null;
        MachineState otherwise = f.containsKey("otherwise") ? machineState(f.get("otherwise"), where + ".otherwise") : MachineState.UNKNOWN;
        if (f.containsKey("signal") == f.containsKey("rules")) {
            problem(n, where, "give either signal with values (an enumerated state signal) or rules, not " + (f.containsKey("signal") ? "both" : "neither"));
            return null;
        }
        if (f.containsKey("signal")) {
            String sig = signal(f.get("signal"), where + ".signal", machine);
            Map<String, MachineState> values = new LinkedHashMap<>();
            Node vn = f.get("values");
            if (vn == null) problem(n, where + ".values", "is required with signal: a map of signal value to state, like {\"1\": running}");
            else {
                Map<String, Node> m = mapping(vn, where + ".values");
                if (m != null) m.forEach((k, v) -> {
                    MachineState s = machineState(v, where + ".values." + k);
                    if (s != null) values.put(k, s);
                });
            }
            if (sig == null || otherwise == null) return null;
            return new StateSource.Enumerated(sig, values, otherwise);
        }
        List<StateSource.StateRule> rules = new ArrayList<>();
        boolean ok = true;
        for (Node r : yaml.list(f.get("rules"), where + ".rules")) {
            Map<String, Node> rf = fields(r, where + ".rules[]", RULE);
            if (rf == null) {
                ok = false;
                continue;
            }
            MachineState s = rf.containsKey("state") ? machineState(rf.get("state"), where + ".rules[].state") : null;
            if (!rf.containsKey("state")) problem(r, where + ".rules[].state", "is required: the state while the conditions hold");
            List<StateSource.Condition> conds = new ArrayList<>();
            List<Node> when = yaml.list(rf.get("when"), where + ".rules[].when");
            if (when.isEmpty()) {
                problem(r, where + ".rules[].when", "is required: at least one condition {signal, op, value}");
                ok = false;
            }
            for (Node c : when) {
                Map<String, Node> cf = fields(c, where + ".rules[].when[]", CONDITION);
                if (cf == null) {
                    ok = false;
                    continue;
                }
                String w = where + ".rules[].when[]";
                String sig = signal(cf.get("signal"), w + ".signal", machine);
                if (!cf.containsKey("signal")) problem(c, w + ".signal", "is required");
                String opText = yaml.scalar(cf.get("op"), w + ".op");
                StateSource.Op op = null;
                if (opText != null) {
                    try {
                        op = StateSource.Op.valueOf(opText.trim().toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        problem(cf.get("op"), w + ".op", "must be one of gt, ge, lt, le, eq, ne, but was '" + opText + "'");
                    }
                } else if (!cf.containsKey("op")) problem(c, w + ".op", "is required: gt, ge, lt, le, eq or ne");
                Double value = number(cf.get("value"), w + ".value");
                if (!cf.containsKey("value")) problem(c, w + ".value", "is required: the number to compare with (true/false as 1/0)");
                if (sig == null || op == null || value == null) ok = false;
                else conds.add(new StateSource.Condition(sig, op, value));
            }
            if (s == null) ok = false;
            else if (ok) rules.add(new StateSource.StateRule(s, conds));
        }
        if (!ok || otherwise == null) return null;
        try {
            return new StateSource.Rules(rules, otherwise);
        } catch (IllegalArgumentException e) {
            problem(n, where, e.getMessage());
            return null;
        }
    }

    private CountsConfig counts(Node n, String where, String machine) {
        Map<String, Node> f = fields(n, where, COUNTS);
        if (f == null) return null;
        return new CountsConfig(counter(f.get("produced"), where + ".produced", machine), counter(f.get("good"), where + ".good", machine),
                counter(f.get("reject"), where + ".reject", machine), counter(f.get("inspected"), where + ".inspected", machine),
                counter(f.get("first-pass-good"), where + ".first-pass-good", machine));
    }

    private CounterSignal counter(Node n, String where, String machine) {
        if (n == null) return null;
        Map<String, Node> f = fields(n, where, COUNTER);
        if (f == null) return null;
        String sig = signal(f.get("signal"), where + ".signal", machine);
        if (!f.containsKey("signal")) problem(n, where + ".signal", "is required: the counter's signal");
        String kind = yaml.scalar(f.get("kind"), where + ".kind");
        CounterSignal.Kind k = CounterSignal.Kind.CUMULATIVE;
        if (kind != null) {
            if (kind.equals("per-interval")) k = CounterSignal.Kind.PER_INTERVAL;
            else if (!kind.equals("cumulative")) {
                problem(f.get("kind"), where + ".kind", "must be cumulative or per-interval, but was '" + kind + "'");
                return null;
            }
        }
        Double max = f.containsKey("rollover-max") ? number(f.get("rollover-max"), where + ".rollover-max") : Double.valueOf(0);
        if (max != null && max < 0) {
            problem(f.get("rollover-max"), where + ".rollover-max", "must be 0 or positive, but was " + max);
            return null;
        }
        return sig == null || max == null ? null : new CounterSignal(sig, k, max);
    }

    private EnergyConfig energy(Node n, String where, String machine) {
        Map<String, Node> f = fields(n, where, ENERGY);
        if (f == null) return null;
        String sig = signal(f.get("signal"), where + ".signal", machine);
        if (!f.containsKey("signal")) problem(n, where + ".signal", "is required: the energy meter (kWh) or power (kW) signal");
        String kind = yaml.scalar(f.get("kind"), where + ".kind");
        EnergyConfig.Kind k = null;
        if ("meter-kwh".equals(kind)) k = EnergyConfig.Kind.METER_KWH;
        else if ("power-kw".equals(kind)) k = EnergyConfig.Kind.POWER_KW;
        else if (kind != null) problem(f.get("kind"), where + ".kind", "must be meter-kwh or power-kw, but was '" + kind + "'");
        else if (!f.containsKey("kind")) problem(n, where + ".kind", "is required: meter-kwh (cumulative kWh) or power-kw (integrated)");
        // the most the machine draws: a meter jump beyond it (× 1.5, + 1 kWh) is a data-quality event, not consumption
        Double maxPower = f.containsKey("max-power-kw") ? number(f.get("max-power-kw"), where + ".max-power-kw") : Double.valueOf(0);
        if (maxPower != null && !(maxPower >= 0 && maxPower < Double.POSITIVE_INFINITY)) {
            problem(f.get("max-power-kw"), where + ".max-power-kw", "must be 0 (no bound) or a positive number of kW, but was " + maxPower);
            return null;
        }
        return sig == null || k == null || maxPower == null ? null : new EnergyConfig(sig, k, maxPower);
    }

    /** A machine's signal by name, or any signal by id; null (reported) when unknown. */
    private String signal(Node n, String where, String machine) {
        String ref = yaml.scalar(n, where);
        if (ref == null) return null;
        Signal s = model.signalByName(machine, ref);
        if (s == null) s = model.signal(ref);
        if (s == null) {
            List<String> names = new ArrayList<>();
            for (Signal x : model.signals()) if (x.machineId().equals(machine)) names.add(x.name());
            problem(n, where, "no signal '" + ref + "' on machine " + machine + "; give one of its signal names " + names + " or a signal id");
            return null;
        }
        return s.id();
    }

    private MachineState machineState(Node n, String where) {
        String t = yaml.scalar(n, where);
        if (t == null) return null;
        try {
            return MachineState.parse(t);
        } catch (IllegalArgumentException e) {
            problem(n, where, "must be one of running, setup, unplanned-down, idle, starved, blocked, planned-down, unknown, but was '" + t + "'");
            return null;
        }
    }

    private Duration duration(Node n, String where, boolean positive) {
        String t = yaml.scalar(n, where);
        if (t == null) return null;
        try {
            Duration d = ConfigKey.parseDuration(t);
            if (d.isNegative() || positive && d.isZero()) {
                problem(n, where, "must be " + (positive ? "positive" : "0 or positive") + ", but was '" + t + "'");
                return null;
            }
            return d;
        } catch (IllegalArgumentException e) {
            problem(n, where, e.getMessage());
            return null;
        }
    }

    private Double number(Node n, String where) {
        String t = yaml.scalar(n, where);
        if (t == null) return null;
        String s = t.trim();
        if (s.equals("true")) return 1.0;
        if (s.equals("false")) return 0.0;
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            problem(n, where, "must be a number, but was '" + t + "'");
            return null;
        }
    }

    // ---- plant lookups ----

    private String resolveSite(String ref) {
        Asset root = model.snapshot();
        for (Asset s : root.children()) {
            if (s.level() == AssetLevel.SITE && (s.id().equals(ref) || s.name().equals(ref))) return s.id();
        }
        return null;
    }

    private List<String> siteNames() {
        List<String> out = new ArrayList<>();
        for (Asset s : model.snapshot().children()) out.add(s.name());
        return out;
    }

    /** Asset ids from the site down to the machine's parent. */
    private List<String> ancestors(String machine) {
        List<String> path = new ArrayList<>();
        for (Asset s : model.snapshot().children()) if (pathTo(s, machine, path)) return path;
        return List.of();
    }

    private static boolean pathTo(Asset a, String target, List<String> path) {
        if (a.id().equals(target)) return true;
        path.add(a.id());
        for (Asset c : a.children()) if (pathTo(c, target, path)) return true;
        path.remove(path.size() - 1);
        return false;
    }

    // ---- YAML helpers ----

    private Map<String, Node> fields(Node n, String where, Set<String> allowed) {
        return yaml.keys(n, where, allowed);
    }

    private Map<String, Node> mapping(Node n, String where) {
        if (!(n instanceof MappingNode m)) {
            problem(n, where, "must be a mapping of keys to values");
            return null;
        }
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            String k = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : "?";
            if (out.put(k, t.getValueNode()) != null) problem(t.getKeyNode(), where + "." + k, "appears twice; keep one");
        }
        return out;
    }



    private void problem(Node n, String key, String message) {
        yaml.add(n, key, message);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new LinkedHashSet<>(a);
        out.addAll(b);
        return Set.copyOf(out);
    }
}
