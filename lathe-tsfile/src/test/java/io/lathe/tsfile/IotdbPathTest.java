package io.lathe.tsfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.tsfile.read.common.parser.PathNodesGenerator;
import org.junit.jupiter.api.Test;

class IotdbPathTest {

    @Test
    void signalIdsBecomeDeviceAndMeasurementUnderRootLathe() {
        IotdbPath p = IotdbPath.of("plant.site.area.line.machine.signal");
        assertThat(p.device()).isEqualTo("root.lathe.plant.site.area.line.machine");
        assertThat(p.measurement()).isEqualTo("signal");
        assertThat(p.fullPath()).isEqualTo("root.lathe.plant.site.area.line.machine.signal");

        IotdbPath nab = IotdbPath.of("nab.nyc_taxi");
        assertThat(nab.device()).isEqualTo("root.lathe.nab");
        assertThat(nab.measurement()).isEqualTo("nyc_taxi");

        // A name without a dot is a measurement of the database node itself (IoTDB's three-level series root.db.s).
        IotdbPath single = IotdbPath.of("single");
        assertThat(single.device()).isEqualTo("root.lathe");
        assertThat(single.measurement()).isEqualTo("single");
    }

    @Test
    void nodesThatAreNumbersOrHaveSpecialCharactersKeepBackQuotes() {
        // IoTDB's rule: an identifier is [a-zA-Z0-9_] or CJK and must not read as a number; others stay back-quoted.
        IotdbPath skab = IotdbPath.of("skab.valve1.1.Current");
        assertThat(skab.device()).isEqualTo("root.lathe.skab.valve1.`1`");
        assertThat(skab.measurement()).isEqualTo("Current");

        assertThat(IotdbPath.of("line-2.spindle speed").fullPath()).isEqualTo("root.lathe.`line-2`.`spindle speed`");
        assertThat(IotdbPath.of("a`b.c").fullPath()).isEqualTo("root.lathe.`a``b`.c");
        assertThat(IotdbPath.of("m.1e5").measurement()).isEqualTo("`1e5`");
        assertThat(IotdbPath.of("m.温度").measurement()).isEqualTo("温度");
        assertThat(IotdbPath.of("a..b").device()).isEqualTo("root.lathe.a.``");
        assertThat(IotdbPath.of("m.").measurement()).isEqualTo("``");
    }

    @Test
    void theDeviceInTheFileIsWhatTsFilesParserMakesOfTheCanonicalPath() throws Exception {
        // The canonical device string, parsed again, gives the same nodes: IoTDB reads SQL paths the same way.
        for (String s : List.of("skab.valve1.1.Current", "line-2.spindle speed.x", "a`b.c.d", "p.q")) {
            IotdbPath p = IotdbPath.of(s);
            assertThat(String.join(".", PathNodesGenerator.splitPathToNodes(p.device()))).isEqualTo(p.device());
            assertThat(p.deviceId().toString()).isEqualTo(p.device());
        }
        // Bare keywords are valid nodes in the file but must be back-quoted in SQL; the mapping still works.
        assertThat(IotdbPath.of("root.time").fullPath()).isEqualTo("root.lathe.root.time");
    }

    @Test
    void differentNamesNeverMapToTheSamePath() {
        List<String> names = List.of("a.b", "a.`b`", "a.b`", "a..b", "a.b.", ".a.b", "a-b", "`a-b`", "1", "`1`", "01",
                "a.b c", "a.b  c", "x", "x.", "x..", "root", "root.lathe");
        Set<String> paths = new HashSet<>();
        for (String n : names) paths.add(IotdbPath.of(n).fullPath());
        assertThat(paths).hasSize(names.size());
    }

    @Test
    void anEmptyNameIsRefused() {
        assertThatThrownBy(() -> IotdbPath.of("")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }
}
