package io.lathe.predict.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NAB's combined label file ({@code windows.json}: series path to a list of {@code [start, end]} timestamp pairs).
 * Read with a small tokenizer because the shape is fixed and the module needs no JSON library for it.
 */
public final class NabWindows {
    private static final Pattern TOKEN = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"|[\\[\\]{}:,]|\\s+");
    private final Map<String, List<long[]>> windows;

    private NabWindows(Map<String, List<long[]>> windows) {
        this.windows = windows;
    }

    /** Reads a windows file; a file not of the shape {@code {"name": [["t","t"], ...], ...}} throws with its path. */
    public static NabWindows read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Matcher m = TOKEN.matcher(text);
        List<String> tokens = new ArrayList<>();
        int pos = 0;
        while (pos < text.length()) {
            if (!m.find(pos) || m.start() != pos) throw new BenchFormatException(file, lineOf(text, pos), "bad NAB windows file: unexpected character '" + text.charAt(pos) + "'");
            if (m.group(1) != null) tokens.add("\"" + m.group(1));
            else if (!m.group().isBlank()) tokens.add(m.group());
            pos = m.end();
        }
        Map<String, List<long[]>> out = new LinkedHashMap<>();
        // Walk the tokens: at depth 1 a string followed by ':' names a series; at depth 3 two strings form a window.
        int depth = 0;
        String series = null;
        List<String> pair = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            switch (t) {
                case "{", "[" -> depth++;
                case "}", "]" -> {
                    if (depth == 3) {
                        if (pair.size() != 2) throw new BenchFormatException(file, 0, "bad NAB windows file: a window of " + series + " has " + pair.size() + " timestamps, not 2");
                        long a = NabFile.parseTime(file, 0, pair.get(0)), b = NabFile.parseTime(file, 0, pair.get(1));
                        out.get(series).add(new long[]{a, b});
                        pair.clear();
                    }
                    depth--;
                }
                case ":", "," -> {
                }
                default -> {
                    String s = t.substring(1);
                    if (depth == 1) {
                        series = s;
                        out.put(series, new ArrayList<>());
                    } else if (depth == 3) {
                        pair.add(s);
                    } else {
                        throw new BenchFormatException(file, 0, "bad NAB windows file: unexpected string '" + s + "'");
                    }
                }
            }
        }
        return new NabWindows(out);
    }

    private static long lineOf(String text, int pos) {
        return text.substring(0, pos).chars().filter(c -> c == '\n').count() + 1;
    }

    /** Window time ranges of a series by its file name (the key's last path element), or null if not labelled. */
    public List<long[]> forFile(String fileName) {
        for (var e : windows.entrySet()) {
            String k = e.getKey();
            if (k.equals(fileName) || k.endsWith("/" + fileName)) return e.getValue();
        }
        return null;
    }

    /** Resolves time windows to row windows of a series: the rows whose timestamps fall in each window. */
    public static List<NabScorer.Window> toRows(List<long[]> timeWindows, long[] epochMillis) {
        List<NabScorer.Window> rows = new ArrayList<>();
        for (long[] w : timeWindows) {
            int first = -1, last = -1;
            for (int i = 0; i < epochMillis.length; i++) {
                if (epochMillis[i] >= w[0] && epochMillis[i] <= w[1]) {
                    if (first < 0) first = i;
                    last = i;
                }
            }
            if (first >= 0) rows.add(new NabScorer.Window(first, last));
        }
        return rows;
    }
}
