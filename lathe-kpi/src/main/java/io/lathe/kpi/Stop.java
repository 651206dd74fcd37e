package io.lathe.kpi;

/**
 * One unplanned stop (a maximal run of {@link MachineState#UNPLANNED_DOWN}).
 *
 * @param endMicros  end, or {@code Long.MAX_VALUE} while the stop lasts
 * @param reasonCode code from the reason signal or the operator, empty when none
 * @param reasonName name from the reason tree, the code when the tree does not know it, empty when none
 * @param category   category id from the reason tree, empty when unknown
 * @param operatorSet true when an operator entered the reason
 * @param microStop  shorter than the machine's micro-stop threshold (never while it lasts)
 */
public record Stop(String machine, long startMicros, long endMicros, String reasonCode, String reasonName,
                   String category, boolean operatorSet, boolean microStop) {}
