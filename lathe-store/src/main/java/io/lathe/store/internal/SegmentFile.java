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
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * An immutable file of compressed blocks of one time partition. Layout:
 * <pre>
 * "LATHSEG2"                       8-byte magic
 * per series, each once:
 *   block*                         [varint count][timestamps][values][quality runs]
 *   meta group                     BlockMeta* in compact form (see BlockMeta#writeTo)
 * directory                        [varint entries][entry*] sorted by series id (see Directory)
 * trailer                          [long minTs][long maxTs][long points][long dirOffset][int dirLength][int dir CRC32C]["LATHSEG2"]
 * </pre>
 * Only the trailer lives in the heap while a file is open: the directory (one entry per series) and the meta groups
 * (one per series) are read on demand, through the store's bounded {@link IndexCache}, so the heap does not grow with
 * the history kept. Written to a temporary name, forced to disk and renamed, so a file under its final name is always
 * complete. Reading is thread-safe (positional reads).
 */
public final class SegmentFile implements Closeable {
    public static final int BLOCK_POINTS = 2048;
    public static final String SUFFIX = ".lseg";
    static final byte[] MAGIC = "LATHSEG2".getBytes(StandardCharsets.US_ASCII);
    static final byte[] OLD_MAGIC = "LATHSEG1".getBytes(StandardCharsets.US_ASCII);
    static final int TRAILER = 8 * 4 + 4 + 4 + 8;

    public final Path path;
    /** Start (epoch microseconds) of the partition the file belongs to. */
    public final long partition;
    public final long id;
    /**
     * Write order: a flushed file's own id; a compacted file the newest sequence of the files it merged (compaction
     * merges files adjacent in this order). Of two points with the same series and timestamp, the one in the file with
     * the higher sequence was written last. Kept in the store's manifest.
     */
    public final long seq;
    public final long sizeBytes;
    /** Time range and number of points of the whole file. */
    public final long minTs, maxTs, points;
    private final FileChannel channel;
    private final long dirOffset;
    private final int dirLength, dirCrc;

    private SegmentFile(Path path, long partition, long id, long seq, FileChannel channel, long sizeBytes, long minTs, long maxTs, long points,
                        long dirOffset, int dirLength, int dirCrc) {
        this.path = path;
        this.partition = partition;
        this.id = id;
        this.seq = seq;
        this.channel = channel;
        this.sizeBytes = sizeBytes;
        this.minTs = minTs;
        this.maxTs = maxTs;
        this.points = points;
        this.dirOffset = dirOffset;
        this.dirLength = dirLength;
        this.dirCrc = dirCrc;
    }

    public static SegmentFile open(Path path, long partition, long id, long seq) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size < MAGIC.length + TRAILER) throw new CorruptDataException("segment file too short [file=" + path + ", bytes=" + size + "]");
            ByteBuffer tb = ByteBuffer.allocate(TRAILER);
            readFully(ch, tb, size - TRAILER);
            byte[] tail = Arrays.copyOfRange(tb.array(), TRAILER - MAGIC.length, TRAILER);
            if (Arrays.equals(tail, OLD_MAGIC)) {
                throw new CorruptDataException("segment file has the format of an early development version of Lathe (LATHSEG1) [file=" + path
                        + "]. This version reads LATHSEG2 only: move the store folder away (or delete it) and import the data again.");
            }
            if (!Arrays.equals(tail, MAGIC)) throw new CorruptDataException("not a Lathe segment file (wrong trailer magic) [file=" + path + "]");
            ByteSource t = new ByteSource(tb.array(), 0, TRAILER);
            long minTs = t.getLong(), maxTs = t.getLong(), points = t.getLong();
            long dirOffset = t.getLong();
            int dirLength = t.getInt();
            int crc = t.getInt();
            if (dirOffset < MAGIC.length || dirOffset + dirLength != size - TRAILER) {
                throw new CorruptDataException("segment directory out of range [file=" + path + ", directoryOffset=" + dirOffset + "]");
            }
            return new SegmentFile(path, partition, id, seq, ch, size, minTs, maxTs, points, dirOffset, dirLength, crc);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * The same open file under another write sequence, sharing this one's channel (this object must not be used or
     * closed afterwards). A bulk load writes its files first and takes their sequence when it commits them, so they
     * count as written after everything committed before.
     */
    public SegmentFile withSeq(long newSeq) {
        return new SegmentFile(path, partition, id, newSeq, channel, sizeBytes, minTs, maxTs, points, dirOffset, dirLength, dirCrc);
    }

    private static void readFully(FileChannel ch, ByteBuffer bb, long pos) throws IOException {
        while (bb.hasRemaining()) {
            int r = ch.read(bb, pos + bb.position());
            if (r < 0) throw new CorruptDataException("unexpected end of segment file [position=" + (pos + bb.position()) + "]");
        }
    }

    private byte[] readChecked(long offset, int length, int crc, String what) throws IOException {
        return readChecked(offset, length, crc, what, null);
    }

    private byte[] readChecked(long offset, int length, int crc, String what, Window w) throws IOException {
        byte[] b;
        if (w != null && length <= w.buf.length) {
            b = w.copy(offset, length);
        } else {
            ByteBuffer bb = ByteBuffer.allocate(length);
            readFully(channel, bb, offset);
            b = bb.array();
        }
        CRC32C c = new CRC32C();
        c.update(b, 0, length);
        if ((int) c.getValue() != crc) throw new CorruptDataException(what + " checksum mismatch [file=" + path + ", offset=" + offset + "]");
        return b;
    }

    /** Reads and checks the series directory (callers cache it). */
    public Directory readDirectory() throws IOException {
        byte[] b = readChecked(dirOffset, dirLength, dirCrc, "segment directory");
        return Directory.parse(new ByteSource(b, 0, dirLength), path);
    }

    /**
     * A read-ahead window over this file for one reader going through it in file order (compaction): one read of up to
     * {@code bytes} serves the blocks and block indexes that follow. Why: compaction read each series' index and blocks
     * with a system call apiece (two per series and file), and those calls were half of its time.
     */
    public Window window(int bytes) {
        return new Window(bytes);
    }

    /** See {@link #window}. Not thread-safe. */
    public final class Window {
        private final byte[] buf;
        private long start = -1;
        private int length;

        private Window(int bytes) {
            buf = new byte[bytes];
        }

        byte[] copy(long offset, int len) throws IOException {
            if (!holds(offset, len)) {
                fill(offset);
                if (!holds(offset, len)) throw new CorruptDataException("read past the end of segment file [file=" + path + ", offset=" + offset + ", length=" + len + "]");
            }
            int from = (int) (offset - start);
            return java.util.Arrays.copyOfRange(buf, from, from + len);
        }

        private boolean holds(long offset, int len) {
            return start >= 0 && offset >= start && offset + len <= start + length;
        }

        private void fill(long offset) throws IOException {
            int want = (int) Math.max(0, Math.min(buf.length, sizeBytes - offset));
            readFully(channel, ByteBuffer.wrap(buf, 0, want), offset);
            start = offset;
            length = want;
        }

        /**
         * Before entry {@code i}'s index is read: a series' blocks come just before its index, so when the window
         * must move, it starts where the series' blocks most likely start (after the previous entry's index: writers
         * add series in id order), and the blocks read next are in it too. Only a guess: reads are right either way.
         */
        void hint(Directory d, int i) throws IOException {
            long metaEnd = d.metaOffset[i] + d.metaLength[i];
            if (holds(d.metaOffset[i], d.metaLength[i])) return;
            long groupStart = i == 0 ? MAGIC.length : d.metaOffset[i - 1] + d.metaLength[i - 1];
            if (groupStart > d.metaOffset[i] || metaEnd - groupStart > buf.length) return;
            fill(groupStart);
        }
    }

    /** Reads the block metas of entry {@code i} of {@code d}, in time order. */
    public BlockMeta[] readBlocks(Directory d, int i) throws IOException {
        return readBlocks(d, i, null);
    }

    /** As {@link #readBlocks(Directory, int)}, through {@code w} (of this file) when not null. */
    public BlockMeta[] readBlocks(Directory d, int i, Window w) throws IOException {
        if (w != null) w.hint(d, i);
        byte[] b = readChecked(d.metaOffset[i], d.metaLength[i], d.metaCrc[i], "block index", w);
        ByteSource in = new ByteSource(b, 0, d.metaLength[i]);
        BlockMeta[] out = new BlockMeta[d.blocks[i]];
        long prevEnd = in.getVarLong(), prevMaxTs = 0;
        for (int k = 0; k < out.length; k++) {
            BlockMeta m = BlockMeta.readFrom(in, this, d.ids[i], d.types[i], prevEnd, prevMaxTs);
            out[k] = m;
            prevEnd = m.offset + m.length;
            prevMaxTs = m.maxTs;
        }
        return out;
    }

    /** Every block of the file, series by series (reads the whole index; for statistics, not queries). */
    public void forEachBlock(Consumer<BlockMeta> action) throws IOException {
        Directory d = readDirectory();
        for (int i = 0; i < d.size(); i++) for (BlockMeta m : readBlocks(d, i)) action.accept(m);
    }

    /** Reads and decodes one block into {@code out} (cleared first). */
    public void read(BlockMeta m, Codecs codecs, Columns out) throws IOException {
        read(m, codecs, out, null);
    }

    /** The block's bytes as stored (checksum verified), for {@link Writer#addEncoded}; through {@code w} when not null. */
    public byte[] readEncoded(BlockMeta m, Window w) throws IOException {
        return readChecked(m.offset, m.length, m.crc, "block", w);
    }

    /** As {@link #read(BlockMeta, Codecs, Columns)}, through {@code w} (of this file) when not null. */
    public void read(BlockMeta m, Codecs codecs, Columns out, Window w) throws IOException {
        byte[] b = readChecked(m.offset, m.length, m.crc, "block", w);
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

    @Override
    public String toString() { return path.toString(); }

    /** Encoding tags of blocks, for statistics. */
    public static String encodingName(byte type, byte encoding) {
        int e = encoding & 0xFF;
        return switch (DataType.values()[type]) {
            case DOUBLE -> e == Codecs.GORILLA ? "double/gorilla-xor"
                    : (e & Codecs.DECIMAL_DICT) != 0 ? "double/decimal-dictionary"
                    : (e & Codecs.DECIMAL_ULP) != 0 ? "double/decimal-ulp-bitpack" : "double/decimal-delta-bitpack";
            case LONG -> "long/delta-bitpack";
            case BOOLEAN -> "boolean/run-length";
            case TEXT -> "text/dictionary-run-length";
        };
    }

    /**
     * The series of one file: per series its type, where its meta group lies, its number of blocks, time range and
     * newest point (value bits as in the store's columns, quality). Primitive arrays, sorted by series id.
     */
    public static final class Directory {
        final int[] ids;
        final byte[] types;
        final long[] metaOffset;
        final int[] metaLength, metaCrc, blocks;
        public final long[] minTs, maxTs, lastBits;
        public final byte[] lastQuality;

        private Directory(int n) {
            ids = new int[n];
            types = new byte[n];
            metaOffset = new long[n];
            metaLength = new int[n];
            metaCrc = new int[n];
            blocks = new int[n];
            minTs = new long[n];
            maxTs = new long[n];
            lastBits = new long[n];
            lastQuality = new byte[n];
        }

        public int size() { return ids.length; }

        public int seriesId(int i) { return ids[i]; }

        /** Index of the series' entry, or a negative number when the file has none of its points. */
        public int find(int seriesId) { return Arrays.binarySearch(ids, seriesId); }

        /** Heap bytes, for the index cache's accounting. */
        public long heapBytes() { return 64 + 10L * 8 + (long) ids.length * (4 + 1 + 8 + 4 + 4 + 4 + 8 + 8 + 8 + 1); }

        static Directory parse(ByteSource in, Path file) {
            int n = in.getVarInt();
            Directory d = new Directory(n);
            int prevId = -1;
            long prevOffset = 0;
            for (int i = 0; i < n; i++) {
                int id = prevId + 1 + in.getVarInt();
                d.ids[i] = id;
                d.types[i] = (byte) in.get();
                if (d.types[i] < 0 || d.types[i] >= DataType.values().length) {
                    throw new CorruptDataException("unknown data type in segment directory [file=" + file + ", seriesId=" + id + "]");
                }
                prevOffset += ByteSink.unzigzag(in.getVarLong());
                d.metaOffset[i] = prevOffset;
                d.metaLength[i] = in.getVarInt();
                d.metaCrc[i] = in.getInt();
                d.blocks[i] = in.getVarInt();
                d.minTs[i] = in.getLong();
                d.maxTs[i] = d.minTs[i] + in.getVarLong();
                d.lastBits[i] = in.getLong();
                d.lastQuality[i] = (byte) in.get();
                prevId = id;
            }
            return d;
        }
    }

    /** Writes one segment file. Not thread-safe; one writer per flush or compaction. */
    public static final class Writer {
        private final Path tmp;
        private final FileChannel ch;
        private final ByteSink block = new ByteSink(64 * 1024);
        private final ByteSink pending = new ByteSink(1 << 20);
        private final ByteSink group = new ByteSink(4096);
        private final Codecs codecs;
        private final int blockPoints;
        /** Directory entries: [seriesId, type, metaOffset, metaLength, metaCrc, blocks, minTs, maxTs, lastBits, lastQuality]. */
        private final List<long[]> entries = new ArrayList<>();
        private final java.util.BitSet seen = new java.util.BitSet();
        private long offset;
        private Directory written;
        private long fileMin = Long.MAX_VALUE, fileMax = Long.MIN_VALUE, points;
        // the series being written
        private int current = -1;
        private DataType currentType;
        private long groupStart, groupPrevEnd, groupPrevMax, groupMin, groupMax, groupLastBits;
        private int groupBlocks;
        private byte groupLastQuality;

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

        /**
         * Adds points [from, to) of a series; they must be sorted by time. All points of a series go in one call or in
         * consecutive calls (its blocks and their index are written together).
         */
        public void add(int seriesId, Columns c, int from, int to) throws IOException {
            if (from >= to) return;
            group(seriesId, c.type);
            for (int s = from; s < to; s += blockPoints) addBlock(seriesId, c, s, Math.min(to, s + blockPoints));
        }

        private void group(int seriesId, DataType type) throws IOException {
            if (seriesId != current) {
                endGroup();
                if (seen.get(seriesId)) throw new IllegalStateException("series added to a segment file twice, not consecutively [seriesId=" + seriesId + "]");
                seen.set(seriesId);
                current = seriesId;
                currentType = type;
                groupStart = offset;
                groupPrevEnd = offset;
                groupPrevMax = 0;
                groupBlocks = 0;
                groupMin = Long.MAX_VALUE;
                groupMax = Long.MIN_VALUE;
                group.reset();
                group.putVarLong(offset);
            } else if (type != currentType) {
                throw new IllegalStateException("series changed type inside a segment file [seriesId=" + seriesId + "]");
            }
        }

        /**
         * Adds a block of another segment file as it is encoded ({@code bytes}, as {@link SegmentFile#readEncoded}
         * gives them), with its statistics; {@code lastBits} is the value of its last point (the input file's
         * directory has it for the series' last block). The caller keeps a series' blocks in time order without
         * overlap, as {@link #add} requires of points.
         */
        public void addEncoded(BlockMeta src, byte[] bytes, long lastBits) throws IOException {
            group(src.seriesId, DataType.values()[src.type]);
            if (groupBlocks > 0 && src.minTs <= groupPrevMax) {
                throw new IllegalStateException("encoded block out of time order [seriesId=" + src.seriesId + ", minTs=" + src.minTs + ", previous maxTs=" + groupPrevMax + "]");
            }
            BlockMeta m = new BlockMeta(null, src.seriesId, src.type, src.encoding, offset, src.length, src.count, src.minTs, src.maxTs, src.hasStats,
                    src.min, src.max, src.sum, src.first, src.last, src.integral, src.tsOfMin, src.tsOfMax, src.lastQuality, src.crc);
            m.writeTo(group, groupPrevEnd, groupPrevMax);
            groupPrevEnd = offset + src.length;
            groupPrevMax = src.maxTs;
            groupBlocks++;
            if (src.minTs < groupMin) groupMin = src.minTs;
            if (src.maxTs >= groupMax) {
                groupMax = src.maxTs;
                groupLastBits = lastBits;
                groupLastQuality = src.lastQuality;
            }
            points += src.count;
            pending.putBytes(bytes, 0, src.length);
            offset += src.length;
            if (pending.pos >= (1 << 20)) drain();
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
            boolean stats = n >= BlockMeta.STATS_MIN_POINTS;
            double min = Double.NaN, max = Double.NaN, sum = 0, integral = 0;
            long tsMin = c.ts[from], tsMax = c.ts[from];
            if (stats) {
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
            }
            CRC32C crc = new CRC32C();
            crc.update(block.buf, 0, block.pos);
            long minTs = c.ts[from], maxTs = c.ts[to - 1];
            BlockMeta m = new BlockMeta(null, seriesId, (byte) c.type.ordinal(), (byte) encoding, offset, block.pos, n, minTs, maxTs,
                    stats, min, max, stats ? sum : Double.NaN, stats ? c.doubleAt(from) : Double.NaN, stats ? c.doubleAt(to - 1) : Double.NaN,
                    stats ? integral : Double.NaN, tsMin, tsMax, c.quality[to - 1], (int) crc.getValue());
            m.writeTo(group, groupPrevEnd, groupPrevMax);
            groupPrevEnd = offset + block.pos;
            groupPrevMax = maxTs;
            groupBlocks++;
            if (minTs < groupMin) groupMin = minTs;
            if (maxTs >= groupMax) {
                groupMax = maxTs;
                groupLastBits = c.bits[to - 1];
                groupLastQuality = c.quality[to - 1];
            }
            points += n;
            pending.putBytes(block.buf, 0, block.pos);
            offset += block.pos;
            if (pending.pos >= (1 << 20)) drain();
        }

        private void endGroup() throws IOException {
            if (current < 0) return;
            CRC32C crc = new CRC32C();
            crc.update(group.buf, 0, group.pos);
            entries.add(new long[] {current, currentType.ordinal(), offset, group.pos, (int) crc.getValue(), groupBlocks, groupMin, groupMax,
                    groupLastBits, groupLastQuality});
            pending.putBytes(group.buf, 0, group.pos);
            offset += group.pos;
            if (groupMin < fileMin) fileMin = groupMin;
            if (groupMax > fileMax) fileMax = groupMax;
            current = -1;
            if (pending.pos >= (1 << 20)) drain();
        }

        private void drain() throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(pending.buf, 0, pending.pos);
            while (bb.hasRemaining()) ch.write(bb);
            pending.reset();
        }

        /** Writes the directory, forces the file, renames it to {@code target} and opens it for reading. */
        public SegmentFile finish(Path target, long partition, long id, long seq) throws IOException {
            endGroup();
            entries.sort((a, b) -> Long.compare(a[0], b[0]));
            ByteSink dir = new ByteSink(entries.size() * 40 + 16);
            dir.putVarLong(entries.size());
            long prevId = -1, prevOffset = 0;
            for (long[] e : entries) {
                dir.putVarLong(e[0] - prevId - 1);
                dir.put((int) e[1]);
                dir.putVarLong(ByteSink.zigzag(e[2] - prevOffset));
                dir.putVarLong(e[3]);
                dir.putInt((int) e[4]);
                dir.putVarLong(e[5]);
                dir.putLong(e[6]);
                dir.putVarLong(e[7] - e[6]);
                dir.putLong(e[8]);
                dir.put((int) e[9]);
                prevId = e[0];
                prevOffset = e[2];
            }
            if (entries.isEmpty()) {
                fileMin = 0;
                fileMax = 0;
            }
            written = Directory.parse(new ByteSource(dir.buf, 0, dir.pos), target);
            long dirOffset = offset;
            pending.putBytes(dir.buf, 0, dir.pos);
            CRC32C crc = new CRC32C();
            crc.update(dir.buf, 0, dir.pos);
            pending.putLong(fileMin);
            pending.putLong(fileMax);
            pending.putLong(points);
            pending.putLong(dirOffset);
            pending.putInt(dir.pos);
            pending.putInt((int) crc.getValue());
            pending.putBytes(MAGIC, 0, MAGIC.length);
            drain();
            ch.force(true);
            ch.close();
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            FileUtil.forceDirectory(target.getParent());
            return open(target, partition, id, seq);
        }

        /** The directory of the finished file, parsed from what was written (no need to read it back). */
        public Directory directory() {
            if (written == null) throw new IllegalStateException("the segment file is not finished yet [file=" + tmp + "]");
            return written;
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
