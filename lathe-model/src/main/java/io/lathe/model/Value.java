package io.lathe.model;

/** A point value: a double, long, boolean or text. Sealed so every consumer handles exactly these four. */
public sealed interface Value permits Value.DoubleValue, Value.LongValue, Value.BooleanValue, Value.TextValue {

    DataType type();

    /** The value as a number for charts and aggregates; text gives NaN, booleans 0 or 1. */
    double asDouble();

    /** The value as JSON literal text (numbers bare, text quoted and escaped). */
    String toJson();

    static Value of(double v) { return new DoubleValue(v); }
    static Value of(long v) { return new LongValue(v); }
    static Value of(boolean v) { return v ? BooleanValue.TRUE : BooleanValue.FALSE; }
    static Value of(String v) { return new TextValue(v); }

    record DoubleValue(double value) implements Value {
        public DataType type() { return DataType.DOUBLE; }
        public double asDouble() { return value; }
        public String toJson() { return Double.isFinite(value) ? Double.toString(value) : "null"; }
    }

    record LongValue(long value) implements Value {
        public DataType type() { return DataType.LONG; }
        public double asDouble() { return value; }
        public String toJson() { return Long.toString(value); }
    }

    record BooleanValue(boolean value) implements Value {
        static final BooleanValue TRUE = new BooleanValue(true);
        static final BooleanValue FALSE = new BooleanValue(false);
        public DataType type() { return DataType.BOOLEAN; }
        public double asDouble() { return value ? 1 : 0; }
        public String toJson() { return Boolean.toString(value); }
    }

    record TextValue(String value) implements Value {
        public TextValue {
            java.util.Objects.requireNonNull(value, "value");
        }
        public DataType type() { return DataType.TEXT; }
        public double asDouble() { return Double.NaN; }
        public String toJson() { return Json.quote(value); }
    }
}
