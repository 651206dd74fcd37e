package io.lathe.kpi;

/** KPIs of one period of a grouping: label is the shift name, or the local start as ISO text. */
public record PeriodKpis(String label, long fromMicros, long toMicros, Kpis kpis) {}
