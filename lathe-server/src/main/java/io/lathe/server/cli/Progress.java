package io.lathe.server.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Progress of long command-line work (import, export, bench) on stderr, so stdout stays clean for results and pipes.
 *
 * <p>On a terminal ({@code System.console() != null}) it redraws one line with a bar, at most ten times a second; elsewhere
 * (CI logs, redirected output) it prints a plain line every {@code plainEverySeconds} seconds, which keeps logs short and
 * readable. {@link #close()} prints the final line either way. Thread-safe: several workers may {@link #add(long)}.
 *
 * <pre>{@code
 * try (Progress p = Progress.start("import", totalBytes, "B")) {
 *     ... p.add(bytesRead) ...
 * }
 * }</pre>
 */
public final class Progress implements AutoCloseable {
    private static final int BAR_WIDTH = 30;
    private static final long TERMINAL_REDRAW_NANOS = 100_000_000L;

    private final String label;
    private final long total;
    private final String unit;
    private final PrintWriter out;
    private final boolean terminal;
    private final long plainEveryNanos;
    private final LongSupplier clock;
    private final long startNanos;
    private final AtomicLong done = new AtomicLong();
    private long lastPrintNanos;
    private int lastLineLength;
    private boolean closed;

    Progress(String label, long total, String unit, PrintStream out, boolean terminal, long plainEverySeconds, LongSupplier clock) {
        this(label, total, unit, new PrintWriter(out, true), terminal, plainEverySeconds, clock);
    }

    Progress(String label, long total, String unit, PrintWriter out, boolean terminal, long plainEverySeconds, LongSupplier clock) {
        this.label = label;
        this.total = total;
        this.unit = unit == null ? "" : unit;
        this.out = out;
        this.terminal = terminal;
        this.plainEveryNanos = Math.max(1, plainEverySeconds) * 1_000_000_000L;
        this.clock = clock;
        this.startNanos = clock.getAsLong();
        this.lastPrintNanos = startNanos;
    }

    /**
     * Progress on stderr; a bar when stderr's process has a terminal, plain lines every 5 s otherwise.
     *
     * @param total the amount of work, or a value &lt;= 0 when unknown (then no percentage is shown)
     * @param unit  shown after the counts, e.g. {@code "points"} or {@code "B"} (bytes are shown as KB/MB/GB)
     */
    public static Progress start(String label, long total, String unit) {
        return new Progress(label, total, unit, System.err, System.console() != null, 5, System::nanoTime);
    }

    /** For tests and callers that choose the stream and mode themselves. */
    public static Progress start(String label, long total, String unit, PrintStream out, boolean terminal) {
        return new Progress(label, total, unit, out, terminal, 5, System::nanoTime);
    }

    /** As {@link #start(String, long, String, PrintStream, boolean)} on a writer, such as a picocli command's error writer. */
    public static Progress start(String label, long total, String unit, PrintWriter out, boolean terminal) {
        return new Progress(label, total, unit, out, terminal, 5, System::nanoTime);
    }

    /** Adds {@code amount} to the work done and redraws when it is time. */
    public void add(long amount) {
        done.addAndGet(amount);
        maybePrint();
    }

    /** Sets the work done (for callers that know the absolute position, such as a file offset). */
    public void set(long value) {
        done.set(value);
        maybePrint();
    }

    public long done() {
        return done.get();
    }

    private void maybePrint() {
        long now = clock.getAsLong();
        long every = terminal ? TERMINAL_REDRAW_NANOS : plainEveryNanos;
        if (now - lastPrintNanos < every) return;
        synchronized (this) {
            if (closed || now - lastPrintNanos < every) return;
            lastPrintNanos = now;
            print(now, false);
        }
    }

    private void print(long now, boolean last) {
        long d = done.get();
        double seconds = (now - startNanos) / 1e9;
        StringBuilder line = new StringBuilder(label).append(' ');
        if (terminal && total > 0) {
            int filled = (int) Math.min(BAR_WIDTH, BAR_WIDTH * d / total);
            line.append('[').append("#".repeat(filled)).append(" ".repeat(BAR_WIDTH - filled)).append("] ");
        }
        if (total > 0) line.append(String.format(Locale.ROOT, "%3d%% ", (int) Math.min(100, 100 * d / total)));
        line.append(amount(d));
        if (total > 0) line.append(" of ").append(amount(total));
        line.append(String.format(Locale.ROOT, ", %.1f s", seconds));
        if (seconds > 0 && d > 0) line.append(", ").append(amount((long) (d / seconds))).append("/s");
        if (terminal) {
            String s = line.toString();
            int pad = Math.max(0, lastLineLength - s.length());
            out.print("\r" + s + " ".repeat(pad) + (last ? "\n" : ""));
            lastLineLength = s.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    private String amount(long v) {
        if (unit.equals("B")) {
            if (v >= 1L << 30) return String.format(Locale.ROOT, "%.2f GB", v / (double) (1L << 30));
            if (v >= 1L << 20) return String.format(Locale.ROOT, "%.1f MB", v / (double) (1L << 20));
            if (v >= 1L << 10) return String.format(Locale.ROOT, "%.1f KB", v / (double) (1L << 10));
            return v + " B";
        }
        return String.format(Locale.ROOT, "%,d", v) + (unit.isEmpty() ? "" : " " + unit);
    }

    /** Prints the final state once; later calls do nothing. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        print(clock.getAsLong(), true);
    }
}
