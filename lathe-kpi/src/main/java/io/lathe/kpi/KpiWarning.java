package io.lathe.kpi;

import java.util.Objects;

/**
 * A figure of a {@link Kpis} that a reader should not take at face value, with its likely cause (see
 * {@link Kpis#warnings()}).
 *
 * @param code    stable identifier: {@code effectiveness_above_100}, {@code quality_ratio_out_of_range} or
 *                {@code data_quality_events}
 * @param message what is wrong, the likely cause and what to check
 */
public record KpiWarning(String code, String message) {
    public KpiWarning {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
