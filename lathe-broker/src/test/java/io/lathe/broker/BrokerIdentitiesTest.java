package io.lathe.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The MQTT client list file: what it accepts, and every problem reported at once with its line. */
class BrokerIdentitiesTest {

    static final String BCRYPT = "$2b$12$yqzZrmsMREu9bPizN.yQ4eQv.5aqPG7yxx6iRl8XVJ3xMDspGQ2mq";

    @Test
    void readsEdgeNodesAndDevices() throws Exception {
        List<BrokerIdentity> ids = BrokerIdentities.parse("""
                edge-nodes:
                  - username: line1-gateway
                    password-hash: %s
                    group: Plant1
                    edge-node: Line1
                devices:
                  - username: hall2-temp
                    password-hash: "%s"
                    publish: [sensors/hall2/#]
                    subscribe: sensors/hall2/commands/#
                """.formatted(BCRYPT, BCRYPT), "mqtt-clients.yaml");
        assertThat(ids).containsExactly(new BrokerIdentity.EdgeNode("line1-gateway", BCRYPT, "Plant1", "Line1"),
                new BrokerIdentity.Device("hall2-temp", BCRYPT, new TopicRights(List.of("sensors/hall2/#"), List.of("sensors/hall2/commands/#"))));
        assertThat(ids.get(0).toString()).doesNotContain(BCRYPT).contains("$2b$12$****");
        assertThat(BrokerIdentities.parse("", "empty.yaml")).isEmpty();
    }

    @Test
    void reportsEveryProblemWithFileAndLine() {
        assertThatThrownBy(() -> BrokerIdentities.parse("""
                edge-nodes:
                  - username: a
                    password-hash: not-a-hash
                    group: G
                    edge-node: E
                  - username: b
                    password-hash: %s
                    group: G/x
                    edge-node: E
                devices:
                  - username: a
                    password-hash: %s
                    publish: [ok/#]
                  - username: c
                    password-hash: %s
                    publsh: [x]
                  - username: lathe-internal
                    password-hash: %s
                    publish: [x]
                gateways: []
                """.formatted(BCRYPT, BCRYPT, BCRYPT, BCRYPT), "clients.yaml"))
                .isInstanceOfSatisfying(BrokerIdentities.InvalidClientListException.class, e -> assertThat(e.problems()).satisfiesExactly(
                        p -> assertThat(p).startsWith("clients.yaml:2: ").contains("passwordHash of 'a'").contains("hash-password"),
                        p -> assertThat(p).startsWith("clients.yaml:6: ").contains("group").contains("'G/x'"),
                        p -> assertThat(p).startsWith("clients.yaml:16: ").contains("unknown field 'publsh'"),
                        p -> assertThat(p).startsWith("clients.yaml:14: ").contains("neither 'publish' nor 'subscribe'"),
                        p -> assertThat(p).startsWith("clients.yaml:17: ").contains("reserved for Lathe"),
                        p -> assertThat(p).startsWith("clients.yaml:20: ").contains("unknown section 'gateways'")));
    }

    @Test
    void aUserNameMayAppearOnlyOnce() {
        assertThatThrownBy(() -> BrokerIdentities.parse("""
                edge-nodes:
                  - {username: gw, password-hash: "%s", group: G, edge-node: E1}
                devices:
                  - {username: gw, password-hash: "%s", publish: [x/#]}
                """.formatted(BCRYPT, BCRYPT), "c.yaml"))
                .hasMessageContaining("c.yaml:4: user name 'gw' is already used on line 2");
    }
}
