package io.lathe.sparkplug.internal;

import io.lathe.model.DataType;
import io.lathe.model.Value;
import java.math.BigInteger;
import java.util.Date;
import org.eclipse.tahu.message.model.MetricDataType;

/**
 * Maps Sparkplug B metric data types and values to Lathe's four value kinds.
 *
 * <p>UInt64 is the one Sparkplug integer type whose range, [0, 2^64), does not fit Lathe's signed 64-bit long. A
 * series keeps one type for life, so the type cannot follow each value: a discovered UInt64 metric becomes a
 * {@link DataType#TEXT} signal holding the exact decimal digits (the API serves them as a JSON string, which no JSON
 * parser rounds). A signal declared with another type gets what that type can hold: {@code long} takes values up to
 * 2^63 - 1 and refuses larger ones ({@link #toSignalValue} returns null, the host counts {@code out_of_range}),
 * {@code double} takes the nearest double.
 */
public final class MetricValues {
    private MetricValues() {}

    /** Lathe's type for a Sparkplug type, or null when Lathe does not ingest it (DataSet, Template, Bytes, File, arrays). */
    public static DataType dataType(MetricDataType t) {
        if (t == null) return null;
        return switch (t.getType()) {
            case "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "DateTime" -> DataType.LONG;
            case "Float", "Double" -> DataType.DOUBLE;
            case "Boolean" -> DataType.BOOLEAN;
            case "String", "Text", "UUID", "UInt64" -> DataType.TEXT;
            default -> null;
        };
    }

    /**
     * The value of a decoded metric of Sparkplug type {@code metricType} for a signal of type {@code target}, or null
     * when it cannot be one: of an unexpected class, or not representable ({@link #outOfRange}).
     */
    public static Value toSignalValue(Object raw, MetricDataType metricType, DataType target) {
        return toSignalValue(raw, metricType, dataType(metricType), target);
    }

    /**
     * As {@link #toSignalValue(Object, MetricDataType, DataType)} with {@code sourceType} = {@link #dataType}
     * of {@code metricType}, looked up once per metric at birth instead of once per value.
     */
    public static Value toSignalValue(Object raw, MetricDataType metricType, DataType sourceType, DataType target) {
        if (raw == null || target == null) return null;
        if (metricType == MetricDataType.UInt64) {
            Long bits = unsigned64Bits(raw);
            return bits == null ? null : unsigned64(bits, target);
        }
        Value v = toValue(raw, sourceType);
        return v == null ? null : coerce(v, target);
    }

    /** True when {@link #toSignalValue} refused a well-formed value only because {@code target} cannot hold it. */
    public static boolean outOfRange(Object raw, MetricDataType metricType, DataType target) {
        if (metricType != MetricDataType.UInt64 || target != DataType.LONG) return false;
        Long bits = unsigned64Bits(raw);
        return bits != null && bits < 0;
    }

    /**
     * A UInt64 value, given as its 64 bits, as a value of {@code target}: exact decimal text, a long when it is at most
     * {@link Long#MAX_VALUE} (null above), the nearest double, or false for zero and true otherwise.
     */
    public static Value unsigned64(long bits, DataType target) {
        return switch (target) {
            case TEXT -> Value.of(Long.toUnsignedString(bits));
            case LONG -> bits >= 0 ? Value.of(bits) : null;
            // Halving keeps the value positive; or-ing the lost bit back keeps the rounding to nearest correct.
            case DOUBLE -> Value.of(bits >= 0 ? (double) bits : ((bits >>> 1) | (bits & 1)) * 2.0);
            case BOOLEAN -> Value.of(bits != 0);
        };
    }

    /** The 64 bits of a decoded UInt64 (Tahu gives a BigInteger), or null when it is not a value in [0, 2^64). */
    private static Long unsigned64Bits(Object raw) {
        if (raw instanceof BigInteger b) return b.signum() < 0 || b.bitLength() > 64 ? null : b.longValue();
        if (raw instanceof Long || raw instanceof Integer || raw instanceof Short || raw instanceof Byte) {
            return ((Number) raw).longValue();
        }
        return null;
    }

    /**
     * The value of a decoded metric as the given type, or null when it is of an unexpected class. For UInt64 metrics
     * use {@link #toSignalValue}, which keeps values above {@link Long#MAX_VALUE} exact.
     */
    public static Value toValue(Object raw, DataType type) {
        if (raw == null || type == null) return null;
        return switch (type) {
            case LONG -> {
                if (raw instanceof BigInteger b) yield b.bitLength() < 64 ? Value.of(b.longValue()) : null;
                if (raw instanceof Date d) yield Value.of(d.getTime());
                if (raw instanceof Number n) yield Value.of(n.longValue());
                yield null;
            }
            case DOUBLE -> raw instanceof Number n ? Value.of(n.doubleValue()) : null;
            case BOOLEAN -> raw instanceof Boolean b ? Value.of(b) : null;
            // a number or flag as its digits; anything else (bytes, a date, a data set) has no text that means it
            case TEXT -> raw instanceof String s ? Value.of(s)
                    : raw instanceof Number || raw instanceof Boolean ? Value.of(raw.toString()) : null;
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
