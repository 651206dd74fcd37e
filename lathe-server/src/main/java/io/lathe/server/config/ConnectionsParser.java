package io.lathe.server.config;

import io.lathe.model.Asset;
import io.lathe.model.AssetLevel;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.modbus.Endianness;
import io.lathe.modbus.ModbusConfig;
import io.lathe.modbus.ModbusDataType;
import io.lathe.modbus.ModbusDevice;
import io.lathe.modbus.ModbusPoint;
import io.lathe.modbus.ModbusTable;
import io.lathe.mqttjson.MqttJsonConfig;
import io.lathe.mqttjson.MqttJsonField;
import io.lathe.mqttjson.MqttJsonTopic;
import io.lathe.opcua.DeadbandType;
import io.lathe.opcua.OpcUaConfig;
import io.lathe.opcua.OpcUaNode;
import io.lathe.opcua.SecurityPolicyName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Parses the top-level {@code connections:} list into the connectors' configuration records
 * ({@link OpcUaConfig}, {@link ModbusConfig}, {@link MqttJsonConfig}). Keys are the kebab-case names documented on
 * those records, plus {@code name} and {@code type} ({@code opcua}, {@code modbus}, {@code mqtt-json}).
 *
 * <p>A {@code machine} is either a machine asset id ({@code lathe-demo-works.springfield.machining.line-a.band-saw})
 * or a path of asset names separated by {@code /} from the site down ({@code Springfield/Machining/Line A/Band Saw};
 * the enterprise name may lead). It must name a machine declared under {@code plant:}; the records hold the id.
 *
 * <p>Every problem is collected with the line of the offending key or entry; a record's own validation message is
 * reported at the line of the list entry that built it. An OPC UA connection without {@code data-dir} gets
 * {@link #SERVER_DATA_DIR}, which the server replaces with its data folder.
 */
public final class ConnectionsParser {

    /** Placeholder data folder of an OPC UA connection that does not set {@code data-dir}: the server's is used. */
    public static final Path SERVER_DATA_DIR = Path.of("");

    static final Set<String> TYPES = new LinkedHashSet<>(List.of("opcua", "modbus", "mqtt-json"));
    private static final Set<String> OPCUA = Set.of("name", "type", "endpoint", "security-policy", "username", "password",
            "data-dir", "machine", "publishing-interval", "request-timeout", "reconnect-max-delay", "nodes");
    private static final Set<String> OPCUA_NODE = Set.of("node-id", "signal", "machine", "type", "sampling-interval",
            "queue-size", "deadband-type", "deadband", "unit", "description");
    private static final Set<String> MODBUS = Set.of("name", "type", "host", "port", "connect-timeout", "request-timeout",
            "retries", "max-gap-registers", "max-registers-per-request", "max-bits-per-request", "devices");
    private static final Set<String> MODBUS_DEVICE = Set.of("unit-id", "machine", "poll-interval", "points");
    private static final Set<String> MODBUS_POINT = Set.of("signal", "table", "address", "type", "word-order",
            "byte-order", "scale", "offset", "unit", "description");
    private static final Set<String> MQTT = Set.of("name", "type", "broker", "client-id", "username", "password", "qos",
            "machine", "topics");
    private static final Set<String> MQTT_TOPIC = Set.of("topic", "machine", "timestamp-field", "fields");
    private static final Set<String> MQTT_FIELD = Set.of("field", "signal", "type", "unit", "description");

    private final String file;
    private final PlantModel model;
    private final List<ConfigProblem> problems;
    private final YamlProblems yaml;
    private final Map<String, String> env;

    private ConnectionsParser(String file, PlantModel model, List<ConfigProblem> problems, Map<String, String> env) {
        this.file = file;
        this.model = model;
        this.problems = problems;
        this.yaml = new YamlProblems(file, problems);
        this.env = env;
    }

    /**
     * Parses the value of {@code connections:}.
     *
     * @param node     the YAML node (a sequence); null or empty gives an empty list
     * @param model    the plant declared in the same file, to resolve machines
     * @param problems where problems are added
     * @param env      environment variables: a value written exactly {@code ${NAME}} (a password, say) is taken from
     *                 variable {@code NAME}, which must be set
     * @return the configurations that are valid, in file order
     */
    public static List<Record> parse(String file, Node node, PlantModel model, List<ConfigProblem> problems,
                                     Map<String, String> env) {
        return new ConnectionsParser(file, model, problems, env).connections(node);
    }

    private List<Record> connections(Node node) {
        List<Record> out = new ArrayList<>();
        if (node == null || node instanceof ScalarNode s && s.getValue().isEmpty()) return out;
        if (!(node instanceof SequenceNode seq)) {
            problem(node, "connections", "must be a list of connections (lines starting with '- name: ...')");
            return out;
        }
        Set<String> names = new HashSet<>();
        for (Node item : seq.getValue()) {
            if (!(item instanceof MappingNode m)) {
                problem(item, "connections[]", "must be a mapping with name, type and the connection's keys");
                continue;
            }
            Map<String, Node> raw = new HashMap<>();
            for (NodeTuple t : m.getValue()) raw.put(key(t), t.getValueNode());
            String name = raw.get("name") instanceof ScalarNode s ? s.getValue() : null;
            String where = "connections[" + (name == null ? "?" : name) + "]";
            if (name == null || name.isBlank()) {
                problem(item, where + ".name", "is required: a name unique among connections");
                name = "?";
            } else if (!names.add(name)) {
                problem(raw.get("name"), where + ".name", "'" + name + "' is used twice; connection names must be unique");
            }
            String type = raw.get("type") instanceof ScalarNode s ? s.getValue() : null;
            if (type == null) {
                problem(item, where + ".type", "is required: one of " + String.join(", ", TYPES));
                continue;
            }
            Record r = switch (type) {
                case "opcua" -> opcua(m, where, name);
                case "modbus" -> modbus(m, where, name);
                case "mqtt-json" -> mqttJson(m, where, name);
                default -> {
                    problem(raw.get("type"), where + ".type", "must be one of " + String.join(", ", TYPES) + ", but was '"
                            + type + "'" + ConfigLoader.suggest(type, TYPES).replace("; known keys here", "; known types"));
                    yield null;
                }
            };
            if (r != null) out.add(r);
        }
        return out;
    }

    // ---- OPC UA ----

    private OpcUaConfig opcua(MappingNode m, String where, String name) {
        int before = problems.size();
        Fields f = fields(m, where, OPCUA);
        String endpoint = f.string("endpoint");
        if (endpoint == null) f.missing("endpoint", "the server's URL, opc.tcp://host:port");
        SecurityPolicyName policy = f.parsed("security-policy", SecurityPolicyName::parse, "none or basic256sha256");
        String dataDir = f.string("data-dir");
        String machine = f.machine("machine");
        List<OpcUaNode> nodes = new ArrayList<>();
        for (Node n : f.list("nodes")) {
            OpcUaNode node = opcuaNode(n, where + ".nodes[]");
            if (node != null) nodes.add(node);
        }
        return build(m, where, before, () -> new OpcUaConfig(name, endpoint, policy, f.string("username"), f.string("password"),
                dataDir == null ? SERVER_DATA_DIR : Path.of(dataDir), machine, f.duration("publishing-interval"),
                f.duration("request-timeout"), f.duration("reconnect-max-delay"), nodes));
    }

    private OpcUaNode opcuaNode(Node n, String where) {
        int before = problems.size();
        Fields f = fields(n, where, OPCUA_NODE);
        if (f == null) return null;
        DataType type = f.parsed("type", DataType::parse, "double, long, boolean or text");
        DeadbandType dbType = f.parsed("deadband-type", DeadbandType::parse, "none, absolute or percent");
        Duration sampling = f.duration("sampling-interval");
        int queue = f.integer("queue-size", 10);
        double deadband = f.dbl("deadband", 0);
        String machine = f.machine("machine");
        return build(n, where, before, () -> new OpcUaNode(f.string("node-id"), f.string("signal"), machine, type, sampling, queue,
                dbType, deadband, f.string("unit"), f.string("description")));
    }

    // ---- Modbus ----

    private ModbusConfig modbus(MappingNode m, String where, String name) {
        int before = problems.size();
        Fields f = fields(m, where, MODBUS);
        String host = f.string("host");
        if (host == null) f.missing("host", "the device's or gateway's host name or IP address");
        int port = f.integer("port", 502);
        int retries = f.integer("retries", 1);
        int gap = f.integer("max-gap-registers", 10);
        int maxRegs = f.integer("max-registers-per-request", 125);
        int maxBits = f.integer("max-bits-per-request", 2000);
        List<ModbusDevice> devices = new ArrayList<>();
        for (Node n : f.list("devices")) {
            ModbusDevice d = modbusDevice(n, where + ".devices[]");
            if (d != null) devices.add(d);
        }
        return build(m, where, before, () -> new ModbusConfig(name, host, port, f.duration("connect-timeout"),
                f.duration("request-timeout"), retries, gap, maxRegs, maxBits, devices));
    }

    private ModbusDevice modbusDevice(Node n, String where) {
        int before = problems.size();
        Fields f = fields(n, where, MODBUS_DEVICE);
        if (f == null) return null;
        int unit = f.integer("unit-id", 1);
        String machine = f.machine("machine");
        if (machine == null && !f.has("machine")) f.missing("machine", "the machine the points belong to");
        Duration poll = f.duration("poll-interval");
        List<ModbusPoint> points = new ArrayList<>();
        for (Node p : f.list("points")) {
            ModbusPoint point = modbusPoint(p, where + ".points[]");
            if (point != null) points.add(point);
        }
        return build(n, where, before, () -> new ModbusDevice(unit, machine, poll, points));
    }

    private ModbusPoint modbusPoint(Node n, String where) {
        int before = problems.size();
        Fields f = fields(n, where, MODBUS_POINT);
        if (f == null) return null;
        ModbusTable table = f.parsed("table", ModbusTable::parse, "coil, discrete-input, holding-register or input-register");
        if (table == null && !f.has("table")) f.missing("table", "coil, discrete-input, holding-register or input-register");
        ModbusDataType type = f.parsed("type", ModbusDataType::parse, "bool, int16, uint16, int32, uint32, int64, float32 or float64");
        if (type == null && !f.has("type")) {
            type = table != null && table.bits() ? ModbusDataType.BOOL : ModbusDataType.UINT16;
        }
        Endianness words = f.parsed("word-order", Endianness::parse, "big or little");
        Endianness bytes = f.parsed("byte-order", Endianness::parse, "big or little");
        int address = f.integer("address", -1);
        if (!f.has("address")) f.missing("address", "the zero-based register or bit address");
        double scale = f.dbl("scale", 1);
        double offset = f.dbl("offset", 0);
        ModbusDataType t = type;
        return build(n, where, before, () -> new ModbusPoint(f.string("signal"), table, address, t, words, bytes, scale, offset,
                f.string("unit"), f.string("description")));
    }

    // ---- MQTT JSON ----

    private MqttJsonConfig mqttJson(MappingNode m, String where, String name) {
        int before = problems.size();
        Fields f = fields(m, where, MQTT);
        String broker = f.string("broker");
        if (broker == null) f.missing("broker", "tcp://host:1883 or ssl://host:8883");
        int qos = f.integer("qos", 1);
        String machine = f.machine("machine");
        List<MqttJsonTopic> topics = new ArrayList<>();
        for (Node n : f.list("topics")) {
            MqttJsonTopic t = mqttTopic(n, where + ".topics[]");
            if (t != null) topics.add(t);
        }
        return build(m, where, before, () -> new MqttJsonConfig(name, broker == null ? "tcp://?" : broker, f.string("client-id"),
                f.string("username"), f.string("password"), qos, machine, topics));
    }

    private MqttJsonTopic mqttTopic(Node n, String where) {
        int before = problems.size();
        Fields f = fields(n, where, MQTT_TOPIC);
        if (f == null) return null;
        String machine = f.machine("machine");
        List<MqttJsonField> fields = new ArrayList<>();
        for (Node x : f.list("fields")) {
            int fieldBefore = problems.size();
            Fields ff = fields(x, where + ".fields[]", MQTT_FIELD);
            if (ff == null) continue;
            DataType type = ff.parsed("type", DataType::parse, "double, long, boolean or text");
            MqttJsonField field = build(x, where + ".fields[]", fieldBefore, () -> new MqttJsonField(ff.string("field"), ff.string("signal"),
                    type, ff.string("unit"), ff.string("description")));
            if (field != null) fields.add(field);
        }
        return build(n, where, before, () -> new MqttJsonTopic(f.string("topic"), machine, f.string("timestamp-field"), fields));
    }

    // ---- helpers ----

    private interface Maker<T> {
        T make();
    }

    /**
     * Builds a record unless a problem was found in it since {@code before} (so a bad point adds no follow-on error
     * to its device); the record's validation message becomes a problem at {@code at}.
     */
    private <T> T build(Node at, String where, int before, Maker<T> maker) {
        if (problems.size() != before) return null;
        try {
            return maker.make();
        } catch (IllegalArgumentException e) {
            problem(at, where, e.getMessage());
            return null;
        }
    }

    private Fields fields(Node node, String where, Set<String> allowed) {
        Map<String, Node> out = yaml.keys(node, where, allowed);
        return out == null ? null : new Fields(node, where, out);
    }

    /** The values of one mapping, converted with a problem per bad value. */
    private final class Fields {
        private final Node owner;
        private final String where;
        private final Map<String, Node> values;

        Fields(Node owner, String where, Map<String, Node> values) {
            this.owner = owner;
            this.where = where;
            this.values = values;
        }

        boolean has(String k) {
            return values.containsKey(k);
        }

        /** Reports a required key that is absent (a present but bad or empty value is reported where it is read). */
        void missing(String k, String what) {
            if (values.containsKey(k)) return;
            problem(owner, where + "." + k, "is required: " + what);
        }

        String string(String k) {
            Node n = values.get(k);
            if (n == null) return null;
            if (n instanceof ScalarNode s) {
                String v = s.getValue();
                if (v.startsWith("${") && v.endsWith("}") && v.length() > 3) {
                    String var = v.substring(2, v.length() - 1);
                    String fromEnv = env.get(var);
                    if (fromEnv == null) {
                        bad(n, k, "environment variable " + var + " is not set. Set it, or write the value in the file");
                        return null;
                    }
                    v = fromEnv;
                }
                return v.isEmpty() ? null : v;
            }
            bad(n, k, "must be a single value");
            return null;
        }

        int integer(String k, int dflt) {
            String v = string(k);
            if (v == null) return dflt;
            try {
                return Integer.decode(v.trim());
            } catch (NumberFormatException e) {
                bad(values.get(k), k, "must be a whole number, but was '" + v + "'");
                return dflt;
            }
        }

        double dbl(String k, double dflt) {
            String v = string(k);
            if (v == null) return dflt;
            try {
                return Double.parseDouble(v.trim());
            } catch (NumberFormatException e) {
                bad(values.get(k), k, "must be a number, but was '" + v + "'");
                return dflt;
            }
        }

        Duration duration(String k) {
            String v = string(k);
            if (v == null) return null;
            try {
                return ConfigKey.parseDuration(v);
            } catch (IllegalArgumentException e) {
                bad(values.get(k), k, e.getMessage());
                return null;
            }
        }

        <T> T parsed(String k, Function<String, T> parser, String expected) {
            String v = string(k);
            if (v == null) return null;
            T t = parser.apply(v);
            if (t == null) bad(values.get(k), k, "must be " + expected + ", but was '" + v + "'");
            return t;
        }

        List<Node> list(String k) {
            Node n = values.get(k);
            if (n == null || n instanceof ScalarNode s && s.getValue().isEmpty()) return List.of();
            if (n instanceof SequenceNode seq) return seq.getValue();
            bad(n, k, "must be a list (lines starting with '- ')");
            return List.of();
        }

        /** A machine id or path resolved to the machine's asset id; null when absent or unknown (then reported). */
        String machine(String k) {
            String v = string(k);
            if (v == null) return null;
            String id = resolveMachine(model, v);
            if (id == null) {
                bad(values.get(k), k, "no machine '" + v + "' in plant; give a machine's id or its path like "
                        + "Site/Area/Line/Machine" + suggestMachine(v));
            }
            return id;
        }

        private void bad(Node n, String k, String message) {
            problem(n, where + "." + k, message);
        }
    }

    /**
     * The asset id of the machine with this id or with this path of names ({@code Site/Area/Line/Machine}, the
     * enterprise name may lead), or null when there is none.
     */
    public static String resolveMachine(PlantModel model, String ref) {
        Asset root = model.snapshot();
        Asset byId = root.find(ref);
        if (byId != null) return byId.level() == AssetLevel.MACHINE ? byId.id() : null;
        String[] parts = ref.split("/");
        int i = parts.length > 0 && parts[0].trim().equals(root.name()) ? 1 : 0;
        Asset at = root;
        for (; i < parts.length && at != null; i++) {
            String name = parts[i].trim();
            Asset next = null;
            for (Asset c : at.children()) {
                if (c.name().equals(name)) next = c;
            }
            at = next;
        }
        return at != null && at.level() == AssetLevel.MACHINE ? at.id() : null;
    }

    private String suggestMachine(String ref) {
        List<String> paths = new ArrayList<>();
        collect(model.snapshot(), "", paths);
        if (paths.isEmpty()) return ". No machine is declared under plant: yet.";
        String s = ConfigLoader.suggest(ref, paths);
        return s.startsWith("; did you mean") ? s : ". Known machines: " + String.join(", ", paths.stream().limit(10).toList())
                + (paths.size() > 10 ? ", ..." : "");
    }

    private static void collect(Asset a, String prefix, List<String> out) {
        for (Asset c : a.children()) {
            String p = prefix.isEmpty() ? c.name() : prefix + "/" + c.name();
            if (c.level() == AssetLevel.MACHINE) out.add(p);
            else collect(c, p, out);
        }
    }

    private void problem(Node n, String key, String message) {
        yaml.add(n, key, message);
    }

    private static String key(NodeTuple t) {
        return t.getKeyNode() instanceof ScalarNode s ? s.getValue() : "?";
    }
}
