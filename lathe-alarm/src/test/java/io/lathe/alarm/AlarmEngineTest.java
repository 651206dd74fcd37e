package io.lathe.alarm;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine on real points: rule kinds, delays, deadband, time-based kinds, operator actions and journal replay. */
class AlarmEngineTest {
    static final long T0 = Instant.parse("2026-01-05T06:00:00Z").toEpochMilli() * 1000;
    static final long S = 1_000_000L;

    @TempDir
    Path dir;

    final AtomicLong nowMillis = new AtomicLong(T0 / 1000);
    final InstantSource clock = () -> Instant.ofEpochMilli(nowMillis.get());
    PlantModel model;
    String machine;
    Signal temp, speed, state;
    AlarmEngine engine;
    final List<Transition> seen = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        model = new PlantModel("Acme");
        String site = model.addChild(model.rootId(), "North", "", "");
        String line = model.addChild(model.addChild(site, "Press Shop", "", ""), "Line 1", "", "");
        machine = model.addChild(line, "Press 3", "", "");
        temp = model.addSignal(machine, "Temperature", DataType.DOUBLE, "degC", "", "");
        speed = model.addSignal(machine, "Spindle Speed", DataType.DOUBLE, "rpm", "", "");
        state = model.addSignal(machine, "State", DataType.TEXT, "", "", "");
        engine = open();
    }

    AlarmEngine open() throws Exception {
        AlarmEngine e = AlarmEngine.open(new AlarmSettings(Duration.ofHours(8), Duration.ofHours(1), 1000, true), model, dir, clock, null, null);
        e.addListener((t, a) -> seen.add(t));
        return e;
    }

    @AfterEach
    void tearDown() throws Exception {
        engine.close();
    }

    AlarmRule rule(String name, RuleKind kind, Duration on, Duration off, boolean latching) {
        return new AlarmRule(AlarmRule.idFor(machine, name), name, machine, kind, Priority.HIGH, null, "Check the cooling", on, off, latching, false, "config");
    }

    void point(Signal s, long t, double v) {
        engine.accept(s, t, Value.of(v), Quality.GOOD, false);
    }

    @Test
    void limitWithDeadbandAndOnDelay() {
        AlarmRule r = rule("Temperature high", new LimitKind(temp.id(), LimitKind.Type.H, 80, 2), Duration.ofSeconds(10), Duration.ZERO, false);
        engine.setRules(List.of(r));
        point(temp, T0, 81);
        assertThat(engine.alarm(r.id()).active()).as("on-delay not over").isFalse();
        point(temp, T0 + 5 * S, 77); // back below limit - deadband before the delay: no alarm at all
        point(temp, T0 + 12 * S, 85);
        point(temp, T0 + 22 * S, 84);
        Alarm a = engine.alarm(r.id());
        assertThat(a.state()).isEqualTo(AlarmState.UNACK);
        assertThat(a.activeSinceMicros()).isEqualTo(T0 + 22 * S);
        assertThat(a.message()).isEqualTo("Temperature high: 84 degC above h limit 80 degC");
        point(temp, T0 + 23 * S, 79); // inside the deadband: still active
        assertThat(engine.alarm(r.id()).active()).isTrue();
        point(temp, T0 + 24 * S, 77.9);
        assertThat(engine.alarm(r.id()).state()).isEqualTo(AlarmState.RTN_UNACK);
        assertThat(seen).extracting(Transition::event).containsExactly("activate", "clear");
    }

    @Test
    void normalPointsKeepTheValueCurrentAndTheTimerEndsDelaysAndShelves() throws Exception {
        AlarmRule r = rule("Temperature high", new LimitKind(temp.id(), LimitKind.Type.H, 80, 2), Duration.ofSeconds(10), Duration.ZERO, false);
        engine.setRules(List.of(r));
        point(temp, T0, 50);
        point(temp, T0 + S, 55);
        point(temp, T0 - S, 40); // late, also on the normal path
        assertThat(engine.latePoints()).isEqualTo(1);
        assertThat(engine.alarm(r.id()).value()).isEqualTo(55.0);
        point(temp, T0 + 2 * S, 85);
        engine.tick(T0 + 11 * S);
        assertThat(engine.alarm(r.id()).active()).as("on-delay still running").isFalse();
        engine.tick(T0 + 13 * S);
        assertThat(engine.alarm(r.id()).active()).as("the timer ends the on-delay without another point").isTrue();
        point(temp, T0 + 14 * S, 79); // inside the deadband
        assertThat(engine.alarm(r.id()).active()).isTrue();
        point(temp, T0 + 15 * S, 60);
        assertThat(engine.alarm(r.id()).state()).isEqualTo(AlarmState.RTN_UNACK);
        point(temp, T0 + 16 * S, 61);
        assertThat(engine.alarm(r.id()).value()).isEqualTo(61.0);

        engine.shelve(r.id(), "olga", "sensor being replaced", 10, false);
        engine.close();
        engine = open();
        engine.setRules(List.of(r));
        assertThat(engine.alarm(r.id()).shelved()).isTrue();
        engine.tick(T0 + 599 * S);
        assertThat(engine.alarm(r.id()).shelved()).isTrue();
        engine.tick(T0 + 601 * S);
        assertThat(engine.alarm(r.id()).shelved()).as("a shelve restored from the journal still ends").isFalse();
        assertThat(seen).extracting(Transition::event).containsExactly("activate", "clear", "shelve", "unshelve");
    }

    @Test
    void severalAlarmsOnOneSignalAndAnIdThatIsACopy() {
        AlarmRule h = rule("Temperature high", new LimitKind(temp.id(), LimitKind.Type.H, 80, 0), null, null, false);
        AlarmRule hh = rule("Temperature very high", new LimitKind(temp.id(), LimitKind.Type.HH, 90, 0), null, null, false);
        AlarmRule lo = rule("Speed low", new LimitKind(speed.id(), LimitKind.Type.L, 10, 0), null, null, false);
        engine.setRules(List.of(h, hh, lo));
        point(temp, T0, 85);
        assertThat(engine.alarm(h.id()).active()).isTrue();
        assertThat(engine.alarm(hh.id()).active()).isFalse();
        point(temp, T0 + S, 95);
        assertThat(engine.alarm(hh.id()).active()).isTrue();
        // a connection holding its own copy of the id string (not the plant model's instance) still finds the alarm
        Signal copy = new Signal(new String(speed.id().toCharArray()), speed.name(), speed.machineId(), speed.dataType(), speed.unit(), "", "");
        engine.accept(copy, T0, Value.of(20.0), Quality.GOOD, false);
        engine.accept(copy, T0 + S, Value.of(5.0), Quality.GOOD, false);
        assertThat(engine.alarm(lo.id()).active()).isTrue();
        engine.accept(copy, T0 + 2 * S, Value.of(15.0), Quality.GOOD, false);
        Alarm a = engine.alarm(lo.id());
        assertThat(a.state()).isEqualTo(AlarmState.RTN_UNACK);
        assertThat(a.value()).isEqualTo(15.0);
    }

    @Test
    void latePointsAndHistoricalPointsDoNotChangeLiveState() {
        AlarmRule r = rule("Temperature high", new LimitKind(temp.id(), LimitKind.Type.H, 80, 0), null, null, false);
        engine.setRules(List.of(r));
        point(temp, T0 + 10 * S, 90);
        point(temp, T0 + 5 * S, 20); // older than what the alarm saw
        engine.accept(temp, T0 + 20 * S, Value.of(20.0), Quality.GOOD, true);
        assertThat(engine.alarm(r.id()).active()).isTrue();
        assertThat(engine.latePoints()).isEqualTo(2);
    }

    @Test
    void staleSignalAndStateLastingLongerThanTwoMinutes() {
        AlarmRule stale = rule("Temperature stale", new StaleKind(temp.id(), Duration.ofSeconds(30)), null, null, false);
        AlarmRule fault = rule("In fault", new StateKind(state.id(), Set.of("fault"), Duration.ofMinutes(2)), null, null, false);
        engine.setRules(List.of(stale, fault));
        engine.tick(T0); // the stale clock starts
        point(temp, T0 + 10 * S, 50);
        engine.tick(T0 + 39 * S);
        assertThat(engine.alarm(stale.id()).active()).isFalse();
        engine.tick(T0 + 41 * S);
        assertThat(engine.alarm(stale.id()).active()).isTrue();
        point(temp, T0 + 42 * S, 50);
        assertThat(engine.alarm(stale.id()).active()).isFalse();

        engine.accept(state, T0, Value.of("fault"), Quality.GOOD, false);
        engine.tick(T0 + 119 * S);
        assertThat(engine.alarm(fault.id()).active()).isFalse();
        engine.tick(T0 + 121 * S);
        assertThat(engine.alarm(fault.id()).active()).isTrue();
        assertThat(engine.alarm(fault.id()).message()).isEqualTo("In fault: state fault for more than 2 min");
        engine.accept(state, T0 + 130 * S, Value.of("running"), Quality.GOOD, false);
        assertThat(engine.alarm(fault.id()).active()).isFalse();
    }

    @Test
    void expressionRateAndDeviationKinds() {
        Expression ex = Expression.parse("temperature > 60 and spindle_speed < 100", n -> {
            Signal s = model.signals().stream().filter(x -> x.id().equals(machine + "." + n.replace('_', '-'))).findFirst().orElse(null);
            return s == null ? null : s.id();
        });
        AlarmRule e = rule("Hot and stopped", new ExpressionKind(ex), null, null, false);
        AlarmRule roc = rule("Temperature rising", new RateOfChangeKind(temp.id(), 10, Duration.ofMinutes(1), RateOfChangeKind.Direction.UP), null, null, false);
        AlarmRule dev = rule("Speed off setpoint", new DeviationKind(speed.id(), temp.id(), 50, 0), null, null, false);
        engine.setRules(List.of(e, roc, dev));
        point(temp, T0, 50);
        assertThat(engine.alarm(e.id()).active()).as("speed still unknown").isFalse();
        point(speed, T0 + S, 50);
        point(temp, T0 + 30 * S, 65);
        assertThat(engine.alarm(e.id()).active()).isTrue();
        assertThat(engine.alarm(roc.id()).active()).as("+15 within a minute").isTrue();
        assertThat(engine.alarm(dev.id()).active()).as("|50 - 65| < 50").isFalse();
        point(temp, T0 + 100 * S, 66); // the window now starts at the 65
        assertThat(engine.alarm(roc.id()).active()).isFalse();
        point(speed, T0 + 101 * S, 150);
        assertThat(engine.alarm(e.id()).active()).isFalse();
        assertThat(engine.alarm(dev.id()).active()).as("|150 - 66| > 50").isTrue();
    }

    @Test
    void operatorActionsAndShelveLimits() {
        AlarmRule r = rule("Temperature high", new LimitKind(temp.id(), LimitKind.Type.H, 80, 0), null, null, true);
        engine.setRules(List.of(r));
        point(temp, T0, 90);
        assertThat(engine.acknowledge(r.id(), "olga", "seen").state()).isEqualTo(AlarmState.ACK);
        point(temp, T0 + S, 20);
        assertThat(engine.alarm(r.id()).state()).isEqualTo(AlarmState.LATCHED);
        assertThat(engine.reset(r.id(), "olga", null).state()).isEqualTo(AlarmState.NORMAL);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.shelve(r.id(), "olga", "", 10, false))
                .isInstanceOf(AlarmException.class).hasMessageContaining("comment is required");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.shelve(r.id(), "olga", "noisy", 481, false))
                .hasMessageContaining("at most 480");
        Alarm shelved = engine.shelve(r.id(), "olga", "sensor being replaced", 10, false);
        assertThat(shelved.shelved()).isTrue();
        assertThat(shelved.shelvedUntilMicros()).isEqualTo(T0 + 600 * S);
        point(temp, T0 + 2 * S, 95);
        assertThat(engine.alarm(r.id()).state()).as("shelved: not annunciated").isEqualTo(AlarmState.NORMAL);
        engine.tick(T0 + 601 * S);
        Alarm back = engine.alarm(r.id());
        assertThat(back.shelved()).isFalse();
        assertThat(back.state()).as("still active after the shelve ends").isEqualTo(AlarmState.UNACK);
        assertThat(seen).extracting(Transition::event).containsExactly("activate", "ack", "clear", "reset", "shelve", "activate", "unshelve");
        assertThat(seen.get(1).user()).isEqualTo("olga");
        assertThat(seen.get(1).comment()).isEqualTo("seen");
    }

    @Test
    void stateSurvivesARestartWithoutDuplicateTransitions() throws Exception {
        AlarmRule r = rule("Temperature high", new LimitKind(temp.id(), LimitKind.Type.H, 80, 0), null, null, false);
        engine.setRules(List.of(r));
        point(temp, T0, 90);
        engine.comment(r.id(), "olga", "maintenance called");
        engine.close();

        engine = open();
        engine.setRules(List.of(r));
        Alarm a = engine.alarm(r.id());
        assertThat(a.state()).isEqualTo(AlarmState.UNACK);
        assertThat(a.activeSinceMicros()).isEqualTo(T0);
        point(temp, T0 + S, 91); // still active: no second activation
        assertThat(engine.transitions(t -> true)).extracting(Transition::event).containsExactly("activate", "comment");
        point(temp, T0 + 2 * S, 10);
        assertThat(engine.transitions(t -> true)).extracting(Transition::seq).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aTornLastLineIsCutAndAppendsContinue() throws Exception {
        AlarmRule r = rule("Temperature high", new LimitKind(temp.id(), LimitKind.Type.H, 80, 0), null, null, false);
        engine.setRules(List.of(r));
        point(temp, T0, 90);
        engine.close();
        Files.writeString(dir.resolve("journal.jsonl"), "{\"seq\":2,\"alarm\":\"x\",\"as", java.nio.file.StandardOpenOption.APPEND);
        engine = open();
        engine.setRules(List.of(r));
        point(temp, T0 + S, 10);
        List<String> lines = Files.readAllLines(dir.resolve("journal.jsonl"));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).contains("\"seq\":2", "\"event\":\"clear\"");
    }

    @Test
    void suppressedByDesignWhileThePlantSaysPlannedStop() {
        boolean[] plannedNow = {false};
        PlannedStops ps = new PlannedStops() {
            public Set<String> signals() { return Set.of(); }
            public void onPoint(String s, long t, Value v) {}
            public boolean planned(String m, long now) { return plannedNow[0]; }
        };
        engine.setRules(List.of());
        try (AlarmEngine e = AlarmEngine.open(new AlarmSettings(Duration.ofHours(8), Duration.ofHours(1), 1000, true), model, dir.resolve("b"), clock, ps, null)) {
            AlarmRule r = new AlarmRule(AlarmRule.idFor(machine, "t"), "t", machine, new LimitKind(temp.id(), LimitKind.Type.H, 80, 0),
                    Priority.LOW, null, null, null, null, false, true, "api");
            e.setRules(List.of(r));
            plannedNow[0] = true;
            e.tick(T0);
            e.accept(temp, T0 + S, Value.of(90.0), Quality.GOOD, false);
            assertThat(e.alarm(r.id()).suppressed()).isTrue();
            assertThat(e.alarm(r.id()).state()).isEqualTo(AlarmState.NORMAL);
            plannedNow[0] = false;
            e.tick(T0 + 2 * S);
            assertThat(e.alarm(r.id()).state()).isEqualTo(AlarmState.UNACK);
        } catch (Exception ex) {
            throw new AssertionError(ex);
        }
    }

    static String iso(long micros) {
        return Instant.ofEpochMilli(micros / 1000).atOffset(ZoneOffset.UTC).toString();
    }
    /**
     * Normal points of thousands of signals go through the engine's lanes (NormalLanes) without the alarm's lock:
     * more signals than one lane chunk holds, the newest value shown, a late point still counted, an excursion still
     * raising its alarm, and a signal made by hand with another signal's ordinal never taking that signal's lane.
     */
    @Test
    void normalPointsOfManySignalsTakeTheLanesAndAnExcursionStillAlarms() {
        List<Signal> signals = new ArrayList<>();
        List<AlarmRule> rules = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            Signal s = model.addSignal(machine, "Bearing " + i, DataType.DOUBLE, "degC", "", "");
            signals.add(s);
            rules.add(rule("Bearing " + i + " high", new LimitKind(s.id(), LimitKind.Type.H, 80, 2), null, null, false));
        }
        engine.setRules(rules);
        for (int k = 0; k < 5; k++) {
            for (int i = 0; i < signals.size(); i++) point(signals.get(i), T0 + k * S, 20 + i % 50 + k);
        }
        Signal last = signals.get(2999);
        assertThat(engine.alarm(rules.get(2999).id()).value()).isEqualTo(20 + 2999 % 50 + 4.0);
        assertThat(engine.alarm(rules.get(2999).id()).active()).isFalse();

        point(last, T0 + 3 * S, 30); // older than the newest normal point
        assertThat(engine.latePoints()).isEqualTo(1);

        point(last, T0 + 5 * S, 85);
        assertThat(engine.alarm(rules.get(2999).id()).state()).isEqualTo(AlarmState.UNACK);
        point(last, T0 + 6 * S, 83); // inside the deadband: active, and not taken as normal
        assertThat(engine.alarm(rules.get(2999).id()).active()).isTrue();
        point(last, T0 + 7 * S, 50);
        assertThat(engine.alarm(rules.get(2999).id()).state()).isEqualTo(AlarmState.RTN_UNACK);
        point(last, T0 + 8 * S, 51);
        assertThat(engine.alarm(rules.get(2999).id()).value()).isEqualTo(51.0);

        // same ordinal, other id: must neither change signal 1500's alarm nor be lost for its own (it has none)
        Signal s1500 = signals.get(1500);
        Signal impostor = new Signal(machine + ".other", "Other", machine, DataType.DOUBLE, "", "", "", s1500.ordinal());
        engine.accept(impostor, T0 + 9 * S, Value.of(99.0), Quality.GOOD, false);
        assertThat(engine.alarm(rules.get(1500).id()).value()).isEqualTo(20 + 1500 % 50 + 4.0);
        assertThat(seen).extracting(Transition::event).containsExactly("activate", "clear");
    }
    /**
     * Lanes against readers on another thread: while one thread feeds normal points and excursions, another reads the
     * alarm (which folds the lane into it) and runs the timer. The transitions and the final value must be those of
     * the same points fed with no reader at all.
     */
    @Test
    void aReaderOnAnotherThreadNeitherLosesNorAddsTransitions() throws Exception {
        AlarmRule r = rule("Temperature high", new LimitKind(temp.id(), LimitKind.Type.H, 80, 2), null, null, false);
        engine.setRules(List.of(r));
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                engine.alarm(r.id());
                engine.tick(T0);
            }
        });
        reader.start();
        int excursions = 0;
        java.util.Random random = new java.util.Random(7);
        for (int k = 0; k < 200_000; k++) {
            boolean high = random.nextInt(1000) == 0;
            if (high) excursions++;
            point(temp, T0 + k * S, high ? 90 : 20 + random.nextInt(50));
        }
        point(temp, T0 + 200_000 * S, 42);
        done.set(true);
        reader.join();
        Alarm a = engine.alarm(r.id());
        assertThat(a.value()).isEqualTo(42.0);
        assertThat(a.active()).isFalse();
        // every excursion is one point above the limit followed by normal points well below limit - deadband
        assertThat(seen.stream().filter(x -> x.event().equals("activate")).count()).isEqualTo(excursions);
        assertThat(seen.stream().filter(x -> x.event().equals("clear")).count()).isEqualTo(excursions);
    }
}
