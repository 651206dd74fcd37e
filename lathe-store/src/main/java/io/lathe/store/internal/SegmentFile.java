package io.lathe.store.internal;

import io.lathe.model.DataType;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * An immutable file of compressed blocks of one day partition. Layout:
 * <pre>
 * "LATHSEG1"                       8-byte magic
 * block*                           [varint count][timestamps][values][quality runs]
 * footer                           [varint blocks][BlockMeta*]
 * trailer                          [long footerOffset][int footerLength][int footer CRC32C]["LATHSEG1"]
 * </pre>
 * Written to a temporary name, forced to disk and renamed, so a file under its final name is always complete.
 * Reading is thread-safe (positional reads).
 */
public final class SegmentFile implements Closeable {
    public static final int BLOCK_POINTS = 2048;
    public static final String SUFFIX = ".lseg";
    static final byte[] MAGIC = "LATHSEG1".getBytes(StandardCharsets.US_ASCII);
    static final int TRAILER = 8 + 4 + 4 + 8;

    public final Path path;
    public final long day;
    public final long id;
    public final long sizeBytes;
    private final FileChannel channel;
    private volatile List<BlockMeta> blocks;

    private SegmentFile(Path path, long day, long id, FileChannel channel, List<BlockMeta> blocks, long sizeBytes) {
        this.path = path;
        this.day = day;
        this.id = id;
        this.channel = channel;
        this.blocks = blocks;
        this.sizeBytes = sizeBytes;
        for (BlockMeta b : blocks) b.file = this;
    }

    public List<BlockMeta> blocks() { return blocks; }

    /**
     * Forgets the block index of a file that compaction replaced; it stays open for readers that still hold its
     * blocks (they need only the channel), without keeping the whole index in the heap.
     */
    public void dropIndex() { blocks = List.of(); }

    public static SegmentFile open(Path path, long day, long id) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size < MAGIC.length + TRAILER) throw new CorruptDataException("segment file too short [file=" + path + ", bytes=" + size + "]");
            ByteBuffer tb = ByteBuffer.allocate(TRAILER);
            readFully(ch, tb, size - TRAILER);
            ByteSource t = new ByteSource(tb.array(), 0, TRAILER);
            long footerOffset = t.getLong();
            int footerLength = t.getInt();
            int crc = t.getInt();
            if (footerOffset < MAGIC.length || footerOffset + footerLength != size - TRAILER) {
                throw new CorruptDataException("segment footer out of range [file=" + path + ", footerOffset=" + footerOffset + "]");
            }
            ByteBuffer fb = ByteBuffer.allocate(footerLength);
            readFully(ch, fb, footerOffset);
            CRC32C c = new CRC32C();
            c.update(fb.array(), 0, footerLength);
            if ((int) c.getValue() != crc) throw new CorruptDataException("segment footer checksum mismatch [file=" + path + "]");
            ByteSource f = new ByteSource(fb.array(), 0, footerLength);
            int n = f.getVarInt();
            List<BlockMeta> metas = new ArrayList<>(n);
            for (int i = 0; i < n; i++) metas.add(BlockMeta.readFrom(f));
            return new SegmentFile(path, day, id, ch, List.copyOf(metas), size);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer bb, long pos) throws IOException {
        while (bb.hasRemaining()) {
            int r = ch.read(bb, pos + bb.position());
            if (r < 0) throw new CorruptDataException("unexpected end of segment file [position=" + (pos + bb.position()) + "]");
        }
    }

    /** Reads and decodes one block into {@code out} (cleared first). */
    public void read(BlockMeta m, Codecs codecs, Columns out) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(m.length);
        readFully(channel, bb, m.offset);
        byte[] b = bb.array();
        CRC32C c = new CRC32C();
        c.update(b, 0, m.length);
        if ((int) c.getValue() != m.crc) throw new CorruptDataException("block checksum mismatch [file=" + path + ", offset=" + m.offset + "]");
        decodeBlock(b, m.length, DataType.values()[m.type], codecs, out);
    }

    static void decodeBlock(byte[] b, int len, DataType type, Codecs codecs, Columns out) {
        ByteSource in = new ByteSource(b, 0, len);
        int n = in.getVarInt();
        out.size = 0;
        out.ensure(n);
        codecs.decodeTimestamps(in, out.ts, n);
        switch (type) {
            case DOUBLE -> codecs.decodeDoubles(in, out.bits, n);
            case LONG -> codecs.decodeLongs(in, out.bits, n);
            case BOOLEAN -> codecs.decodeRuns(in, out.bits, n);
            case TEXT -> codecs.decodeText(in, out.text, out.bits, n);
        }
        codecs.decodeQuality(in, out.quality, n);
        out.size = n;
    }

    public void delete() throws IOException {
        close();
        Files.deleteIfExists(path);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Encoding tags of blocks, for statistics. */
    public static String encodingName(byte type, byte encoding) {
        int e = encoding & 0xFF;
        return switch (DataType.values()[type]) {
            case DOUBLE -> e == Codecs.GORILLA ? "double/gorilla-xor" : "double/decimal-delta-bitpack";
            case LONG -> "long/delta-bitpack";
            case BOOLEAN -> "boolean/run-length";
            case TEXT -> "text/dictionary-run-length";
        };
    }

    /** Writes one segment file. Not thread-safe; one writer per flush. */
    public static final class Writer {
        private final Path tmp;
        private final FileChannel ch;
        private final ByteSink block = new ByteSink(64 * 1024);
        private final ByteSink pending = new ByteSink(1 << 20);
        private final Codecs codecs;
        private final List<BlockMeta> metas = new ArrayList<>();
        private final int blockPoints;
        private long offset;

        public Writer(Path tmp, Codecs codecs) throws IOException {
            this(tmp, codecs, BLOCK_POINTS);
        }

        /** {@code blockPoints}: most points per block (compaction of large files writes larger blocks, fewer index entries). */
        public Writer(Path tmp, Codecs codecs, int blockPoints) throws IOException {
            if (blockPoints < 1) throw new IllegalArgumentException("blockPoints must be positive, but was " + blockPoints);
            this.tmp = tmp;
            this.codecs = codecs;
            this.blockPoints = blockPoints;
            Files.createDirectories(tmp.getParent());
            ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            pending.putBytes(MAGIC, 0, MAGIC.length);
            offset = MAGIC.length;
        }

        /** Adds points [from, to) of a series; they must be sorted by time. */
        public void add(int seriesId, Columns c, int from, int to) throws IOException {
            for (int s = from; s < to; s += blockPoints) addBlock(seriesId, c, s, Math.min(to, s + blockPoints));
        }

        private void addBlock(int seriesId, Columns c, int from, int to) throws IOException {
            int n = to - from;
            block.reset();
            block.putVarLong(n);
            codecs.encodeTimestamps(c.ts, from, n, block);
            int encoding = switch (c.type) {
                case DOUBLE -> codecs.encodeDoubles(c.bits, from, n, block);
                case LONG -> { codecs.encodeLongs(c.bits, from, n, block); yield 0x20; }
                case BOOLEAN -> { codecs.encodeRuns(c.bits, from, n, block); yield 0x21; }
                case TEXT -> { codecs.encodeText(c.text, from, n, block); yield 0x22; }
            };
            codecs.encodeQuality(c.quality, from, n, block);
            double min = Double.NaN, max = Double.NaN, sum = 0, integral = 0;
            long tsMin = c.ts[from], tsMax = c.ts[from];
            for (int i = from; i < to; i++) {
                double v = c.doubleAt(i);
                if (i == from) { min = v; max = v; }
                else {
                    if (v < min) { min = v; tsMin = c.ts[i]; }
                    if (v > max) { max = v; tsMax = c.ts[i]; }
                }
                sum += v;
                if (i + 1 < to) integral += v * (double) (c.ts[i + 1] - c.ts[i]);
            }
            CRC32C crc = new CRC32C();
            crc.update(block.buf, 0, block.pos);
            metas.add(new BlockMeta(seriesId, (byte) c.type.ordinal(), (byte) encoding, offset, block.pos, n, c.ts[from], c.ts[to - 1],
                    min, max, sum, c.doubleAt(from), c.doubleAt(to - 1), integral, tsMin, tsMax, c.quality[to - 1], (int) crc.getValue()));
            pending.putBytes(block.buf, 0, block.pos);
            offset += block.pos;
            if (pending.pos >= (1 << 20)) drain();
        }

        private void drain() throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(pending.buf, 0, pending.pos);
            while (bb.hasRemaining()) ch.write(bb);
            pending.reset();
        }

        public int blockCount() { return metas.size(); }

        /** Writes the footer, forces the file, renames it to {@code target} and opens it for reading. */
        public SegmentFile finish(Path target, long day, long id) throws IOException {
            ByteSink footer = new ByteSink(metas.size() * 96 + 16);
            footer.putVarLong(metas.size());
            for (BlockMeta m : metas) m.writeTo(footer);
            long footerOffset = offset;
            pending.putBytes(footer.buf, 0, footer.pos);
            CRC32C crc = new CRC32C();
            crc.update(footer.buf, 0, footer.pos);
            pending.putLong(footerOffset);
            pending.putInt(footer.pos);
            pending.putInt((int) crc.getValue());
            pending.putBytes(MAGIC, 0, MAGIC.length);
            drain();
            ch.force(true);
            ch.close();
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            FileUtil.forceDirectory(target.getParent());
            return open(target, day, id);
        }

        public void abort() {
            try {
                ch.close();
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: a leftover temporary file is removed on the next open
            }
        }
    }
}
