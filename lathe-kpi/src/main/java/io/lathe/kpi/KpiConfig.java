package io.lathe.kpi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * All sites and machines of a KPI engine, and how long the engine keeps raw points.
 * YAML: {@code kpi: {raw-retention: 8d, sites: [...], machines: [...]}}.
 *
 * @param rawRetention how far back from a machine's newest point the engine keeps raw points in memory; older periods
 *                     are answered from the state timeline, the stops and hourly checkpoints of the running sums (see
 *                     {@link OutsideRetentionException} for the bounds that stay exact). {@link Duration#ZERO} keeps
 *                     every raw point (for a bounded recomputation such as {@code lathe kpi}). Default
 *                     {@link #DEFAULT_RAW_RETENTION}; when not zero it must be at least the engine's late window.
 */
public record KpiConfig(List<SiteConfig> sites, List<MachineConfig> machines, Duration rawRetention) {

    /** Eight days: the running week and a day of late data. */
    public static final Duration DEFAULT_RAW_RETENTION = Duration.ofDays(8);

    /** With the default raw retention. */
    public KpiConfig(List<SiteConfig> sites, List<MachineConfig> machines) {
        this(sites, machines, DEFAULT_RAW_RETENTION);
    }

    public KpiConfig {
        sites = List.copyOf(sites);
        machines = List.copyOf(machines);
        rawRetention = rawRetention == null ? DEFAULT_RAW_RETENTION : rawRetention;
        List<String> problems = new ArrayList<>();
        if (rawRetention.isNegative()) problems.add("raw-retention must be 0 (keep all) or positive, but was " + rawRetention);
        Set<String> siteIds = new HashSet<>();
        for (SiteConfig s : sites) if (!siteIds.add(s.id())) problems.add("duplicate site id " + s.id());
        Set<String> ids = new HashSet<>();
        for (MachineConfig m : machines) {
            if (!ids.add(m.id())) problems.add("duplicate machine id " + m.id());
            if (!siteIds.contains(m.site())) problems.add("machine " + m.id() + " names unknown site " + m.site());
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException("Invalid KPI configuration [machines=" + machines.size() + "]: " + String.join("; ", problems) + ". Fix the kpi section.");
    }

    /** This configuration with another raw retention ({@link Duration#ZERO} keeps every raw point). */
    public KpiConfig withRawRetention(Duration retention) {
        return new KpiConfig(sites, machines, retention);
    }

    public Map<String, SiteConfig> siteById() {
        return sites.stream().collect(Collectors.toMap(SiteConfig::id, Function.identity()));
    }
}
