package io.lathe.server.config;

import io.lathe.model.DataType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads the one YAML file that holds the plant model, the connections and the server settings, and applies
 * environment overrides. Walks SnakeYAML's node tree rather than binding objects so every problem can name its line.
 * Collects all problems before failing.
 */
public final class ConfigLoader {

    private static final Set<String> SETTING_SECTIONS = Set.of("server", "auth", "mqtt", "sparkplug", "store", "ingest", "simulator", "predict");
    private static final Set<String> TOP = Set.of("server", "auth", "mqtt", "sparkplug", "store", "ingest", "simulator", "predict", "plant", "connections",
            "kpi", "alarms");

    private final String file;
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final Map<String, Object> values = new HashMap<>();
    private final Map<String, String> origins = new HashMap<>();

    private ConfigLoader(String file) {
        this.file = file;
    }

    public static LatheConfig load(Path path, Map<String, String> env) throws ConfigException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(new ConfigProblem(path.toString(), 0, "--config",
                    "file not found. Check the path, or run `lathe demo` to try Lathe without a configuration.")));
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigProblem(path.toString(), 0, "--config", "cannot read the file: " + e.getMessage())));
        }
        return load(text, path.toString(), env);
    }

    public static LatheConfig load(String yaml, String fileName, Map<String, String> env) throws ConfigException {
        return new ConfigLoader(fileName).parse(yaml, env);
    }

    private LatheConfig parse(String yaml, Map<String, String> env) throws ConfigException {
        for (ConfigKey k : Keys.ALL) {
            if (k.defaultValue() != null) values.put(k.name(), k.parse(k.defaultValue()));
        }
        Node root = null;
        try {
            Optional<Node> n = new Compose(LoadSettings.builder().setLabel(file).build()).composeString(yaml);
            root = n.orElse(null);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
            problems.add(new ConfigProblem(file, line, "(yaml)", "not valid YAML: " + e.getProblem()));
        } catch (YamlEngineException e) {
            problems.add(new ConfigProblem(file, 0, "(yaml)", "not valid YAML: " + e.getMessage()));
        }
        PlantSpec plant = new PlantSpec("Plant", List.of());
        Node connectionsNode = null;
        Node kpiNode = null;
        Node alarmsNode = null;
        Map<String, Node> alarmSections = new java.util.LinkedHashMap<>();
        if (root != null) {
            MappingNode top = mapping(root, "(top level)");
            if (top != null) {
                for (NodeTuple t : entries(top, "", TOP)) {
                    String section = key(t);
                    if (section.equals("plant")) {
                        PlantSpec p = plant(t.getValueNode());
                        if (p != null) plant = p;
                    } else if (section.equals("connections")) {
                        connectionsNode = t.getValueNode();
                    } else if (section.equals("kpi")) {
                        kpiNode = t.getValueNode();
                    } else if (section.equals("alarms")) {
                        // types, machines and notify are alarm definitions; the other keys are settings (Keys: alarms.*)
                        alarmsNode = t.getValueNode();
                        if (alarmsNode instanceof MappingNode am) {
                            List<NodeTuple> scalars = new ArrayList<>();
                            for (NodeTuple at : am.getValue()) {
                                if (AlarmConfigParser.SECTIONS.contains(key(at))) alarmSections.put(key(at), at.getValueNode());
                                else scalars.add(at);
                            }
                            settings("alarms", new MappingNode(am.getTag(), scalars, am.getFlowStyle()));
                        } else if (!(alarmsNode instanceof ScalarNode sn && sn.getValue().isEmpty())) {
                            settings("alarms", alarmsNode);
                        }
                    } else if (SETTING_SECTIONS.contains(section)) {
                        settings(section, t.getValueNode());
                    }
                }
            }
        }
        applyEnv(env);
        // Connections name machines of the declared plant, so they are read against the model it builds.
        List<Record> connections = List.of();
        if (connectionsNode != null) {
            try {
                connections = ConnectionsParser.parse(file, connectionsNode, PlantBuilder.build(plant), problems, env);
            } catch (IllegalArgumentException e) {
                problems.add(problem(connectionsNode, "connections", "cannot be checked while the plant has errors: " + e.getMessage()));
            }
        }
        io.lathe.kpi.KpiConfig kpi = null;
        if (kpiNode != null) {
            try {
                kpi = KpiConfigParser.parse(file, kpiNode, PlantBuilder.build(plant), problems);
            } catch (IllegalArgumentException e) {
                problems.add(problem(kpiNode, "kpi", "cannot be checked while the plant has errors: " + e.getMessage()));
            }
        }
        AlarmConfig alarms = AlarmConfig.NONE;
        if (!alarmSections.isEmpty()) {
            try {
                AlarmConfig a = AlarmConfigParser.parse(file, alarmSections, PlantBuilder.build(plant), problems);
                if (a != null) alarms = a;
            } catch (IllegalArgumentException e) {
                problems.add(problem(alarmsNode, "alarms", "cannot be checked while the plant has errors: " + e.getMessage()));
            }
        }
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return new LatheConfig(new Settings(values, origins), plant, file, connections, kpi, alarms);
    }

    private void settings(String prefix, Node node) {
        MappingNode m = mapping(node, prefix);
        if (m == null) return;
        for (NodeTuple t : m.getValue()) {
            String name = prefix + "." + key(t);
            Node v = t.getValueNode();
            ConfigKey k = Keys.BY_NAME.get(name);
            if (k == null && v instanceof MappingNode && hasKeyUnder(name)) {
                settings(name, v);
                continue;
            }
            if (k == null) {
                problems.add(problem(t.getKeyNode(), name, "unknown key" + suggest(name, Keys.BY_NAME.keySet())));
                continue;
            }
            String raw;
            if (v instanceof ScalarNode s) {
                raw = s.getValue();
            } else if (v instanceof SequenceNode seq && k.type() == ConfigKey.Type.LIST) {
                List<String> items = new ArrayList<>();
                for (Node item : seq.getValue()) {
                    if (item instanceof ScalarNode s) items.add(s.getValue());
                    else problems.add(problem(item, name, "list items must be plain values"));
                }
                raw = String.join(",", items);
            } else {
                problems.add(problem(v, name, "must be a single " + k.type().label() + " value"));
                continue;
            }
            if (raw.isEmpty() && k.type() != ConfigKey.Type.STRING && k.type() != ConfigKey.Type.LIST) continue;
            try {
                values.put(name, parse(k, raw));
                origins.put(name, file + ":" + line(t.getKeyNode()));
            } catch (IllegalArgumentException e) {
                problems.add(problem(v, name, e.getMessage()));
            }
        }
    }

    /** A key's value, checked further where its type alone does not say enough. */
    private static Object parse(ConfigKey k, String raw) {
        Object v = k.parse(raw);
        if (k == Keys.PREDICT_VIBRATION_ZONES) {
            @SuppressWarnings("unchecked")
            List<String> rules = (List<String>) v;
            try {
                io.lathe.predict.live.VibrationZones.parse(rules);
            } catch (IllegalArgumentException e) { // the problem names the key already
                throw new IllegalArgumentException(e.getMessage().replaceFirst("^" + java.util.regex.Pattern.quote(k.name() + ": "), ""), e);
            }
        }
        return v;
    }

    private static boolean hasKeyUnder(String prefix) {
        for (String k : Keys.BY_NAME.keySet()) if (k.startsWith(prefix + ".")) return true;
        return false;
    }

    private void applyEnv(Map<String, String> env) {
        for (ConfigKey k : Keys.ALL) {
            String raw = env.get(k.envVar());
            if (raw == null) continue;
            try {
                values.put(k.name(), parse(k, raw));
                origins.put(k.name(), "environment " + k.envVar());
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigProblem("environment", 0, k.envVar() + " (" + k.name() + ")", e.getMessage()));
            }
        }
    }

    private PlantSpec plant(Node node) {
        MappingNode m = mapping(node, "plant");
        if (m == null) return null;
        String enterprise = null;
        List<PlantSpec.Site> sites = new ArrayList<>();
        for (NodeTuple t : entries(m, "plant", Set.of("enterprise", "sites"))) {
            switch (key(t)) {
                case "enterprise" -> enterprise = scalar(t.getValueNode(), "plant.enterprise");
                case "sites" -> {
                    for (Node s : sequence(t.getValueNode(), "plant.sites")) sites.add(site(s));
                    uniqueNames(sites.stream().map(PlantSpec.Site::name).toList(), t.getValueNode(), "plant.sites");
                }
                default -> { }
            }
        }
        if (enterprise == null || enterprise.isBlank()) {
            problems.add(problem(node, "plant.enterprise", "is required: the name of the company at the top of the ISA-95 tree"));
            enterprise = "Plant";
        }
        return new PlantSpec(enterprise, sites);
    }

    private PlantSpec.Site site(Node node) {
        Map<String, Node> f = fields(node, "plant.sites[]", Set.of("name", "description", "areas"));
        String name = required(f, node, "plant.sites[].name");
        List<PlantSpec.Area> areas = new ArrayList<>();
        for (Node a : sequence(f.get("areas"), "plant.sites[" + name + "].areas")) areas.add(area(a, name));
        uniqueNames(areas.stream().map(PlantSpec.Area::name).toList(), f.get("areas"), "areas of site " + name);
        return new PlantSpec.Site(name, optional(f, "description"), areas);
    }

    private PlantSpec.Area area(Node node, String site) {
        String where = "plant.sites[" + site + "].areas[]";
        Map<String, Node> f = fields(node, where, Set.of("name", "description", "lines"));
        String name = required(f, node, where + ".name");
        List<PlantSpec.Line> lines = new ArrayList<>();
        for (Node l : sequence(f.get("lines"), where + ".lines")) lines.add(line(l, name));
        uniqueNames(lines.stream().map(PlantSpec.Line::name).toList(), f.get("lines"), "lines of area " + name);
        return new PlantSpec.Area(name, optional(f, "description"), lines);
    }

    private PlantSpec.Line line(Node node, String area) {
        String where = "areas[" + area + "].lines[]";
        Map<String, Node> f = fields(node, where, Set.of("name", "description", "machines"));
        String name = required(f, node, where + ".name");
        List<PlantSpec.Machine> machines = new ArrayList<>();
        for (Node mc : sequence(f.get("machines"), where + ".machines")) machines.add(machine(mc, name));
        uniqueNames(machines.stream().map(PlantSpec.Machine::name).toList(), f.get("machines"), "machines of line " + name);
        return new PlantSpec.Line(name, optional(f, "description"), machines);
    }

    private PlantSpec.Machine machine(Node node, String line) {
        String where = "lines[" + line + "].machines[]";
        Map<String, Node> f = fields(node, where, Set.of("name", "description", "source", "signals"));
        String name = required(f, node, where + ".name");
        String source = optional(f, "source");
        if (!source.isEmpty() && !source.startsWith("sparkplug:")) {
            problems.add(problem(f.get("source"), where + ".source",
                    "must look like sparkplug:<group>/<edge node>/<device>, but was '" + source + "'"));
        }
        List<PlantSpec.SignalSpec> signals = new ArrayList<>();
        for (Node s : sequence(f.get("signals"), where + ".signals")) {
            PlantSpec.SignalSpec spec = signal(s, name);
            if (spec != null) signals.add(spec);
        }
        uniqueNames(signals.stream().map(PlantSpec.SignalSpec::name).toList(), f.get("signals"), "signals of machine " + name);
        return new PlantSpec.Machine(name, optional(f, "description"), source, signals);
    }

    private PlantSpec.SignalSpec signal(Node node, String machine) {
        String where = "machines[" + machine + "].signals[]";
        Map<String, Node> f = fields(node, where, Set.of("name", "type", "unit", "description", "source"));
        String name = required(f, node, where + ".name");
        String typeText = f.containsKey("type") ? scalar(f.get("type"), where + ".type") : "double";
        DataType type = typeText == null ? DataType.DOUBLE : DataType.parse(typeText);
        if (type == null) {
            problems.add(problem(f.get("type"), where + ".type", "must be one of double, long, boolean, text, but was '" + typeText + "'"));
            type = DataType.DOUBLE;
        }
        return new PlantSpec.SignalSpec(name, type, optional(f, "unit"), optional(f, "description"), optional(f, "source"));
    }

    // ---- node helpers ----

    private Map<String, Node> fields(Node node, String where, Set<String> allowed) {
        Map<String, Node> out = new HashMap<>();
        MappingNode m = mapping(node, where);
        if (m == null) return out;
        for (NodeTuple t : entries(m, where, allowed)) out.put(key(t), t.getValueNode());
        return out;
    }

    /** The mapping's entries whose keys are allowed; reports unknown and duplicate keys. */
    private List<NodeTuple> entries(MappingNode m, String where, Set<String> allowed) {
        List<NodeTuple> ok = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (NodeTuple t : m.getValue()) {
            String k = key(t);
            String full = where.isEmpty() ? k : where + "." + k;
            if (!allowed.contains(k)) {
                problems.add(problem(t.getKeyNode(), full, "unknown key" + suggest(k, allowed)));
            } else if (!seen.add(k)) {
                problems.add(problem(t.getKeyNode(), full, "appears twice; keep one"));
            } else {
                ok.add(t);
            }
        }
        return ok;
    }

    private String required(Map<String, Node> f, Node owner, String key) {
        Node n = f.get(key.substring(key.lastIndexOf('.') + 1));
        String v = n == null ? null : scalar(n, key);
        if (v == null || v.isBlank()) {
            problems.add(problem(owner, key, "is required"));
            return "?";
        }
        return v;
    }

    private String optional(Map<String, Node> f, String name) {
        Node n = f.get(name);
        if (n == null) return "";
        String v = scalar(n, name);
        return v == null ? "" : v;
    }

    private MappingNode mapping(Node n, String where) {
        if (n instanceof MappingNode m) return m;
        if (n instanceof ScalarNode s && s.getValue().isEmpty()) return null;
        problems.add(problem(n, where, "must be a mapping of keys to values"));
        return null;
    }

    private List<Node> sequence(Node n, String where) {
        if (n == null || (n instanceof ScalarNode s && s.getValue().isEmpty())) return List.of();
        if (n instanceof SequenceNode seq) return seq.getValue();
        problems.add(problem(n, where, "must be a list (lines starting with '- ')"));
        return List.of();
    }

    private String scalar(Node n, String where) {
        if (n instanceof ScalarNode s) return s.getValue();
        problems.add(problem(n, where, "must be a single value"));
        return null;
    }

    private void uniqueNames(List<String> names, Node where, String what) {
        Set<String> seen = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n)) problems.add(problem(where, what, "name '" + n + "' is used twice; names must be unique among siblings"));
        }
    }

    private static String key(NodeTuple t) {
        return t.getKeyNode() instanceof ScalarNode s ? s.getValue() : "?";
    }

    private ConfigProblem problem(Node n, String key, String message) {
        return new ConfigProblem(file, n == null ? 0 : line(n), key, message);
    }

    private static int line(Node n) {
        return YamlProblems.line(n);
    }

    static String suggest(String key, Collection<String> known) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        if (best != null && bestD <= Math.max(2, key.length() / 3)) return "; did you mean '" + best + "'?";
        return "; known keys here: " + String.join(", ", known.stream().sorted().toList());
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + c);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
