package io.lathe.mqttjson;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * A connection to an MQTT broker for devices that publish plain JSON. Immutable; the compact constructor reports every
 * problem in one exception.
 *
 * @param name      connection name, unique among connections (the YAML key of the connection)
 * @param brokerUrl {@code tcp://host:port} or {@code ssl://host:port} (also {@code mqtt://}, {@code mqtts://}; port
 *                  default 1883 or 8883) (YAML {@code broker}); the embedded broker is {@code tcp://127.0.0.1:1883}
 * @param clientId  MQTT client identifier as configured (YAML {@code client-id}), or null for the default, which
 *                  {@link #effectiveClientId()} gives: {@code lathe-json-<name>-<instance id>}. A broker keeps one
 *                  session per client id and drops the older client when a second one connects, so two Lathe instances
 *                  with a connection of the same name need different ids; the instance id makes the default unique
 *                  per instance and keeps it the same across restarts of that instance.
 * @param username  user name (YAML {@code username}); null for none
 * @param password  password (YAML {@code password}, a secret: never logged); null for none
 * @param qos       subscription QoS, 0, 1 or 2 (YAML {@code qos}, default 1)
 * @param machineId machine asset signals belong to unless a topic names another (YAML {@code machine})
 * @param topics    topic filters and their fields (YAML {@code topics}); at least one
 * @param instanceId the Lathe instance this connection runs in (not YAML: the server reads it from its data folder),
 *                   letters, digits and '-', or null outside a server (the default client id is then
 *                   {@code lathe-json-<name>})
 */
public record MqttJsonConfig(String name, String brokerUrl, String clientId, String username, String password, int qos,
                             String machineId, List<MqttJsonTopic> topics, String instanceId) {

    /** A configuration without an instance id, as parsed from YAML; the server adds it with {@link #withInstanceId}. */
    public MqttJsonConfig(String name, String brokerUrl, String clientId, String username, String password, int qos,
                          String machineId, List<MqttJsonTopic> topics) {
        this(name, brokerUrl, clientId, username, password, qos, machineId, topics, null);
    }

    public MqttJsonConfig {
        List<String> problems = new ArrayList<>();
        if (name == null || name.isBlank()) problems.add("name must not be blank");
        try {
            URI u = URI.create(brokerUrl);
            if (u.getScheme() == null || !List.of("tcp", "mqtt", "ssl", "mqtts").contains(u.getScheme()) || u.getHost() == null) {
                problems.add("broker must be like tcp://host:1883 or ssl://host:8883, but was " + brokerUrl);
            }
        } catch (RuntimeException e) {
            problems.add("broker must be like tcp://host:1883 or ssl://host:8883, but was " + brokerUrl);
        }
        clientId = clientId == null || clientId.isBlank() ? null : clientId;
        if (instanceId != null && !instanceId.matches("[A-Za-z0-9-]{1,32}")) {
            problems.add("instance id must be 1 to 32 letters, digits or '-', but was '" + instanceId + "'");
        }
        if (username == null && password != null) problems.add("password needs a username");
        if (qos < 0 || qos > 2) problems.add("qos must be in [0, 2], but was " + qos);
        if (machineId == null || machineId.isBlank()) problems.add("machine must not be blank");
        topics = topics == null ? List.of() : List.copyOf(topics);
        if (topics.isEmpty()) problems.add("topics must not be empty");
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid MQTT JSON connection [name=" + name + ", broker=" + brokerUrl + "]: "
                    + String.join("; ", problems) + ". Fix connections." + name + " in the plant configuration.");
        }
    }

    /** The client id Lathe connects with: the configured one, or {@link #defaultClientId(String, String)}. */
    public String effectiveClientId() {
        return clientId != null ? clientId : defaultClientId(name, instanceId);
    }

    /** {@code lathe-json-<name>-<instanceId>}, or {@code lathe-json-<name>} without an instance id. */
    public static String defaultClientId(String name, String instanceId) {
        return "lathe-json-" + name + (instanceId == null ? "" : "-" + instanceId);
    }

    /** This configuration in the Lathe instance {@code id} (see {@link #instanceId()}). */
    public MqttJsonConfig withInstanceId(String id) {
        return new MqttJsonConfig(name, brokerUrl, clientId, username, password, qos, machineId, topics, id);
    }

    public boolean tls() {
        String s = URI.create(brokerUrl).getScheme();
        return s.equals("ssl") || s.equals("mqtts");
    }

    public String host() {
        return URI.create(brokerUrl).getHost();
    }

    public int port() {
        int p = URI.create(brokerUrl).getPort();
        return p > 0 ? p : tls() ? 8883 : 1883;
    }

    @Override
    public String toString() {
        return "MqttJsonConfig[name=" + name + ", broker=" + brokerUrl + ", client-id=" + effectiveClientId() + ", username=" + username
                + ", password=" + (password == null ? null : "****") + ", qos=" + qos + ", topics=" + topics.size() + "]";
    }

    public static Builder builder(String name, String brokerUrl) {
        return new Builder(name, brokerUrl);
    }

    /** Defaults as documented on the record components. */
    public static final class Builder {
        private final String name;
        private final String brokerUrl;
        private String clientId;
        private String username;
        private String password;
        private int qos = 1;
        private String machineId;
        private String instanceId;
        private final List<MqttJsonTopic> topics = new ArrayList<>();

        private Builder(String name, String brokerUrl) {
            this.name = name;
            this.brokerUrl = brokerUrl;
        }

        public Builder clientId(String v) { clientId = v; return this; }
        public Builder user(String user, String pass) { username = user; password = pass; return this; }
        public Builder qos(int v) { qos = v; return this; }
        public Builder machine(String v) { machineId = v; return this; }
        public Builder topic(MqttJsonTopic t) { topics.add(t); return this; }
        public Builder instanceId(String v) { instanceId = v; return this; }

        public MqttJsonConfig build() {
            return new MqttJsonConfig(name, brokerUrl, clientId, username, password, qos, machineId, topics, instanceId);
        }
    }
}
