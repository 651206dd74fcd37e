package io.lathe.sparkplug.internal;

import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.Int8_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.Int16_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.Int32_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.Int64_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.UInt8_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.UInt16_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.UInt32_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.UInt64_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.Float_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.Double_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.Boolean_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.String_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.DateTime_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.Text_VALUE;
import static org.eclipse.tahu.protobuf.SparkplugBProto.DataType.UUID_VALUE;

import com.google.protobuf.WireFormat;
import io.lathe.ingest.PointBatch;
import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.sparkplug.internal.HostProcessor.MetricInfo;
import io.lathe.sparkplug.internal.HostProcessor.Scope;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Date;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;

/**
 * Reads the common NDATA/DDATA payload straight from its protobuf fields into a {@link PointBatch}, with protobuf's
 * protobuf's wire format (see {@link Wire}) and the field numbers of Tahu's generated {@code SparkplugBProto}.
 *
 * <p>Why: Tahu's decoder builds a protobuf object, then a Tahu {@code Metric}, a boxed value and a {@code Date} for
 * every metric; at 1,000 metrics per message that was two thirds of the receiving thread. This reader makes one
 * {@link Value} per metric and nothing else.
 *
 * <p>It gives exactly what {@link HostProcessor}'s Tahu path gives, or declines: {@link #read} returns -1 and leaves
 * the batch as it found it whenever a message holds anything but known metrics with scalar values that convert
 * cleanly (a new name, an unknown alias, a metric without a known type, a data set or template, a value the signal
 * cannot hold, a field of an unexpected wire type, a malformed payload). The caller then takes the Tahu path, which
 * counts and reports those cases as before. A value is chosen by the metric's data type (its own, else the birth's),
 * not by which value field is set, as Tahu's decoder does: a Double metric without a double_value reads 0.0.
 */
final class DataPayloadReader {
    static final int DECLINED = -1;

    /** The payload's seq and timestamp, read in a first pass over the top-level fields (seq comes after the metrics). */
    static final class Header {
        long seq = -1;
        boolean hasSeq;
        private final Wire wire = new Wire(new byte[0]);
        long timestampMillis;
        boolean hasTimestamp;

        /** False when the payload is malformed or has a top-level field of an unexpected wire type. */
        boolean read(byte[] payload) {
            hasSeq = false;
            hasTimestamp = false;
            Wire in = wire.reset(payload);
            try {
                while (true) {
                    int tag = in.readTag();
                    if (tag == 0) return true;
                    int field = WireFormat.getTagFieldNumber(tag);
                    int wire = WireFormat.getTagWireType(tag);
                    if (field == Payload.TIMESTAMP_FIELD_NUMBER) {
                        if (wire != WireFormat.WIRETYPE_VARINT) return false;
                        timestampMillis = in.readUInt64();
                        hasTimestamp = true;
                    } else if (field == Payload.SEQ_FIELD_NUMBER) {
                        if (wire != WireFormat.WIRETYPE_VARINT) return false;
                        seq = in.readUInt64();
                        hasSeq = true;
                    } else if (field == Payload.METRICS_FIELD_NUMBER && wire != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        return false;
                    } else if (!in.skipField(tag)) {
                        return true;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }
    }

    /** What one metric's fields said; reused for every metric of a message. */
    private static final class MetricFields {
        String name;
        long alias;
        boolean hasAlias;
        long timestampMillis;
        boolean hasTimestamp;
        int datatype;
        boolean historical;
        boolean hasHistorical;
        boolean isNull;
        /** The field number of the value set last (a oneof: the last one wins), 0 for none. */
        int valueField;
        long bits;
        String text;

        void clear() {
            name = null;
            hasAlias = false;
            hasTimestamp = false;
            datatype = 0;
            hasHistorical = false;
            isNull = false;
            valueField = 0;
            bits = 0;
            text = null;
        }

        int intValue() {
            return valueField == Metric.INT_VALUE_FIELD_NUMBER ? (int) bits : 0;
        }

        long longValue() {
            return valueField == Metric.LONG_VALUE_FIELD_NUMBER ? bits : 0L;
        }
    }

    private final MetricFields f = new MetricFields();
    private final Wire wire = new Wire(new byte[0]);
    /** Rejects of this message by reason, counted by the caller only when the message is read to its end. */
    int unsupported;
    int notDiscovered;

    /**
     * Adds the data metrics of {@code payload} for {@code scope} to {@code batch}; returns how many were added, or
     * {@link #DECLINED} (the batch back at its size before the call, nothing counted).
     *
     * @param header         the payload's seq and timestamp, read by the caller
     * @param fallbackMillis the time of metrics without their own when the payload has none either (the host's clock)
     */
    int read(byte[] payload, Scope scope, PointBatch batch, Header header, long fallbackMillis) {
        unsupported = 0;
        notDiscovered = 0;
        int start = batch.size();
        long defaultMillis = header.hasTimestamp ? header.timestampMillis : fallbackMillis;
        Wire in = wire.reset(payload);
        int added = 0;
        try {
            while (true) {
                int tag = in.readTag();
                if (tag == 0) return added;
                if (WireFormat.getTagFieldNumber(tag) != Payload.METRICS_FIELD_NUMBER) {
                    in.skipField(tag);
                    continue;
                }
                int limit = in.pushLimit(in.readRawVarint32());
                if (!readMetric(in, f)) return decline(batch, start);
                in.popLimit(limit);
                int r = apply(scope, batch, defaultMillis);
                if (r < 0) return decline(batch, start);
                added += r;
            }
        } catch (IOException | RuntimeException e) {
            // Malformed, or a timestamp whose micros overflow: the Tahu path reports it as it always did.
            return decline(batch, start);
        }
    }

    private int decline(PointBatch batch, int start) {
        batch.truncate(start);
        return DECLINED;
    }

    /** False for a field of an unexpected wire type. */
    private static boolean readMetric(Wire in, MetricFields f) throws IOException {
        f.clear();
        while (true) {
            int tag = in.readTag();
            if (tag == 0) return true;
            int wire = WireFormat.getTagWireType(tag);
            switch (WireFormat.getTagFieldNumber(tag)) {
                case Metric.NAME_FIELD_NUMBER -> {
                    if (wire != WireFormat.WIRETYPE_LENGTH_DELIMITED) return false;
                    f.name = in.readStringRequireUtf8();
                }
                case Metric.ALIAS_FIELD_NUMBER -> {
                    if (wire != WireFormat.WIRETYPE_VARINT) return false;
                    f.alias = in.readUInt64();
                    f.hasAlias = true;
                }
                case Metric.TIMESTAMP_FIELD_NUMBER -> {
                    if (wire != WireFormat.WIRETYPE_VARINT) return false;
                    f.timestampMillis = in.readUInt64();
                    f.hasTimestamp = true;
                }
                case Metric.DATATYPE_FIELD_NUMBER -> {
                    if (wire != WireFormat.WIRETYPE_VARINT) return false;
                    f.datatype = in.readUInt32();
                }
                case Metric.IS_HISTORICAL_FIELD_NUMBER -> {
                    if (wire != WireFormat.WIRETYPE_VARINT) return false;
                    f.historical = in.readBool();
                    f.hasHistorical = true;
                }
                case Metric.IS_NULL_FIELD_NUMBER -> {
                    if (wire != WireFormat.WIRETYPE_VARINT) return false;
                    f.isNull = in.readBool();
                }
                case Metric.INT_VALUE_FIELD_NUMBER, Metric.LONG_VALUE_FIELD_NUMBER, Metric.BOOLEAN_VALUE_FIELD_NUMBER -> {
                    if (wire != WireFormat.WIRETYPE_VARINT) return false;
                    f.valueField = WireFormat.getTagFieldNumber(tag);
                    f.bits = in.readRawVarint64();
                    f.text = null;
                }
                case Metric.FLOAT_VALUE_FIELD_NUMBER -> {
                    if (wire != WireFormat.WIRETYPE_FIXED32) return false;
                    f.valueField = Metric.FLOAT_VALUE_FIELD_NUMBER;
                    f.bits = in.readRawLittleEndian32();
                    f.text = null;
                }
                case Metric.DOUBLE_VALUE_FIELD_NUMBER -> {
                    if (wire != WireFormat.WIRETYPE_FIXED64) return false;
                    f.valueField = Metric.DOUBLE_VALUE_FIELD_NUMBER;
                    f.bits = in.readRawLittleEndian64();
                    f.text = null;
                }
                case Metric.STRING_VALUE_FIELD_NUMBER -> {
                    if (wire != WireFormat.WIRETYPE_LENGTH_DELIMITED) return false;
                    f.valueField = Metric.STRING_VALUE_FIELD_NUMBER;
                    f.text = in.readStringRequireUtf8();
                }
                case Metric.BYTES_VALUE_FIELD_NUMBER, Metric.DATASET_VALUE_FIELD_NUMBER, Metric.TEMPLATE_VALUE_FIELD_NUMBER,
                     Metric.EXTENSION_VALUE_FIELD_NUMBER -> {
                    // a value the scalar types do not read; it still ends the oneof's earlier value
                    if (wire != WireFormat.WIRETYPE_LENGTH_DELIMITED) return false;
                    in.skipField(tag);
                    f.valueField = WireFormat.getTagFieldNumber(tag);
                    f.text = null;
                }
                default -> {
                    // is_transient, metadata, properties, unknown fields: the data path does not use them
                    if (!in.skipField(tag)) return true;
                }
            }
        }
    }

    private static final MetricInfo.Kind[] KINDS = MetricInfo.Kind.values();
    private static final DataType[] DATA_TYPES = DataType.values();

    /** 1 when a point was added, 0 when the metric adds none (control, null, counted reject), -1 to decline. */
    private int apply(Scope scope, PointBatch batch, long defaultMillis) {
        MetricInfo info = null;
        int packed = f.name == null && f.hasAlias ? scope.packedByAlias(f.alias) : 0;
        Signal signal;
        if (packed != 0) {
            signal = scope.signalByAlias(f.alias);
        } else {
            if (f.name != null) info = scope.byName.get(f.name);
            else if (f.hasAlias) info = scope.byAlias(f.alias);
            else return -1;
            if (info == null) return -1;
            packed = Scope.pack(info);
            signal = info.signal();
        }
        int birth = packed == 0 ? (info.type() == null ? 0 : info.type().toIntValue()) : packed & 0xFF;
        int type = f.datatype != 0 ? f.datatype : birth;
        // Tahu decodes every metric by its type before the host looks at its kind: leave it anything but a scalar.
        if (type < Int8_VALUE || type > UUID_VALUE) return -1;
        // Tahu treats a UInt32 in neither value field as an error of its own; leave it that case whatever the kind
        if (type == UInt32_VALUE && f.valueField != Metric.INT_VALUE_FIELD_NUMBER && f.valueField != Metric.LONG_VALUE_FIELD_NUMBER) return -1;
        switch (packed == 0 ? info.kind() : KINDS[(packed >>> 8) & 3]) {
            case CONTROL -> {
                return 0;
            }
            case UNSUPPORTED -> {
                unsupported++;
                return 0;
            }
            case NOT_DISCOVERED -> {
                notDiscovered++;
                return 0;
            }
            default -> { }
        }
        if (f.isNull) return 0;
        DataType target = packed == 0 ? signal.dataType() : DATA_TYPES[((packed >>> 12) & 0xF) - 1];
        boolean historical = f.hasHistorical && f.historical;
        // The usual cases as primitives, with no value object (the store takes the bits); each equals what
        // MetricValues.toSignalValue makes of Tahu's object.
        if (type == birth) {
            switch (target) {
                case DOUBLE -> {
                    if (type == Double_VALUE) {
                        batch.addDouble(signal, micros(defaultMillis), f.valueField == Metric.DOUBLE_VALUE_FIELD_NUMBER ? Double.longBitsToDouble(f.bits) : 0.0,
                                Quality.GOOD, historical);
                        return 1;
                    }
                    if (type == Float_VALUE) {
                        batch.addDouble(signal, micros(defaultMillis), f.valueField == Metric.FLOAT_VALUE_FIELD_NUMBER ? Float.intBitsToFloat((int) f.bits) : 0f,
                                Quality.GOOD, historical);
                        return 1;
                    }
                }
                case LONG -> {
                    if (type == Int64_VALUE || type == Int32_VALUE || type == UInt16_VALUE) {
                        batch.addLong(signal, micros(defaultMillis), type == Int64_VALUE ? f.longValue() : (long) f.intValue(), Quality.GOOD, historical);
                        return 1;
                    }
                }
                case BOOLEAN -> {
                    if (type == Boolean_VALUE) {
                        batch.addBoolean(signal, micros(defaultMillis), f.valueField == Metric.BOOLEAN_VALUE_FIELD_NUMBER && f.bits != 0, Quality.GOOD, historical);
                        return 1;
                    }
                }
                default -> { }
            }
        }
        if (info == null) info = scope.byAlias(f.alias);
        Value v = value(type, info, target);
        if (v == null) return -1;
        batch.add(signal, micros(defaultMillis), v, Quality.GOOD, historical);
        return 1;
    }

    private long micros(long defaultMillis) {
        return Math.multiplyExact(f.hasTimestamp ? f.timestampMillis : defaultMillis, 1000L);
    }

    /** The value as the Tahu path makes it for the other cases; null to decline (a type this reader does not read, or no clean value). */
    private Value value(int type, MetricInfo info, DataType target) {
        MetricDataType birth = info.type();
        Object raw = raw(type);
        return raw == null ? null : MetricValues.toSignalValue(raw, birth, info.valueType(), target);
    }

    /** Tahu's object for a scalar type (its getMetricValue), or null for the types this reader leaves to Tahu. */
    private Object raw(int type) {
        return switch (type) {
            case Int8_VALUE -> (byte) f.intValue();
            case Int16_VALUE, UInt8_VALUE -> (short) f.intValue();
            case Int32_VALUE, UInt16_VALUE -> f.intValue();
            // a UInt32 in neither int nor long value is Tahu's to judge
            case UInt32_VALUE -> f.valueField == Metric.INT_VALUE_FIELD_NUMBER ? (Object) Integer.toUnsignedLong(f.intValue())
                    : f.valueField == Metric.LONG_VALUE_FIELD_NUMBER ? (Object) f.bits : null;
            case Int64_VALUE -> f.longValue();
            case UInt64_VALUE -> new BigInteger(Long.toUnsignedString(f.longValue()));
            case Float_VALUE -> f.valueField == Metric.FLOAT_VALUE_FIELD_NUMBER ? Float.intBitsToFloat((int) f.bits) : 0f;
            case Double_VALUE -> f.valueField == Metric.DOUBLE_VALUE_FIELD_NUMBER ? Double.longBitsToDouble(f.bits) : 0.0;
            case Boolean_VALUE -> f.valueField == Metric.BOOLEAN_VALUE_FIELD_NUMBER && f.bits != 0;
            case DateTime_VALUE -> new Date(f.longValue());
            case String_VALUE, Text_VALUE, UUID_VALUE -> f.valueField == Metric.STRING_VALUE_FIELD_NUMBER ? f.text : "";
            default -> null;
        };
    }

    /**
     * The protobuf wire format over one byte array, with the checks and results of protobuf's {@code CodedInputStream}
     * for the calls this reader makes (a malformed input throws, and the message then takes Tahu's path). Why not
     * {@code CodedInputStream} itself: its general buffer and limit handling per varint was a quarter of the receiving
     * thread's time at 6 M metrics/s; a data message is a byte array read once, front to back.
     */
    static final class Wire {
        private static final int VARINT = 0, FIXED64 = 1, LENGTH_DELIMITED = 2, START_GROUP = 3, END_GROUP = 4, FIXED32 = 5;
        private byte[] buf;
        private int pos;
        private int limit;
        private int lastTag;
        private int depth;
        /** As protobuf's default recursion limit: a payload of nested groups must not exhaust the stack. */
        private static final int MAX_DEPTH = 100;

        Wire(byte[] buf) {
            reset(buf);
        }

        Wire reset(byte[] b) {
            buf = b;
            pos = 0;
            limit = b.length;
            lastTag = 0;
            depth = 0;
            return this;
        }

        private static IOException malformed(String what) {
            return new IOException("malformed protobuf: " + what);
        }

        /** 0 at the end of the current limit; a field number of 0 is malformed. */
        int readTag() throws IOException {
            if (pos == limit) {
                lastTag = 0;
                return 0;
            }
            int tag = readRawVarint32();
            if (tag >>> 3 == 0) throw malformed("field number 0");
            lastTag = tag;
            return tag;
        }

        int readRawVarint32() throws IOException {
            return (int) readRawVarint64();
        }

        long readRawVarint64() throws IOException {
            int p = pos;
            byte[] b = buf;
            long result = 0;
            for (int shift = 0; shift < 63; shift += 7) {
                if (p >= limit) throw malformed("truncated varint");
                byte x = b[p++];
                result |= (long) (x & 0x7F) << shift;
                if (x >= 0) {
                    pos = p;
                    return result;
                }
            }
            return tenByteVarint();
        }

        /**
         * A varint of 10 bytes (a negative int64): protobuf's own reading, whose result for a last byte above 1 (bits
         * beyond 64) is its own; Tahu reads these values with it, so this reader must agree. Rare enough to allocate.
         */
        private long tenByteVarint() throws IOException {
            com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(buf, pos, limit - pos);
            long v = in.readRawVarint64();
            pos += in.getTotalBytesRead();
            return v;
        }

        long readUInt64() throws IOException {
            return readRawVarint64();
        }

        int readUInt32() throws IOException {
            return readRawVarint32();
        }

        boolean readBool() throws IOException {
            return readRawVarint64() != 0;
        }

        int readRawLittleEndian32() throws IOException {
            if (limit - pos < 4) throw malformed("truncated fixed32");
            int v = (int) INT_LE.get(buf, pos);
            pos += 4;
            return v;
        }

        long readRawLittleEndian64() throws IOException {
            if (limit - pos < 8) throw malformed("truncated fixed64");
            long v = (long) LONG_LE.get(buf, pos);
            pos += 8;
            return v;
        }

        /** Strict UTF-8, as protobuf's {@code readStringRequireUtf8}. */
        String readStringRequireUtf8() throws IOException {
            int size = readRawVarint32();
            if (size < 0) throw malformed("negative length");
            if (size > limit - pos) throw malformed("truncated string");
            String s = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(buf, pos, size)).toString();
            pos += size;
            return s;
        }

        /** Limits reading to the next {@code length} bytes; returns the limit to give back to {@link #popLimit}. */
        int pushLimit(int length) throws IOException {
            if (length < 0) throw malformed("negative length");
            if (length > limit - pos) throw malformed("truncated message");
            int old = limit;
            limit = pos + length;
            return old;
        }

        void popLimit(int old) {
            limit = old;
        }

        /** Skips the field whose tag was read; false for an end-group tag (as protobuf's {@code skipField}). */
        boolean skipField(int tag) throws IOException {
            switch (tag & 7) {
                case VARINT -> readRawVarint64();
                case FIXED64 -> skip(8);
                case LENGTH_DELIMITED -> {
                    int n = readRawVarint32();
                    if (n < 0) throw malformed("negative length");
                    skip(n);
                }
                case START_GROUP -> {
                    if (++depth > MAX_DEPTH) throw malformed("groups nested deeper than " + MAX_DEPTH);
                    while (true) {
                        int t = readTag();
                        if (t == 0 || !skipField(t)) break;
                    }
                    depth--;
                    if (lastTag != ((tag >>> 3) << 3 | END_GROUP)) throw malformed("group not ended");
                }
                case END_GROUP -> {
                    return false;
                }
                case FIXED32 -> skip(4);
                default -> throw malformed("wire type " + (tag & 7));
            }
            return true;
        }

        private void skip(int n) throws IOException {
            if (n > limit - pos) throw malformed("truncated field");
            pos += n;
        }

        private static final java.lang.invoke.VarHandle INT_LE =
                java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
        private static final java.lang.invoke.VarHandle LONG_LE =
                java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    }
}
