package io.lathe.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The {@code long} format ({@code series,timestamp,value}) read by several threads into a {@link BulkLoad}. The file
 * is read in windows of whole lines; each window is cut at line boundaries into one range per thread; each thread
 * parses its range from the bytes (no String per field) into per-series primitive arrays; the ranges are then handed
 * to the load in file order, so of two points with the same series and time the later line still wins. Line numbers
 * of rejected lines are counted per range and made absolute afterwards. Lines end with LF or CRLF.
 */
final class ParallelLongCsv {
    /** Bytes read per window: large enough to keep the threads busy, small enough for the heap. */
    static final int WINDOW = 32 << 20;

    private final Path file;
    private final BulkLoad bulk;
    private final CsvImport.Result result;
    private final int threads;
    private final CsvImport.Progress progress;
    private final int window;
    /** Fewest bytes per thread's range (tests use tiny ranges to put many boundaries into small files). */
    private final int minRange;
    private final Map<String, Integer> ids = new HashMap<>();
    /** Lines before the current window. */
    private long linesBefore;

    ParallelLongCsv(Path file, BulkLoad bulk, CsvImport.Result result, int threads, CsvImport.Progress progress, int window, int minRange) {
        this.minRange = Math.max(1, minRange);
        this.file = file;
        this.bulk = bulk;
        this.result = result;
        this.threads = Math.max(1, threads);
        this.progress = progress;
        this.window = Math.max(16, window);
    }

    /** Source of bytes: the file's channel, or a decompressing stream for .gz. */
    private interface Source extends AutoCloseable {
        /** Reads into b[off..len) and returns the count, or -1 at the end. */
        int read(byte[] b, int off, int len) throws IOException;

        long position();

        @Override
        void close() throws IOException;
    }

    private Source open() throws IOException {
        if (file.getFileName().toString().endsWith(".gz")) {
            InputStream raw = Files.newInputStream(file);
            long[] compressed = {0};
            InputStream counting = new java.io.FilterInputStream(raw) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) compressed[0] += n;
                    return n;
                }
            };
            GZIPInputStream in = new GZIPInputStream(counting, 1 << 16);
            return new Source() {
                public int read(byte[] b, int off, int len) throws IOException { return in.read(b, off, len); }

                public long position() { return compressed[0]; }

                public void close() throws IOException { in.close(); }
            };
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        return new Source() {
            public int read(byte[] b, int off, int len) throws IOException { return ch.read(ByteBuffer.wrap(b, off, len)); }

            public long position() {
                try {
                    return ch.position();
                } catch (IOException e) {
                    return 0;
                }
            }

            public void close() throws IOException { ch.close(); }
        };
    }

    void run() throws IOException {
        long total = Files.size(file);
        byte[] buf = new byte[window];
        int filled = 0;
        boolean first = true, eof = false;
        try (Source in = open()) {
            while (true) {
                while (!eof && filled < buf.length) {
                    int n = in.read(buf, filled, buf.length - filled);
                    if (n < 0) eof = true;
                    else filled += n;
                }
                int start = 0;
                if (first) {
                    first = false;
                    if (filled >= 3 && (buf[0] & 0xFF) == 0xEF && (buf[1] & 0xFF) == 0xBB && (buf[2] & 0xFF) == 0xBF) { // UTF-8 BOM
                        System.arraycopy(buf, 3, buf, 0, filled - 3);
                        filled -= 3;
                    }
                }
                // whole lines only; at the end of the file the last line needs no newline
                int end = filled;
                if (!eof) {
                    end = lastNewline(buf, start, filled) + 1;
                    if (end == 0) { // one line longer than the window: grow it
                        buf = Arrays.copyOf(buf, buf.length * 2);
                        continue;
                    }
                }
                if (end > start) parseWindow(buf, start, end);
                if (progress != null) progress.update(in.position(), total, result.points);
                if (eof) break;
                System.arraycopy(buf, end, buf, 0, filled - end);
                filled -= end;
            }
        }
    }

    private static int lastNewline(byte[] b, int from, int to) {
        for (int i = to - 1; i >= from; i--) if (b[i] == '\n') return i;
        return -1;
    }

    /** Parses b[from, to) (whole lines) in parallel ranges and hands them to the load in order. */
    private void parseWindow(byte[] b, int from, int to) throws IOException {
        int n = (int) Math.max(1, Math.min(threads, (to - from) / minRange));
        int[] cuts = new int[n + 1];
        cuts[0] = from;
        cuts[n] = to;
        for (int k = 1; k < n; k++) {
            int c = Math.max(cuts[k - 1], from + (int) ((long) (to - from) * k / n));
            while (c < to && b[c - 1] != '\n') c++;
            cuts[k] = c;
        }
        Chunk[] chunks = new Chunk[n];
        boolean fileStart = linesBefore == 0;
        for (int k = 0; k < n; k++) chunks[k] = new Chunk(b, cuts[k], cuts[k + 1], fileStart && k == 0 && cuts[0] == from);
        if (n == 1) {
            chunks[0].run();
        } else {
            List<Thread> ts = new ArrayList<>();
            for (int k = 1; k < n; k++) ts.add(Thread.ofPlatform().name("lathe-import-parse-" + k).start(chunks[k]));
            chunks[0].run();
            for (Thread t : ts) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while parsing " + file, e);
                }
            }
        }
        for (Chunk c : chunks) {
            if (c.failure != null) throw c.failure;
            hand(c);
            linesBefore += c.lines;
        }
    }

    /** Hands one parsed range to the load, series by series in order of first appearance, and reports its rejections. */
    private void hand(Chunk c) throws IOException {
        for (int k = 0; k < c.rejections.size(); k++) {
            Chunk.Rejection r = c.rejections.get(k);
            result.reject(file, linesBefore + r.line(), r.reason());
        }
        result.rejected += c.rejected - c.rejections.size();
        for (int s = 0; s < c.series; s++) {
            String name = new String(c.names[s], StandardCharsets.UTF_8);
            Integer id = ids.get(name);
            if (id == null) {
                try {
                    id = bulk.series(name);
                } catch (IllegalArgumentException e) {
                    // a name the store refuses, or a series of another type: every line of it is rejected
                    result.reject(file, linesBefore + c.firstLine[s], e.getMessage());
                    result.rejected += c.count[s] - 1;
                    continue;
                }
                ids.put(name, id);
            }
            bulk.addOwned(id, c.ts[s], c.bits[s], c.count[s]); // in range: checked while parsing
            result.points += c.count[s];
        }
    }

    /** One range of lines parsed by one thread. */
    private static final class Chunk implements Runnable {
        record Rejection(long line, String reason) {}

        private final byte[] b;
        private final int from, to;
        private final boolean fileStart;
        long lines, rejected;
        final List<Rejection> rejections = new ArrayList<>();
        IOException failure;
        // per-series columns, in order of first appearance
        int series;
        byte[][] names = new byte[16][];
        int[] hashes = new int[16];
        long[][] ts = new long[16][];
        long[][] bits = new long[16][];
        int[] count = new int[16];
        long[] firstLine = new long[16];
        /** Open addressing: slot → series index + 1 (0 = empty). */
        int[] table = new int[64];
        int last = -1;
        /** Series that followed each series last time (rows often cycle through the series in one order), or -1. */
        int[] next = new int[16];
        byte[] lastTime = new byte[64];
        int lastTimeLength = -1;
        long lastTimeValue;

        Chunk(byte[] b, int from, int to, boolean fileStart) {
            this.b = b;
            this.from = from;
            this.to = to;
            this.fileStart = fileStart;
        }

        @Override
        public void run() {
            try {
                parse();
            } catch (RuntimeException | OutOfMemoryError e) {
                failure = new IOException("parsing failed: " + e, e);
            }
        }

        private void parse() {
            byte[] b = this.b;
            int p = from;
            while (p < to) {
                // one pass over the line: its end and its first and last comma
                int a = -1, c = -1, eol = p;
                for (; eol < to; eol++) {
                    byte x = b[eol];
                    if (x == ',') {
                        if (a < 0) a = eol;
                        c = eol;
                    } else if (x == '\n') {
                        break;
                    }
                }
                int end = eol > p && b[eol - 1] == '\r' ? eol - 1 : eol;
                lines++;
                line(p, end, a, c);
                p = eol + 1;
            }
        }

        private void reject(String reason) {
            rejected++;
            if (rejections.size() < CsvImport.Result.KEEP) rejections.add(new Rejection(lines, reason));
        }

        /** Line b[s, e) with its first comma at a and its last at c (-1 when none). */
        private void line(int s, int e, int a, int c) {
            if (a <= s || c <= a) {
                if (!FastText.isBlank(b, s, e)) reject("expected series,timestamp,value");
                return;
            }
            long t;
            double v;
            // files of many series write one time step's rows together: the same timestamp text as the line before
            int tl = c - a - 1;
            if (tl == lastTimeLength && Arrays.equals(b, a + 1, c, lastTime, 0, tl)) {
                t = lastTimeValue;
            } else {
                try {
                    t = FastText.parseTimeMicros(b, a + 1, c);
                } catch (RuntimeException ex) {
                    if (!header(s, e)) reject(ex.getMessage());
                    return;
                }
                if (tl <= lastTime.length) {
                    System.arraycopy(b, a + 1, lastTime, 0, tl);
                    lastTimeLength = tl;
                    lastTimeValue = t;
                }
            }
            try {
                v = FastText.parseDouble(b, c + 1, e);
            } catch (NumberFormatException ex) {
                if (!header(s, e)) reject("value must be a number, but was '" + new String(b, c + 1, e - c - 1, StandardCharsets.UTF_8).trim() + "'");
                return;
            }
            if (!BulkLoad.inRange(t)) {
                reject(CsvImport.outOfRange(t));
                return;
            }
            int ns = FastText.trimStart(b, s, a), ne = FastText.trimEnd(b, ns, a);
            if (ns == ne) {
                reject("series name must not be empty");
                return;
            }
            int k = find(ns, ne);
            int n = count[k];
            if (n == ts[k].length) {
                ts[k] = Arrays.copyOf(ts[k], n * 2);
                bits[k] = Arrays.copyOf(bits[k], n * 2);
            }
            ts[k][n] = t;
            bits[k][n] = Double.doubleToRawLongBits(v);
            count[k] = n + 1;
        }

        /** The first line of the file starting with "series" is the header. */
        private boolean header(int s, int e) {
            if (!fileStart || lines != 1 || e - s < 6) return false;
            return new String(b, s, 6, StandardCharsets.ISO_8859_1).equalsIgnoreCase("series");
        }

        /** Index of the series named by b[s, e), added when new. */
        private int find(int s, int e) {
            int prev = last;
            int k = lookup(s, e, prev);
            if (prev >= 0) next[prev] = k;
            return last = k;
        }

        private int lookup(int s, int e, int prev) {
            // rows of one series follow each other, or rows cycle through the series: try those first
            if (prev >= 0) {
                if (Arrays.equals(names[prev], 0, names[prev].length, b, s, e)) return prev;
                int guess = next[prev];
                if (guess >= 0 && Arrays.equals(names[guess], 0, names[guess].length, b, s, e)) return guess;
            }
            int h = 1;
            for (int i = s; i < e; i++) h = 31 * h + b[i];
            int mask = table.length - 1;
            for (int slot = (h * 0x9E3779B9) >>> 7 & mask; ; slot = (slot + 1) & mask) {
                int v = table[slot];
                if (v == 0) break;
                int k = v - 1;
                if (hashes[k] == h && Arrays.equals(names[k], 0, names[k].length, b, s, e)) return k;
            }
            int k = series++;
            if (k == names.length) {
                int cap = k * 2;
                names = Arrays.copyOf(names, cap);
                hashes = Arrays.copyOf(hashes, cap);
                ts = Arrays.copyOf(ts, cap);
                bits = Arrays.copyOf(bits, cap);
                count = Arrays.copyOf(count, cap);
                firstLine = Arrays.copyOf(firstLine, cap);
                next = Arrays.copyOf(next, cap);
            }
            names[k] = Arrays.copyOfRange(b, s, e);
            hashes[k] = h;
            ts[k] = new long[256];
            bits[k] = new long[256];
            firstLine[k] = lines;
            next[k] = -1;
            if (series * 2 > table.length) rehash();
            else insert(k);
            return k;
        }

        private void insert(int k) {
            int mask = table.length - 1;
            int slot = (hashes[k] * 0x9E3779B9) >>> 7 & mask;
            while (table[slot] != 0) slot = (slot + 1) & mask;
            table[slot] = k + 1;
        }

        private void rehash() {
            table = new int[table.length * 2];
            for (int k = 0; k < series; k++) insert(k);
        }
    }
}
