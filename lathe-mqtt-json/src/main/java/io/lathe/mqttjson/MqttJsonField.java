package io.lathe.mqttjson;

import io.lathe.model.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * One value selected from a JSON payload and stored as one signal.
 *
 * @param path        where the value is: a JSON pointer ({@code /data/temp}, {@code /values/0}) or a dotted path
 *                    ({@code data.temp}) (YAML {@code field}); not blank
 * @param signal      signal name (YAML {@code signal}); {@code {1}}, {@code {2}}, … are replaced by the topic levels
 *                    matched by the first, second, … {@code +} wildcard of the topic filter, so one filter can feed one
 *                    signal per device
 * @param type        expected JSON type as a Lathe type (YAML {@code type}, default double): double and long need a
 *                    JSON number (long an integral one), boolean a JSON boolean, text any scalar
 * @param unit        engineering unit (YAML {@code unit}); empty when none
 * @param description free text (YAML {@code description}); empty when none
 */
public record MqttJsonField(String path, String signal, DataType type, String unit, String description) {

    public MqttJsonField {
        List<String> problems = new ArrayList<>();
        if (path == null || path.isBlank()) problems.add("field must not be blank");
        if (signal == null || signal.isBlank()) problems.add("signal must not be blank");
        type = type == null ? DataType.DOUBLE : type;
        unit = unit == null ? "" : unit;
        description = description == null ? "" : description;
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid MQTT JSON field [field=" + path + ", signal=" + signal + "]: "
                    + String.join("; ", problems) + ". Fix the field in the topic's fields list.");
        }
    }

    public static MqttJsonField of(String path, String signal, DataType type) {
        return new MqttJsonField(path, signal, type, "", "");
    }

    /** The path as a JSON pointer: {@code data.temp} becomes {@code /data/temp}. */
    public String pointer() {
        if (path.startsWith("/")) return path;
        StringBuilder b = new StringBuilder();
        for (String part : path.split("\\.", -1)) b.append('/').append(part.replace("~", "~0").replace("/", "~1"));
        return b.toString();
    }
}
