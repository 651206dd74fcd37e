package io.lathe.predict.live;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the in-platform machine health models.
 *
 * @param training  running time a machine's anomaly model learns from when none is saved (the first hours of running
 *                  after start, and again after a wear-out repair); default 2 h
 * @param smoothing time constant of the score's smoothing, in running time; default 10 min
 * @param minStep   shortest data-time step between two scores of one machine; default 1 s
 * @param maxHold   a signal's last value is used for at most this long (data time), then counts as missing; default 1 h
 * @param vibrationZones absolute vibration severity limits per machine, a floor under the anomaly score; default none
 */
public record HealthSettings(Duration training, Duration smoothing, Duration minStep, Duration maxHold, VibrationZones vibrationZones) {
    public static final HealthSettings DEFAULTS = new HealthSettings(Duration.ofHours(2), Duration.ofMinutes(10),
            Duration.ofSeconds(1), Duration.ofHours(1), VibrationZones.NONE);

    public HealthSettings {
        Objects.requireNonNull(training, "training");
        Objects.requireNonNull(smoothing, "smoothing");
        Objects.requireNonNull(minStep, "minStep");
        Objects.requireNonNull(maxHold, "maxHold");
        Objects.requireNonNull(vibrationZones, "vibrationZones");
        if (training.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("predict.anomaly.training must be at least 1m, but was " + training);
        }
        if (smoothing.isNegative() || smoothing.isZero()) {
            throw new IllegalArgumentException("predict.anomaly.smoothing must be positive, but was " + smoothing);
        }
        if (minStep.isNegative()) throw new IllegalArgumentException("minStep must not be negative, but was " + minStep);
        if (maxHold.compareTo(minStep) < 0) throw new IllegalArgumentException("maxHold must be at least minStep, but was " + maxHold);
    }

    public HealthSettings withTraining(Duration d) {
        return new HealthSettings(d, smoothing, minStep, maxHold, vibrationZones);
    }

    public HealthSettings withVibrationZones(VibrationZones z) {
        return new HealthSettings(training, smoothing, minStep, maxHold, z);
    }
}
