package io.lathe.opcua.internal;

import io.lathe.model.Quality;
import io.lathe.model.Value;
import java.time.Instant;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.types.builtin.ByteString;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UByte;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.ULong;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UShort;

/** Conversions between OPC UA built-in types and Lathe values. */
public final class Values {
    private Values() {}

    /**
     * Widens a scalar OPC UA value to a Lathe value: Boolean to boolean, integers to long (UInt64 above Long.MAX_VALUE to
     * double), Float/Double to double, String, LocalizedText, QualifiedName, NodeId, Guid and DateTime to text.
     *
     * @return the value, or null for a null, array, ByteString or structured value (the caller counts it as bad input)
     */
    public static Value toValue(Object v) {
        if (v == null) return null;
        if (v instanceof Boolean b) return Value.of(b);
        if (v instanceof Double d) return Value.of(d);
        if (v instanceof Float f) return Value.of(f.doubleValue());
        if (v instanceof Long l) return Value.of(l);
        if (v instanceof Integer i) return Value.of(i.longValue());
        if (v instanceof Short s) return Value.of(s.longValue());
        if (v instanceof Byte b) return Value.of(b.longValue());
        if (v instanceof UByte u) return Value.of(u.longValue());
        if (v instanceof UShort u) return Value.of(u.longValue());
        if (v instanceof UInteger u) return Value.of(u.longValue());
        if (v instanceof ULong u) {
            long l = u.longValue();
            return l >= 0 ? Value.of(l) : Value.of(u.toBigInteger().doubleValue());
        }
        if (v instanceof String s) return Value.of(s);
        if (v instanceof LocalizedText t) return Value.of(t.text() == null ? "" : t.text());
        if (v instanceof QualifiedName q) return Value.of(q.toParseableString());
        if (v instanceof NodeId n) return Value.of(n.toParseableString());
        if (v instanceof DateTime t) return Value.of(t.getJavaInstant().toString());
        if (v instanceof java.util.UUID u) return Value.of(u.toString());
        if (v instanceof ByteString || v.getClass().isArray()) return null;
        return null;
    }

    /** Good, uncertain or bad by the status code's severity bits (OPC 10000-4, 7.39). */
    public static Quality quality(StatusCode s) {
        if (s == null || s.isGood()) return Quality.GOOD;
        if (s.isUncertain()) return Quality.UNCERTAIN;
        return Quality.BAD;
    }

    /** The symbolic name of a status code, such as {@code Bad_NodeIdUnknown}, or its hex value when unknown. */
    public static String name(StatusCode s) {
        if (s == null) return "Good";
        return StatusCodes.lookup(s.value()).map(a -> a[0]).orElse(String.format("0x%08X", s.value()));
    }

    /** Microseconds since the Unix epoch, or {@code fallback} when the time is null or the OPC UA minimum (unset). */
    public static long micros(DateTime t, long fallback) {
        if (t == null || t.getUtcTime() <= 0) return fallback;
        Instant i = t.getJavaInstant();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }
}
