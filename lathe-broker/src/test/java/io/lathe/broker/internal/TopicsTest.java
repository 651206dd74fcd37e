package io.lathe.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lathe.broker.BrokerIdentity;
import io.lathe.broker.TopicRights;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MQTT 5.0 section 4.7 topic matching, and the rights built on it; every PUBLISH of a device goes through these. */
class TopicsTest {

    @Test
    void topicNamesMatchFiltersLevelByLevel() {
        assertThat(Topics.matches("a/b", "a/b")).isTrue();
        assertThat(Topics.matches("a/+", "a/b")).isTrue();
        assertThat(Topics.matches("a/+", "a/b/c")).isFalse();
        assertThat(Topics.matches("a/#", "a/b/c")).isTrue();
        assertThat(Topics.matches("a/#", "a")).isTrue(); // '#' includes the parent level (4.7.1.2)
        assertThat(Topics.matches("a/#", "ab")).isFalse();
        assertThat(Topics.matches("a/b", "a/bc")).isFalse();
        assertThat(Topics.matches("a/bc", "a/b")).isFalse();
        assertThat(Topics.matches("+/+", "/x")).isTrue(); // empty levels are levels
        assertThat(Topics.matches("#", "$SYS/x")).isFalse(); // wildcards never match '$' topics first (4.7.2)
        assertThat(Topics.matches("+/x", "$SYS/x")).isFalse();
        assertThat(Topics.matches("$SYS/#", "$SYS/x")).isTrue();
        assertThat(Topics.matches("a/b/c", "a/b")).isFalse();
    }

    @Test
    void aFilterCoversAnotherOnlyWhenEveryMatchingTopicMatchesIt() {
        assertThat(Topics.covers("sensors/#", "sensors/+/temp")).isTrue();
        assertThat(Topics.covers("sensors/#", "sensors")).isTrue();
        assertThat(Topics.covers("sensors/#", "#")).isFalse();
        assertThat(Topics.covers("sensors/+", "sensors/#")).isFalse();
        assertThat(Topics.covers("sensors/+", "sensors/+")).isTrue();
        assertThat(Topics.covers("sensors/a", "sensors/+")).isFalse();
        assertThat(Topics.covers("a/+/c", "a/b/c")).isTrue();
        assertThat(Topics.covers("a/b/#", "a/b")).isTrue();
        assertThat(Topics.covers("a/b/c", "a/b")).isFalse();
        assertThat(Topics.covers("#", "$SYS/#")).isFalse();
    }

    @Test
    void invalidFiltersAreRejectedWithTheFilter() {
        assertThatThrownBy(() -> Topics.checkFilter("a/#/b", "publish")).hasMessageContaining("'a/#/b'").hasMessageContaining("last level");
        assertThatThrownBy(() -> Topics.checkFilter("a/b+", "subscribe")).hasMessageContaining("stand alone");
        assertThatThrownBy(() -> Topics.checkFilter("", "publish")).hasMessageContaining("empty");
        assertThatThrownBy(() -> new TopicRights(List.of("ok/#", "bad#"), List.of())).hasMessageContaining("publish topic filter 'bad#'");
        assertThatThrownBy(() -> Topics.checkLevel("Line/1", "edgeNodeId")).hasMessageContaining("edgeNodeId").hasMessageContaining("'Line/1'");
    }

    @Test
    void stateTopicsOfSparkplug3And22AreRecognised() {
        assertThat(Topics.isSparkplugState("spBv1.0/STATE/lathe")).isTrue();
        assertThat(Topics.isSparkplugState("STATE/lathe")).isTrue();
        assertThat(Topics.isSparkplugState("spBv1.0/G/STATE/x")).isFalse();
        assertThat(Topics.isSparkplugState("STATEFUL/x")).isFalse();
        assertThat(Topics.unshared("$share/g1/sensors/#")).isEqualTo("sensors/#");
        assertThat(Topics.levels("a/b/c")).isEqualTo(3);
    }

    // Sparkplug 3.0 section 4.1: spBv1.0/<group>/<type>/<edge node>[/<device>], devices one level deep.
    @Test
    void edgeNodeRightsFollowTheSparkplugTopicNamespace() {
        Rights r = Rights.of(new BrokerIdentity.EdgeNode("n", "$2b$12$yqzZrmsMREu9bPizN.yQ4eQv.5aqPG7yxx6iRl8XVJ3xMDspGQ2mq", "G", "E1"));
        for (String ok : List.of("spBv1.0/G/NBIRTH/E1", "spBv1.0/G/NDEATH/E1", "spBv1.0/G/NDATA/E1", "spBv1.0/G/DBIRTH/E1/d",
                "spBv1.0/G/DDEATH/E1/d", "spBv1.0/G/DDATA/E1/d")) {
            assertThat(r.mayPublish(ok)).as(ok).isTrue();
        }
        for (String no : List.of("spBv1.0/G/NDATA/E2", "spBv1.0/G/NDATA/E1/x", "spBv1.0/G/DDATA/E1", "spBv1.0/G/DDATA/E1/d/e",
                "spBv1.0/H/NDATA/E1", "spBv1.0/G/NCMD/E1", "spBv1.0/G/DCMD/E1/d", "spBv1.0/STATE/E1", "spBv1.0/G/NDATA/E10")) {
            assertThat(r.mayPublish(no)).as(no).isFalse();
        }
        for (String ok : List.of("spBv1.0/G/NCMD/E1", "spBv1.0/G/NCMD/E1/#", "spBv1.0/G/DCMD/E1/+", "spBv1.0/G/DCMD/E1/#",
                "spBv1.0/STATE/+", "spBv1.0/STATE/lathe", "STATE/lathe")) {
            assertThat(r.maySubscribe(ok)).as(ok).isTrue();
        }
        for (String no : List.of("spBv1.0/G/NCMD/+", "spBv1.0/G/#", "#", "spBv1.0/+/NCMD/E1", "spBv1.0/G/NDATA/E1")) {
            assertThat(r.maySubscribe(no)).as(no).isFalse();
        }
    }
}
