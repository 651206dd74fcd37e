package io.lathe.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Configuration of a {@link VirtualFactory}. The constructor checks every field and reports all problems at once.
 *
 * @param brokerUrl       MQTT broker, {@code tcp://host:port} (also {@code mqtt://}; {@code ssl://} or {@code mqtts://}
 *                        for TLS); the port defaults to 1883 (8883 for TLS)
 * @param username        MQTT user name, null for none
 * @param password        MQTT password, null for none
 * @param group           Sparkplug group id, for example {@code Demo}
 * @param lines           number of lines (Sparkplug edge nodes {@code Line-A}, {@code Line-B}, ...) in [1, 26]
 * @param machinesPerLine machines (Sparkplug devices) per line in [1, 50]
 * @param seed            seed of the simulation: the same seed, start instant and steps give the same values
 * @param speed           simulated seconds per real second in (0, 10000]; 1 is real time, 60 is a minute per second
 * @param publishInterval real time between two publications (and simulation steps), in [10 ms, 1 h]
 * @param primaryHostId   Sparkplug primary host application id whose {@code STATE} gates publication, null to publish
 *                        right away
 */
public record FactoryConfig(String brokerUrl, String username, String password, String group, int lines,
                            int machinesPerLine, long seed, double speed, Duration publishInterval, String primaryHostId) {

    public FactoryConfig {
        List<String> problems = new ArrayList<>();
        if (brokerUrl == null || brokerUrl.isBlank()) problems.add("brokerUrl must be set, for example tcp://127.0.0.1:1883, but was " + brokerUrl);
        checkId("group", group, problems);
        if (lines < 1 || lines > FactorySimulation.MAX_LINES) {
            problems.add("lines must be in [1, " + FactorySimulation.MAX_LINES + "], but was " + lines);
        }
        if (machinesPerLine < 1 || machinesPerLine > FactorySimulation.MAX_MACHINES_PER_LINE) {
            problems.add("machinesPerLine must be in [1, " + FactorySimulation.MAX_MACHINES_PER_LINE + "], but was " + machinesPerLine);
        }
        if (!(speed > 0 && speed <= 10_000)) problems.add("speed must be in (0, 10000], but was " + speed);
        if (publishInterval == null || publishInterval.compareTo(Duration.ofMillis(10)) < 0
                || publishInterval.compareTo(Duration.ofHours(1)) > 0) {
            problems.add("publishInterval must be in [PT0.01S, PT1H], but was " + publishInterval);
        }
        if (primaryHostId != null) checkId("primaryHostId", primaryHostId, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Invalid virtual factory configuration: " + String.join("; ", problems) + ".");
        }
    }

    /** Group {@code Demo}, 2 lines of 4 machines, seed 42, real time, one publication per second, no primary host. */
    public static FactoryConfig demo(String brokerUrl) {
        return new FactoryConfig(brokerUrl, null, null, "Demo", 2, 4, 42L, 1.0, Duration.ofSeconds(1), null);
    }

    public FactoryConfig withGroup(String newGroup) {
        return new FactoryConfig(brokerUrl, username, password, newGroup, lines, machinesPerLine, seed, speed, publishInterval, primaryHostId);
    }

    public FactoryConfig withSpeed(double newSpeed) {
        return new FactoryConfig(brokerUrl, username, password, group, lines, machinesPerLine, seed, newSpeed, publishInterval, primaryHostId);
    }

    public FactoryConfig withPublishInterval(Duration interval) {
        return new FactoryConfig(brokerUrl, username, password, group, lines, machinesPerLine, seed, speed, interval, primaryHostId);
    }

    public FactoryConfig withPrimaryHostId(String hostId) {
        return new FactoryConfig(brokerUrl, username, password, group, lines, machinesPerLine, seed, speed, publishInterval, hostId);
    }

    public FactoryConfig withCredentials(String user, String pass) {
        return new FactoryConfig(brokerUrl, user, pass, group, lines, machinesPerLine, seed, speed, publishInterval, primaryHostId);
    }

    /** The password masked, for logs. */
    @Override
    public String toString() {
        return "FactoryConfig[brokerUrl=" + brokerUrl + ", username=" + username + ", password=" + (password == null ? null : "****")
                + ", group=" + group + ", lines=" + lines + ", machinesPerLine=" + machinesPerLine + ", seed=" + seed
                + ", speed=" + speed + ", publishInterval=" + publishInterval + ", primaryHostId=" + primaryHostId + "]";
    }

    private static void checkId(String key, String value, List<String> problems) {
        if (value == null || value.isBlank()) {
            problems.add(key + " must be a non-blank Sparkplug id, but was " + (value == null ? "null" : "'" + value + "'"));
        } else if (value.contains("/") || value.contains("+") || value.contains("#")) {
            problems.add(key + " must not contain '/', '+' or '#', but was '" + value + "'");
        }
    }
}
