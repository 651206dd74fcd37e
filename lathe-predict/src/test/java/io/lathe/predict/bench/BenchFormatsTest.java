package io.lathe.predict.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark readers accept the published formats and name file and line of the first bad row. */
class BenchFormatsTest {
    @TempDir
    Path dir;

    private static final String SKAB_HEADER = "datetime;Accelerometer1RMS;Current;anomaly;changepoint\n";

    @Test
    void skabKeepsLabelsApartFromSignals() throws Exception {
        Path f = Files.writeString(dir.resolve("1.csv"), SKAB_HEADER + "2020-03-09 10:14:33;0.5;1.25;0.0;0.0\n2020-03-09 10:14:34;0.6;1.5;1.0;1.0\n");
        SkabFile s = SkabFile.read(f);
        assertThat(s.signalNames()).containsExactly("Accelerometer1RMS", "Current");
        assertThat(s.signals()[1]).containsExactly(0.6, 1.5);
        assertThat(s.labels()).containsExactly(0, 1);
        assertThat(s.datetimes()).containsExactly("2020-03-09 10:14:33", "2020-03-09 10:14:34");
    }

    @Test
    void skabWithoutLabelColumnsIsReadForDetection() throws Exception {
        Path f = Files.writeString(dir.resolve("free.csv"), "datetime;A;B\nt1;1;2\nt2;3;4\n");
        SkabFile s = SkabFile.read(f);
        assertThat(s.labels()).isNull();
        assertThat(s.size()).isEqualTo(2);
    }

    @Test
    void skabBadNumberNamesFileLineAndColumn() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.csv"), SKAB_HEADER + "t1;0.5;1.0;0;0\nt2;0.5;abc;0;0\n");
        assertThatThrownBy(() -> SkabFile.read(f)).isInstanceOf(BenchFormatException.class)
                .hasMessageContaining("column 3 (Current) is not a number: 'abc'").hasMessageContaining("line=3").hasMessageContaining("bad.csv");
    }

    @Test
    void skabShortLineIsRejectedWithItsLine() throws Exception {
        Path f = Files.writeString(dir.resolve("short.csv"), SKAB_HEADER + "t1;0.5;1.0;0;0\n\nt2;0.5\n");
        assertThatThrownBy(() -> SkabFile.read(f)).isInstanceOf(BenchFormatException.class)
                .hasMessageContaining("2 fields where the header has 5").hasMessageContaining("line=4");
    }

    @Test
    void skabWrongHeaderIsRejected() throws Exception {
        Path f = Files.writeString(dir.resolve("h.csv"), "time,a,b\n1,2,3\n");
        assertThatThrownBy(() -> SkabFile.read(f)).hasMessageContaining("first column must be 'datetime'").hasMessageContaining("line=1");
    }

    @Test
    void nabReadsTimestampsAsUtc() throws Exception {
        Path f = Files.writeString(dir.resolve("s.csv"), "timestamp,value\n2014-07-01 00:00:00,10844\n2014-07-01 00:30:00,8127.5\n");
        NabFile n = NabFile.read(f);
        assertThat(n.epochMillis()).containsExactly(1404172800000L, 1404174600000L);
        assertThat(n.values()).containsExactly(10844, 8127.5);
    }

    @Test
    void nabBadTimestampAndBackwardsTimeNameTheLine() throws Exception {
        Path bad = Files.writeString(dir.resolve("b.csv"), "timestamp,value\n2014-07-01 00:00:00,1\n07/01/2014,2\n");
        assertThatThrownBy(() -> NabFile.read(bad)).hasMessageContaining("bad NAB timestamp").hasMessageContaining("line=3");
        Path back = Files.writeString(dir.resolve("c.csv"), "timestamp,value\n2014-07-01 00:05:00,1\n2014-07-01 00:00:00,2\n");
        assertThatThrownBy(() -> NabFile.read(back)).hasMessageContaining("before the previous row").hasMessageContaining("line=3");
    }

    @Test
    void nabWindowsResolveToRows() throws Exception {
        Path w = Files.writeString(dir.resolve("windows.json"), "{\n \"realKnownCause/s.csv\": [\n  [\"2014-07-01 00:05:00.000000\", \"2014-07-01 00:10:00.000000\"]\n ],\n \"other.csv\": []\n}\n");
        NabWindows windows = NabWindows.read(w);
        long t0 = 1404172800000L;
        long[] times = {t0, t0 + 300_000, t0 + 600_000, t0 + 900_000};
        assertThat(NabWindows.toRows(windows.forFile("s.csv"), times)).containsExactly(new NabScorer.Window(1, 2));
        assertThat(windows.forFile("other.csv")).isEmpty();
        assertThat(windows.forFile("missing.csv")).isNull();
    }

    @Test
    void cmapssReadsPlainAndGzippedAndGroupsUnits() throws Exception {
        String rows = row(1, 1) + row(1, 2) + row(2, 1);
        Path plain = Files.writeString(dir.resolve("t.txt"), rows);
        Path gz = dir.resolve("t.txt.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(rows.getBytes(StandardCharsets.US_ASCII));
        }
        for (Path p : new Path[]{plain, gz}) {
            CmapssFile f = CmapssFile.read(p);
            assertThat(f.units()).hasSize(2);
            assertThat(f.units().get(0).cycles()).containsExactly(1, 2);
            assertThat(f.units().get(0).sensors()[1][20]).isEqualTo(20.0 + 2);
            assertThat(f.units().get(1).settings()[0]).containsExactly(0.1, 0.2, 100.0);
        }
    }

    @Test
    void cmapssBadRowsNameLine() throws Exception {
        Path cols = Files.writeString(dir.resolve("c.txt"), row(1, 1) + "1 2 3\n");
        assertThatThrownBy(() -> CmapssFile.read(cols)).hasMessageContaining("3 numbers where 26 are expected").hasMessageContaining("line=2");
        Path order = Files.writeString(dir.resolve("o.txt"), row(1, 2) + row(1, 1));
        assertThatThrownBy(() -> CmapssFile.read(order)).hasMessageContaining("cycle 1 of unit 1 does not follow cycle 2").hasMessageContaining("line=2");
        Path text = Files.writeString(dir.resolve("x.txt"), row(1, 1).replace(" 100.0 ", " x "));
        assertThatThrownBy(() -> CmapssFile.read(text)).hasMessageContaining("column 5 (setting3) is not a number").hasMessageContaining("line=1");
    }

    /** One C-MAPSS row: settings 0.1 0.2 100, sensor k = k + cycle. */
    static String row(int unit, int cycle) {
        StringBuilder b = new StringBuilder(unit + " " + cycle + " 0.1 0.2 100.0 ");
        for (int k = 0; k < 21; k++) b.append(k + cycle).append(".0 ");
        return b.append('\n').toString();
    }
}
