package io.lathe.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import io.lathe.model.DataType;
import io.lathe.model.Value;
import io.lathe.opcua.internal.Clients;
import io.lathe.opcua.internal.Values;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseDirection;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseResultMask;
import org.eclipse.milo.opcua.stack.core.types.enumerated.NodeClass;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseResult;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.eclipse.milo.opcua.stack.core.types.structured.ReferenceDescription;

/**
 * The engine of {@code lathe opcua browse}: walks the Objects folder of a server and prints the tree with NodeIds, data
 * types and current values, then can print the YAML for chosen variables.
 *
 * <p>Output, two spaces per level:
 * <pre>
 * Machine  [nsu=urn:acme;s=Machine]
 *   Counter  [nsu=urn:acme;s=Machine/Counter]  Int64 = 42
 * </pre>
 * The standard {@code Server} object (ns=0;i=2253) is skipped. NodeIds are printed with the namespace URI
 * ({@code nsu=}) because namespace indexes may change when a server is reconfigured.
 */
public final class OpcUaBrowser {
    private OpcUaBrowser() {}

    /**
     * One browsed node.
     *
     * @param nodeId   the NodeId with the namespace URI, ready for the YAML {@code node-id} key
     * @param path     browse names from the Objects folder, joined with {@code /}
     * @param variable true for variables, false for objects and folders
     * @param dataType data type name for variables (for example {@code Double}), empty otherwise
     * @param value    the current value as text for variables, empty otherwise
     * @param type     the Lathe type the value is stored as, null for objects and unsupported values
     */
    public record BrowsedNode(String nodeId, String path, int depth, boolean variable, String dataType, String value, DataType type) {
        /** The last path element, used as the default signal name. */
        public String name() {
            int i = path.lastIndexOf('/');
            return i < 0 ? path : path.substring(i + 1);
        }
    }

    /** Browses with security None and no user, {@code depth} levels below the Objects folder (1 = its children). */
    public static List<BrowsedNode> browse(String endpointUrl, int depth, PrintStream out) throws Exception {
        return browse(endpointUrl, SecurityPolicyName.NONE, null, null, null, depth, out);
    }

    /**
     * Browses with the given security and identity and prints the tree to {@code out}.
     *
     * @param dataDir where Lathe's client certificate and trust store are (needed for basic256sha256), or null
     * @throws Exception when the server cannot be reached or refuses the session; the message says why
     */
    public static List<BrowsedNode> browse(String endpointUrl, SecurityPolicyName policy, String username, String password,
                                           Path dataDir, int depth, PrintStream out) throws Exception {
        if (depth < 1) throw new IllegalArgumentException("depth must be at least 1, but was " + depth);
        OpcUaClient client;
        try {
            client = Clients.create(endpointUrl, policy, username, password, dataDir, Duration.ofSeconds(10));
            client.connect();
        } catch (Exception e) {
            throw new IllegalStateException("OPC UA browse failed [endpoint=" + endpointUrl + "]: " + Clients.reason(e)
                    + ". Check the endpoint URL and the server's security settings.", e);
        }
        try {
            List<BrowsedNode> result = new ArrayList<>();
            Map<NodeId, String> typeNames = new HashMap<>();
            walk(client, NodeIds.ObjectsFolder, "", 1, depth, out, result, typeNames);
            return result;
        } finally {
            client.disconnectAsync().get(5, TimeUnit.SECONDS);
        }
    }

    /** Prints the {@code nodes:} list for the chosen variables, to paste under a connection in the plant YAML. */
    public static void writeYaml(List<BrowsedNode> chosen, PrintStream out) {
        out.println("nodes:");
        for (BrowsedNode n : chosen) {
            if (!n.variable()) continue;
            out.println("  - node-id: \"" + n.nodeId().replace("\"", "\\\"") + "\"");
            out.println("    signal: \"" + n.name().replace("\"", "\\\"") + "\"");
            out.println("    type: " + (n.type() == null ? DataType.DOUBLE : n.type()).label());
            out.println("    sampling-interval: 1s");
        }
    }

    private static void walk(OpcUaClient client, NodeId parent, String parentPath, int level, int maxDepth, PrintStream out,
                             List<BrowsedNode> result, Map<NodeId, String> typeNames) throws Exception {
        BrowseResult br = client.browse(new BrowseDescription(parent, BrowseDirection.Forward, NodeIds.HierarchicalReferences,
                true, uint(NodeClass.Object.getValue() | NodeClass.Variable.getValue()), uint(BrowseResultMask.All.getValue())));
        ReferenceDescription[] refs = br.getReferences();
        if (refs == null) return;
        for (ReferenceDescription r : refs) {
            NodeId id = r.getNodeId().toNodeId(client.getNamespaceTable()).orElse(null);
            if (id == null || id.equals(NodeIds.Server)) continue;
            String name = r.getBrowseName() == null || r.getBrowseName().name() == null ? id.toParseableString() : r.getBrowseName().name();
            String path = parentPath.isEmpty() ? name : parentPath + "/" + name;
            String text = withUri(client, id);
            String indent = "  ".repeat(level - 1);
            if (r.getNodeClass() == NodeClass.Variable) {
                DataValue[] res = client.read(0.0, TimestampsToReturn.Neither, List.of(
                        new ReadValueId(id, AttributeId.Value.uid(), null, QualifiedName.NULL_VALUE),
                        new ReadValueId(id, AttributeId.DataType.uid(), null, QualifiedName.NULL_VALUE))).getResults();
                List<DataValue> dv = res == null ? List.of() : List.of(res);
                Object raw = dv.isEmpty() || dv.get(0).getValue() == null ? null : dv.get(0).getValue().getValue();
                NodeId typeId = dv.size() > 1 && dv.get(1).getValue() != null && dv.get(1).getValue().getValue() instanceof NodeId t ? t : null;
                String typeName = typeId == null ? "?" : typeNames.computeIfAbsent(typeId, t -> typeName(client, t));
                Value v = Values.toValue(raw);
                String valueText = raw == null ? "(" + Values.name(dv.isEmpty() ? null : dv.get(0).getStatusCode()) + ")"
                        : raw.getClass().isArray() ? "[array]" : v == null ? raw.toString() : v.toJson();
                out.println(indent + name + "  [" + text + "]  " + typeName + " = " + valueText);
                result.add(new BrowsedNode(text, path, level, true, typeName, valueText, v == null ? null : v.type()));
            } else {
                out.println(indent + name + "  [" + text + "]");
                result.add(new BrowsedNode(text, path, level, false, "", "", null));
            }
            if (level < maxDepth) walk(client, id, path, level + 1, maxDepth, out, result, typeNames);
        }
    }

    private static String typeName(OpcUaClient client, NodeId typeId) {
        try {
            DataValue dv = client.read(0.0, TimestampsToReturn.Neither, List.of(
                    new ReadValueId(typeId, AttributeId.BrowseName.uid(), null, QualifiedName.NULL_VALUE))).getResults()[0];
            if (dv.getValue() != null && dv.getValue().getValue() instanceof QualifiedName q) return q.name();
        } catch (Exception ignored) {
            // fall through to the NodeId
        }
        return typeId.toParseableString();
    }

    private static String withUri(OpcUaClient client, NodeId id) {
        int ns = id.getNamespaceIndex().intValue();
        String s = id.toParseableString();
        if (ns == 0) return s;
        String uri = client.getNamespaceTable().get(id.getNamespaceIndex());
        if (uri == null) return s;
        int semi = s.indexOf(';');
        return "nsu=" + uri + s.substring(semi);
    }
}
