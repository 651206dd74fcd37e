package io.lathe.simulator;

import io.lathe.model.DataType;
import java.util.List;

/** Names and definitions of the metrics the virtual factory publishes; the order is the DBIRTH/NBIRTH order. */
public final class SimulatorMetrics {
    private SimulatorMetrics() {}

    public static final String STATE = "State";
    public static final String REASON_CODE = "Reason Code";
    public static final String GOOD_COUNT = "Good Count";
    public static final String REJECT_COUNT = "Reject Count";
    public static final String CYCLE_TIME = "Cycle Time";
    public static final String IDEAL_CYCLE_TIME = "Ideal Cycle Time";
    public static final String SPINDLE_SPEED = "Spindle Speed";
    public static final String VIBRATION_RMS = "Vibration RMS";
    public static final String TEMPERATURE = "Temperature";
    public static final String POWER = "Power";
    public static final String ENERGY = "Energy";

    public static final String LINE_SHIFT = "Line/Shift";
    public static final String LINE_PRODUCT = "Line/Product";

    /** Sparkplug protocol metrics of every NBIRTH. */
    public static final String BD_SEQ = "bdSeq";
    public static final String NODE_CONTROL_REBIRTH = "Node Control/Rebirth";

    private static final List<MetricLayout> DEVICE = List.of(
            new MetricLayout(STATE, DataType.TEXT, "Text", "",
                    "Machine state: running, idle, starved, blocked, fault or planned-stop"),
            new MetricLayout(REASON_CODE, DataType.LONG, "Int32", "",
                    "Why the machine is not running; 0 while running (1xx idle, 2xx fault, 3xx starved, 4xx blocked, 5xx planned stop)"),
            new MetricLayout(GOOD_COUNT, DataType.LONG, "Int64", "", "Cumulative good parts"),
            new MetricLayout(REJECT_COUNT, DataType.LONG, "Int64", "", "Cumulative rejected parts"),
            new MetricLayout(CYCLE_TIME, DataType.DOUBLE, "Double", "s", "Duration of the last completed cycle"),
            new MetricLayout(IDEAL_CYCLE_TIME, DataType.DOUBLE, "Double", "s", "Ideal cycle time of the current product"),
            new MetricLayout(SPINDLE_SPEED, DataType.DOUBLE, "Double", "rpm", "Spindle (or drive) speed"),
            new MetricLayout(VIBRATION_RMS, DataType.DOUBLE, "Double", "mm/s", "Vibration velocity RMS"),
            new MetricLayout(TEMPERATURE, DataType.DOUBLE, "Double", "degC", "Spindle housing temperature"),
            new MetricLayout(POWER, DataType.DOUBLE, "Double", "kW", "Electrical power"),
            new MetricLayout(ENERGY, DataType.DOUBLE, "Double", "kWh", "Cumulative electrical energy"));

    private static final List<MetricLayout> LINE = List.of(
            new MetricLayout(LINE_SHIFT, DataType.TEXT, "Text", "", "Current shift: Early, Late or Night"),
            new MetricLayout(LINE_PRODUCT, DataType.TEXT, "Text", "", "Product the line is making"));

    /** The metrics of every machine (device), in DBIRTH order. */
    public static List<MetricLayout> deviceMetrics() {
        return DEVICE;
    }

    /** The line-level metrics of every edge node, in NBIRTH order after the protocol metrics. */
    public static List<MetricLayout> lineMetrics() {
        return LINE;
    }
}
