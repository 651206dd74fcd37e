package io.lathe.predict.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A C-MAPSS file: whitespace-separated rows {@code unit cycle setting1..3 sensor1..21} (26 numbers), optionally
 * gzipped ({@code .gz}). Rows are grouped per unit in file order; cycles must increase within a unit.
 *
 * @param units the engine units in the order they first appear
 */
public record CmapssFile(List<Unit> units) {
    /** Number of numeric columns per row. */
    public static final int COLUMNS = 26;
    public static final int SETTINGS = 3;
    public static final int SENSORS = 21;

    /**
     * One engine's history.
     *
     * @param id       unit number
     * @param cycles   cycle numbers, increasing
     * @param settings {@code settings[row][0..2]}
     * @param sensors  {@code sensors[row][0..20]}
     */
    public record Unit(int id, int[] cycles, double[][] settings, double[][] sensors) {
        public int length() {
            return cycles.length;
        }
    }

    /** Reads a C-MAPSS file (plain or gzipped); bad rows throw {@link BenchFormatException} with file and line. */
    public static CmapssFile read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            Map<Integer, List<double[]>> rows = new LinkedHashMap<>();
            String line;
            long lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                String s = line.strip();
                if (s.isEmpty()) continue;
                String[] f = s.split("\\s+");
                if (f.length != COLUMNS) {
                    throw new BenchFormatException(file, lineNo, "bad C-MAPSS line: " + f.length + " numbers where 26 are expected (unit, cycle, 3 settings, 21 sensors)");
                }
                double[] v = new double[COLUMNS];
                for (int i = 0; i < COLUMNS; i++) {
                    v[i] = SkabFile.number(file, lineNo, f[i], i, i == 0 ? "unit" : i == 1 ? "cycle" : i < 5 ? "setting" + (i - 1) : "sensor" + (i - 4));
                    if (!Double.isFinite(v[i])) throw new BenchFormatException(file, lineNo, "bad C-MAPSS line: column " + (i + 1) + " is not finite");
                }
                if (v[0] != Math.rint(v[0]) || v[1] != Math.rint(v[1]) || v[0] < 0) {
                    throw new BenchFormatException(file, lineNo, "bad C-MAPSS line: unit and cycle must be whole numbers, but were " + f[0] + " and " + f[1]);
                }
                List<double[]> u = rows.computeIfAbsent((int) v[0], k -> new ArrayList<>());
                if (!u.isEmpty() && v[1] <= u.get(u.size() - 1)[1]) {
                    throw new BenchFormatException(file, lineNo, "bad C-MAPSS line: cycle " + f[1] + " of unit " + f[0] + " does not follow cycle " + (int) u.get(u.size() - 1)[1]);
                }
                u.add(v);
            }
            if (rows.isEmpty()) throw new BenchFormatException(file, 0, "C-MAPSS file has no rows");
            List<Unit> units = new ArrayList<>();
            for (var e : rows.entrySet()) {
                List<double[]> u = e.getValue();
                int n = u.size();
                int[] cycles = new int[n];
                double[][] settings = new double[n][SETTINGS];
                double[][] sensors = new double[n][SENSORS];
                for (int i = 0; i < n; i++) {
                    double[] v = u.get(i);
                    cycles[i] = (int) v[1];
                    System.arraycopy(v, 2, settings[i], 0, SETTINGS);
                    System.arraycopy(v, 5, sensors[i], 0, SENSORS);
                }
                units.add(new Unit(e.getKey(), cycles, settings, sensors));
            }
            return new CmapssFile(List.copyOf(units));
        }
    }
}
