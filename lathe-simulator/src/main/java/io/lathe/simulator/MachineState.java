package io.lathe.simulator;

/** What a simulated machine is doing; published as the TEXT metric {@code State} using {@link #label()}. */
public enum MachineState {
    /** Processing a part. */
    RUNNING("running"),
    /** Stopped without a fault: a micro-stop (jam, misfeed) or a tool change. */
    IDLE("idle"),
    /** Ready to work but no part to take: the upstream buffer is empty or raw material is short. */
    STARVED("starved"),
    /** Holding a finished part that the downstream buffer cannot take. */
    BLOCKED("blocked"),
    /** Broken down and under repair. */
    FAULT("fault"),
    /** Not scheduled to produce: break or changeover. */
    PLANNED_STOP("planned-stop");

    private final String label;

    MachineState(String label) {
        this.label = label;
    }

    /** The published text, for example {@code planned-stop}. */
    public String label() {
        return label;
    }

    /** The state with this label; throws {@link IllegalArgumentException} when there is none. */
    public static MachineState ofLabel(String label) {
        for (MachineState s : values()) {
            if (s.label.equals(label)) return s;
        }
        throw new IllegalArgumentException("machine state label must be one of running, idle, starved, blocked, fault, "
                + "planned-stop, but was '" + label + "'");
    }
}
