package io.lathe.broker;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** Who may connect to the embedded broker and what each client may do. */
public sealed interface BrokerAccess {

    /** Client ids starting with this are Lathe's own (its Sparkplug host, MQTT JSON connections, the demo's simulator). */
    String RESERVED_CLIENT_ID_PREFIX = "lathe-";

    /**
     * No authentication and no topic rights: any client connects with any client id and publishes anywhere, as before
     * access control existed. Only the {@link BrokerLimits} apply. For tests and for a broker reachable only by trusted
     * programs on the loopback interface.
     */
    static BrokerAccess open() {
        return new Open();
    }

    /** Only Lathe's own connections (the internal credential): no devices, no anonymous clients. */
    static Controlled internalOnly() {
        return new Controlled(List.of(), null, Set.of());
    }

    /** See {@link #open()}. */
    record Open() implements BrokerAccess {}

    /**
     * Every client authenticates, and each may do only what its identity allows.
     * <ul>
     *   <li>Lathe's own connections use the internal credential {@link EmbeddedBroker#internalCredential()}: they may
     *       do everything, use any client id and are exempt from the retained-message limits.</li>
     *   <li>A client named in {@code identities} gives its user name and password and gets that identity's rights.</li>
     *   <li>A client without user name is refused, unless {@code anonymous} is set: then it gets those rights.</li>
     *   <li>Only Lathe's own connections may publish Sparkplug {@code STATE} topics ({@code spBv1.0/STATE/#} and the
     *       Sparkplug 2.2 {@code STATE/#}), whatever the rights say: one forged retained STATE message stops every edge
     *       node that waits for Lathe as its primary host.</li>
     *   <li>Client ids starting with {@value #RESERVED_CLIENT_ID_PREFIX} and those in {@code reservedClientIds} are
     *       refused to everyone but Lathe's own connections; a client id in use by a connected client of another
     *       identity is refused too, so no client can take over another's session.</li>
     * </ul>
     *
     * @param identities        known clients; user names must be unique
     * @param anonymous         rights of clients that send no user name, or null to refuse them
     * @param reservedClientIds further client ids only Lathe's own connections may use (for example the client ids
     *                          configured for its MQTT JSON connections)
     */
    record Controlled(List<BrokerIdentity> identities, TopicRights anonymous, Set<String> reservedClientIds) implements BrokerAccess {
        public Controlled {
            identities = List.copyOf(Objects.requireNonNull(identities, "identities"));
            reservedClientIds = Set.copyOf(Objects.requireNonNull(reservedClientIds, "reservedClientIds"));
            Set<String> seen = new HashSet<>();
            for (BrokerIdentity i : identities) {
                if (!seen.add(i.username())) {
                    throw new IllegalArgumentException("identities must have unique user names, but '" + i.username() + "' appears more than once");
                }
            }
        }

        public Controlled withIdentities(List<BrokerIdentity> v) {
            return new Controlled(v, anonymous, reservedClientIds);
        }

        /** {@code rights} for clients without user name; null refuses them. */
        public Controlled withAnonymous(TopicRights rights) {
            return new Controlled(identities, rights, reservedClientIds);
        }

        public Controlled withReservedClientIds(Set<String> v) {
            return new Controlled(identities, anonymous, v);
        }
    }
}
