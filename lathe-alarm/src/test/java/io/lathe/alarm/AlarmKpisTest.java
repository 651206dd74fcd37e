package io.lathe.alarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Alarm KPIs against a fixture computed by hand, 06:00-08:00 (twelve 10-minute intervals):
 * <pre>
 * 06:00  A x3 at :00, :20, :40 s (urgent)   -> 3, over the limit of 2, A chatters (3 in 60 s)
 * 06:10  B x1, cleared after 0.5 s (high)  -> 1, B fleeting
 * 06:20  C x6, D x6 alternating, 50 s apart (medium) -> 12 > 10: flood starts
 * 06:30  E x6, 90 s apart (low)            -> 6 >= 5: flood goes on
 * 06:40  E x4                              -> 4 < 5: flood ends at 06:40
 * 06:50  A activates while shelved         -> not annunciated, not counted
 * </pre>
 * Total 26; intervals over the limit 4 of 12 (33.33 %); peak 12; one flood 06:20-06:40 (1200 s, peak 12, 18 alarms,
 * 16.67 % of the time); bad actors E 10 (38.46 %), C 6, D 6 (23.08 % each), A 3 (11.54 %), B 1 (3.85 %).
 */
class AlarmKpisTest {
    static final long T0 = Instant.parse("2026-01-05T06:00:00Z").toEpochMilli() * 1000;
    static final long S = 1_000_000L, MIN = 60 * S;
    static final Transition.Status ANY = new Transition.Status(AlarmState.UNACK, true, false, Long.MIN_VALUE, false, false, false, 0, 0, 1);
    long seq;

    Transition t(String alarm, long at, String event, AlarmState from, AlarmState to) {
        return new Transition(++seq, alarm, "m", at, event, from, to, "system", null, 1, ANY);
    }

    Transition annunciate(String alarm, long at) {
        return t(alarm, at, "activate", AlarmState.NORMAL, AlarmState.UNACK);
    }

    static Alarm alarm(String id, Priority p, boolean active, long since, boolean shelved) {
        return new Alarm(id, id, "m", "M", "limit", p, active ? AlarmState.UNACK : AlarmState.NORMAL, active, !active, shelved,
                shelved ? Long.MAX_VALUE : Long.MIN_VALUE, false, false, false, "", 1, "", since, since, null);
    }

    @Test
    void handComputedFixture() {
        List<Transition> ts = new ArrayList<>();
        for (int k = 0; k < 3; k++) ts.add(annunciate("A", T0 + k * 20 * S));
        ts.add(annunciate("B", T0 + 10 * MIN));
        ts.add(t("B", T0 + 10 * MIN + 500_000, "clear", AlarmState.UNACK, AlarmState.RTN_UNACK));
        for (int k = 0; k < 12; k++) ts.add(annunciate(k % 2 == 0 ? "C" : "D", T0 + 20 * MIN + k * 50 * S));
        for (int k = 0; k < 6; k++) ts.add(annunciate("E", T0 + 30 * MIN + k * 90 * S));
        for (int k = 0; k < 4; k++) ts.add(annunciate("E", T0 + 40 * MIN + k * 90 * S));
        ts.add(t("A", T0 + 50 * MIN, "activate", AlarmState.NORMAL, AlarmState.NORMAL));
        List<Alarm> alarms = List.of(alarm("A", Priority.URGENT, true, T0 - 25 * 60 * MIN, true), alarm("B", Priority.HIGH, false, Long.MIN_VALUE, false),
                alarm("C", Priority.MEDIUM, true, T0 + 20 * MIN, false), alarm("D", Priority.MEDIUM, false, Long.MIN_VALUE, false),
                alarm("E", Priority.LOW, false, Long.MIN_VALUE, false));

        Map<String, Object> k = AlarmKpis.compute(ts, alarms, T0, T0 + 120 * MIN, T0 + 120 * MIN, AlarmKpis.Limits.DEFAULTS);

        assertThat(k.get("annunciated")).isEqualTo(26);
        assertThat(k.get("averagePerHour")).isEqualTo(13.0);
        assertThat(k.get("averagePer10Min")).isEqualTo(2.17);
        assertThat(k.get("peakPer10Min")).isEqualTo(12);
        assertThat(k.get("intervals")).isEqualTo(12);
        assertThat(k.get("intervalsOverLimit")).isEqualTo(4);
        assertThat(k.get("percentIntervalsOverLimit")).isEqualTo(33.33);
        assertThat(k.get("floods")).asList().hasSize(1);
        @SuppressWarnings("unchecked") Map<String, Object> flood = (Map<String, Object>) ((List<?>) k.get("floods")).get(0);
        assertThat(flood).containsEntry("start", "2026-01-05T06:20:00Z").containsEntry("end", "2026-01-05T06:40:00Z")
                .containsEntry("durationSeconds", 1200L).containsEntry("peakPer10Min", 12).containsEntry("alarms", 18);
        assertThat(k.get("percentTimeInFlood")).isEqualTo(16.67);
        assertThat(k.get("badActors").toString()).isEqualTo("[{alarm=E, count=10, percent=38.46}, {alarm=C, count=6, percent=23.08}, "
                + "{alarm=D, count=6, percent=23.08}, {alarm=A, count=3, percent=11.54}, {alarm=B, count=1, percent=3.85}]");
        assertThat(k.get("badActorsPercent")).isEqualTo(100.0);
        assertThat(k.get("chattering").toString()).isEqualTo("[{alarm=A, maxIn60s=3}]");
        assertThat(k.get("fleeting").toString()).isEqualTo("[{alarm=B, count=1}]");
        assertThat(k.get("stale")).isEqualTo(List.of("A"));
        @SuppressWarnings("unchecked") Map<String, Map<String, Object>> dist = (Map<String, Map<String, Object>>) k.get("priorityDistribution");
        assertThat(dist.get("urgent").get("count")).isEqualTo(3);
        assertThat(dist.get("high").get("count")).isEqualTo(1);
        assertThat(dist.get("medium").get("count")).isEqualTo(12);
        assertThat(dist.get("low").get("count")).isEqualTo(10);
        assertThat(k.get("shelved")).isEqualTo(1);
        assertThat(k.get("active")).isEqualTo(2);
    }

    @Test
    void emptyPeriodHasNoDivisionByZero() {
        Map<String, Object> k = AlarmKpis.compute(List.of(), List.of(), T0, T0 + 60 * MIN, T0, AlarmKpis.Limits.DEFAULTS);
        assertThat(k.get("annunciated")).isEqualTo(0);
        assertThat(k.get("badActorsPercent")).isEqualTo(0.0);
        assertThat(k.get("percentIntervalsOverLimit")).isEqualTo(0.0);
    }
}
