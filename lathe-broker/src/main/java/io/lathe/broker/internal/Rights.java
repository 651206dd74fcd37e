package io.lathe.broker.internal;

import io.lathe.broker.BrokerIdentity;
import io.lathe.broker.TopicRights;
import java.util.List;

/** Compiled topic rights of one principal; immutable, shared by all of its connections. */
public final class Rights {
    private final String[] publish;
    private final String[] subscribe;
    private final String description;

    private Rights(List<String> publish, List<String> subscribe, String description) {
        this.publish = publish.toArray(String[]::new);
        this.subscribe = subscribe.toArray(String[]::new);
        this.description = description;
    }

    static Rights everything() {
        return new Rights(List.of("#"), List.of("#"), "may publish and subscribe anywhere");
    }

    static Rights none() {
        return new Rights(List.of(), List.of(), "may neither publish nor subscribe");
    }

    static Rights of(TopicRights r, String who) {
        return new Rights(r.publish(), r.subscribe(), who + " may publish to " + r.publish() + " and subscribe to " + r.subscribe());
    }

    /** Sparkplug 3.0 topic namespace (section 4.1): {@code spBv1.0/<group>/<message type>/<edge node>[/<device>]}. */
    static Rights of(BrokerIdentity.EdgeNode n) {
        String base = "spBv1.0/" + n.group() + "/";
        String node = "/" + n.edgeNodeId();
        List<String> pub = List.of(base + "NBIRTH" + node, base + "NDEATH" + node, base + "NDATA" + node,
                base + "DBIRTH" + node + "/+", base + "DDEATH" + node + "/+", base + "DDATA" + node + "/+");
        List<String> sub = List.of(base + "NCMD" + node + "/#", base + "DCMD" + node + "/#", "spBv1.0/STATE/#", "STATE/#");
        return new Rights(pub, sub, "edge node '" + n.username() + "' may publish only " + base + "{NBIRTH,NDEATH,NDATA}" + node + " and "
                + base + "{DBIRTH,DDEATH,DDATA}" + node + "/<device>, and subscribe to its NCMD/DCMD and spBv1.0/STATE/#");
    }

    public boolean mayPublish(String topic) {
        for (String f : publish) {
            if (Topics.matches(f, topic)) return true;
        }
        return false;
    }

    public boolean maySubscribe(String filter) {
        for (String f : subscribe) {
            if (Topics.covers(f, filter)) return true;
        }
        return false;
    }

    /** One sentence saying what the principal may do, for error messages. */
    public String description() {
        return description;
    }
}
