package io.lathe.server.config;

import io.lathe.alarm.AlarmRule;
import io.lathe.alarm.NotifySettings;
import io.lathe.alarm.Priority;
import io.lathe.alarm.RuleCodec;
import io.lathe.model.Asset;
import io.lathe.model.PlantModel;
import java.net.URI;
import java.time.DayOfWeek;
import java.time.Duration;
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
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads the alarm definitions and notification settings of the {@code alarms:} section against the declared plant.
 * Every problem names its line and key, with a "did you mean" for misspelt keys, like the rest of the file.
 *
 * <pre>
 * alarms:
 *   max-shelve: 8h                       # scalar settings, see Keys (alarms.*)
 *   types:
 *     - name: virtual-machine
 *       alarms:
 *         - { name: Vibration high, kind: limit, signal: Vibration RMS, type: H, limit: 4.5, deadband: 0.3, priority: high }
 *   machines:
 *     - { machine: Springfield/Machining/Line A/Band Saw, type: virtual-machine }
 *     - machine: Springfield/Assembly/Cell 1/CNC Mill
 *       alarms: [ { name: Temperature HH, kind: limit, signal: Temperature, type: HH, limit: 60, priority: urgent } ]
 *   notify:
 *     zone: Europe/Berlin
 *     channels:
 *       - { name: ops, webhook: https://ops.example/hooks/lathe, secret: ..., max-attempts: 5 }
 *       - { name: shift, smtp-host: mail.example, smtp-port: 587, starttls: true, username: ..., password: ..., from: lathe@example, to: [lead@example] }
 *         (optional ca-file: a PEM of the CA or self-signed certificate the SMTP server's certificate must chain to)
 *     routes:
 *       - { channels: [ops], priorities: [urgent, high], assets: [Springfield/Machining], escalate-after: 15m, escalate-to: [shift],
 *           schedule: [ { days: [mon, tue, wed, thu, fri], start: "06:00", end: "22:00" } ] }
 * </pre>
 */
public final class AlarmConfigParser {
    /** Keys of {@code alarms:} that this parser reads; the others are settings of {@link Keys}. */
    public static final Set<String> SECTIONS = Set.of("types", "machines", "notify");
    private static final Set<String> TYPE = Set.of("name", "alarms");
    private static final Set<String> MACHINE = Set.of("machine", "type", "alarms");
    private static final Set<String> NOTIFY = Set.of("zone", "channels", "routes");
    private static final Set<String> CHANNEL = Set.of("name", "webhook", "secret", "max-attempts", "smtp-host", "smtp-port", "starttls",
            "username", "password", "from", "to", "ca-file");
    private static final Set<String> ROUTE = Set.of("channels", "priorities", "assets", "schedule", "escalate-after", "escalate-to");
    private static final Set<String> WINDOW = Set.of("days", "start", "end");

    private final PlantModel model;
    private final YamlProblems yaml;
    private final List<ConfigProblem> problems;

    private AlarmConfigParser(String file, PlantModel model, List<ConfigProblem> problems) {
        this.model = model;
        this.problems = problems;
        // Machine-type rules are checked once per machine: the same problem at the same line is reported once.
        this.yaml = new YamlProblems(file, problems, true);
    }

    /**
     * @param sections the {@code types}, {@code machines} and {@code notify} nodes of {@code alarms:} (any may be absent)
     * @return the configuration, or null when there were problems
     */
    public static AlarmConfig parse(String file, Map<String, Node> sections, PlantModel model, List<ConfigProblem> problems) {
        int before = problems.size();
        AlarmConfigParser p = new AlarmConfigParser(file, model, problems);
        AlarmConfig c = p.alarms(sections);
        return problems.size() > before ? null : c;
    }

    private AlarmConfig alarms(Map<String, Node> s) {
        Map<String, List<Node>> types = new LinkedHashMap<>();
        for (Node n : yaml.list(s.get("types"), "alarms.types")) {
            Map<String, Node> f = yaml.keys(n, "alarms.types[]", TYPE);
            if (f == null) continue;
            String name = yaml.scalar(f.get("name"), "alarms.types[].name");
            if (name == null) {
                problem(n, "alarms.types[].name", "is required: the name machines give as 'type'");
                continue;
            }
            if (types.put(name, yaml.list(f.get("alarms"), "alarms.types[" + name + "].alarms")) != null) {
                problem(f.get("name"), "alarms.types[" + name + "].name", "'" + name + "' is used twice; type names must be unique");
            }
        }
        List<AlarmRule> rules = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Node n : yaml.list(s.get("machines"), "alarms.machines")) {
            Map<String, Node> f = yaml.keys(n, "alarms.machines[]", MACHINE);
            if (f == null) continue;
            String ref = yaml.scalar(f.get("machine"), "alarms.machines[].machine");
            if (ref == null) {
                problem(n, "alarms.machines[].machine", "is required: a machine's path like Site/Area/Line/Machine or its asset id");
                continue;
            }
            String where = "alarms.machines[" + ref + "]";
            String machine = ConnectionsParser.resolveMachine(model, ref);
            if (machine == null) {
                problem(f.get("machine"), where + ".machine", "no machine '" + ref + "' in plant; give a machine's id or its path like Site/Area/Line/Machine");
                continue;
            }
            List<Node> ruleNodes = new ArrayList<>();
            String type = yaml.scalar(f.get("type"), where + ".type");
            if (type != null) {
                List<Node> t = types.get(type);
                if (t == null) problem(f.get("type"), where + ".type", "no alarm type '" + type + "' under alarms.types" + ConfigLoader.suggest(type, types.keySet())
                        + "; known types: " + types.keySet());
                else ruleNodes.addAll(t);
            }
            ruleNodes.addAll(yaml.list(f.get("alarms"), where + ".alarms"));
            for (Node r : ruleNodes) {
                AlarmRule rule = rule(r, machine, where);
                if (rule == null) continue;
                if (!ids.add(rule.id())) problem(r, where + ".alarms[" + rule.name() + "]", "a second alarm named '" + rule.name() + "' on this machine; names must be unique per machine");
                else rules.add(rule);
            }
        }
        NotifySettings notify = s.containsKey("notify") ? notify(s.get("notify")) : null;
        return new AlarmConfig(rules, notify);
    }

    private AlarmRule rule(Node n, String machine, String where) {
        Map<String, Node> f = yaml.keys(n, where + ".alarms[]", RuleCodec.ALL_FIELDS);
        if (f == null) return null;
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : f.entrySet()) {
            if (e.getKey().equals("machine") || e.getKey().equals("id")) {
                problem(e.getValue(), where + ".alarms[]." + e.getKey(), "is not set here: the alarm belongs to the machine of this entry");
                return null;
            }
            if (e.getValue() instanceof SequenceNode seq) {
                List<String> items = new ArrayList<>();
                for (Node i : seq.getValue()) items.add(yaml.scalar(i, where + "." + e.getKey()));
                values.put(e.getKey(), items);
            } else {
                values.put(e.getKey(), yaml.scalar(e.getValue(), where + ".alarms[]." + e.getKey()));
            }
        }
        Object name = values.get("name");
        String at = where + ".alarms[" + (name == null ? "" : name) + "]";
        return RuleCodec.fromMap(values, machine, model, "config", (field, message) -> problem(f.getOrDefault(field, n), at + "." + field, message));
    }

    // ---- notify ----

    private NotifySettings notify(Node node) {
        Map<String, Node> f = yaml.keys(node, "alarms.notify", NOTIFY);
        if (f == null) return null;
        ZoneId zone = ZoneId.of("UTC");
        String z = yaml.scalar(f.get("zone"), "alarms.notify.zone");
        if (z != null) {
            try {
                zone = ZoneId.of(z);
            } catch (RuntimeException e) {
                problem(f.get("zone"), "alarms.notify.zone", "must be a time zone id such as Europe/Berlin or UTC, but was '" + z + "'");
            }
        }
        List<NotifySettings.Channel> channels = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Node n : yaml.list(f.get("channels"), "alarms.notify.channels")) {
            NotifySettings.Channel c = channel(n);
            if (c == null) continue;
            if (!names.add(c.name())) problem(n, "alarms.notify.channels[" + c.name() + "]", "the channel name is used twice");
            else channels.add(c);
        }
        List<NotifySettings.Route> routes = new ArrayList<>();
        int i = 0;
        for (Node n : yaml.list(f.get("routes"), "alarms.notify.routes")) {
            NotifySettings.Route r = route(n, "alarms.notify.routes[" + i++ + "]", names);
            if (r != null) routes.add(r);
        }
        return new NotifySettings(channels, routes, null, zone);
    }

    private NotifySettings.Channel channel(Node n) {
        Map<String, Node> f = yaml.keys(n, "alarms.notify.channels[]", CHANNEL);
        if (f == null) return null;
        String name = yaml.scalar(f.get("name"), "alarms.notify.channels[].name");
        if (name == null) {
            problem(n, "alarms.notify.channels[].name", "is required: the name routes use");
            return null;
        }
        String w = "alarms.notify.channels[" + name + "]";
        Integer attempts = integer(f.get("max-attempts"), w + ".max-attempts", 5);
        try {
            if (f.containsKey("webhook")) {
                String url = yaml.scalar(f.get("webhook"), w + ".webhook");
                URI u = url == null ? null : URI.create(url);
                if (u == null || u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                    problem(f.get("webhook"), w + ".webhook", "must be an http:// or https:// URL, but was '" + url + "'");
                    return null;
                }
                for (String k : List.of("smtp-host", "smtp-port", "starttls", "username", "password", "from", "to", "ca-file")) {
                    if (f.containsKey(k)) problem(f.get(k), w + "." + k, "is for e-mail channels; a webhook channel takes webhook, secret and max-attempts");
                }
                return new NotifySettings.Webhook(name, u, yaml.scalar(f.get("secret"), w + ".secret"), attempts == null ? 5 : attempts, null);
            }
            if (f.containsKey("smtp-host")) {
                String host = yaml.scalar(f.get("smtp-host"), w + ".smtp-host");
                Integer port = integer(f.get("smtp-port"), w + ".smtp-port", 587);
                String starttls = yaml.scalar(f.get("starttls"), w + ".starttls");
                String caFile = yaml.scalar(f.get("ca-file"), w + ".ca-file");
                String from = yaml.scalar(f.get("from"), w + ".from");
                if (from == null) problem(n, w + ".from", "is required: the sender address");
                List<String> to = new ArrayList<>();
                for (Node t : yaml.list(f.get("to"), w + ".to")) to.add(yaml.scalar(t, w + ".to"));
                if (f.get("to") instanceof ScalarNode one && !one.getValue().isEmpty()) to.add(one.getValue());
                if (to.isEmpty()) problem(n, w + ".to", "is required: at least one recipient address");
                if (from == null || to.isEmpty() || host == null || port == null) return null;
                return new NotifySettings.Email(name, host, port, starttls == null || Boolean.parseBoolean(starttls),
                        yaml.scalar(f.get("username"), w + ".username"), yaml.scalar(f.get("password"), w + ".password"), from, to, attempts == null ? 3 : attempts,
                        caFile == null ? null : java.nio.file.Path.of(caFile)); // PEM trusted for the server's certificate
            }
        } catch (IllegalArgumentException e) {
            problem(n, w, e.getMessage());
            return null;
        }
        problem(n, w, "needs webhook (an http/https URL) or smtp-host (an e-mail server)");
        return null;
    }

    private NotifySettings.Route route(Node n, String w, Set<String> channels) {
        Map<String, Node> f = yaml.keys(n, w, ROUTE);
        if (f == null) return null;
        int before = problems.size();
        List<String> via = strings(f.get("channels"), w + ".channels");
        if (via.isEmpty()) problem(n, w + ".channels", "is required: the channel names to send to");
        for (String c : via) if (!channels.contains(c)) problem(f.get("channels"), w + ".channels", "no channel '" + c + "'" + ConfigLoader.suggest(c, channels) + "; channels: " + channels);
        List<String> esc = strings(f.get("escalate-to"), w + ".escalate-to");
        for (String c : esc) if (!channels.contains(c)) problem(f.get("escalate-to"), w + ".escalate-to", "no channel '" + c + "'" + ConfigLoader.suggest(c, channels));
        Set<Priority> priorities = EnumSet.noneOf(Priority.class);
        for (String p : strings(f.get("priorities"), w + ".priorities")) {
            Priority pr = Priority.parse(p);
            if (pr == null) problem(f.get("priorities"), w + ".priorities", "must be urgent, high, medium or low, but was '" + p + "'");
            else priorities.add(pr);
        }
        List<String> assets = new ArrayList<>();
        for (String a : strings(f.get("assets"), w + ".assets")) {
            String id = asset(a);
            if (id == null) problem(f.get("assets"), w + ".assets", "no asset '" + a + "' in plant; give an asset id or a path like Site/Area");
            else assets.add(id);
        }
        List<NotifySettings.Window> windows = new ArrayList<>();
        for (Node wn : yaml.list(f.get("schedule"), w + ".schedule")) {
            Map<String, Node> wf = yaml.keys(wn, w + ".schedule[]", WINDOW);
            if (wf == null) continue;
            Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
            List<String> dayNames = strings(wf.get("days"), w + ".schedule[].days");
            if (dayNames.isEmpty()) days = EnumSet.allOf(DayOfWeek.class);
            for (String d : dayNames) {
                DayOfWeek day = day(d);
                if (day == null) problem(wf.get("days"), w + ".schedule[].days", "must be mon, tue, wed, thu, fri, sat or sun, but was '" + d + "'");
                else days.add(day);
            }
            LocalTime start = time(wf.get("start"), w + ".schedule[].start"), end = time(wf.get("end"), w + ".schedule[].end");
            if (start != null && end != null) windows.add(new NotifySettings.Window(days, start, end));
        }
        Duration after = null;
        String a = yaml.scalar(f.get("escalate-after"), w + ".escalate-after");
        if (a != null) {
            try {
                after = RuleCodec.parseDuration(a);
            } catch (RuntimeException e) {
                problem(f.get("escalate-after"), w + ".escalate-after", "must be a duration like 15m, but was '" + a + "'");
            }
            if (esc.isEmpty()) problem(f.get("escalate-after"), w + ".escalate-to", "is required with escalate-after: the channels to escalate to");
        }
        if (problems.size() > before) return null;
        return new NotifySettings.Route(via, priorities, assets, windows, after, esc);
    }

    private String asset(String ref) {
        Asset root = model.snapshot();
        if (root.find(ref) != null) return ref;
        String[] parts = ref.split("/");
        Asset at = root;
        for (int i = parts[0].trim().equals(root.name()) ? 1 : 0; i < parts.length && at != null; i++) {
            Asset next = null;
            for (Asset c : at.children()) if (c.name().equals(parts[i].trim())) next = c;
            at = next;
        }
        return at == null || at == root ? null : at.id();
    }

    private static DayOfWeek day(String t) {
        for (DayOfWeek d : DayOfWeek.values()) if (d.name().substring(0, 3).equalsIgnoreCase(t.strip())) return d;
        return null;
    }

    private LocalTime time(Node n, String where) {
        String t = yaml.scalar(n, where);
        if (t == null) {
            problem(n, where, "is required: a local time like \"06:00\"");
            return null;
        }
        try {
            return LocalTime.parse(t.length() == 4 ? "0" + t : t);
        } catch (RuntimeException e) {
            problem(n, where, "must be a local time like \"06:00\" (quote it), but was '" + t + "'");
            return null;
        }
    }

    private Integer integer(Node n, String where, int dflt) {
        String t = yaml.scalar(n, where);
        if (t == null) return dflt;
        try {
            return Integer.parseInt(t.strip());
        } catch (NumberFormatException e) {
            problem(n, where, "must be a whole number, but was '" + t + "'");
            return null;
        }
    }

    private List<String> strings(Node n, String where) {
        List<String> out = new ArrayList<>();
        if (n instanceof ScalarNode s) {
            if (!s.getValue().isEmpty()) out.add(s.getValue().toLowerCase(Locale.ROOT).equals(s.getValue()) ? s.getValue() : s.getValue());
            return out;
        }
        for (Node i : yaml.list(n, where)) {
            String v = yaml.scalar(i, where);
            if (v != null) out.add(v);
        }
        return out;
    }



    private void problem(Node n, String key, String message) {
        yaml.add(n, key, message);
    }
}
