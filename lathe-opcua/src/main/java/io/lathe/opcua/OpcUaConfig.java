package io.lathe.opcua;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An OPC UA client connection. Immutable; the compact constructor reports every problem in one exception.
 *
 * @param name                connection name, unique among connections (the YAML key of the connection)
 * @param endpointUrl         discovery/endpoint URL, {@code opc.tcp://host:port[/path]} (YAML {@code endpoint})
 * @param securityPolicy      none or basic256sha256 (YAML {@code security-policy}, default none); basic256sha256 is
 *                            always used with message security mode sign-and-encrypt
 * @param username            user name for a user name identity (YAML {@code username}); null for anonymous
 * @param password            its password (YAML {@code password}, a secret: never logged); null for anonymous
 * @param dataDir             folder for the client certificate ({@code opcua/client.p12}, created on first start) and
 *                            the trust store ({@code opcua/pki/trusted/certs}, {@code opcua/pki/rejected}) (YAML
 *                            {@code data-dir}, default the server's data directory)
 * @param machineId           machine asset the signals belong to unless a node names another (YAML {@code machine})
 * @param publishingInterval  how often the server sends collected changes (YAML {@code publishing-interval}, default
 *                            1 s); at least 10 ms
 * @param requestTimeout      time allowed for one service call (YAML {@code request-timeout}, default 10 s)
 * @param reconnectMaxDelay   longest wait between two connection attempts; the wait starts at 1 s and doubles
 *                            (YAML {@code reconnect-max-delay}, default 30 s)
 * @param nodes               variables to monitor (YAML {@code nodes}); at least one, NodeIds unique
 */
public record OpcUaConfig(String name, String endpointUrl, SecurityPolicyName securityPolicy, String username,
                          String password, Path dataDir, String machineId, Duration publishingInterval,
                          Duration requestTimeout, Duration reconnectMaxDelay, List<OpcUaNode> nodes) {

    public OpcUaConfig {
        List<String> problems = new ArrayList<>();
        if (name == null || name.isBlank()) problems.add("name must not be blank");
        if (endpointUrl == null || !endpointUrl.startsWith("opc.tcp://")) {
            problems.add("endpoint must start with opc.tcp://, but was " + endpointUrl);
        }
        securityPolicy = securityPolicy == null ? SecurityPolicyName.NONE : securityPolicy;
        if ((username == null) != (password == null)) problems.add("username and password must be given together");
        if (dataDir == null) problems.add("data-dir must be set");
        if (machineId == null || machineId.isBlank()) problems.add("machine must not be blank");
        publishingInterval = publishingInterval == null ? Duration.ofSeconds(1) : publishingInterval;
        if (publishingInterval.toMillis() < 10) problems.add("publishing-interval must be at least 10ms, but was " + publishingInterval);
        requestTimeout = requestTimeout == null ? Duration.ofSeconds(10) : requestTimeout;
        if (requestTimeout.toMillis() < 100) problems.add("request-timeout must be at least 100ms, but was " + requestTimeout);
        reconnectMaxDelay = reconnectMaxDelay == null ? Duration.ofSeconds(30) : reconnectMaxDelay;
        if (reconnectMaxDelay.toMillis() < 100) problems.add("reconnect-max-delay must be at least 100ms, but was " + reconnectMaxDelay);
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        if (nodes.isEmpty()) problems.add("nodes must not be empty");
        Set<String> ids = new HashSet<>();
        for (OpcUaNode n : nodes) {
            if (!ids.add(n.nodeId())) problems.add("node-id " + n.nodeId() + " appears twice");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid OPC UA connection [name=" + name + ", endpoint=" + endpointUrl + "]: "
                    + String.join("; ", problems) + ". Fix connections." + name + " in the plant configuration.");
        }
    }

    @Override
    public String toString() {
        // The password is a secret: keep it out of logs and error messages.
        return "OpcUaConfig[name=" + name + ", endpoint=" + endpointUrl + ", security-policy=" + securityPolicy
                + ", username=" + username + ", password=" + (password == null ? null : "****") + ", nodes=" + nodes.size() + "]";
    }

    public static Builder builder(String name, String endpointUrl) {
        return new Builder(name, endpointUrl);
    }

    /** Defaults as documented on the record components. */
    public static final class Builder {
        private final String name;
        private final String endpointUrl;
        private SecurityPolicyName securityPolicy = SecurityPolicyName.NONE;
        private String username;
        private String password;
        private Path dataDir;
        private String machineId;
        private Duration publishingInterval = Duration.ofSeconds(1);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration reconnectMaxDelay = Duration.ofSeconds(30);
        private final List<OpcUaNode> nodes = new ArrayList<>();

        private Builder(String name, String endpointUrl) {
            this.name = name;
            this.endpointUrl = endpointUrl;
        }

        public Builder securityPolicy(SecurityPolicyName v) { securityPolicy = v; return this; }
        public Builder user(String user, String pass) { username = user; password = pass; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder machine(String v) { machineId = v; return this; }
        public Builder publishingInterval(Duration v) { publishingInterval = v; return this; }
        public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
        public Builder reconnectMaxDelay(Duration v) { reconnectMaxDelay = v; return this; }
        public Builder node(OpcUaNode n) { nodes.add(n); return this; }

        public OpcUaConfig build() {
            return new OpcUaConfig(name, endpointUrl, securityPolicy, username, password, dataDir, machineId,
                    publishingInterval, requestTimeout, reconnectMaxDelay, nodes);
        }
    }
}
