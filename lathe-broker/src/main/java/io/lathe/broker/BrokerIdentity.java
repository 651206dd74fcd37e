package io.lathe.broker;

import io.lathe.broker.internal.Topics;
import java.util.Objects;

/**
 * A client the embedded broker knows by user name and password. The password is kept only as an Argon2id or bcrypt
 * hash in PHC string form ({@code $argon2id$v=19$m=…} or {@code $2b$…}); {@link DevicePasswords#hash} makes one.
 */
public sealed interface BrokerIdentity {

    /** Reserved for Lathe's own connections: no configured identity may use it. */
    String INTERNAL_USERNAME = "lathe-internal";

    /** MQTT user name the client sends in CONNECT. */
    String username();

    /** Argon2id or bcrypt hash of the password. */
    String passwordHash();

    /**
     * A Sparkplug B edge node: may publish only its own {@code NBIRTH}, {@code NDEATH}, {@code NDATA} on
     * {@code spBv1.0/<group>/<type>/<edge node>} and its devices' {@code DBIRTH}, {@code DDEATH}, {@code DDATA} on
     * {@code spBv1.0/<group>/<type>/<edge node>/<device>}; may subscribe to its own {@code NCMD} and {@code DCMD} and to
     * the host applications' {@code spBv1.0/STATE/#} (Sparkplug 3.0 topic namespace, section 4.1).
     *
     * @param group      Sparkplug group id, one topic level
     * @param edgeNodeId Sparkplug edge node id, one topic level
     */
    record EdgeNode(String username, String passwordHash, String group, String edgeNodeId) implements BrokerIdentity {
        public EdgeNode {
            checkCommon(username, passwordHash);
            Topics.checkLevel(group, "group");
            Topics.checkLevel(edgeNodeId, "edgeNodeId");
        }

        @Override
        public String toString() {
            return "EdgeNode[username=" + username + ", group=" + group + ", edgeNodeId=" + edgeNodeId + ", passwordHash=" + DevicePasswords.describe(passwordHash) + "]";
        }
    }

    /** A plain MQTT client (for example an MQTT JSON sensor) with explicit topic rights. */
    record Device(String username, String passwordHash, TopicRights rights) implements BrokerIdentity {
        public Device {
            checkCommon(username, passwordHash);
            Objects.requireNonNull(rights, "rights");
        }

        @Override
        public String toString() {
            return "Device[username=" + username + ", publish=" + rights.publish() + ", subscribe=" + rights.subscribe()
                    + ", passwordHash=" + DevicePasswords.describe(passwordHash) + "]";
        }
    }

    private static void checkCommon(String username, String passwordHash) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(passwordHash, "passwordHash");
        if (username.isBlank()) throw new IllegalArgumentException("username must not be blank, but was '" + username + "'");
        if (username.equals(INTERNAL_USERNAME)) {
            throw new IllegalArgumentException("username must not be '" + INTERNAL_USERNAME + "': it is reserved for Lathe's own connections");
        }
        if (!DevicePasswords.isSupportedHash(passwordHash)) {
            throw new IllegalArgumentException("passwordHash of '" + username + "' must be an Argon2id ($argon2id$…) or bcrypt ($2a$/$2b$/$2y$…) hash, but was "
                    + DevicePasswords.describe(passwordHash) + ". " + DevicePasswords.HASH_HINT);
        }
    }
}
