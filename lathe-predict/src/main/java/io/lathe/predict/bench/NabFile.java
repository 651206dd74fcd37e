package io.lathe.predict.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * One NAB series: {@code timestamp,value} with timestamps like {@code 2014-07-01 00:00:00} (UTC, no zone).
 *
 * @param timestamps the timestamp column as written, one per row
 * @param epochMillis the timestamps as epoch milliseconds (read as UTC)
 * @param values     the value column
 */
public record NabFile(List<String> timestamps, long[] epochMillis, double[] values) {
    private static final DateTimeFormatter NAB_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS][.SSS]");

    /** Reads a NAB file; throws {@link BenchFormatException} naming the file and line of the first bad row. */
    public static NabFile read(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null) throw new BenchFormatException(file, 1, "empty NAB file: expected the header 'timestamp,value'");
            String[] h = header.strip().split(",", -1);
            if (h.length < 2 || !h[0].strip().equalsIgnoreCase("timestamp") || !h[1].strip().equalsIgnoreCase("value")) {
                throw new BenchFormatException(file, 1, "bad NAB header: expected 'timestamp,value', but was '" + SkabFile.abbreviate(header) + "'");
            }
            List<String> ts = new ArrayList<>();
            List<Long> ms = new ArrayList<>();
            List<Double> vs = new ArrayList<>();
            String line;
            long lineNo = 1;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                String[] f = line.split(",", -1);
                if (f.length < 2) throw new BenchFormatException(file, lineNo, "bad NAB line: expected 'timestamp,value', but was '" + SkabFile.abbreviate(line) + "'");
                long t = parseTime(file, lineNo, f[0]);
                double v = SkabFile.number(file, lineNo, f[1], 1, "value");
                if (!Double.isFinite(v)) throw new BenchFormatException(file, lineNo, "bad NAB line: value is not finite: '" + f[1] + "'");
                if (!ms.isEmpty() && t < ms.get(ms.size() - 1)) throw new BenchFormatException(file, lineNo, "bad NAB line: timestamp " + f[0].strip() + " is before the previous row's");
                ts.add(f[0].strip());
                ms.add(t);
                vs.add(v);
            }
            if (vs.isEmpty()) throw new BenchFormatException(file, 0, "NAB file has a header but no rows");
            return new NabFile(List.copyOf(ts), ms.stream().mapToLong(Long::longValue).toArray(), vs.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    /** Parses a NAB timestamp ({@code yyyy-MM-dd HH:mm:ss} with optional fraction) as UTC epoch milliseconds. */
    public static long parseTime(Path file, long lineNo, String text) {
        try {
            return LocalDateTime.parse(text.strip(), NAB_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new BenchFormatException(file, lineNo, "bad NAB timestamp: expected 'yyyy-MM-dd HH:mm:ss', but was '" + SkabFile.abbreviate(text) + "'");
        }
    }

    public int size() {
        return values.length;
    }
}
