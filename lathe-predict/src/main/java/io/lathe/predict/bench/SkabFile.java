package io.lathe.predict.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One SKAB file: {@code datetime;signal...;anomaly;changepoint}, {@code ;}-separated, one row per second. The label
 * columns are optional (the anomaly-free run and held-out files may lack them) and are kept apart from the signals
 * so a detector never sees them.
 *
 * @param signalNames names of the signal columns, in order
 * @param datetimes   the datetime column as written in the file, one per row
 * @param signals     {@code signals[row][signal]}
 * @param labels      the anomaly column (0/1) per row, or {@code null} when the file has none
 */
public record SkabFile(List<String> signalNames, List<String> datetimes, double[][] signals, int[] labels) {

    /** Reads a SKAB file; throws {@link BenchFormatException} naming the file and line of the first bad row. */
    public static SkabFile read(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null) throw new BenchFormatException(file, 1, "empty SKAB file: expected a header 'datetime;...'");
            String[] names = header.strip().split(";", -1);
            if (names.length < 2 || !names[0].strip().equalsIgnoreCase("datetime")) {
                throw new BenchFormatException(file, 1, "bad SKAB header: the first column must be 'datetime', separated by ';', but was '" + abbreviate(header) + "'");
            }
            int anomalyCol = -1;
            List<Integer> signalCols = new ArrayList<>();
            List<String> signalNames = new ArrayList<>();
            for (int i = 1; i < names.length; i++) {
                String n = names[i].strip();
                if (n.equalsIgnoreCase("anomaly")) anomalyCol = i;
                else if (!n.equalsIgnoreCase("changepoint")) {
                    signalCols.add(i);
                    signalNames.add(n);
                }
            }
            if (signalCols.isEmpty()) throw new BenchFormatException(file, 1, "SKAB header has no signal column besides datetime, anomaly and changepoint");
            List<String> times = new ArrayList<>();
            List<double[]> rows = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            String line;
            long lineNo = 1;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                String[] f = line.split(";", -1);
                if (f.length != names.length) {
                    throw new BenchFormatException(file, lineNo, "bad SKAB line: " + f.length + " fields where the header has " + names.length);
                }
                double[] row = new double[signalCols.size()];
                for (int j = 0; j < row.length; j++) {
                    int c = signalCols.get(j);
                    row[j] = number(file, lineNo, f[c], c, names[c]);
                    if (!Double.isFinite(row[j])) throw new BenchFormatException(file, lineNo, "bad SKAB line: column " + (c + 1) + " (" + names[c] + ") is not finite: '" + f[c] + "'");
                }
                times.add(f[0].strip());
                rows.add(row);
                if (anomalyCol >= 0) labels.add(number(file, lineNo, f[anomalyCol], anomalyCol, names[anomalyCol]) >= 0.5 ? 1 : 0);
            }
            if (rows.isEmpty()) throw new BenchFormatException(file, 0, "SKAB file has a header but no rows");
            int[] lab = anomalyCol >= 0 ? labels.stream().mapToInt(Integer::intValue).toArray() : null;
            return new SkabFile(List.copyOf(signalNames), List.copyOf(times), rows.toArray(double[][]::new), lab);
        }
    }

    /** Number of rows. */
    public int size() {
        return signals.length;
    }

    static double number(Path file, long lineNo, String text, int col, String name) {
        try {
            return Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new BenchFormatException(file, lineNo, "bad line: column " + (col + 1) + " (" + name.strip() + ") is not a number: '" + abbreviate(text) + "'");
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
