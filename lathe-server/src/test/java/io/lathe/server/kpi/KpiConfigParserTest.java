package io.lathe.server.kpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.lathe.kpi.CounterSignal;
import io.lathe.kpi.EnergyConfig;
import io.lathe.kpi.KpiConfig;
import io.lathe.kpi.MachineConfig;
import io.lathe.kpi.MachineState;
import io.lathe.kpi.SiteConfig;
import io.lathe.kpi.StateSource;
import io.lathe.server.LatheServer;
import io.lathe.server.config.ConfigException;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.ConfigProblem;
import io.lathe.server.config.LatheConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

// Issue 4: the kpi: section of the plant YAML, mapped onto lathe-kpi's records against the declared plant.
class KpiConfigParserTest {

    static final String PLANT = """
            plant:
              enterprise: Acme
              sites:
                - name: Nord
                  areas:
                    - name: Machining
                      lines:
                        - name: Line 1
                          machines:
                            - name: CNC 1
                              signals:
                                - { name: State, type: long }
                                - { name: Parts, type: long }
                                - { name: Scrap, type: long }
                                - { name: Power, type: double }
                                - { name: Reason, type: long }
                                - { name: Program, type: text }
                            - name: CNC 2
                              signals:
                                - { name: Spindle Speed, type: double }
                                - { name: Door Open, type: boolean }
                                - { name: Parts, type: long }
            """;

    static final String KPI = """
            kpi:
              sites:
                - site: Nord
                  zone: Europe/Berlin
                  emission-factor-kg-per-kwh: 0.4
                  calendar:
                    shifts:
                      - { name: early, days: [mon, tue, wed, thu, fri], start: "06:00", end: "14:00", breaks: [{ start: "10:00", end: "10:30" }] }
                      - { name: late, days: [mon, tue, wed, thu, fri], start: "14:00", end: "22:00" }
                    holidays: [2026-12-25]
                  reasons:
                    - { category: mechanical, name: Mechanical, reasons: [{ code: "11", name: Tool break }] }
              machine-types:
                - name: cnc
                  counts: { produced: { signal: Parts, kind: cumulative, rollover-max: 65535 } }
                  ideal-cycle-time: 45s
                  micro-stop-threshold: 2m
              machines:
                - machine: Nord/Machining/Line 1/CNC 1
                  type: cnc
                  state: { signal: State, values: { "1": running, "2": setup, "3": unplanned-down }, otherwise: idle }
                  counts:
                    produced: { signal: Parts, kind: cumulative }
                    reject: { signal: Scrap, kind: per-interval }
                  product-signal: Program
                  ideal-cycle-time-by-product: { P-100: 40s, P-200: 70s }
                  energy: { signal: Power, kind: power-kw }
                  reason-signal: Reason
                - machine: acme.nord.machining.line-1.cnc-2
                  type: cnc
                  state:
                    rules:
                      - { state: running, when: [{ signal: Spindle Speed, op: gt, value: 50 }, { signal: Door Open, op: eq, value: false }] }
                    otherwise: idle
            """;

    @Test
    void aFullSectionMapsOntoTheKpiRecordsWithSignalIdsAndThePlantsRollups() throws Exception {
        // Every key of the documented schema lands in the right record; signal names become signal ids.
        KpiConfig k = ConfigLoader.load(PLANT + KPI, "plant.yaml", Map.of()).kpi();
        assertThat(k).isNotNull();
        SiteConfig site = k.sites().get(0);
        assertThat(site.id()).isEqualTo("acme.nord");
        assertThat(site.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(site.emissionFactorKgPerKwh()).isEqualTo(0.4);
        assertThat(site.calendar().shifts()).hasSize(2);
        assertThat(site.calendar().shifts().get(0).days()).doesNotContain(DayOfWeek.SATURDAY).contains(DayOfWeek.MONDAY);
        assertThat(site.calendar().shifts().get(0).breaks().get(0).start()).isEqualTo(LocalTime.of(10, 0));
        assertThat(site.calendar().holidays()).containsExactly(LocalDate.of(2026, 12, 25));
        assertThat(site.reasons().find("11").orElseThrow().category().id()).isEqualTo("mechanical");

        MachineConfig m1 = k.machines().get(0);
        assertThat(m1.id()).isEqualTo("acme.nord.machining.line-1.cnc-1");
        assertThat(m1.line()).isEqualTo("acme.nord.machining.line-1");
        assertThat(m1.area()).isEqualTo("acme.nord.machining");
        assertThat(m1.site()).isEqualTo("acme.nord");
        StateSource.Enumerated st = (StateSource.Enumerated) m1.state();
        assertThat(st.signal()).isEqualTo(m1.id() + ".state");
        assertThat(st.values()).containsEntry("2", MachineState.SETUP).hasSize(3);
        assertThat(st.otherwise()).isEqualTo(MachineState.IDLE);
        // the machine's counts replace the type's as a whole; keys it does not set are inherited
        assertThat(m1.counts().produced()).isEqualTo(new CounterSignal(m1.id() + ".parts", CounterSignal.Kind.CUMULATIVE, 0));
        assertThat(m1.counts().reject().kind()).isEqualTo(CounterSignal.Kind.PER_INTERVAL);
        assertThat(m1.idealCycleTime()).isEqualTo(Duration.ofSeconds(45));
        assertThat(m1.microStopThreshold()).isEqualTo(Duration.ofMinutes(2));
        assertThat(m1.idealCycleTimeByProduct()).containsEntry("P-200", Duration.ofSeconds(70));
        assertThat(m1.productSignal()).isEqualTo(m1.id() + ".program");
        assertThat(m1.energy()).isEqualTo(new EnergyConfig(m1.id() + ".power", EnergyConfig.Kind.POWER_KW));
        assertThat(m1.reasonSignal()).isEqualTo(m1.id() + ".reason");

        MachineConfig m2 = k.machines().get(1);
        assertThat(m2.counts().produced().rolloverMax()).isEqualTo(65535);
        StateSource.Rules rules = (StateSource.Rules) m2.state();
        assertThat(rules.rules().get(0).when()).containsExactly(
                new StateSource.Condition(m2.id() + ".spindle-speed", StateSource.Op.GT, 50),
                new StateSource.Condition(m2.id() + ".door-open", StateSource.Op.EQ, 0));
    }

    @Test
    void rawRetentionDefaultsToEightDaysAndCanBeSet() throws Exception {
        // The live engine's raw-data window: 8 days unless kpi.raw-retention says otherwise (0s keeps everything).
        assertThat(ConfigLoader.load(PLANT + KPI, "plant.yaml", Map.of()).kpi().rawRetention()).isEqualTo(java.time.Duration.ofDays(8));
        String yaml = PLANT + KPI.replace("kpi:\n", "kpi:\n  raw-retention: 30d\n");
        assertThat(yaml).contains("raw-retention: 30d");
        assertThat(ConfigLoader.load(yaml, "plant.yaml", Map.of()).kpi().rawRetention()).isEqualTo(java.time.Duration.ofDays(30));
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(PLANT + KPI.replace("kpi:\n", "kpi:\n  raw-retention: soon\n"), "plant.yaml", Map.of()));
        assertThat(e.problems()).extracting(ConfigProblem::key).contains("kpi.raw-retention");
    }

    @Test
    void anEnergyMeterTakesAMaxPowerThatBoundsItsJumps() throws Exception {
        // Issue 9: a meter jump beyond max-power-kw (× 1.5 + 1 kWh) is a data-quality event; 0 or absent means no bound.
        String yaml = PLANT + KPI.replace("energy: { signal: Power, kind: power-kw }", "energy: { signal: Power, kind: meter-kwh, max-power-kw: 40 }");
        assertThat(yaml).contains("max-power-kw: 40");
        MachineConfig m1 = ConfigLoader.load(yaml, "plant.yaml", Map.of()).kpi().machines().get(0);
        assertThat(m1.energy()).isEqualTo(new EnergyConfig(m1.id() + ".power", EnergyConfig.Kind.METER_KWH, 40));
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(yaml.replace("max-power-kw: 40", "max-power-kw: -3"), "plant.yaml", Map.of()));
        assertThat(e.problems()).extracting(ConfigProblem::toString).anyMatch(p -> p.contains(".energy.max-power-kw: must be 0 (no bound) or a positive number of kW, but was -3"));
    }

    @Test
    void everyMistakeIsReportedWithFileLineAndKey() {
        // A user fixes a broken kpi: section in one go, so each problem must point at its line and key.
        String yaml = PLANT + """
                kpi:
                  sites:
                    - site: Sued
                    - site: Nord
                      zone: Mars/Olympus
                      calendar:
                        shifts:
                          - { name: early, days: [mon, xyz], start: "25:00", end: "14:00" }
                  machine-types:
                    - name: cnc
                      colour: blue
                  machines:
                    - machine: Nord/Machining/Line 1/CNC 9
                    - machine: Nord/Machining/Line 1/CNC 1
                      type: lathe
                    - machine: Nord/Machining/Line 1/CNC 2
                      state: { signal: Temperature, values: { "1": sprinting } }
                      energy: { signal: Parts, kind: joules }
                """;
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(yaml, "plant.yaml", Map.of()));
        assertThat(e).isNotNull();
        List<String> p = e.problems().stream().map(ConfigProblem::toString).toList();
        assertThat(p).contains(
                "plant.yaml:25: kpi.sites[Sued].site: no site 'Sued' in plant; known sites: [Nord]",
                "plant.yaml:27: kpi.sites[Nord].zone: must be a time zone id such as Europe/Berlin or UTC, but was 'Mars/Olympus'",
                "plant.yaml:30: kpi.sites[Nord].calendar.shifts[early].days: must be mon, tue, wed, thu, fri, sat or sun, but was 'xyz'",
                "plant.yaml:30: kpi.sites[Nord].calendar.shifts[early].start: must be a local time like \"06:00\" (quote it), but was '25:00'",
                "plant.yaml:35: kpi.machines[Nord/Machining/Line 1/CNC 9].machine: no machine 'Nord/Machining/Line 1/CNC 9' in plant; give a machine's id or its path like Site/Area/Line/Machine",
                "plant.yaml:37: kpi.machines[Nord/Machining/Line 1/CNC 1].type: no machine type 'lathe' under kpi.machine-types; known types: [cnc]",
                "plant.yaml:39: kpi.machines[Nord/Machining/Line 1/CNC 2].state.values.1: must be one of running, setup, unplanned-down, idle, starved, blocked, planned-down, unknown, but was 'sprinting'",
                "plant.yaml:40: kpi.machines[Nord/Machining/Line 1/CNC 2].energy.kind: must be meter-kwh or power-kw, but was 'joules'");
        assertThat(p).anyMatch(s -> s.startsWith("plant.yaml:33: kpi.machine-types[].colour: unknown key"));
        assertThat(p).noneMatch(s -> s.contains("no entry under kpi.sites")); // the site's own problems are enough
        assertThat(p).anyMatch(s -> s.startsWith("plant.yaml:39: kpi.machines[Nord/Machining/Line 1/CNC 2].state.signal: no signal 'Temperature' on machine acme.nord.machining.line-1.cnc-2"));
    }

    @Test
    void aMachineWhoseSiteHasNoEntryIsAProblem() {
        // Without the site's calendar the engine cannot know planned time; silently assuming one would mislead.
        String yaml = PLANT + """
                kpi:
                  machines:
                    - { machine: Nord/Machining/Line 1/CNC 2, state: { rules: [{ state: running, when: [{ signal: Spindle Speed, op: gt, value: 50 }] }] } }
                """;
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(yaml, "plant.yaml", Map.of()));
        assertThat(e.problems()).extracting(ConfigProblem::key).containsExactly("kpi.machines[Nord/Machining/Line 1/CNC 2].machine");
        assertThat(e.problems().get(0).message()).contains("its site 'Nord' has no entry under kpi.sites");
    }

    @Test
    void aConfigurationWithoutAKpiSectionHasNoKpis() throws Exception {
        // Backward compatibility: existing plant files keep loading, and the server runs without the engine.
        assertThat(ConfigLoader.load(PLANT, "plant.yaml", Map.of()).kpi()).isNull();
    }

    @Test
    void theDemoConfiguresEveryMachineOfTheVirtualFactoryOnAnAlwaysWorkingCalendar() throws Exception {
        // `lathe demo` must show OEE at any hour: nine machines, one site, three 8-hour shifts every day in UTC.
        LatheConfig cfg;
        try (InputStream in = LatheServer.class.getResourceAsStream("/io/lathe/server/demo.yaml")) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", Map.of());
        }
        KpiConfig k = cfg.kpi();
        assertThat(k.machines()).hasSize(9);
        SiteConfig site = k.sites().get(0);
        assertThat(site.zone()).isEqualTo(ZoneId.of("UTC"));
        long week = 0;
        var from = java.time.Instant.parse("2026-11-23T00:00:00Z");
        for (var s : site.calendar().instances(from, from.plus(Duration.ofDays(7)), site.zone())) {
            week += Duration.between(s.start().isBefore(from) ? from : s.start(), s.end().isAfter(from.plus(Duration.ofDays(7))) ? from.plus(Duration.ofDays(7)) : s.end()).toHours();
        }
        assertThat(week).isEqualTo(7 * 24);
        assertThat(site.reasons().find("204").orElseThrow().category().id()).isEqualTo("breakdown");
        assertThat(site.reasons().find("502").orElseThrow().category().id()).isEqualTo("planned");
        MachineConfig mill = k.machines().get(8);
        assertThat(mill.idealCycleTimeSignal()).isNull();
        assertThat(mill.idealCycleTime()).isEqualTo(Duration.ofSeconds(28));
        MachineConfig saw = k.machines().get(0);
        assertThat(saw.line()).isEqualTo("lathe-demo-works.springfield.machining.line-a");
        assertThat(saw.idealCycleTimeSignal()).isEqualTo(saw.id() + ".ideal-cycle-time");
        assertThat(saw.counts().good().signal()).isEqualTo(saw.id() + ".good-count");
    }

    // The README's KPI example is what users copy; it must stay valid as the KPI keys evolve.
    @org.junit.jupiter.api.Test
    void readmeKpiExampleLoads() throws Exception {
        java.nio.file.Path readme = java.nio.file.Path.of("..", "README.md");
        String text = java.nio.file.Files.readString(readme);
        int start = text.indexOf("```yaml\nkpi:\n");
        org.assertj.core.api.Assertions.assertThat(start).as("kpi example in README").isNotNegative();
        String example = text.substring(start + 8, text.indexOf("```", start + 8));
        String plant = """
                plant:
                  enterprise: Acme
                  sites:
                    - name: Springfield
                      areas:
                        - name: Machining
                          lines:
                            - name: Line 1
                              machines:
                                - name: CNC 1
                                  signals:
                                    - { name: State, type: text }
                                    - { name: Spindle Speed, type: double }
                                    - { name: Good Count, type: long }
                                    - { name: Reject Count, type: long }
                                    - { name: Energy, type: double }
                                    - { name: Reason Code, type: long }
                """;
        io.lathe.server.config.LatheConfig cfg = io.lathe.server.config.ConfigLoader.load(plant + example, "README.md", java.util.Map.of());
        org.assertj.core.api.Assertions.assertThat(cfg.kpi()).isNotNull();
        org.assertj.core.api.Assertions.assertThat(cfg.kpi().machines()).hasSize(1);
    }
}
