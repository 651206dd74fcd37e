package io.lathe.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live ISA-95 plant tree: declared from configuration at start, grown at run time when devices announce
 * themselves (Sparkplug DBIRTH) and match no declared machine.
 *
 * <p>Thread-safe. Look-ups ({@link #signal}, {@link #machineBySource}) are lock-free and used on the ingest path;
 * changes are rare and synchronized, and invalidate the cached {@link #snapshot()}.
 */
public final class PlantModel {

    private final Node root;
    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    private final Map<String, Signal> signals = new ConcurrentHashMap<>();
    private final Map<String, String> machineBySource = new ConcurrentHashMap<>();
    private final Map<String, Signal> signalBySource = new ConcurrentHashMap<>();
    private volatile Asset snapshot;
    private volatile long version;

    public PlantModel(String enterpriseName) {
        root = new Node(Ids.slug(enterpriseName), enterpriseName, AssetLevel.ENTERPRISE, "", "");
        nodes.put(root.id, root);
    }

    public String rootId() {
        return root.id;
    }

    /** Counts changes, so views can tell cheaply whether the tree moved on. */
    public long version() {
        return version;
    }

    /**
     * Adds a child one level below {@code parentId}, or returns the existing child of that name.
     *
     * @return the child's id
     * @throws IllegalArgumentException when the parent is unknown or is a machine
     */
    public synchronized String addChild(String parentId, String name, String description, String source) {
        Node parent = node(parentId);
        AssetLevel level = parent.level.child();
        if (level == null) {
            throw new IllegalArgumentException("a machine has no child assets [parent=" + parentId + ", child=" + name + "]");
        }
        for (Node c : parent.children) {
            if (c.name.equals(name)) return c.id;
        }
        String id = unique(parent.id + "." + Ids.slug(name), nodes);
        Node n = new Node(id, name, level, description, source);
        parent.children.add(n);
        nodes.put(id, n);
        if (level == AssetLevel.MACHINE && source != null && !source.isEmpty()) {
            machineBySource.putIfAbsent(source, id);
        }
        changed();
        return id;
    }

    /**
     * Adds a signal to a machine, or returns the existing one of the same name (its data type updated when a
     * device announces a different one, since the device is the authority on what it sends).
     */
    public synchronized Signal addSignal(String machineId, String name, DataType type, String unit, String description, String source) {
        Node m = node(machineId);
        if (m.level != AssetLevel.MACHINE) {
            throw new IllegalArgumentException("signals belong to machines, but " + machineId + " is a " + m.level.label());
        }
        for (int i = 0; i < m.signals.size(); i++) {
            Signal s = m.signals.get(i);
            if (s.name().equals(name)) {
                if (s.dataType() != type) {
                    Signal t = s.withDataType(type);
                    m.signals.set(i, t);
                    signals.put(t.id(), t);
                    if (!t.source().isEmpty()) signalBySource.put(t.source(), t);
                    changed();
                    return t;
                }
                return s;
            }
        }
        String id = unique(machineId + "." + Ids.slug(name), signals);
        Signal s = new Signal(id, name, machineId, type, unit, description, source);
        m.signals.add(s);
        signals.put(id, s);
        if (!s.source().isEmpty()) signalBySource.putIfAbsent(s.source(), s);
        changed();
        return s;
    }

    public Signal signal(String id) {
        return signals.get(id);
    }

    /** The signal declared with this exact source string, or null. */
    public Signal signalBySource(String source) {
        return signalBySource.get(source);
    }

    public Collection<Signal> signals() {
        return List.copyOf(signals.values());
    }

    /** The machine declared (or discovered) with this source, or null. */
    public String machineBySource(String source) {
        return machineBySource.get(source);
    }

    /** Signal of a machine by its source-side name, or null. */
    public Signal signalByName(String machineId, String name) {
        Node m = nodes.get(machineId);
        if (m == null) return null;
        synchronized (this) {
            for (Signal s : m.signals) {
                if (s.name().equals(name)) return s;
            }
        }
        return null;
    }

    public boolean contains(String assetId) {
        return nodes.containsKey(assetId);
    }

    /** The tree as immutable records; cached until the next change. */
    public Asset snapshot() {
        Asset s = snapshot;
        if (s == null) {
            synchronized (this) {
                s = snapshot;
                if (s == null) {
                    s = root.toAsset();
                    snapshot = s;
                }
            }
        }
        return s;
    }

    private Node node(String id) {
        Node n = nodes.get(Objects.requireNonNull(id, "id"));
        if (n == null) throw new IllegalArgumentException("unknown asset [id=" + id + "]");
        return n;
    }

    private void changed() {
        snapshot = null;
        version++;
    }

    private static String unique(String id, Map<String, ?> taken) {
        if (!taken.containsKey(id)) return id;
        for (int i = 2; ; i++) {
            String c = id + "-" + i;
            if (!taken.containsKey(c)) return c;
        }
    }

    private static final class Node {
        final String id, name, description, source;
        final AssetLevel level;
        final List<Node> children = new ArrayList<>();
        final List<Signal> signals = new ArrayList<>();

        Node(String id, String name, AssetLevel level, String description, String source) {
            this.id = id;
            this.name = name;
            this.level = level;
            this.description = description;
            this.source = source;
        }

        Asset toAsset() {
            List<Asset> cs = new ArrayList<>(children.size());
            for (Node c : children) cs.add(c.toAsset());
            return new Asset(id, name, level, description, source, cs, signals);
        }
    }
}
