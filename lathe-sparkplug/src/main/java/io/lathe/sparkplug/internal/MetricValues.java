package io.lathe.sparkplug.internal;

import io.lathe.model.DataType;
import io.lathe.model.Value;
import java.math.BigInteger;
import java.util.Date;
import org.eclipse.tahu.message.model.MetricDataType;

/** Maps Sparkplug B metric data types and values to Lathe's four value kinds. */
public final class MetricValues {
    private MetricValues() {}

    /** Lathe's type for a Sparkplug type, or null when Lathe does not ingest it (DataSet, Template, Bytes, File, arrays). */
    public static DataType dataType(MetricDataType t) {
        if (t == null) return null;
        return switch (t.getType()) {
            case "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "DateTime" -> DataType.LONG;
            case "Float", "Double" -> DataType.DOUBLE;
            case "Boolean" -> DataType.BOOLEAN;
            case "String", "Text", "UUID" -> DataType.TEXT;
            default -> null;
        };
    }

    /**
     * The value of a decoded metric as the given type, or null when it is of an unexpected class. An unsigned 64-bit
     * value above {@link Long#MAX_VALUE} becomes the long with the same 64 bits (read it with
     * {@link Long#toUnsignedString(long)}).
     */
    public static Value toValue(Object raw, DataType type) {
        if (raw == null || type == null) return null;
        return switch (type) {
            case LONG -> {
                // UInt64 above Long.MAX_VALUE keeps its 64 bits (two's complement): Long.toUnsignedString gives it back.
                if (raw instanceof BigInteger b) yield Value.of(b.longValue());
                if (raw instanceof Date d) yield Value.of(d.getTime());
                if (raw instanceof Number n) yield Value.of(n.longValue());
                yield null;
            }
            case DOUBLE -> raw instanceof Number n ? Value.of(n.doubleValue()) : null;
            case BOOLEAN -> raw instanceof Boolean b ? Value.of(b) : null;
            case TEXT -> raw instanceof String s ? Value.of(s) : Value.of(raw.toString());
        };
    }

    /** Converts a value to the type of a signal declared with another type; null when that makes no sense. */
    public static Value coerce(Value v, DataType target) {
        if (v.type() == target) return v;
        return switch (target) {
            case DOUBLE -> v instanceof Value.TextValue ? null : Value.of(v.asDouble());
            case LONG -> switch (v) {
                case Value.DoubleValue d -> Double.isFinite(d.value()) ? Value.of(Math.round(d.value())) : null;
                case Value.BooleanValue b -> Value.of(b.value() ? 1L : 0L);
                default -> null;
            };
            case BOOLEAN -> switch (v) {
                case Value.LongValue l -> Value.of(l.value() != 0);
                case Value.DoubleValue d -> Value.of(d.value() != 0);
                default -> null;
            };
            case TEXT -> switch (v) {
                case Value.TextValue t -> t;
                case Value.LongValue l -> Value.of(Long.toString(l.value()));
                case Value.DoubleValue d -> Value.of(Double.toString(d.value()));
                case Value.BooleanValue b -> Value.of(Boolean.toString(b.value()));
            };
        };
    }
}
