package io.lathe.kpi;

import java.time.ZoneId;
import java.util.Objects;

/**
 * A site: time zone, shift calendar, emission factor and reason tree.
 *
 * @param emissionFactorKgPerKwh kg CO2e per kWh of electricity (YAML {@code emission-factor-kg-per-kwh})
 */
public record SiteConfig(String id, ZoneId zone, ShiftCalendar calendar, double emissionFactorKgPerKwh, ReasonTree reasons) {
    public SiteConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(calendar, "calendar");
        reasons = reasons == null ? ReasonTree.empty() : reasons;
        if (!(emissionFactorKgPerKwh >= 0)) throw new IllegalArgumentException("Site [id=" + id + "]: emission-factor-kg-per-kwh must be 0 or positive, but was " + emissionFactorKgPerKwh + ".");
    }
}
