package io.lathe.api.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.store.TelemetryStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /api/ingest}: a batch of points as JSON lines ({@code {"series", "timestamp", "value"}} per line,
 * {@code application/x-ndjson} or {@code application/json}) or CSV ({@code series,timestamp,value} with an optional
 * header, {@code text/csv}). Needs {@code Authorization: Bearer <token>}. Good lines are stored even when others are
 * bad; the answer comes after they are durable (200 when every line was good, 400 listing the bad lines otherwise).
 */
public final class IngestRoute {
    /** Bad lines listed one by one in an answer; the rest are only counted. */
    public static final int MAX_LISTED_ERRORS = 100;
    /** Longest series name accepted. */
    public static final int MAX_SERIES_LENGTH = 512;
    public static final String POINTS_METER = "lathe.ingest.http.points";
    public static final String REJECTS_METER = "lathe.ingest.http.rejects";
    public static final String TOKEN_KEY = "server.ingest-token";
    public static final String TOKEN_ENV = "LATHE_SERVER_INGEST_TOKEN";

    /** One bad line of a batch: 1-based line number, a short reason code and what was wrong. */
    public record LineError(long line, String reason, String message) {}

    /** The answer body. */
    public record Result(String code, String message, long accepted, long rejected, List<LineError> errors) {}

    private final byte[] token;
    private final TelemetryStore store;
    private final MeterRegistry metrics;
    private final ObjectMapper mapper;
    private final io.lathe.model.PlantModel model;
    private final io.lathe.ingest.PointSink downstream;

    /** @param token null answers 403; @param store null answers 503 */
    public IngestRoute(String token, TelemetryStore store, MeterRegistry metrics, ObjectMapper mapper) {
        this(token, store, metrics, mapper, null, null);
    }

    /**
     * @param model      the plant, to recognise series that are plant signals (by signal id)
     * @param downstream where points of plant signals go after the store (the live state and the KPI engine), so HTTP
     *                   ingest shows on the dashboard like any connector; null to store only
     */
    public IngestRoute(String token, TelemetryStore store, MeterRegistry metrics, ObjectMapper mapper,
                       io.lathe.model.PlantModel model, io.lathe.ingest.PointSink downstream) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.store = store;
        this.metrics = metrics;
        this.mapper = mapper;
        this.model = model;
        this.downstream = downstream;
    }

    private static final class BadLine extends Exception {
        final String reason;

        BadLine(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }

    public void handle(Context ctx) throws IOException {
        if (token == null) {
            throw ApiError.of(403, "ingest_disabled", "HTTP ingest is disabled on this server: no ingest token is configured. "
                    + "Set " + TOKEN_KEY + " in the configuration (or the environment variable " + TOKEN_ENV
                    + ") and send it as 'Authorization: Bearer <token>'.");
        }
        String auth = ctx.header("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)
                || !MessageDigest.isEqual(token, auth.substring(7).trim().getBytes(StandardCharsets.UTF_8))) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"lathe\"");
            throw ApiError.of(401, "unauthorized", (auth == null ? "missing Authorization header" : "wrong ingest token")
                    + ": POST /api/ingest needs 'Authorization: Bearer <token>' with the token set in " + TOKEN_KEY + ".");
        }
        if (store == null) {
            throw ApiError.of(503, "unavailable", "HTTP ingest is not available: this server runs without a telemetry store.");
        }
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
        boolean csv;
        if (type.startsWith("text/csv")) csv = true;
        else if (type.startsWith("application/x-ndjson") || type.startsWith("application/json")
                || type.startsWith("application/jsonl") || type.startsWith("application/x-jsonlines")) csv = false;
        else {
            throw ApiError.of(415, "unsupported_media_type", "cannot read a batch of Content-Type '" + ctx.contentType()
                    + "': send JSON lines as application/x-ndjson (or application/json) or CSV series,timestamp,value as text/csv.");
        }

        long accepted = 0, rejected = 0;
        List<LineError> errors = new ArrayList<>();
        Map<String, Long> rejectsByReason = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(ctx.bodyInputStream(), StandardCharsets.UTF_8), 65_536)) {
            String line;
            long n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                if (csv && n == 1 && isHeader(line)) continue;
                try {
                    if (csv) csvLine(line);
                    else jsonLine(line);
                    accepted++;
                } catch (BadLine e) {
                    rejected++;
                    rejectsByReason.merge(e.reason, 1L, Long::sum);
                    if (errors.size() < MAX_LISTED_ERRORS) errors.add(new LineError(n, e.reason, e.getMessage()));
                }
            }
        }
        // 200 (and 400) mean: every accepted point is on disk.
        if (accepted > 0) store.sync();
        if (accepted > 0) metrics.counter(POINTS_METER).increment(accepted);
        rejectsByReason.forEach((reason, count) -> metrics.counter(REJECTS_METER, "reason", reason).increment(count));

        if (rejected == 0) {
            ctx.status(200).json(new Result("ok", accepted + " points stored durably", accepted, 0, List.of()));
        } else {
            String more = rejected > errors.size() ? " (the first " + errors.size() + " are listed)" : "";
            ctx.status(400).json(new Result("bad_lines", rejected + " lines rejected" + more + "; the other " + accepted
                    + " points of this batch were stored durably. Fix the listed lines and send only those again.",
                    accepted, rejected, errors));
        }
    }

    private static boolean isHeader(String line) {
        String l = line.trim().toLowerCase(Locale.ROOT);
        return l.startsWith("series,") || l.startsWith("\"series\",");
    }

    private void jsonLine(String line) throws BadLine {
        JsonNode n;
        try {
            n = mapper.readTree(line);
        } catch (IOException e) {
            String m = e.getMessage();
            int cut = m == null ? -1 : m.indexOf('\n');
            throw new BadLine("syntax", "not a JSON object: " + (cut < 0 ? m : m.substring(0, cut)));
        }
        if (n == null || !n.isObject()) throw new BadLine("syntax", "not a JSON object {\"series\", \"timestamp\", \"value\"}");
        JsonNode s = n.get("series"), t = n.get("timestamp"), v = n.get("value");
        if (s == null || !s.isTextual()) throw new BadLine("series", "\"series\" is missing or not a string");
        String series = series(s.asText());
        long ts;
        if (t == null || t.isNull()) throw new BadLine("timestamp", "\"timestamp\" is missing");
        else if (t.isIntegralNumber()) ts = millisToMicros(t.asLong());
        else if (t.isTextual()) ts = timestamp(t.asText());
        else throw new BadLine("timestamp", "\"timestamp\" must be an ISO-8601 string or epoch milliseconds");
        Quality q = Quality.GOOD;
        JsonNode qn = n.get("quality");
        if (qn != null && !qn.isNull()) q = quality(qn.asText());
        if (v == null || v.isNull()) throw new BadLine("value", "\"value\" is missing");
        if (v.isNumber()) store(series, ts, v.asDouble(), v.isIntegralNumber() ? v.asLong() : null, null, null, q);
        else if (v.isBoolean()) store(series, ts, v.asBoolean() ? 1 : 0, null, v.asBoolean(), null, q);
        else if (v.isTextual()) store(series, ts, Double.NaN, null, null, v.asText(), q);
        else throw new BadLine("value", "\"value\" must be a number, a boolean or a string");
    }

    private void csvLine(String line) throws BadLine {
        List<String> f = CsvFields.split(line);
        if (f == null) throw new BadLine("syntax", "unbalanced quotes");
        if (f.size() != 3) throw new BadLine("syntax", "expected 3 fields series,timestamp,value but found " + f.size());
        String series = series(f.get(0));
        long ts = timestamp(f.get(1));
        String v = f.get(2).trim();
        if (v.isEmpty()) throw new BadLine("value", "value is empty");
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            boolean b = v.equalsIgnoreCase("true");
            store(series, ts, b ? 1 : 0, null, b, null, Quality.GOOD);
            return;
        }
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            store(series, ts, Double.NaN, null, null, v, Quality.GOOD);
            return;
        }
        Long l = null;
        if (v.indexOf('.') < 0 && v.indexOf('e') < 0 && v.indexOf('E') < 0) {
            try {
                l = Long.parseLong(v);
            } catch (NumberFormatException ignored) {
                // too long for a long: kept as a double
            }
        }
        store(series, ts, d, l, null, null, Quality.GOOD);
    }

    private static String series(String s) throws BadLine {
        String name = s.trim();
        if (name.isEmpty()) throw new BadLine("series", "series name is empty");
        if (name.length() > MAX_SERIES_LENGTH) throw new BadLine("series", "series name is longer than " + MAX_SERIES_LENGTH + " characters");
        return name;
    }

    private static long timestamp(String s) throws BadLine {
        try {
            return Times.parseMicros(s);
        } catch (IllegalArgumentException e) {
            throw new BadLine("timestamp", "timestamp '" + abbreviate(s) + "' " + e.getMessage());
        }
    }

    private static long millisToMicros(long ms) throws BadLine {
        try {
            return Math.multiplyExact(ms, 1000L);
        } catch (ArithmeticException e) {
            throw new BadLine("timestamp", "epoch milliseconds out of range [timestamp=" + ms + "]");
        }
    }

    private static Quality quality(String label) throws BadLine {
        for (Quality q : Quality.values()) if (q.label().equalsIgnoreCase(label) || q.name().equalsIgnoreCase(label)) return q;
        throw new BadLine("quality", "quality must be one of good, uncertain, bad, stale, but was '" + abbreviate(label) + "'");
    }

    /**
     * Appends to the series, creating it with the value's type when new (numbers as DOUBLE, booleans as BOOLEAN, other
     * text as TEXT). Exactly one of {@code bool}/{@code text} is set for those kinds; numbers come as {@code d}
     * (and {@code l} when integral).
     */
    private void store(String series, long ts, double d, Long l, Boolean bool, String text, Quality q) throws BadLine {
        DataType kind = text != null ? DataType.TEXT : bool != null ? DataType.BOOLEAN : DataType.DOUBLE;
        DataType type = store.typeOf(series).orElse(kind);
        int id = store.seriesId(series, type);
        boolean ok = switch (type) {
            case DOUBLE -> {
                if (text != null) throw typeMismatch(series, type, text);
                yield store.append(id, ts, d, q);
            }
            case LONG -> {
                if (text != null) throw typeMismatch(series, type, text);
                if (bool != null) yield store.appendLong(id, ts, bool ? 1 : 0, q);
                if (l == null && (d != Math.rint(d) || !Double.isFinite(d))) throw typeMismatch(series, type, Double.toString(d));
                yield store.appendLong(id, ts, l != null ? l : (long) d, q);
            }
            case BOOLEAN -> {
                if (text != null) throw typeMismatch(series, type, text);
                yield store.appendBoolean(id, ts, bool != null ? bool : d != 0, q);
            }
            case TEXT -> store.appendText(id, ts, text != null ? text : bool != null ? bool.toString()
                    : l != null ? l.toString() : Double.toString(d), q);
        };
        if (!ok) {
            throw new BadLine("late", "point is older than the newest point of series '" + abbreviate(series)
                    + "' by more than the store's late window (" + store.settings().lateWindow() + ")");
        }
        if (downstream != null && model != null) {
            io.lathe.model.Signal signal = model.signal(series);
            if (signal != null) {
                io.lathe.model.Value v = switch (type) {
                    case DOUBLE -> io.lathe.model.Value.of(d);
                    case LONG -> io.lathe.model.Value.of(bool != null ? (bool ? 1L : 0L) : l != null ? l : (long) d);
                    case BOOLEAN -> io.lathe.model.Value.of(bool != null ? bool : d != 0);
                    case TEXT -> io.lathe.model.Value.of(text != null ? text : bool != null ? bool.toString()
                            : l != null ? l.toString() : Double.toString(d));
                };
                downstream.accept(signal, ts, v, q, false);
            }
        }
    }

    private static BadLine typeMismatch(String series, DataType type, String value) {
        return new BadLine("type", "series '" + abbreviate(series) + "' holds " + type.name().toLowerCase(Locale.ROOT)
                + " values; '" + abbreviate(value) + "' is not one");
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
