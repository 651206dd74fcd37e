package io.lathe.predict.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lathe.kpi.MachineState;
import io.lathe.kpi.StateSource;
import io.lathe.predict.model.ModelFile;
import io.lathe.predict.model.ModelRepository;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The degradation-path RUL on cycles whose features follow known paths, and its saved model. */
class DegradationRulTest {
    private static final double OFFSET = 2.0;

    /**
     * One repair-begun cycle of a part with life {@code life} running hours, a point a minute from {@code OFFSET} h
     * after the repair: a feature rising as age^2 to the same level at every failure, one falling as age^1.5, one flat,
     * and an index whose scale differs between cycles (as a re-learned anomaly model's does).
     */
    private static DegradationRul.Cycle cycle(double life, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = (int) Math.round((life - OFFSET) * 60) + 1;
        double[] hours = new double[n], index = new double[n];
        double[][] values = new double[3][n];
        double scale = rng.nextDouble(0.5, 2.0);
        for (int i = 0; i < n; i++) {
            hours[i] = i / 60.0;
            double w = (OFFSET + hours[i]) / life;
            values[0][i] = 1.0 + 3.8 * w * w + 0.15 * rng.nextGaussian();
            values[1][i] = 10.0 - 2.0 * Math.pow(w, 1.5) + 0.05 * rng.nextGaussian();
            values[2][i] = 5.0 + 0.2 * rng.nextGaussian();
            index[i] = scale * (0.3 + 2 * w * w) + 0.05 * rng.nextGaussian();
        }
        return new DegradationRul.Cycle(hours, index, true, OFFSET, List.of("m.vib", "m.pressure", "m.flat"), values);
    }

    private static List<DegradationRul.Cycle> past() {
        List<DegradationRul.Cycle> out = new ArrayList<>();
        double[] lives = {10, 13, 16, 19, 12, 21, 9};
        for (int i = 0; i < lives.length; i++) out.add(cycle(lives[i], i + 1));
        return out;
    }

    @Test
    void learnsEachFeaturesPathAndEstimatesFromIt() {
        DegradationRul m = DegradationRul.fit(past());
        Map<String, DegradationRul.Path> paths = new LinkedHashMap<>();
        for (DegradationRul.Path p : m.paths()) paths.put(p.feature(), p);
        assertThat(paths).containsOnlyKeys("m.vib", "m.pressure");
        assertThat(paths.get("m.vib").exponent()).isEqualTo(2.0);
        assertThat(paths.get("m.vib").direction()).isEqualTo(1.0);
        assertThat(paths.get("m.vib").failLevel()).isCloseTo(4.8, within(0.1));
        assertThat(paths.get("m.pressure").exponent()).isEqualTo(1.5);
        assertThat(paths.get("m.pressure").direction()).isEqualTo(-1.0);
        assertThat(paths.get("m.pressure").failLevel()).isCloseTo(8.0, within(0.05));

        // A part of a life none of the past cycles had, judged over its last 8 h as the live RUL is.
        for (double life : new double[] {11.5, 17.5}) {
            DegradationRul.Cycle c = cycle(life, 99);
            double se = 0, seNaive = 0;
            int n = 0, inside = 0;
            for (int i = 0; i < c.hours().length; i += 15) {
                double truth = c.length() - c.hours()[i];
                if (truth > 8) continue;
                DegradationRul.Estimate e = m.estimate(c, i + 1, OFFSET);
                assertThat(e).isNotNull();
                se += (e.value() - truth) * (e.value() - truth);
                seNaive += (4 - truth) * (4 - truth);
                if (truth >= e.lower() && truth <= e.upper()) inside++;
                n++;
            }
            assertThat(Math.sqrt(se / n)).as("RMSE, life " + life).isLessThan(0.6).isLessThan(Math.sqrt(seNaive / n) / 3);
            assertThat((double) inside / n).as("band coverage, life " + life).isGreaterThan(0.7);
        }
    }

    /**
     * A part renewed 10 h into the cycle, near its wear-out, in a repair the monitor did not judge a renewal: the cycle's age still counts
     * from the earlier repair, and the feature fell back to new. The path is fitted from the renewal; a dip that comes
     * back within the hour (a machine cooling during a stop) is no renewal.
     */
    @Test
    void aRenewalTheMonitorMissedRestartsThePath() {
        DegradationRul m = DegradationRul.fit(past());
        DegradationRul.Path vib = m.paths().stream().filter(p -> p.feature().equals("m.vib")).findFirst().orElseThrow();
        SplittableRandom rng = new SplittableRandom(7);
        double renewedAge = 12, life = 12;
        int n = (int) Math.round((renewedAge + life - OFFSET) * 60) + 1;
        double[] hours = new double[n], index = new double[n];
        double[][] values = new double[3][n];
        for (int i = 0; i < n; i++) {
            hours[i] = i / 60.0;
            double age = OFFSET + hours[i];
            double w = age < renewedAge ? age / 13 : (age - renewedAge) / life;
            values[0][i] = 1.0 + 3.8 * w * w + 0.15 * rng.nextGaussian();
            values[1][i] = 10.0 - 2.0 * Math.pow(w, 1.5) + 0.05 * rng.nextGaussian();
            values[2][i] = 5.0 + 0.2 * rng.nextGaussian();
            index[i] = 0.3 + 2 * w * w;
        }
        DegradationRul.Cycle c = new DegradationRul.Cycle(hours, index, true, OFFSET, List.of("m.vib", "m.pressure", "m.flat"), values);
        assertThat(DegradationRul.renewedAt(vib, hours, values[0], n)).isCloseTo(renewedAge - OFFSET, within(0.5));
        double se = 0;
        int k = 0;
        for (int i = 0; i < n; i += 15) {
            double truth = c.length() - hours[i];
            if (truth > 8) continue;
            DegradationRul.Estimate e = m.estimate(c, i + 1, OFFSET);
            se += (e.value() - truth) * (e.value() - truth);
            k++;
        }
        assertThat(Math.sqrt(se / k)).as("RMSE after a missed renewal").isLessThan(0.8);

        // The same feature dipping for 40 min (a stop) and back: no renewal.
        double[] dip = new double[n];
        for (int i = 0; i < n; i++) {
            double w = (OFFSET + hours[i]) / 24;
            dip[i] = 1.0 + 3.8 * w * w - (hours[i] >= 12 && hours[i] < 12 + 40 / 60.0 ? 3.0 : 0);
        }
        assertThat(DegradationRul.renewedAt(vib, hours, dip, n)).isNaN();
    }

    @Test
    void noEstimateInACycleOfUnknownAge() {
        DegradationRul m = DegradationRul.fit(past());
        DegradationRul.Cycle c = cycle(14, 5);
        assertThat(m.estimate(c, 300, Double.NaN)).isNull();
    }

    private static MachineMonitor monitor() {
        MachineBinding b = new MachineBinding("m", new StateSource.Enumerated("m.state", Map.of("running", MachineState.RUNNING), MachineState.IDLE),
                "m.reason", Set.of("204"), Set.of());
        return new MachineMonitor(b, HealthSettings.DEFAULTS);
    }

    @Test
    void theModelIsSavedAndReloadedWithItsPaths(@TempDir Path dir) throws Exception {
        List<DegradationRul.Cycle> cycles = past();
        // A missing value (the signal was stale) is saved and read back as missing.
        cycles.getFirst().values()[0][0] = Double.NaN;
        MachineMonitor live = monitor();
        live.addCompletedCycles(cycles);
        // No anomaly model names the signals here: one the machine sends is named as the signal, the other by its id.
        live.accept(new io.lathe.model.Signal("m.vib", "Vibration RMS", "m", io.lathe.model.DataType.DOUBLE, "mm/s", "", "test"), 1L,
                io.lathe.model.Value.of(1.0), new ArrayList<>(), new ArrayList<>());
        ModelFile file = live.fitRul(1_000_000L);
        assertThat(file.algorithm()).isEqualTo("degradation-path");
        // the file names its inputs: the anomaly score (fallback) and every signal a learned path follows
        assertThat(file.features().stream().map(ModelFile.Feature::signal).toList()).containsExactlyElementsOf(java.util.stream.Stream.concat(
                java.util.stream.Stream.of(file.machine() + ".anomaly-score"), live.rul().paths().stream().map(DegradationRul.Path::feature)).toList());
        assertThat(file.features()).extracting(ModelFile.Feature::name, ModelFile.Feature::unit)
                .contains(org.assertj.core.groups.Tuple.tuple("Vibration RMS", "mm/s"), org.assertj.core.groups.Tuple.tuple("m.pressure", ""));
        ModelRepository.open(dir).save(file);

        ModelFile read = ModelRepository.open(dir).get(file.id());
        MachineMonitor restarted = monitor();
        restarted.installRul(read);
        assertThat(restarted.rul().paths()).isEqualTo(live.rul().paths()).isNotEmpty();
        assertThat(Double.isNaN(restarted.rul().cycles().getFirst().values()[0][0])).isTrue();
        DegradationRul.Cycle c = cycle(15, 42);
        assertThat(restarted.rul().estimate(c, 600, OFFSET)).isEqualTo(live.rul().estimate(c, 600, OFFSET));
    }

    /**
     * RUL model files as the earlier code wrote them, whose {@code features} named only the anomaly score: before the
     * feature points were kept (cycles of index only) and after (cycles with feature points and the learned paths).
     * The key names are written out here as those versions wrote them; only the long arrays are filled in.
     */
    @Test
    void modelFilesOfTheEarlierShapesStillLoad(@TempDir Path dir) throws Exception {
        // The cycles as a saved model keeps them (thinned to at most MAX_POINTS), and the model derived from them.
        DegradationRul fitted = DegradationRul.fit(past());
        DegradationRul fresh = new DegradationRul(fitted.cycles(), fitted.capHours());
        StringBuilder indexOnly = new StringBuilder(), withPoints = new StringBuilder();
        for (DegradationRul.Cycle c : fitted.cycles()) {
            String common = "\"hours\" : " + ModelRepository.toJson(c.hours()) + ", \"index\" : " + ModelRepository.toJson(c.index())
                    + ", \"afterRepair\" : true, \"offset\" : " + c.offset();
            indexOnly.append(indexOnly.isEmpty() ? "" : ",\n").append("{ ").append(common).append(" }");
            withPoints.append(withPoints.isEmpty() ? "" : ",\n").append("{ ").append(common).append(", \"features\" : [ \"m.vib\", \"m.pressure\", \"m.flat\" ]")
                    .append(", \"values\" : ").append(ModelRepository.toJson(c.values())).append(" }");
        }
        String template = """
                {
                  "id" : "m.rul", "type" : "rul", "algorithm" : "%s", "formatVersion" : 1, "version" : 3, "machine" : "m",
                  "createdAt" : "2026-12-04T20:00:00Z",
                  "training" : { "from" : null, "to" : "2026-12-04T19:59:00Z", "runningHours" : 100.0, "samples" : 7, "source" : "live" },
                  "features" : [ { "signal" : "m.anomaly-score", "name" : "Anomaly Score", "unit" : "", "center" : 0.0, "scale" : 1.0 } ],
                  "parameters" : { "capHours" : %s, "levelHours" : 0.5, "cycleRunningHours" : [ 8, 11, 14, 17, 10, 19, 7 ],
                    "censoredCycles" : 0, "censored" : [ ], %s"cycles" : [ %s ] },
                  "validation" : { "method" : "leave-one-cycle-out", "horizonHours" : 8.0, "estimates" : 0 }
                }
                """;
        String paths = "\"paths\" : [ { \"feature\" : \"m.vib\", \"direction\" : 1.0, \"failLevel\" : 4.8, \"exponent\" : 2.0, "
                + "\"spread\" : 0.1, \"mse\" : 0.5, \"rise\" : 3.5 } ], ";
        DegradationRul.Cycle current = cycle(15, 42);
        for (boolean points : new boolean[] {false, true}) {
            java.nio.file.Files.createDirectories(dir.resolve(ModelRepository.FOLDER));
            java.nio.file.Files.writeString(dir.resolve(ModelRepository.FOLDER).resolve("m.rul.json"), points
                    ? template.formatted("degradation-path", fitted.capHours(), paths, withPoints)
                    : template.formatted("degradation-index-trend", fitted.capHours(), "", indexOnly));
            ModelRepository repo = ModelRepository.open(dir);
            assertThat(repo.problems()).as("points=" + points).isEmpty();
            ModelFile read = repo.get("m.rul");
            assertThat(read.features()).extracting(ModelFile.Feature::signal).containsExactly("m.anomaly-score");
            MachineMonitor restarted = monitor();
            restarted.installRul(read);
            DegradationRul.Estimate e = restarted.rul().estimate(current, 600, OFFSET);
            if (points) {
                // derived from the saved cycles again: the paths the current code learns, whatever the file listed
                assertThat(restarted.rul().paths()).isEqualTo(fresh.paths()).isNotEmpty();
                assertThat(e).isEqualTo(fresh.estimate(current, 600, OFFSET));
            } else {
                assertThat(restarted.rul().paths()).isEmpty();
                assertThat(e.value()).isEqualTo(DegradationRul.pointByIndex(restarted.rul().cycles(), current.hours(), current.index(), 600, OFFSET));
            }
        }
    }

    @Test
    void aModelSavedWithoutFeaturePointsEstimatesFromTheIndex(@TempDir Path dir) throws Exception {
        MachineMonitor live = monitor();
        live.addCompletedCycles(past());
        ModelFile file = live.fitRul(1_000_000L);
        // As saved before the feature points were kept: cycles with hours, index, afterRepair and offset only.
        List<Map<String, Object>> old = new ArrayList<>();
        for (DegradationRul.Cycle c : live.rul().cycles()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("hours", c.hours());
            m.put("index", c.index());
            m.put("afterRepair", c.afterRepair());
            m.put("offset", c.offset());
            old.add(m);
        }
        Map<String, Object> params = new LinkedHashMap<>(file.parameters());
        params.remove("paths");
        params.put("cycles", old);
        ModelFile oldFile = new ModelFile(file.id(), file.type(), "degradation-index-trend", file.formatVersion(), file.version(), file.machine(),
                file.createdAt(), file.training(), file.features(), params, file.validation());
        ModelRepository.open(dir).save(oldFile);

        MachineMonitor restarted = monitor();
        restarted.installRul(ModelRepository.open(dir).get(file.id()));
        assertThat(restarted.rul().paths()).isEmpty();
        DegradationRul.Cycle c = cycle(15, 42);
        DegradationRul.Estimate e = restarted.rul().estimate(c, 600, OFFSET);
        assertThat(e).isNotNull();
        assertThat(e.value()).isEqualTo(DegradationRul.pointByIndex(restarted.rul().cycles(), c.hours(), c.index(), 600, OFFSET));
    }
}
