package io.lathe.sparkplug;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of Lathe's Sparkplug B 3.0 primary host application.
 *
 * @param hostId             Sparkplug host id: the STATE topic is {@code spBv1.0/STATE/<hostId>}; edge nodes configured
 *                           with this primary host wait for it to be online
 * @param brokerUrl          {@code tcp://host:port} or {@code ssl://host:port}
 * @param username           MQTT user name, or null for none
 * @param password           MQTT password, or null for none
 * @param trustStoreOrCaPem  for {@code ssl://}: a PEM file of CA certificates ({@code .pem}, {@code .crt}, {@code .cer})
 *                           or a PKCS#12/JKS trust store without password; null trusts the JDK's default CAs
 * @param tlsVerifyHostname  for {@code ssl://}: check that the broker's certificate names its host
 * @param groups             Sparkplug group ids to subscribe to; empty subscribes to all groups
 * @param reorderTimeout     how long out-of-order messages of an edge node are held waiting for the missing sequence
 *                           number before a rebirth is requested; zero requests it at once
 * @param discoverySiteName  site under which discovered edge nodes are placed when no declared machine matches
 * @param discoveryAreaName  area (under that site) for discovered edge nodes
 * @param discovery          whether and how fast names that match nothing declared are added to the plant model
 */
public record SparkplugHostConfig(String hostId, String brokerUrl, String username, String password,
                                  Path trustStoreOrCaPem, boolean tlsVerifyHostname, List<String> groups,
                                  Duration reorderTimeout, String discoverySiteName, String discoveryAreaName,
                                  DiscoveryLimits discovery) {

    /** With {@link DiscoveryLimits#defaults()}. */
    public SparkplugHostConfig(String hostId, String brokerUrl, String username, String password,
                               Path trustStoreOrCaPem, boolean tlsVerifyHostname, List<String> groups,
                               Duration reorderTimeout, String discoverySiteName, String discoveryAreaName) {
        this(hostId, brokerUrl, username, password, trustStoreOrCaPem, tlsVerifyHostname, groups, reorderTimeout,
                discoverySiteName, discoveryAreaName, DiscoveryLimits.defaults());
    }

    /** This configuration with other discovery limits. */
    public SparkplugHostConfig withDiscovery(DiscoveryLimits limits) {
        return new SparkplugHostConfig(hostId, brokerUrl, username, password, trustStoreOrCaPem, tlsVerifyHostname, groups,
                reorderTimeout, discoverySiteName, discoveryAreaName, limits);
    }

    public SparkplugHostConfig {
        if (discovery == null) discovery = DiscoveryLimits.defaults();
        List<String> problems = new ArrayList<>();
        if (hostId == null || hostId.isBlank() || hostId.contains("/") || hostId.contains("+") || hostId.contains("#")) {
            problems.add("hostId must be non-blank without '/', '+' or '#', but was '" + hostId + "'");
        }
        if (brokerUrl == null || !(brokerUrl.startsWith("tcp://") || brokerUrl.startsWith("ssl://"))) {
            problems.add("brokerUrl must be tcp://host:port or ssl://host:port, but was '" + brokerUrl + "'");
        }
        groups = groups == null ? List.of() : List.copyOf(groups);
        for (String g : groups) {
            if (g.isBlank() || g.contains("/") || g.contains("+") || g.contains("#")) {
                problems.add("groups must be non-blank ids without '/', '+' or '#', but contained '" + g + "'");
            }
        }
        if (reorderTimeout == null || reorderTimeout.isNegative()) {
            problems.add("reorderTimeout must be zero or positive, but was " + reorderTimeout);
        }
        if (discoverySiteName == null || discoverySiteName.isBlank()) {
            problems.add("discoverySiteName must not be blank, but was '" + discoverySiteName + "'");
        }
        if (discoveryAreaName == null || discoveryAreaName.isBlank()) {
            problems.add("discoveryAreaName must not be blank, but was '" + discoveryAreaName + "'");
        }
        if (brokerUrl != null && (brokerUrl.startsWith("tcp://") || brokerUrl.startsWith("ssl://"))) {
            try {
                int p = portOf(brokerUrl);
                if (p < 1 || p > 65535) problems.add("brokerUrl port must be in [1, 65535], but was " + p);
                if (hostOf(brokerUrl).isBlank()) problems.add("brokerUrl must name a host, but was '" + brokerUrl + "'");
            } catch (NumberFormatException e) {
                problems.add("brokerUrl port must be a number, but was '" + brokerUrl + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid Sparkplug host configuration: " + String.join("; ", problems)
                    + ". Fix these keys of the Sparkplug connection.");
        }
    }

    /** The password masked: with the embedded broker it is Lathe's internal credential. */
    @Override
    public String toString() {
        return "SparkplugHostConfig[hostId=" + hostId + ", brokerUrl=" + brokerUrl + ", username=" + username + ", password="
                + (password == null ? null : "****") + ", trustStoreOrCaPem=" + trustStoreOrCaPem + ", tlsVerifyHostname="
                + tlsVerifyHostname + ", groups=" + groups + ", reorderTimeout=" + reorderTimeout + ", discoverySiteName="
                + discoverySiteName + ", discoveryAreaName=" + discoveryAreaName + ", discovery=" + discovery + "]";
    }

    /** The host of {@link #brokerUrl()}, without scheme, port or IPv6 brackets. */
    public String brokerHost() {
        return hostOf(brokerUrl);
    }

    /** The port of {@link #brokerUrl()}; 1883 for tcp and 8883 for ssl when none is given. */
    public int brokerPort() {
        return portOf(brokerUrl);
    }

    /** True for {@code ssl://}. */
    public boolean tls() {
        return brokerUrl.startsWith("ssl://");
    }

    private static String hostOf(String url) {
        String rest = url.substring(url.indexOf("://") + 3);
        int colon = rest.lastIndexOf(':');
        String host = colon < 0 || rest.endsWith("]") ? rest : rest.substring(0, colon);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static int portOf(String url) {
        String rest = url.substring(url.indexOf("://") + 3);
        int colon = rest.lastIndexOf(':');
        if (colon < 0 || rest.endsWith("]")) return url.startsWith("ssl://") ? 8883 : 1883;
        return Integer.parseInt(rest.substring(colon + 1));
    }
}
