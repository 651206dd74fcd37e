package io.lathe.api.internal;

import java.io.IOException;
import java.io.InputStream;

/**
 * The lines of a request body as byte ranges of one reused buffer, so a batch of a million lines is read without a
 * {@code String} per line and without decoding (names and values are validated as UTF-8 where they are used).
 *
 * <p>Lines end at {@code \n}; a {@code \r} before it is dropped. A UTF-8 byte order mark at the very start of the body
 * is skipped (spreadsheets write one). A line longer than {@code maxLineBytes} is not buffered: it is skipped up to its
 * end and reported with {@link #tooLong()}, so one huge line costs no more memory than the limit. Not thread-safe.
 */
final class BodyLines {
    private static final int INITIAL_BYTES = 64 * 1024;

    private final InputStream in;
    private final int maxLineBytes;
    private byte[] buf;
    private int pos, limit;
    private boolean eof, started;
    private long number;
    private int start, end;
    private boolean tooLong;
    private long tooLongBytes;

    BodyLines(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.buf = new byte[Math.min(INITIAL_BYTES, maxLineBytes + 1)];
    }

    /** Moves to the next line; false at the end of the body. */
    boolean next() throws IOException {
        if (!started) {
            started = true;
            while (limit < 3 && fill()) { /* read at least the length of a byte order mark */ }
            if (limit >= 3 && buf[0] == (byte) 0xEF && buf[1] == (byte) 0xBB && buf[2] == (byte) 0xBF) pos = 3;
        }
        tooLong = false;
        int scan = pos;
        while (true) {
            int nl = indexOfNewline(scan, limit);
            if (nl >= 0) {
                setLine(pos, nl);
                pos = nl + 1;
                return true;
            }
            if (eof) {
                if (pos == limit) return false;
                setLine(pos, limit);
                pos = limit;
                return true;
            }
            if (limit - pos > maxLineBytes) {
                skipRestOfLine();
                return true;
            }
            scan = limit - pos; // after compaction, where the unscanned bytes start
            compactAndGrow();
            scan += pos;
            fill();
        }
    }

    private void setLine(int from, int to) {
        number++;
        start = from;
        end = to > from && buf[to - 1] == '\r' ? to - 1 : to;
    }

    private int indexOfNewline(int from, int to) {
        byte[] b = buf;
        for (int i = from; i < to; i++) if (b[i] == '\n') return i;
        return -1;
    }

    /** Moves the unread bytes to the front and grows the buffer (up to the line limit) when they fill it. */
    private void compactAndGrow() {
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        if (limit == buf.length) {
            byte[] bigger = new byte[(int) Math.min((long) maxLineBytes + 1, 2L * buf.length)];
            System.arraycopy(buf, 0, bigger, 0, limit);
            buf = bigger;
        }
    }

    private boolean fill() throws IOException {
        if (eof) return false;
        if (limit == buf.length) compactAndGrow();
        int n = in.read(buf, limit, buf.length - limit);
        if (n < 0) {
            eof = true;
            return false;
        }
        limit += n;
        return true;
    }

    private void skipRestOfLine() throws IOException {
        long length = limit - pos;
        pos = limit = 0;
        while (true) {
            if (!fill()) break;
            int nl = indexOfNewline(0, limit);
            if (nl >= 0) {
                length += nl;
                pos = nl + 1;
                break;
            }
            length += limit;
            pos = limit = 0;
        }
        number++;
        start = end = 0;
        tooLong = true;
        tooLongBytes = length;
    }

    /** 1-based number of the current line, counting every line of the body (blank ones too). */
    long number() {
        return number;
    }

    /** The buffer holding the current line at [{@link #start()}, {@link #end()}); valid until the next {@link #next()}. */
    byte[] bytes() {
        return buf;
    }

    int start() {
        return start;
    }

    int end() {
        return end;
    }

    /** True when the current line was longer than the limit and skipped; its bytes are not available. */
    boolean tooLong() {
        return tooLong;
    }

    /** Length in bytes of the skipped line (without its line break) when {@link #tooLong()}. */
    long tooLongBytes() {
        return tooLongBytes;
    }
}
