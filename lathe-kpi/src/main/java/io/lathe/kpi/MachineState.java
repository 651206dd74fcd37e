package io.lathe.kpi;

/**
 * Machine states of the ISO 22400-2 time model. Each state maps to one time element:
 * <ul>
 *   <li>{@link #RUNNING}: actual production time (APT)</li>
 *   <li>{@link #SETUP}: actual unit setup time (AUST)</li>
 *   <li>{@link #UNPLANNED_DOWN}: actual unit delay time (ADET), a stop with a reason; source of failure events</li>
 *   <li>{@link #IDLE}, {@link #STARVED}, {@link #BLOCKED}: actual unit down time (ADOT), ready but waiting</li>
 *   <li>{@link #PLANNED_DOWN}: planned down time (PDOT, for example planned maintenance): excluded from planned busy time</li>
 *   <li>{@link #UNKNOWN}: no data yet; counted inside planned busy time as neither producing nor stopped</li>
 * </ul>
 * YAML spells them kebab-case: {@code running}, {@code setup}, {@code unplanned-down}, …
 */
public enum MachineState {
    RUNNING, SETUP, UNPLANNED_DOWN, IDLE, STARVED, BLOCKED, PLANNED_DOWN, UNKNOWN;

    static final MachineState[] VALUES = values();

    /** The YAML spelling, for example {@code unplanned-down}. */
    public String yamlName() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }

    /** Parses the YAML spelling (or the enum name). */
    public static MachineState parse(String text) {
        String n = text.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        try {
            return valueOf(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown machine state [value=" + text + "]: must be one of running, setup, unplanned-down, idle, starved, blocked, planned-down, unknown. Fix the state map.");
        }
    }
}
