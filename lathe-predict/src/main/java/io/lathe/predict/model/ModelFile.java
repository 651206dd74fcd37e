package io.lathe.predict.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A fitted model as saved in the data folder ({@code models/<id>.json}): what it is, which machine and signals it
 * reads, the window it learned from, its parameters and how well it validated. Read back at start, so a restart
 * scores with the same model.
 *
 * @param id            {@code <machine id>.anomaly} or {@code <machine id>.rul}: one current model per machine and kind
 * @param type          {@code anomaly} or {@code rul}
 * @param algorithm     for example {@code robust-mahalanobis}
 * @param formatVersion version of this file's layout ({@link #FORMAT_VERSION})
 * @param version       revision of this machine's model: 1 for the first fit, +1 for every refit
 * @param machine       machine asset id
 * @param createdAt     ISO-8601 instant of the fit (server clock)
 * @param training      the data it learned from
 * @param features      input signals, in column order
 * @param parameters    algorithm parameters (numbers and arrays)
 * @param validation    figures measured on data the fit did not see
 */
public record ModelFile(String id, String type, String algorithm, int formatVersion, int version, String machine, String createdAt,
                        TrainingWindow training, List<Feature> features, Map<String, Object> parameters, Map<String, Object> validation) {

    public static final int FORMAT_VERSION = 1;
    public static final String ANOMALY = "anomaly";
    public static final String RUL = "rul";

    public ModelFile {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(machine, "machine");
        features = features == null ? List.of() : List.copyOf(features);
        parameters = parameters == null ? Map.of() : new LinkedHashMap<>(parameters);
        validation = validation == null ? Map.of() : new LinkedHashMap<>(validation);
    }

    /** The id of a machine's model of one type. */
    public static String idOf(String machine, String type) {
        return machine + "." + type;
    }

    /**
     * The window a model learned from.
     *
     * @param from         ISO-8601 instant of the first sample
     * @param to           ISO-8601 instant of the last sample
     * @param runningHours hours of running time in it (only running data is learned from)
     * @param samples      rows learned from
     * @param source       {@code live} (the first hours of running after start or a repair) or {@code history}
     *                     (a period marked normal, read from the store)
     */
    public record TrainingWindow(String from, String to, double runningHours, int samples, String source) {}

    /**
     * One input signal.
     *
     * @param signal signal id
     * @param name   signal name
     * @param unit   engineering unit
     * @param center median in the training window
     * @param scale  robust spread in the training window
     */
    public record Feature(String signal, String name, String unit, double center, double scale) {}
}
