package io.lathe.kpi;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** All sites and machines of a KPI engine. YAML: {@code kpi: {sites: [...], machines: [...]}}. */
public record KpiConfig(List<SiteConfig> sites, List<MachineConfig> machines) {

    public KpiConfig {
        sites = List.copyOf(sites);
        machines = List.copyOf(machines);
        List<String> problems = new ArrayList<>();
        Set<String> siteIds = new HashSet<>();
        for (SiteConfig s : sites) if (!siteIds.add(s.id())) problems.add("duplicate site id " + s.id());
        Set<String> ids = new HashSet<>();
        for (MachineConfig m : machines) {
            if (!ids.add(m.id())) problems.add("duplicate machine id " + m.id());
            if (!siteIds.contains(m.site())) problems.add("machine " + m.id() + " names unknown site " + m.site());
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException("Invalid KPI configuration [machines=" + machines.size() + "]: " + String.join("; ", problems) + ". Fix the kpi section.");
    }

    public Map<String, SiteConfig> siteById() {
        return sites.stream().collect(Collectors.toMap(SiteConfig::id, Function.identity()));
    }
}
