package io.lathe.kpi;

import io.lathe.model.Value;
import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;

import static io.lathe.kpi.Fixtures.us;
import static org.assertj.core.api.Assertions.assertThat;

/** The JSON shape shared by the API and the CLI: undefined ratios are null, never NaN (invalid JSON). */
class KpiJsonTest {

    @Test
    void undefinedRatiosAreNullAndTimesAreIsoInstants() {
        // No counter values: quality ratio has no denominator.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, Fixtures.machine("m1", "l1")));
        e.onPoint("m1.state", us("2026-06-01T06:00:00Z"), Value.of(1L));
        String json = KpiJson.of(e.kpis("m1", us("2026-06-01T06:00:00Z"), us("2026-06-01T07:00:00Z")));
        assertThat(json).startsWith("{\"from\":\"2026-06-01T06:00:00Z\",\"to\":\"2026-06-01T07:00:00Z\",\"machines\":1,\"availability\":1,")
                .contains("\"qualityRatio\":null").contains("\"timeInStateSeconds\":{\"running\":3600}").doesNotContain("NaN");
        assertThat(KpiJson.of(e.kpisBy("m1", us("2026-06-01T06:00:00Z"), us("2026-06-01T07:00:00Z"), Grouping.SHIFT))).startsWith("[{\"label\":\"2026-06-01 early\",\"kpis\":{");
    }

    @Test
    void anOngoingStopHasANullEnd() {
        // The downtime list of the API shows stops that are still going on.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, Fixtures.machine("m1", "l1")));
        e.onPoint("m1.state", us("2026-06-01T06:00:00Z"), Value.of(3L));
        e.onPoint("m1.reason", us("2026-06-01T06:00:00Z"), Value.of("11"));
        assertThat(KpiJson.stops(e.stops("m1", us("2026-06-01T06:00:00Z"), us("2026-06-01T07:00:00Z")))).isEqualTo(
                "[{\"machine\":\"m1\",\"start\":\"2026-06-01T06:00:00Z\",\"end\":null,\"reasonCode\":\"11\",\"reasonName\":\"Tool break\","
                        + "\"category\":\"mechanical\",\"operatorSet\":false,\"microStop\":false}]");
        assertThat(KpiJson.pareto(e.pareto("m1", us("2026-06-01T06:00:00Z"), us("2026-06-01T07:00:00Z")))).isEqualTo(
                "[{\"reasonCode\":\"11\",\"reasonName\":\"Tool break\",\"category\":\"mechanical\",\"durationSeconds\":3600,\"count\":1}]");
    }
}
