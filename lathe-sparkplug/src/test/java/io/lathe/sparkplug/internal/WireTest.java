package io.lathe.sparkplug.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.junit.jupiter.api.Test;

/** The data reader's own wire-format cursor reads exactly what protobuf's CodedInputStream reads, and fails where it fails. */
class WireTest {

    @Test
    void readsAndFailsLikeProtobufOnValidMutatedAndRandomBytes() throws Exception {
        Random r = new Random(20261205);
        int compared = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = switch (round % 3) {
                case 0 -> payload(r);
                case 1 -> mutate(r, payload(r));
                default -> random(r);
            };
            assertThat(walkWire(bytes)).as("round %d", round).isEqualTo(walkProtobuf(bytes));
            compared++;
        }
        assertThat(compared).isEqualTo(20_000);
    }

    private static byte[] payload(Random r) {
        Payload.Builder p = Payload.newBuilder().setTimestamp(r.nextLong() >>> r.nextInt(64)).setSeq(r.nextInt(256));
        for (int i = 0, n = r.nextInt(6); i < n; i++) {
            Metric.Builder m = Metric.newBuilder().setAlias(r.nextInt(1 << r.nextInt(20))).setDatatype(r.nextInt(20));
            if (r.nextBoolean()) m.setTimestamp(r.nextLong() >>> 20);
            switch (r.nextInt(5)) {
                case 0 -> m.setDoubleValue(r.nextGaussian());
                case 1 -> m.setFloatValue(r.nextFloat());
                case 2 -> m.setLongValue(r.nextLong());
                case 3 -> m.setName("m" + r.nextInt(100) + "/é");
                default -> m.setBooleanValue(r.nextBoolean());
            }
            p.addMetrics(m);
        }
        return p.build().toByteArray();
    }

    private static byte[] mutate(Random r, byte[] b) {
        if (b.length == 0) return b;
        for (int i = 0, n = 1 + r.nextInt(3); i < n && b.length > 0; i++) {
            switch (r.nextInt(3)) {
                case 0 -> b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                case 1 -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                default -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
            }
        }
        return b;
    }

    private static byte[] random(Random r) {
        byte[] b = new byte[r.nextInt(40)];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (r.nextBoolean() ? r.nextInt(256) : r.nextInt(64));
        return b;
    }

    /** The reads the walk makes, over either cursor, so that both are walked by the same code. */
    private interface Cursor {
        int readTag() throws Exception;
        int pushLimit(int length) throws Exception;
        void popLimit(int limit);
        int readRawVarint32() throws Exception;
        long readRawVarint64() throws Exception;
        long readRawLittleEndian64() throws Exception;
        int readRawLittleEndian32() throws Exception;
        String readStringRequireUtf8() throws Exception;
        boolean skipField(int tag) throws Exception;
    }

    private static List<String> walkWire(byte[] b) {
        DataPayloadReader.Wire in = new DataPayloadReader.Wire(b);
        return walk(new Cursor() {
            public int readTag() throws Exception { return in.readTag(); }
            public int pushLimit(int length) throws Exception { return in.pushLimit(length); }
            public void popLimit(int limit) { in.popLimit(limit); }
            public int readRawVarint32() throws Exception { return in.readRawVarint32(); }
            public long readRawVarint64() throws Exception { return in.readRawVarint64(); }
            public long readRawLittleEndian64() throws Exception { return in.readRawLittleEndian64(); }
            public int readRawLittleEndian32() throws Exception { return in.readRawLittleEndian32(); }
            public String readStringRequireUtf8() throws Exception { return in.readStringRequireUtf8(); }
            public boolean skipField(int tag) throws Exception { return in.skipField(tag); }
        });
    }

    private static List<String> walkProtobuf(byte[] b) {
        CodedInputStream in = CodedInputStream.newInstance(b);
        return walk(new Cursor() {
            public int readTag() throws Exception { return in.readTag(); }
            public int pushLimit(int length) throws Exception { return in.pushLimit(length); }
            public void popLimit(int limit) { in.popLimit(limit); }
            public int readRawVarint32() throws Exception { return in.readRawVarint32(); }
            public long readRawVarint64() throws Exception { return in.readRawVarint64(); }
            public long readRawLittleEndian64() throws Exception { return in.readRawLittleEndian64(); }
            public int readRawLittleEndian32() throws Exception { return in.readRawLittleEndian32(); }
            public String readStringRequireUtf8() throws Exception { return in.readStringRequireUtf8(); }
            public boolean skipField(int tag) throws Exception { return in.skipField(tag); }
        });
    }

    /** Every top-level field: its tag, and for metrics each nested field read by type; "error" where reading fails. */
    private static List<String> walk(Cursor in) {
        List<String> out = new ArrayList<>();
        try {
            while (true) {
                int tag = in.readTag();
                out.add("tag " + tag);
                if (tag == 0) return out;
                if (tag == (2 << 3 | 2)) {
                    int limit = in.pushLimit(in.readRawVarint32());
                    while (true) {
                        int t = in.readTag();
                        out.add("  " + t);
                        if (t == 0) break;
                        switch (t & 7) {
                            case 0 -> out.add("  v " + in.readRawVarint64());
                            case 1 -> out.add("  d " + in.readRawLittleEndian64());
                            case 5 -> out.add("  f " + in.readRawLittleEndian32());
                            case 2 -> out.add("  s " + in.readStringRequireUtf8());
                            default -> {
                                if (!in.skipField(t)) out.add("  end");
                            }
                        }
                    }
                    in.popLimit(limit);
                } else if (!in.skipField(tag)) {
                    out.add("end");
                }
            }
        } catch (Exception e) {
            out.add("error");
            return out;
        }
    }
}
