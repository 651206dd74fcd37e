package io.lathe.predict.live;

import java.util.List;

/**
 * The health of one machine as the API answers it ({@code GET /api/assets/{id}/health}): the anomaly score and its
 * top contributing signals, and the remaining useful life with its band. Fields named as in docs/CONTRACTS.
 *
 * @param machine machine id
 * @param anomaly the anomaly model's state and last score
 * @param rul     remaining useful life, or null while no estimate exists
 */
public record MachineHealth(String machine, Anomaly anomaly, Rul rul) {

    /**
     * @param score           last score (0 = centre of normal, 0.5 = top of normal, 1 = threshold), null before the first
     * @param threshold       score at which the machine is abnormal
     * @param high            score at or above the threshold
     * @param at              ISO-8601 data time of the score, null before the first
     * @param signal          id of the score series (history at /api/signals/{id}/history), null when not created yet
     * @param topContributors signals with the largest share of the deviation, largest first
     * @param model           id of the model scoring, null while learning
     * @param status          {@code learning} (collecting its first hours of running), {@code scoring} (running and
     *                        scored), {@code stopped} (not running: no scores, the last one stays), {@code no-model}
     *                        (cannot be modelled; {@code message} says why)
     * @param learnedHours    running hours collected towards the first fit (while learning)
     * @param trainingHours   running hours a fit learns from
     * @param message         why there is no model, or null
     */
    public record Anomaly(Double score, double threshold, boolean high, String at, String signal, List<Contributor> topContributors,
                          String model, String status, double learnedHours, double trainingHours, String message) {}

    /**
     * A signal's share (0..1) of the deviation. When an absolute vibration zone decides the score (see
     * {@link VibrationZones}), the vibration signal alone, with share 1 and its {@code zone}; otherwise {@code zone} is null.
     */
    public record Contributor(String signal, String name, double contribution, String zone) {}

    /**
     * @param value  estimated running hours to the failure level
     * @param lower  lower end of the band (failure level reached at its lowest past value)
     * @param upper  upper end of the band
     * @param unit   {@code h}: hours of running time
     * @param at     ISO-8601 data time of the estimate
     * @param signal id of the RUL series
     * @param model  id of the RUL model
     * @param trend  {@code rising} when the health index rises towards the failure level, {@code flat} when it does not
     *               (the value is then the longest life seen, a cap)
     */
    public record Rul(double value, double lower, double upper, String unit, String at, String signal, String model, String trend) {}
}
