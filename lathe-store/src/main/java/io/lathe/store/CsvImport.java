package io.lathe.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Readers of the text formats {@code lathe import} understands. Numeric values only; times in µs (UTC).
 * <ul>
 *   <li>{@code long}: {@code series,timestamp,value}; timestamp ISO-8601 (with offset, or local = UTC) or epoch ms; optional header;</li>
 *   <li>{@code nab}: {@code timestamp,value} with a header; the series is the file name without extension;</li>
 *   <li>{@code skab}: {@code ;}-separated, first column {@code datetime}, one series per further column, named
 *       {@code <file>.<column>} ({@code <folder>-<file>} when the file name is a number, as in {@code valve1/3.csv});</li>
 *   <li>{@code cmapss}: space-separated {@code unit cycle setting1..3 s1..s21}; series {@code <file>.unit<N>.<column>},
 *       time = cycle seconds after the epoch. {@code .gz} files are read directly.</li>
 * </ul>
 */
public final class CsvImport {
    private CsvImport() {}

    public enum Format {
        LONG, NAB, SKAB, CMAPSS;

        public static Format parse(String label) {
            for (Format f : values()) if (f.name().equalsIgnoreCase(label)) return f;
            throw new IllegalArgumentException("format must be one of long, nab, skab, cmapss, but was " + label);
        }
    }

    /** Receives parsed points. */
    @FunctionalInterface
    public interface Target {
        void point(String series, long timestampMicros, double value);
    }

    public record Rejection(Path file, long line, String reason) {}

    /** Progress of one file's import: bytes read of the file's size, points so far. */
    @FunctionalInterface
    public interface Progress {
        void update(long bytesRead, long totalBytes, long points);
    }

    static String outOfRange(long t) {
        return "timestamp out of range [timestampMicros=" + t + "]: the store keeps points from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z."
                + " Check the unit (micro-, milli- or seconds).";
    }

    /**
     * Reads one file into a bulk load, counting into {@code result} (lines are rejected with file, line and reason as
     * by {@link #read}). The {@code long} format is parsed by {@code threads} threads; the others are small and read
     * line by line. The caller commits the load.
     */
    public static void load(Path file, Format format, BulkLoad bulk, Result result, int threads, Progress progress) throws IOException {
        if (format == Format.LONG) {
            new ParallelLongCsv(file, bulk, result, threads, progress, ParallelLongCsv.WINDOW, 1 << 16).run();
            return;
        }
        Map<String, Integer> ids = new HashMap<>();
        long total = Files.size(file);
        read(file, format, (series, ts, v) -> {
            Integer id = ids.get(series);
            if (id == null) {
                id = bulk.series(series); // refused names and types reject the line (IllegalArgumentException)
                ids.put(series, id);
            }
            try {
                bulk.add(id, ts, v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, result);
        if (progress != null) progress.update(total, total, result.points);
    }

    /** The long format as {@link #load} with {@code window} bytes per window and ranges of at least {@code minRange} bytes (tests). */
    static void loadLong(Path file, BulkLoad bulk, Result result, int threads, int window, int minRange) throws IOException {
        new ParallelLongCsv(file, bulk, result, threads, null, window, minRange).run();
    }

    /** Counts of one import; keeps the first {@link #KEEP} rejections. Not thread-safe. */
    public static final class Result {
        public static final int KEEP = 10;
        public long points;
        public long rejected;
        public final List<Rejection> firstRejections = new ArrayList<>();

        void reject(Path file, long line, String reason) {
            rejected++;
            if (firstRejections.size() < KEEP) firstRejections.add(new Rejection(file, line, reason));
        }

        /** Adds the counts and the first rejections of another import (of a further file). */
        public void addAll(Result other) {
            points += other.points;
            rejected += other.rejected;
            for (Rejection r : other.firstRejections) if (firstRejections.size() < KEEP) firstRejections.add(r);
        }
    }

    private static final DateTimeFormatter SPACE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS][.SSS]", Locale.ROOT);
    private static final String[] CMAPSS_COLUMNS;

    static {
        List<String> c = new ArrayList<>(List.of("setting1", "setting2", "setting3"));
        for (int i = 1; i <= 21; i++) c.add("s" + i);
        CMAPSS_COLUMNS = c.toArray(new String[0]);
    }

    /** Parses an ISO-8601 instant, a local date-time (taken as UTC, 'T' or space separated) or epoch milliseconds. */
    public static long parseTimeMicros(String s) {
        s = s.trim();
        if (!s.isEmpty() && (Character.isDigit(s.charAt(0)) || s.charAt(0) == '-') && s.chars().skip(1).allMatch(Character::isDigit)) {
            try {
                return Math.multiplyExact(Long.parseLong(s), 1000L);
            } catch (ArithmeticException | NumberFormatException e) {
                if (s.length() < 2) throw new IllegalArgumentException("timestamp must be ISO-8601 or epoch milliseconds, but was '" + s + "'");
                throw new IllegalArgumentException("timestamp out of range, but was '" + s + "' (epoch milliseconds): the store keeps points from"
                        + " 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z.");
            }
        }
        try {
            Instant i;
            if (s.endsWith("Z") || s.matches(".*[+-]\\d\\d:?\\d\\d$")) i = OffsetDateTime.parse(s).toInstant();
            else if (s.indexOf('T') > 0) i = LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
            else i = LocalDateTime.parse(s, SPACE_TIME).toInstant(ZoneOffset.UTC);
            return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1000);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("timestamp must be ISO-8601 or epoch milliseconds, but was '" + s + "'");
        }
    }

    private static BufferedReader open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        if (file.getFileName().toString().endsWith(".gz")) in = new GZIPInputStream(in, 1 << 16);
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    static String stem(Path file) {
        String n = file.getFileName().toString();
        if (n.endsWith(".gz")) n = n.substring(0, n.length() - 3);
        int dot = n.lastIndexOf('.');
        if (dot > 0) n = n.substring(0, dot);
        if (n.chars().allMatch(Character::isDigit) && file.getParent() != null && file.getParent().getFileName() != null) {
            n = file.getParent().getFileName() + "-" + n;
        }
        return n;
    }

    /**
     * Reads one file line by line, handing points to {@code target} and counting into {@code result}. Lines whose
     * point the target refuses with an {@link IllegalArgumentException} are rejected; an {@link UncheckedIOException}
     * of the target stops the read.
     */
    public static void read(Path file, Format format, Target target, Result result) throws IOException {
        try (BufferedReader in = open(file)) {
            switch (format) {
                case LONG -> readLong(file, in, target, result);
                case NAB -> readNab(file, in, target, result);
                case SKAB -> readSkab(file, in, target, result);
                case CMAPSS -> readCmapss(file, in, target, result);
            }
        }
    }

    private static void readLong(Path file, BufferedReader in, Target target, Result r) throws IOException {
        String line;
        long no = 0;
        while ((line = in.readLine()) != null) {
            no++;
            if (line.isBlank()) continue;
            int a = line.indexOf(','), b = line.lastIndexOf(',');
            if (a <= 0 || b <= a) {
                r.reject(file, no, "expected series,timestamp,value");
                continue;
            }
            try {
                long t = parseTimeMicros(line.substring(a + 1, b));
                String value = line.substring(b + 1).trim();
                double v;
                try {
                    v = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("value must be a number, but was '" + value + "'");
                }
                if (!BulkLoad.inRange(t)) {
                    r.reject(file, no, outOfRange(t));
                    continue;
                }
                String series = line.substring(0, a).trim();
                if (series.isEmpty()) throw new IllegalArgumentException("series name must not be empty");
                target.point(series, t, v);
                r.points++;
            } catch (UncheckedIOException e) {
                throw e;
            } catch (RuntimeException e) {
                if (no == 1 && line.toLowerCase(Locale.ROOT).startsWith("series")) continue; // header
                r.reject(file, no, e.getMessage());
            }
        }
    }

    private static void readNab(Path file, BufferedReader in, Target target, Result r) throws IOException {
        String series = stem(file);
        String line;
        long no = 0;
        while ((line = in.readLine()) != null) {
            no++;
            if (line.isBlank() || (no == 1 && line.startsWith("timestamp"))) continue;
            int a = line.indexOf(',');
            try {
                if (a <= 0) throw new IllegalArgumentException("expected timestamp,value");
                long t = parseTimeMicros(line.substring(0, a));
                String value = line.substring(a + 1).trim();
                double v;
                try {
                    v = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("value must be a number, but was '" + value + "'");
                }
                if (!BulkLoad.inRange(t)) {
                    r.reject(file, no, outOfRange(t));
                    continue;
                }
                target.point(series, t, v);
                r.points++;
            } catch (UncheckedIOException e) {
                throw e;
            } catch (RuntimeException e) {
                r.reject(file, no, e.getMessage());
            }
        }
    }

    private static void readSkab(Path file, BufferedReader in, Target target, Result r) throws IOException {
        String header = in.readLine();
        if (header == null) return;
        String[] cols = header.split(";");
        String prefix = stem(file) + ".";
        String[] names = new String[cols.length];
        for (int i = 1; i < cols.length; i++) names[i] = prefix + cols[i].trim().replace(' ', '_');
        String line;
        long no = 1;
        while ((line = in.readLine()) != null) {
            no++;
            if (line.isBlank()) continue;
            String[] f = line.split(";");
            long t;
            try {
                t = parseTimeMicros(f[0]);
            } catch (RuntimeException e) {
                r.reject(file, no, e.getMessage());
                continue;
            }
            if (!BulkLoad.inRange(t)) {
                r.reject(file, no, outOfRange(t));
                continue;
            }
            for (int i = 1; i < Math.min(f.length, cols.length); i++) {
                double v;
                try {
                    v = Double.parseDouble(f[i].trim());
                } catch (NumberFormatException e) {
                    r.reject(file, no, "column " + cols[i] + ": not a number '" + f[i] + "'");
                    continue;
                }
                try {
                    target.point(names[i], t, v);
                    r.points++;
                } catch (UncheckedIOException e) {
                    throw e;
                } catch (IllegalArgumentException e) {
                    r.reject(file, no, "column " + cols[i] + ": " + e.getMessage());
                }
            }
            if (f.length < cols.length) r.reject(file, no, "expected " + cols.length + " columns, found " + f.length);
        }
    }

    private static void readCmapss(Path file, BufferedReader in, Target target, Result r) throws IOException {
        String prefix = stem(file).replace(".txt", "") + ".unit";
        String line;
        long no = 0;
        while ((line = in.readLine()) != null) {
            no++;
            String s = line.trim();
            if (s.isEmpty()) continue;
            String[] f = s.split("\\s+");
            if (f.length < 2 + CMAPSS_COLUMNS.length) {
                r.reject(file, no, "expected 26 space-separated columns, found " + f.length);
                continue;
            }
            int unit;
            long t;
            double[] v = new double[CMAPSS_COLUMNS.length];
            int col = 0;
            try {
                unit = Integer.parseInt(f[0]);
                col = 1;
                t = Math.multiplyExact(Long.parseLong(f[1]), 1_000_000L);
                for (col = 2; col < 2 + v.length; col++) v[col - 2] = Double.parseDouble(f[col]);
            } catch (NumberFormatException | ArithmeticException e) {
                String name = col == 0 ? "unit" : col == 1 ? "cycle" : CMAPSS_COLUMNS[col - 2];
                r.reject(file, no, "column " + (col + 1) + " (" + name + "): not a number '" + f[col] + "'");
                continue;
            }
            if (!BulkLoad.inRange(t)) {
                r.reject(file, no, outOfRange(t));
                continue;
            }
            // a line is all or nothing: its 24 values are parsed before any is handed on
            try {
                for (int i = 0; i < v.length; i++) {
                    target.point(prefix + unit + "." + CMAPSS_COLUMNS[i], t, v[i]);
                    r.points++;
                }
            } catch (UncheckedIOException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                r.reject(file, no, e.getMessage());
            }
        }
    }
}
