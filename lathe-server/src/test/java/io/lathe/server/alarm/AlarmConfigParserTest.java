package io.lathe.server.alarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lathe.alarm.AlarmRule;
import io.lathe.alarm.LimitKind;
import io.lathe.alarm.Priority;
import io.lathe.server.LatheServer;
import io.lathe.server.config.ConfigException;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlarmConfigParserTest {
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
                            - name: Press
                              signals:
                                - { name: Temperature, type: double, unit: degC }
                                - { name: State, type: text }
            """;

    @Test
    void theDemoDefinesAlarmsForEveryMachine() throws Exception {
        LatheConfig cfg;
        try (InputStream in = LatheServer.class.getResourceAsStream("/io/lathe/server/demo.yaml")) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", Map.of());
        }
        assertThat(cfg.alarms().rules()).hasSizeGreaterThanOrEqualTo(8 * 7 + 3); // seven per machining machine, three on the mill, and more added by others
        AlarmRule vib = cfg.alarms().rules().stream().filter(r -> r.id().equals("lathe-demo-works.springfield.machining.line-a.band-saw.alarm.vibration-high"))
                .findFirst().orElseThrow();
        assertThat(vib.kind()).isEqualTo(new LimitKind("lathe-demo-works.springfield.machining.line-a.band-saw.vibration-rms", LimitKind.Type.H, 2.8, 0.2));
        assertThat(vib.onDelay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(vib.suppressWhenPlanned()).isTrue();
        assertThat(cfg.settings().duration(Keys.ALARMS_MAX_SHELVE)).isEqualTo(Duration.ofHours(8));
    }

    @Test
    void rulesAndSettingsOfOneMachine() throws Exception {
        LatheConfig cfg = ConfigLoader.load(PLANT + """
                alarms:
                  max-shelve: 2h
                  machines:
                    - machine: Nord/Machining/Line 1/Press
                      alarms:
                        - { name: Hot, kind: limit, signal: Temperature, type: HH, limit: 90, priority: urgent, latching: true }
                        - { name: Fault, kind: state, signal: State, states: [fault, e-stop], for: 2m }
                """, "plant.yaml", Map.of());
        assertThat(cfg.alarms().rules()).extracting(AlarmRule::id).containsExactly("acme.nord.machining.line-1.press.alarm.hot",
                "acme.nord.machining.line-1.press.alarm.fault");
        assertThat(cfg.alarms().rules().get(0).priority()).isEqualTo(Priority.URGENT);
        assertThat(cfg.alarms().rules().get(0).latching()).isTrue();
        assertThat(cfg.alarms().rules().get(1).priority()).isEqualTo(Priority.MEDIUM);
        assertThat(cfg.settings().duration(Keys.ALARMS_MAX_SHELVE)).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void mistakesNameTheirLineWithDidYouMean() {
        assertThatThrownBy(() -> ConfigLoader.load(PLANT + """
                alarms:
                  machines:
                    - machine: Nord/Machining/Line 1/Press
                      alarms:
                        - { name: Hot, kind: limit, signal: Temprature, type: HH, limit: 90 }
                        - { name: Cold, kind: limit, signl: Temperature, type: L, limit: 5 }
                        - { name: Odd, kind: limits, signal: Temperature }
                        - { name: Bad, kind: expression, expression: "temperature >" }
                    - machine: Nord/Machining/Line 1/Lathe
                  notify:
                    channels:
                      - { name: ops, webhook: ftp://x }
                """, "plant.yaml", Map.of()))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage())
                        .contains("plant.yaml:18: alarms.machines[Nord/Machining/Line 1/Press].alarms[Hot].signal: no signal 'Temprature' on machine acme.nord.machining.line-1.press (did you mean 'Temperature'?)")
                        .contains("plant.yaml:19: alarms.machines[Nord/Machining/Line 1/Press].alarms[].signl: unknown key; did you mean 'signal'?")
                        .contains("plant.yaml:20: alarms.machines[Nord/Machining/Line 1/Press].alarms[Odd].kind: must be one of")
                        .contains("plant.yaml:21: alarms.machines[Nord/Machining/Line 1/Press].alarms[Bad].expression: invalid expression at position 14")
                        .doesNotContain("alarms[Odd].signal")
                        .contains("plant.yaml:22: alarms.machines[Nord/Machining/Line 1/Lathe].machine: no machine 'Nord/Machining/Line 1/Lathe' in plant")
                        .contains("plant.yaml:25: alarms.notify.channels[ops].webhook: must be an http:// or https:// URL, but was 'ftp://x'"));
    }

    @Test
    void aMistakeInAMachineTypeIsReportedOnceNotOncePerMachine() {
        String press = "                - name: Press\n";
        String twoPresses = PLANT.replace(press, "                - name: Press 2\n"
                + "                  signals:\n"
                + "                    - { name: Temperature, type: double, unit: degC }\n" + press);
        assertThatThrownBy(() -> ConfigLoader.load(twoPresses + """
                alarms:
                  types:
                    - name: press
                      alarms:
                        - { name: Hot, kind: limit, signal: Temperature, type: HH, limit: 90, priorty: high }
                  machines:
                    - { machine: Nord/Machining/Line 1/Press, type: press }
                    - { machine: Nord/Machining/Line 1/Press 2, type: press }
                """, "plant.yaml", Map.of()))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage().split("unknown key; did you mean 'priority'", -1)).hasSize(2));
    }
}
