package io.lathe.simulator;

/**
 * Why a simulated machine is not running; published as the INT metric {@code Reason Code} using {@link #code()}.
 * Codes are grouped by hundreds per {@link MachineState}: 1xx idle, 2xx fault, 3xx starved, 4xx blocked,
 * 5xx planned stop; 0 while running.
 */
public enum ReasonCode {
    NONE(0, MachineState.RUNNING, "Running"),
    JAM(101, MachineState.IDLE, "Jam (micro-stop)"),
    MISFEED(102, MachineState.IDLE, "Part misfeed (micro-stop)"),
    TOOL_CHANGE(103, MachineState.IDLE, "Tool change"),
    SPINDLE_OVERHEAT(201, MachineState.FAULT, "Spindle overheat"),
    HYDRAULIC_FAULT(202, MachineState.FAULT, "Hydraulic fault"),
    DRIVE_FAULT(203, MachineState.FAULT, "Drive fault"),
    BEARING_WEAR_OUT(204, MachineState.FAULT, "Bearing wear-out"),
    MATERIAL_SHORTAGE(301, MachineState.STARVED, "Material shortage"),
    UPSTREAM_EMPTY(302, MachineState.STARVED, "Upstream buffer empty"),
    DOWNSTREAM_FULL(401, MachineState.BLOCKED, "Downstream full"),
    BREAK(501, MachineState.PLANNED_STOP, "Break"),
    CHANGEOVER(502, MachineState.PLANNED_STOP, "Changeover");

    private final int code;
    private final MachineState state;
    private final String description;

    ReasonCode(int code, MachineState state, String description) {
        this.code = code;
        this.state = state;
        this.description = description;
    }

    /** The published number. */
    public int code() {
        return code;
    }

    /** The machine state this reason goes with. */
    public MachineState state() {
        return state;
    }

    /** Human text, for example {@code Spindle overheat}. */
    public String description() {
        return description;
    }

    /** The reason with this code; throws {@link IllegalArgumentException} when there is none. */
    public static ReasonCode ofCode(int code) {
        for (ReasonCode r : values()) {
            if (r.code == code) return r;
        }
        throw new IllegalArgumentException("reason code must be one of the simulator's codes (0, 101-103, 201-204, "
                + "301-302, 401, 501-502), but was " + code);
    }
}
