package io.lathe.kpi;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * The KPI engine's meters: {@value #DATA_QUALITY_EVENTS} by {@code kind} (counter-reset, counter-decrease,
 * counter-jump, negative-count, meter-reset, meter-decrease, meter-jump; each distinct event once, also when late data
 * re-derives it), {@value #POINTS_REFUSED} by {@code reason} ({@code late}: older than the late window;
 * {@code before_retention}: older than the raw-data horizon) and the gauge {@value #POINTS_PENDING} (points queued
 * while a query held the engine). The counters read the engine when scraped; nothing is counted twice.
 */
public final class KpiMeters implements MeterBinder {
    public static final String DATA_QUALITY_EVENTS = "lathe.kpi.data.quality.events";
    public static final String POINTS_REFUSED = "lathe.kpi.points.refused";
    public static final String POINTS_PENDING = "lathe.kpi.points.pending";

    private final KpiEngine engine;

    public KpiMeters(KpiEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (DataQualityEvent.Kind kind : DataQualityEvent.Kind.values()) {
            FunctionCounter.builder(DATA_QUALITY_EVENTS, engine, e -> e.dataQualityEventsFound(kind))
                    .tag("kind", kind.label())
                    .description("Counter and meter readings not counted as they came (resets, decreases, jumps beyond the physical bound); see GET /api/data-quality")
                    .register(registry);
        }
        FunctionCounter.builder(POINTS_REFUSED, engine, KpiEngine::rejectedPoints).tag("reason", "late")
                .description("Points the KPI engine refused").register(registry);
        FunctionCounter.builder(POINTS_REFUSED, engine, KpiEngine::pointsBeforeRetention).tag("reason", "before_retention")
                .description("Points the KPI engine refused").register(registry);
        Gauge.builder(POINTS_PENDING, engine, KpiEngine::pendingPoints)
                .description("Points queued for the KPI engine while a query held it").register(registry);
    }
}
