package io.lathe.server.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * The checks every section parser of the configuration shares: problems that name file, line and key, and mappings
 * whose unknown keys get a "did you mean" and whose repeated keys are refused.
 */
record YamlProblems(String file, List<ConfigProblem> list, boolean oncePerLine) {

    YamlProblems(String file, List<ConfigProblem> list) {
        this(file, list, false);
    }

    /** 1-based line of a node, 0 when unknown. */
    static int line(Node n) {
        return n == null ? 0 : n.getStartMark().map(Mark::getLine).map(l -> l + 1).orElse(0);
    }

    /**
     * With {@code oncePerLine}, a message already given for the same line is dropped: a section whose entries are
     * applied to many assets (alarm rules of a machine type) would otherwise repeat one mistake once per asset.
     */
    void add(Node n, String key, String message) {
        int line = line(n);
        if (oncePerLine && line > 0) {
            for (ConfigProblem p : list) if (p.line() == line && p.message().equals(message) && p.file().equals(file)) return;
        }
        list.add(new ConfigProblem(file, line, key, message));
    }

    /** The items of a sequence; nothing for an absent or empty value, a problem for anything else. */
    List<Node> list(Node n, String where) {
        if (n == null || n instanceof ScalarNode s && s.getValue().isEmpty()) return List.of();
        if (n instanceof SequenceNode seq) return seq.getValue();
        add(n, where, "must be a list (lines starting with '- ')");
        return List.of();
    }

    /** A single value; null for an absent or empty value, a problem for a list or mapping. */
    String scalar(Node n, String where) {
        if (n == null) return null;
        if (n instanceof ScalarNode s) return s.getValue().isEmpty() ? null : s.getValue();
        add(n, where, "must be a single value");
        return null;
    }

    /**
     * The values of a mapping by key, in file order; a problem for a node that is not a mapping (then null), for each
     * key outside {@code allowed} and for each repeated key.
     */
    Map<String, Node> keys(Node node, String where, Set<String> allowed) {
        if (!(node instanceof MappingNode m)) {
            add(node, where, "must be a mapping of keys to values");
            return null;
        }
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            String k = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : "?";
            if (!allowed.contains(k)) add(t.getKeyNode(), where + "." + k, "unknown key" + ConfigLoader.suggest(k, allowed));
            else if (out.put(k, t.getValueNode()) != null) add(t.getKeyNode(), where + "." + k, "appears twice; keep one");
        }
        return out;
    }
}
