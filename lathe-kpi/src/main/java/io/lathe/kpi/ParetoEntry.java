package io.lathe.kpi;

/** One bar of a downtime Pareto: a reason with the summed duration (inside the period) and count of its stops. */
public record ParetoEntry(String reasonCode, String reasonName, String category, long durationMicros, int count) {}
