package io.lathe.alarm;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One alarm definition for one machine (a rule written for a machine type becomes one of these per machine).
 *
 * @param id                  unique id, {@code <machine id>.alarm.<slug of name>} ({@link #idFor})
 * @param name                short name shown in the console, for example "Spindle temperature high"
 * @param asset               the machine asset id the alarm belongs to (its site, area and line are its ancestors)
 * @param kind                what makes it active
 * @param priority            urgent, high, medium or low
 * @param message             template with {@code {name} {value} {unit} {limit} {text} {asset}}; null for the kind's default
 * @param response            what the operator should do (ISA-18.2 "response"), may be null
 * @param onDelay             the condition must hold this long before the alarm activates (chatter suppression)
 * @param offDelay            the condition must be gone this long before the alarm clears
 * @param latching            true: after the condition clears, the alarm stays latched until an operator resets it
 * @param suppressWhenPlanned true: suppressed by design while the machine is in a planned stop or not scheduled
 * @param source              {@code config} (the YAML file) or {@code api} (defined through the API, kept in the data folder)
 */
public record AlarmRule(String id, String name, String asset, RuleKind kind, Priority priority, String message, String response,
                        Duration onDelay, Duration offDelay, boolean latching, boolean suppressWhenPlanned, String source) {
    private static final Pattern ID = Pattern.compile("[a-z0-9_][a-z0-9_.\\-]{0,255}");

    public AlarmRule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(asset, "asset");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(priority, "priority");
        if (!ID.matcher(id).matches()) throw new IllegalArgumentException("alarm id must be lower-case letters, digits, '_', '-' and '.', but was '" + id + "'");
        onDelay = onDelay == null ? Duration.ZERO : onDelay;
        offDelay = offDelay == null ? Duration.ZERO : offDelay;
        if (onDelay.isNegative()) throw new IllegalArgumentException("on-delay must be 0 or positive, but was " + onDelay);
        if (offDelay.isNegative()) throw new IllegalArgumentException("off-delay must be 0 or positive, but was " + offDelay);
        source = source == null ? "config" : source;
        if (message != null && message.isBlank()) message = null;
        if (response != null && response.isBlank()) response = null;
    }

    /** The id of the alarm {@code name} on machine {@code asset}. */
    public static String idFor(String asset, String name) {
        return asset + ".alarm." + io.lathe.model.Ids.slug(name);
    }

    /** The message template in force. */
    public String template() {
        return message != null ? message : kind.defaultMessage();
    }

    public AlarmRule withSource(String s) {
        return new AlarmRule(id, name, asset, kind, priority, message, response, onDelay, offDelay, latching, suppressWhenPlanned, s);
    }
}
