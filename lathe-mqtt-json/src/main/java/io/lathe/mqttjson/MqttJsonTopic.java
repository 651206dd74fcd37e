package io.lathe.mqttjson;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A topic filter and what to take from the JSON payloads published to matching topics.
 *
 * @param filter         MQTT topic filter, {@code +} for one level and {@code #} (last) for any number of levels
 *                       (YAML {@code topic})
 * @param machineId      machine asset the signals belong to (YAML {@code machine}); null means the connection's
 * @param timestampField JSON pointer or dotted path of the timestamp (YAML {@code timestamp-field}); a number is epoch
 *                       milliseconds, a string ISO-8601 ({@code 2026-11-02T10:15:30.123Z}); null means arrival time
 * @param fields         values to take (YAML {@code fields}); at least one
 */
public record MqttJsonTopic(String filter, String machineId, String timestampField, List<MqttJsonField> fields) {

    public MqttJsonTopic {
        List<String> problems = new ArrayList<>();
        if (filter == null || filter.isEmpty()) {
            problems.add("topic must not be empty");
        } else {
            String[] levels = filter.split("/", -1);
            for (int i = 0; i < levels.length; i++) {
                String l = levels[i];
                if (l.equals("#") && i != levels.length - 1) problems.add("# must be the last level of topic, but topic was " + filter);
                else if (!l.equals("#") && !l.equals("+") && (l.contains("#") || l.contains("+"))) {
                    problems.add("+ and # must fill a whole level of topic, but topic was " + filter);
                }
            }
        }
        if (timestampField != null && timestampField.isBlank()) timestampField = null;
        fields = fields == null ? List.of() : List.copyOf(fields);
        if (fields.isEmpty()) problems.add("fields must not be empty");
        Set<String> names = new HashSet<>();
        for (MqttJsonField f : fields) {
            if (!names.add(f.signal())) problems.add("signal " + f.signal() + " appears twice");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid MQTT JSON topic [topic=" + filter + "]: " + String.join("; ", problems)
                    + ". Fix the topic in the connection's topics list.");
        }
    }

    /**
     * Matches {@code topic} against the filter.
     *
     * @return the topic levels matched by each {@code +} in order (empty when there is none), or null when the topic
     *         does not match. Topics starting with {@code $} never match a leading wildcard (MQTT 5.0, 4.7.2).
     */
    public List<String> match(String topic) {
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        if (topic.startsWith("$") && (f[0].equals("+") || f[0].equals("#"))) return null;
        List<String> wild = new ArrayList<>(2);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) return wild;
            if (i >= t.length) return null;
            if (f[i].equals("+")) wild.add(t[i]);
            else if (!f[i].equals(t[i])) return null;
        }
        return f.length == t.length ? wild : null;
    }
}
