package io.lathe.kpi;

import java.time.Instant;
import java.util.List;

/**
 * JSON text of KPI results, for the API and the CLI (one shape for both). Keys are camelCase ISO 22400 names; times
 * are ISO-8601 instants, durations seconds; a ratio without a denominator is {@code null}.
 */
public final class KpiJson {
    private KpiJson() {}

    public static String of(Kpis k) {
        StringBuilder b = new StringBuilder(1024).append('{');
        field(b, "from", str(iso(k.fromMicros()))).append(',');
        field(b, "to", str(iso(k.toMicros()))).append(',');
        field(b, "machines", Integer.toString(k.machines())).append(',');
        field(b, "availability", num(k.availability())).append(',');
        field(b, "effectiveness", num(k.effectiveness())).append(',');
        field(b, "qualityRatio", num(k.qualityRatio())).append(',');
        field(b, "oee", num(k.oee())).append(',');
        field(b, "nee", num(k.nee())).append(',');
        field(b, "teep", num(k.teep())).append(',');
        field(b, "utilizationEfficiency", num(k.utilizationEfficiency())).append(',');
        field(b, "technicalEfficiency", num(k.technicalEfficiency())).append(',');
        field(b, "setupRate", num(k.setupRate())).append(',');
        field(b, "throughputRatePerHour", num(k.throughputRatePerHour())).append(',');
        field(b, "scrapRatio", num(k.scrapRatio())).append(',');
        field(b, "firstPassYield", num(k.firstPassYield())).append(',');
        field(b, "mtbfSeconds", num(k.mtbfSeconds())).append(',');
        field(b, "mttrSeconds", num(k.mttrSeconds())).append(',');
        field(b, "mttfSeconds", num(k.mttfSeconds())).append(',');
        field(b, "energyPerUnitKwh", num(k.energyPerUnitKwh())).append(',');
        field(b, "co2ePerUnitKg", num(k.co2ePerUnitKg())).append(',');
        field(b, "calendarTimeSeconds", sec(k.calendarTimeMicros())).append(',');
        field(b, "plannedOperationTimeSeconds", sec(k.plannedOperationTimeMicros())).append(',');
        field(b, "plannedDownTimeSeconds", sec(k.plannedDownTimeMicros())).append(',');
        field(b, "plannedBusyTimeSeconds", sec(k.plannedBusyTimeMicros())).append(',');
        field(b, "actualProductionTimeSeconds", sec(k.actualProductionTimeMicros())).append(',');
        field(b, "actualUnitSetupTimeSeconds", sec(k.actualUnitSetupTimeMicros())).append(',');
        field(b, "actualUnitDelayTimeSeconds", sec(k.actualUnitDelayTimeMicros())).append(',');
        field(b, "actualUnitDownTimeSeconds", sec(k.actualUnitDownTimeMicros())).append(',');
        field(b, "noDataTimeSeconds", sec(k.noDataTimeMicros())).append(',');
        field(b, "producedQuantity", num(k.producedQuantity())).append(',');
        field(b, "goodQuantity", num(k.goodQuantity())).append(',');
        field(b, "scrapQuantity", num(k.scrapQuantity())).append(',');
        field(b, "inspectedQuantity", num(k.inspectedQuantity())).append(',');
        field(b, "idealProductionTimeSeconds", num(k.idealProductionTimeMicros() / 1e6)).append(',');
        field(b, "energyKwh", num(k.energyKwh())).append(',');
        field(b, "co2eKg", num(k.co2eKg())).append(',');
        field(b, "failureEvents", Integer.toString(k.failureEvents())).append(',');
        field(b, "timeToRepairSeconds", sec(k.timeToRepairMicros())).append(',');
        field(b, "microStops", Integer.toString(k.microStops())).append(',');
        field(b, "microStopLostTimeSeconds", sec(k.microStopLostTimeMicros())).append(',');
        b.append("\"timeInStateSeconds\":{");
        boolean first = true;
        for (MachineState s : MachineState.values()) {
            Long v = k.timeInStateMicros().get(s);
            if (v == null) continue;
            if (!first) b.append(',');
            first = false;
            field(b, s.yamlName(), sec(v));
        }
        b.append("},");
        field(b, "dataQualityEvents", Integer.toString(k.dataQualityEvents())).append(',');
        b.append("\"warnings\":").append(warnings(k.warnings()));
        return b.append('}').toString();
    }

    /** Warnings as a JSON array: {@code [{"code":…,"message":…}]}. */
    public static String warnings(List<KpiWarning> warnings) {
        StringBuilder b = new StringBuilder().append('[');
        for (int i = 0; i < warnings.size(); i++) {
            if (i > 0) b.append(',');
            b.append("{\"code\":").append(str(warnings.get(i).code())).append(",\"message\":").append(str(warnings.get(i).message())).append('}');
        }
        return b.append(']').toString();
    }

    /**
     * One data-quality event: {@code {"machine", "time" (ISO), "timeMicros", "signal", "quantity", "kind", "oldValue",
     * "newValue", "counted", "bound", "elapsedSeconds", "cause"}}; {@code oldValue} is null for a per-interval count,
     * {@code bound} null when no physical bound applies.
     */
    public static String dataQualityEvent(DataQualityEvent e) {
        return "{\"machine\":" + str(e.machine()) + ",\"time\":" + str(iso(e.timeMicros())) + ",\"timeMicros\":" + e.timeMicros()
                + ",\"signal\":" + str(e.signal()) + ",\"quantity\":" + str(e.quantity()) + ",\"kind\":" + str(e.kind().label())
                + ",\"oldValue\":" + num(e.oldValue()) + ",\"newValue\":" + num(e.newValue()) + ",\"counted\":" + num(e.counted())
                + ",\"bound\":" + num(e.bound()) + ",\"elapsedSeconds\":" + sec(e.elapsedMicros()) + ",\"cause\":" + str(e.cause()) + "}";
    }

    /** Data-quality events as a JSON array of {@link #dataQualityEvent} objects. */
    public static String dataQualityEvents(List<DataQualityEvent> events) {
        StringBuilder b = new StringBuilder().append('[');
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) b.append(',');
            b.append(dataQualityEvent(events.get(i)));
        }
        return b.append(']').toString();
    }

    /** A JSON array of periods: {@code [{"label":…,"kpis":{…}}]}. */
    public static String of(List<PeriodKpis> periods) {
        StringBuilder b = new StringBuilder().append('[');
        for (int i = 0; i < periods.size(); i++) {
            if (i > 0) b.append(',');
            PeriodKpis p = periods.get(i);
            b.append("{\"label\":").append(str(p.label())).append(",\"kpis\":").append(of(p.kpis())).append('}');
        }
        return b.append(']').toString();
    }

    /** Downtime Pareto as JSON. */
    public static String pareto(List<ParetoEntry> entries) {
        StringBuilder b = new StringBuilder().append('[');
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) b.append(',');
            ParetoEntry e = entries.get(i);
            b.append("{\"reasonCode\":").append(str(e.reasonCode())).append(",\"reasonName\":").append(str(e.reasonName()))
                    .append(",\"category\":").append(str(e.category())).append(",\"durationSeconds\":").append(sec(e.durationMicros()))
                    .append(",\"count\":").append(e.count()).append('}');
        }
        return b.append(']').toString();
    }

    /** Stops (downtime events) as JSON; an ongoing stop has {@code "end":null}. */
    public static String stops(List<Stop> stops) {
        StringBuilder b = new StringBuilder().append('[');
        for (int i = 0; i < stops.size(); i++) {
            if (i > 0) b.append(',');
            Stop s = stops.get(i);
            b.append("{\"machine\":").append(str(s.machine())).append(",\"start\":").append(str(iso(s.startMicros())))
                    .append(",\"end\":").append(s.endMicros() == Long.MAX_VALUE ? "null" : str(iso(s.endMicros())))
                    .append(",\"reasonCode\":").append(str(s.reasonCode())).append(",\"reasonName\":").append(str(s.reasonName()))
                    .append(",\"category\":").append(str(s.category())).append(",\"operatorSet\":").append(s.operatorSet())
                    .append(",\"microStop\":").append(s.microStop()).append('}');
        }
        return b.append(']').toString();
    }

    private static StringBuilder field(StringBuilder b, String k, String v) { return b.append('"').append(k).append("\":").append(v); }

    private static String num(double d) { return Double.isFinite(d) ? (d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d)) : "null"; }

    private static String sec(long micros) { return num(micros / 1e6); }

    private static String iso(long micros) { return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000).toString(); }

    private static String str(String s) { return io.lathe.model.Json.quote(s); }

}
