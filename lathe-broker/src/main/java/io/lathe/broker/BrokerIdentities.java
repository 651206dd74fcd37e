package io.lathe.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads the MQTT client list of the embedded broker, a YAML file such as:
 *
 * <pre>{@code
 * edge-nodes:
 *   - username: line1-gateway
 *     password-hash: $argon2id$v=19$m=19456,t=2,p=1$...
 *     group: Plant1
 *     edge-node: Line1
 * devices:
 *   - username: hall2-temperature
 *     password-hash: $2b$12$...
 *     publish: [sensors/hall2/#]
 *     subscribe: [sensors/hall2/commands/#]
 * }</pre>
 *
 * Every problem in the file is reported at once, each with its line.
 */
public final class BrokerIdentities {
    private BrokerIdentities() {}

    private static final Set<String> TOP = Set.of("edge-nodes", "devices");
    private static final Set<String> EDGE_NODE_KEYS = Set.of("username", "password-hash", "group", "edge-node");
    private static final Set<String> DEVICE_KEYS = Set.of("username", "password-hash", "publish", "subscribe");

    /** The file's problems, one per line of the message, each as {@code file:line: what. How to fix.} */
    public static final class InvalidClientListException extends Exception {
        private final List<String> problems;

        InvalidClientListException(List<String> problems) {
            super("MQTT client list is invalid (" + problems.size() + (problems.size() == 1 ? " problem" : " problems") + "):\n  " + String.join("\n  ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    /**
     * Reads {@code file}.
     *
     * @throws IOException                 when the file cannot be read
     * @throws InvalidClientListException  listing every problem found, with its line
     */
    public static List<BrokerIdentity> load(Path file) throws IOException, InvalidClientListException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** Parses the YAML text of a client list; {@code source} names it in messages. */
    public static List<BrokerIdentity> parse(String yaml, String source) throws InvalidClientListException {
        List<String> problems = new ArrayList<>();
        List<BrokerIdentity> out = new ArrayList<>();
        Optional<Node> root;
        try {
            root = new Compose(LoadSettings.builder().setLabel(source).build()).composeString(yaml);
        } catch (YamlEngineException e) {
            throw new InvalidClientListException(List.of(source + ": not valid YAML: " + e.getMessage().replace('\n', ' ')));
        }
        if (root.isEmpty()) return List.of();
        if (!(root.get() instanceof MappingNode top)) {
            throw new InvalidClientListException(List.of(at(source, root.get()) + "expected a mapping with 'edge-nodes' and/or 'devices'."));
        }
        Map<String, Integer> usernameLines = new HashMap<>();
        for (NodeTuple t : top.getValue()) {
            String key = scalar(t.getKeyNode());
            if (key == null || !TOP.contains(key)) {
                problems.add(at(source, t.getKeyNode()) + "unknown section '" + key + "'. Expected 'edge-nodes' or 'devices'.");
                continue;
            }
            if (isNull(t.getValueNode())) continue;
            if (!(t.getValueNode() instanceof SequenceNode entries)) {
                problems.add(at(source, t.getValueNode()) + "'" + key + "' must be a list of entries ('- username: ...').");
                continue;
            }
            for (Node entry : entries.getValue()) {
                BrokerIdentity identity = key.equals("edge-nodes") ? edgeNode(entry, source, problems) : device(entry, source, problems);
                if (identity == null) continue;
                Integer earlier = usernameLines.putIfAbsent(identity.username(), line(entry));
                if (earlier != null) {
                    problems.add(at(source, entry) + "user name '" + identity.username() + "' is already used on line " + earlier + ". Each client needs its own user name.");
                    continue;
                }
                out.add(identity);
            }
        }
        if (!problems.isEmpty()) throw new InvalidClientListException(problems);
        return List.copyOf(out);
    }

    private static BrokerIdentity edgeNode(Node entry, String source, List<String> problems) {
        Map<String, Node> f = fields(entry, source, EDGE_NODE_KEYS, problems);
        if (f == null) return null;
        String user = required(f, "username", entry, source, problems);
        String hash = required(f, "password-hash", entry, source, problems);
        String group = required(f, "group", entry, source, problems);
        String node = required(f, "edge-node", entry, source, problems);
        if (user == null || hash == null || group == null || node == null) return null;
        try {
            return new BrokerIdentity.EdgeNode(user, hash, group, node);
        } catch (IllegalArgumentException e) {
            problems.add(at(source, entry) + e.getMessage());
            return null;
        }
    }

    private static BrokerIdentity device(Node entry, String source, List<String> problems) {
        Map<String, Node> f = fields(entry, source, DEVICE_KEYS, problems);
        if (f == null) return null;
        String user = required(f, "username", entry, source, problems);
        String hash = required(f, "password-hash", entry, source, problems);
        List<String> publish = list(f.get("publish"), "publish", source, problems);
        List<String> subscribe = list(f.get("subscribe"), "subscribe", source, problems);
        if (user == null || hash == null || publish == null || subscribe == null) return null;
        if (publish.isEmpty() && subscribe.isEmpty()) {
            problems.add(at(source, entry) + "device '" + user + "' has neither 'publish' nor 'subscribe' topic filters. List what it may use.");
            return null;
        }
        try {
            return new BrokerIdentity.Device(user, hash, new TopicRights(publish, subscribe));
        } catch (IllegalArgumentException e) {
            problems.add(at(source, entry) + e.getMessage());
            return null;
        }
    }

    private static Map<String, Node> fields(Node entry, String source, Set<String> allowed, List<String> problems) {
        if (!(entry instanceof MappingNode m)) {
            problems.add(at(source, entry) + "expected an entry with " + allowed + ".");
            return null;
        }
        Map<String, Node> f = new HashMap<>();
        for (NodeTuple t : m.getValue()) {
            String k = scalar(t.getKeyNode());
            if (k == null || !allowed.contains(k)) {
                problems.add(at(source, t.getKeyNode()) + "unknown field '" + k + "'. Expected one of " + allowed + ".");
                continue;
            }
            f.put(k, t.getValueNode());
        }
        return f;
    }

    private static String required(Map<String, Node> f, String key, Node entry, String source, List<String> problems) {
        Node n = f.get(key);
        String v = n == null ? null : scalar(n);
        if (v == null || v.isBlank()) {
            problems.add(at(source, n == null ? entry : n) + "'" + key + "' is missing" + (key.equals("password-hash") ? ". " + DevicePasswords.HASH_HINT : "."));
            return null;
        }
        return v;
    }

    /** A list of topic filters, or a single one; absent is empty. Null after reporting a problem. */
    private static List<String> list(Node n, String key, String source, List<String> problems) {
        if (n == null || isNull(n)) return List.of();
        if (n instanceof ScalarNode s) return List.of(s.getValue());
        if (!(n instanceof SequenceNode seq)) {
            problems.add(at(source, n) + "'" + key + "' must be a list of topic filters.");
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Node item : seq.getValue()) {
            String v = scalar(item);
            if (v == null) {
                problems.add(at(source, item) + "'" + key + "' entries must be topic filters (text).");
                return null;
            }
            out.add(v);
        }
        return out;
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && (s.getValue().isEmpty() || s.getValue().equals("null") || s.getValue().equals("~"));
    }

    private static String scalar(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }

    private static int line(Node n) {
        return n.getStartMark().map(Mark::getLine).orElse(-1) + 1;
    }

    private static String at(String source, Node n) {
        return source + ":" + line(n) + ": ";
    }
}
