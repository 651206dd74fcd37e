package io.lathe.sparkplug.internal;

/**
 * A parsed Sparkplug B topic: {@code spBv1.0/<group>/<type>/<edgeNode>[/<device>]} or {@code spBv1.0/STATE/<hostId>}.
 *
 * @param device the device id, or null for node-level messages and STATE
 */
public record SparkplugTopic(String group, MessageType type, String edgeNode, String device) {

    public static final String NAMESPACE = "spBv1.0";

    /** The message types of Sparkplug B 3.0 (spec section 4.1.1, topic namespace elements). */
    public enum MessageType { NBIRTH, NDEATH, DBIRTH, DDEATH, NDATA, DDATA, NCMD, DCMD, STATE }

    /** Parses a topic; null when it is not a Sparkplug B topic Lathe understands. */
    public static SparkplugTopic parse(String topic) {
        String[] p = topic.split("/", -1);
        if (p.length < 3 || !NAMESPACE.equals(p[0])) return null;
        if (p.length == 3 && "STATE".equals(p[1])) return new SparkplugTopic(null, MessageType.STATE, p[2], null);
        if (p.length != 4 && p.length != 5) return null;
        MessageType type;
        try {
            type = MessageType.valueOf(p[2]);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (type == MessageType.STATE) return null;
        boolean deviceType = type == MessageType.DBIRTH || type == MessageType.DDEATH || type == MessageType.DDATA || type == MessageType.DCMD;
        if (deviceType != (p.length == 5)) return null;
        for (String s : p) {
            if (s.isEmpty()) return null;
        }
        return new SparkplugTopic(p[1], type, p[3], deviceType ? p[4] : null);
    }

    /** {@code sparkplug:<group>/<edgeNode>} or {@code sparkplug:<group>/<edgeNode>/<device>}. */
    public String source() {
        return device == null ? "sparkplug:" + group + "/" + edgeNode : "sparkplug:" + group + "/" + edgeNode + "/" + device;
    }
}
