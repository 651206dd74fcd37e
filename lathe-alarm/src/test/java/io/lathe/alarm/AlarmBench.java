package io.lathe.alarm;

import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluation cost per point: {@code signals} signals, each with a limit alarm (H at 80, deadband 1), fed round robin with
 * values that mostly stay normal (1 in 1,000 crosses the limit, so transitions and their fsyncs are rare as in a plant),
 * against the same points offered to signals without rules. Not a test: run with
 * {@code lmvn lathe-alarm test-compile -o} then
 * {@code java -cp lathe-alarm/target/test-classes:lathe-alarm/target/classes:$(cat cp.txt) io.lathe.alarm.AlarmBench 100000 20000000}
 * (cp.txt from {@code dependency:build-classpath}). An optional third argument feeds only the first that many signals
 * (the others' alarms only fill the index), as in {@code lathe bench ingest --alarms 100000}, which feeds 10,000.
 */
public final class AlarmBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        long points = args.length > 1 ? Long.parseLong(args[1]) : 20_000_000L;
        int fed = args.length > 2 ? Integer.parseInt(args[2]) : n;
        PlantModel model = new PlantModel("Bench");
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "S", "", ""), "A", "", ""), "L", "", "");
        Signal[] signals = new Signal[n];
        List<AlarmRule> rules = new ArrayList<>();
        int perMachine = 1000;
        String machine = null;
        for (int i = 0; i < n; i++) {
            if (i % perMachine == 0) machine = model.addChild(line, "M" + i / perMachine, "", "");
            signals[i] = model.addSignal(machine, "T" + i, DataType.DOUBLE, "degC", "", "");
            rules.add(new AlarmRule(AlarmRule.idFor(machine, "T" + i + " high"), "T" + i + " high", machine,
                    new LimitKind(signals[i].id(), LimitKind.Type.H, 80, 1), Priority.MEDIUM, null, null, null, null, false, false, "config"));
        }
        Path dir = Files.createTempDirectory("alarm-bench");
        try (AlarmEngine engine = AlarmEngine.open(new AlarmSettings(Duration.ofHours(8), Duration.ofHours(1), 100_000, true), model, dir,
                InstantSource.system(), null, null)) {
            Value normal = Value.of(50.0), high = Value.of(90.0);
            for (int round = 0; round < 3; round++) {
                engine.setRules(List.of());
                long t0 = System.nanoTime();
                run(engine, signals, fed, points, normal, high);
                long off = System.nanoTime() - t0;
                engine.setRules(rules);
                t0 = System.nanoTime();
                run(engine, signals, fed, points, normal, high);
                long on = System.nanoTime() - t0;
                System.out.printf("round %d: %d signals with limit alarms, %d of them fed, %d points: %.1f ns/point with rules, %.1f ns/point without, %d transitions%n",
                        round, n, fed, points, (double) on / points, (double) off / points, engine.transitions(tr -> true).size());
            }
        }
    }

    private static long stamp;

    private static void run(AlarmEngine engine, Signal[] signals, int fed, long points, Value normal, Value high) {
        for (long p = 0; p < points; p++) {
            int i = (int) (p % fed);
            // every 1,000th point of a signal goes high and the next one back: rare transitions, as in a healthy plant
            Value v = (p / signals.length) % 1000 == 999 ? high : normal;
            engine.accept(signals[i], ++stamp, v, Quality.GOOD, false);
        }
    }
}
