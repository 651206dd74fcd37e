package io.lathe.api.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.http.Context;
import io.lathe.ingest.PointSink;
import io.lathe.ingest.TimestampCheck;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.store.PointRejectedException;
import io.lathe.store.TelemetryStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /api/ingest}: a batch of points as JSON lines ({@code {"series", "timestamp", "value"}} per line,
 * {@code application/x-ndjson} or {@code application/json}) or CSV ({@code series,timestamp,value} with an optional
 * header, {@code text/csv}). Needs {@code Authorization: Bearer <token>}. Good lines are stored even when others are
 * bad; the answer comes after they are durable: 200 when every line was good, 400 listing the bad lines, 413 when a
 * line or value was over the size limit, 503 (nothing acknowledged) when the store cannot accept points.
 *
 * <p>Every line is read strictly; each mistake rejects its line with a stable {@link Reject reason}, the line number,
 * the field and what was wrong, and is counted in {@value #REJECTS_METER}. The rules (also in the OpenAPI description
 * and the README):
 * <ul>
 *   <li>The body is UTF-8; invalid UTF-8 rejects the line ({@code encoding}). A byte order mark at the start is skipped.
 *   <li>JSON: exactly one object per line; fields {@code series}, {@code timestamp}, {@code value}, optional
 *       {@code quality}; other fields are ignored; a field given twice rejects the line.
 *   <li>CSV: exactly three fields, RFC 4180 quoting; an optional header {@code series,timestamp,value} on line 1.
 *       A value is {@code true}/{@code false}, a decimal number ({@code -12.5}, {@code 1.5e3}, {@code .5}) or text. An
 *       unquoted value that starts like a number ({@code 0-9 + - .}) or reads {@code NaN}/{@code Infinity}/{@code inf}
 *       must be a finite decimal number; a quoted value that is not a number is text.
 *   <li>Numbers: non-finite numbers and numbers beyond ±{@link Double#MAX_VALUE} are rejected ({@code value}).
 *       Integers are exact in LONG series and in new series: a new series whose first value is an integer beyond
 *       ±2^53 (where doubles lose integers) is created LONG. In a DOUBLE series a number is the nearest double.
 *   <li>Timestamps more than the clock-skew limit ahead of the server clock are rejected ({@code future-timestamp},
 *       the shared {@link TimestampCheck}); timestamps outside the store's range are rejected ({@code timestamp}).
 *   <li>A text value over {@link #MAX_VALUE_BYTES} bytes, or a line over {@code server.ingest.max-line-bytes} (default
 *       {@link #MAX_LINE_BYTES}), is rejected ({@code too-large}) and makes the answer 413.
 *   <li>A request may create at most {@code server.ingest.max-new-series} series; lines naming further new series are
 *       rejected ({@code new-series-limit}, 400), lines of existing series are stored.
 *   <li>A body over {@code server.ingest.max-body-bytes} is answered 413 ({@code body_too_large}): before reading when its
 *       {@code Content-Length} says so (nothing stored), else where the limit is crossed while streaming (the lines read
 *       before it are stored and the answer says up to which line).
 * </ul>
 * Points of one series with the same timestamp: the last one written wins (the store's rule), so resending a batch
 * whose answer was lost stores every point once.
 *
 * <p>Thread-safe: each request parses with its own {@link Batch}.
 */
public final class IngestRoute {
    /** Bad lines listed one by one in an answer; the rest are only counted. */
    public static final int MAX_LISTED_ERRORS = 100;
    /** Longest series name accepted, in characters. */
    public static final int MAX_SERIES_LENGTH = 512;
    /** Largest text value accepted, in bytes of UTF-8: the store's limit. */
    public static final int MAX_VALUE_BYTES = TelemetryStore.MAX_TEXT_BYTES;
    /** Longest line read: a value at {@link #MAX_VALUE_BYTES} with room for the name, the timestamp and JSON escapes. */
    public static final int MAX_LINE_BYTES = MAX_VALUE_BYTES + 64 * 1024;
    /** Name under which HTTP ingest reports to {@link TimestampCheck} (its {@code connection} tag and log lines). */
    public static final String CONNECTION = "http-ingest";
    public static final String POINTS_METER = "lathe.ingest.http.points";
    public static final String REJECTS_METER = "lathe.ingest.http.rejects";
    /** Requests refused whole or cut short, by {@code reason} ({@code body-too-large}). */
    public static final String REFUSED_METER = "lathe.ingest.http.refused";
    public static final String TOKEN_KEY = "server.ingest-token";
    public static final String TOKEN_ENV = "LATHE_SERVER_INGEST_TOKEN";
    /** Seconds a client is asked to wait ({@code Retry-After}) when the store cannot accept points. */
    static final int RETRY_AFTER_SECONDS = 5;
    /** Integers beyond ±2^53 are where doubles start to lose them. */
    private static final long EXACT_DOUBLE_INTEGER = 1L << 53;
    // Checked here too (the store refuses them as well) so the answer names the line and field.
    private static final long MIN_TIMESTAMP_MICROS = TelemetryStore.MIN_TIMESTAMP_MICROS;
    private static final long MAX_TIMESTAMP_MICROS = TelemetryStore.MAX_TIMESTAMP_MICROS;

    /** Why a line was rejected: the stable label is the {@code reason} of the answer and of {@value #REJECTS_METER}. */
    public enum Reject {
        /** Not one JSON object; wrong number of CSV fields; a quote out of place; a bad CSV header. */
        SYNTAX("syntax"),
        /** Not valid UTF-8. */
        ENCODING("encoding"),
        /** Series name missing, empty, too long or with control characters. */
        SERIES("series"),
        /** Timestamp missing, unreadable or outside the range the store keeps. */
        TIMESTAMP("timestamp"),
        /** Timestamp further ahead of the server clock than {@code ingest.max-clock-skew} allows. */
        FUTURE_TIMESTAMP(TimestampCheck.REASON),
        /** Value missing, not a decimal number, not finite, or out of the series' numeric range. */
        VALUE("value"),
        /** Quality not one of good, uncertain, bad, stale. */
        QUALITY("quality"),
        /** The value does not fit the type of the series. */
        TYPE("type"),
        /** Older than the series' newest point by more than the store's late window. */
        LATE("late"),
        /** A text value over {@link #MAX_VALUE_BYTES} or a line over the line limit. */
        TOO_LARGE("too-large"),
        /** A new series beyond the number one request may create ({@code server.ingest.max-new-series}). */
        NEW_SERIES_LIMIT("new-series-limit"),
        /**
         * The store could not accept points (disk full, log error, closed): the batch was answered 503 and these lines,
         * from the one the store refused to the end of the body, were not stored. Counted, never listed in an answer.
         */
        UNAVAILABLE("unavailable");

        private final String label;

        Reject(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * One bad line of a batch.
     *
     * @param line    1-based line number in the body (blank lines count)
     * @param reason  {@link Reject#label()}
     * @param field   {@code series}, {@code timestamp}, {@code value} or {@code quality}; null when the line as a whole
     *                is wrong
     * @param message what was wrong and how to fix it
     */
    public record LineError(long line, String reason, String field, String message) {}

    /** The answer body. */
    public record Result(String code, String message, long accepted, long rejected, List<LineError> errors) {}

    private final byte[] token;
    private final TelemetryStore store;
    /** Reads NaN and Infinity as numbers only to reject them with a clear reason instead of a syntax error. */
    private final JsonFactory json = JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();
    private final PlantModel model;
    private final PointSink downstream;
    private final TimestampCheck timestamps;
    private final Counter points;
    private final Counter[] rejects = new Counter[Reject.values().length];
    private final Counter bodyTooLarge;
    private final io.lathe.api.IngestLimits limits;

    /**
     * @param token      null answers 403
     * @param store      null answers 503
     * @param model      the plant, to recognise series that are plant signals (by signal id); null for none
     * @param downstream where points of plant signals go after the store (the live state and the KPI engine), so HTTP
     *                   ingest shows on the dashboard like any connector; null to store only
     * @param timestamps the shared rule for timestamps ahead of the server clock
     */
    public IngestRoute(String token, TelemetryStore store, MeterRegistry metrics, PlantModel model, PointSink downstream,
                       TimestampCheck timestamps) {
        this(token, store, metrics, model, downstream, timestamps, io.lathe.api.IngestLimits.DEFAULTS);
    }

    /** As the other constructor, with the request limits to enforce. */
    public IngestRoute(String token, TelemetryStore store, MeterRegistry metrics, PlantModel model, PointSink downstream,
                       TimestampCheck timestamps, io.lathe.api.IngestLimits limits) {
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.store = store;
        this.model = model;
        this.downstream = downstream;
        this.timestamps = timestamps;
        this.points = Counter.builder(POINTS_METER).description("Points stored by POST /api/ingest").register(metrics);
        // Registered up front, so every reason shows in /metrics (at 0) before the first reject.
        for (Reject r : Reject.values()) {
            rejects[r.ordinal()] = Counter.builder(REJECTS_METER).tag("reason", r.label())
                    .description("Lines of POST /api/ingest rejected, by reason").register(metrics);
        }
        bodyTooLarge = Counter.builder(REFUSED_METER).tag("reason", "body-too-large")
                .description("Requests to POST /api/ingest refused or cut short, by reason").register(metrics);
    }

    public void handle(Context ctx) throws IOException {
        // Behind the access-control filter (ApiServer always installs it) the request is already authorized for ingest
        // by an API token with scope ingest (the legacy token is one); the check below serves the route on its own.
        if (!AuthFilter.authorized(ctx)) ownTokenCheck(ctx);
        if (store == null) {
            throw ApiError.of(503, "unavailable", "HTTP ingest is not available: this server runs without a telemetry store.");
        }
        handleAuthorized(ctx);
    }

    private void ownTokenCheck(Context ctx) {
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
    }

    private void handleAuthorized(Context ctx) throws IOException {
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
        boolean csv;
        if (type.startsWith("text/csv")) csv = true;
        else if (type.startsWith("application/x-ndjson") || type.startsWith("application/json")
                || type.startsWith("application/jsonl") || type.startsWith("application/x-jsonlines")) csv = false;
        else {
            throw ApiError.of(415, "unsupported_media_type", "cannot read a batch of Content-Type '" + ctx.contentType()
                    + "': send JSON lines as application/x-ndjson (or application/json) or CSV series,timestamp,value as text/csv.");
        }

        long declared = ctx.req().getContentLengthLong();
        if (declared > limits.maxBodyBytes()) {
            bodyTooLarge.increment();
            // The same answer shape as a body cut while streaming, so a client reads one schema for 413.
            ctx.status(413).json(new Result("body_too_large", "request body too large [bytes=" + declared + ", limit="
                    + limits.maxBodyBytes() + ", setting=" + io.lathe.api.IngestLimits.MAX_BODY_KEY + "]: nothing of this batch"
                    + " was read or stored. Split it into requests of at most " + limits.maxBodyBytes() + " bytes, or raise "
                    + io.lathe.api.IngestLimits.MAX_BODY_KEY + ".", 0, 0, List.of()));
            return;
        }
        Batch batch = new Batch(csv);
        // Javalin's http.maxRequestSize guards only bodies it buffers; this one is streamed, so it is counted here.
        BodyLines lines = new BodyLines(new LimitedInput(ctx.bodyInputStream(), limits.maxBodyBytes()), limits.maxLineBytes());
        boolean cut = false;
        try {
            // Checked before the first line too, so a batch is refused whole rather than from wherever the store was
            // first asked.
            String down = store.unavailableReason().orElse(null);
            if (down != null) throw new StoreUnavailable(down);
            while (lines.next()) batch.line(lines);
        } catch (StoreUnavailable e) {
            try {
                batch.refuseRest(lines);
            } catch (BodyTooLarge tooLarge) { // the rest is not counted beyond the limit
                bodyTooLarge.increment();
            }
            unavailable(ctx, batch, e.getMessage());
        } catch (BodyTooLarge e) {
            cut = true;
            bodyTooLarge.increment();
        } finally {
            batch.count();
        }
        // 200 (and 400, 413) mean: every accepted point is on disk.
        if (batch.accepted > 0) {
            try {
                store.sync();
            } catch (IOException | UncheckedIOException e) {
                unavailable(ctx, batch, "the write-ahead log could not force the points to disk: " + e.getMessage());
            }
        }
        if (cut) {
            ctx.status(413).json(new Result("body_too_large", "request body too large [limit=" + limits.maxBodyBytes()
                    + ", setting=" + io.lathe.api.IngestLimits.MAX_BODY_KEY + ", last-line-read=" + batch.lineNumber
                    + "]: reading stopped at the limit. " + batch.accepted + " points of lines 1 to " + batch.lineNumber
                    + " were stored durably (" + batch.rejected + " of those lines rejected, listed); nothing after line "
                    + batch.lineNumber + " was stored. Send the rest in requests of at most " + limits.maxBodyBytes()
                    + " bytes, or raise " + io.lathe.api.IngestLimits.MAX_BODY_KEY + ".", batch.accepted, batch.rejected, batch.errors));
            return;
        }
        answer(ctx, batch);
    }

    private void answer(Context ctx, Batch batch) {
        long accepted = batch.accepted, rejected = batch.rejected;
        if (rejected == 0) {
            ctx.status(200).json(new Result("ok", accepted + " points stored durably", accepted, 0, List.of()));
            return;
        }
        String more = rejected > batch.errors.size() ? " (the first " + batch.errors.size() + " are listed)" : "";
        String stored = "; the other " + accepted + " points of this batch were stored durably. ";
        if (batch.tooLarge > 0) {
            ctx.status(413).json(new Result("too_large", rejected + " lines rejected" + more + ", " + batch.tooLarge
                    + " of them over the size limit (a text value may hold " + MAX_VALUE_BYTES + " bytes of UTF-8, a line "
                    + limits.maxLineBytes() + " bytes, setting " + io.lathe.api.IngestLimits.MAX_LINE_KEY + ")" + newSeries(batch) + stored + "Shorten or split those values, fix the other listed lines, "
                    + "and send only those again.", accepted, rejected, batch.errors));
        } else {
            ctx.status(400).json(new Result("bad_lines", rejected + " lines rejected" + more + newSeries(batch) + stored
                    + "Fix the listed lines and send only those again.", accepted, rejected, batch.errors));
        }
    }

    private String newSeries(Batch batch) {
        long n = batch.rejectsByReason[Reject.NEW_SERIES_LIMIT.ordinal()];
        return n == 0 ? "" : ", " + n + " of them naming series beyond the " + limits.maxNewSeries() + " new series one request"
                + " may create (setting " + io.lathe.api.IngestLimits.MAX_NEW_SERIES_KEY + "; send them again in a later request)";
    }

    private static void unavailable(Context ctx, Batch batch, String why) {
        ctx.header("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
        String where = batch.lineNumber > 0 ? " [line=" + batch.lineNumber + "]" : "";
        throw ApiError.of(503, "unavailable", "the store cannot accept points now" + where + ": " + why
                + ". None of this batch is acknowledged; send all of it again once GET /health answers 200 (points already"
                + " stored are not duplicated: the last write per series and timestamp wins).");
    }

    /** The store refused a point for a reason that is not the line's fault: the batch ends with 503. */
    private static final class StoreUnavailable extends RuntimeException {
        StoreUnavailable(String message) {
            super(message, null, false, false);
        }
    }

    /** The body crossed {@code server.ingest.max-body-bytes} while streaming. */
    private static final class BodyTooLarge extends RuntimeException {
        BodyTooLarge() {
            super("request body over the limit", null, false, false);
        }
    }

    /** Counts the bytes read and fails once there are more than the limit, so an endless body is never read to its end. */
    private static final class LimitedInput extends java.io.InputStream {
        private final java.io.InputStream in;
        private final long max;
        private long count;

        LimitedInput(java.io.InputStream in, long max) {
            this.in = in;
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            // One byte past the limit is enough to know it is crossed.
            int n = in.read(b, off, (int) Math.min(len, max - count + 1));
            if (n > 0 && (count += n) > max) throw new BodyTooLarge();
            return n;
        }
    }

    /** A rejected line; stackless, since bad lines can be frequent. */
    private static final class BadLine extends Exception {
        final Reject reason;
        final String field;

        BadLine(Reject reason, String field, String message) {
            super(message, null, false, false);
            this.reason = reason;
            this.field = field;
        }
    }

    /** A series seen in this request: resolved once, then reused for each of its lines. */
    private static final class SeriesEntry {
        final String name;
        final Signal signal;
        /** Raw bytes of the name in a CSV line (the cache key) and their hash; empty for JSON. */
        final byte[] key;
        int hash;
        int id = -1;
        /** Null until the series exists in the store. */
        DataType type;

        SeriesEntry(String name, Signal signal, byte[] key, DataType type, int id) {
            this.name = name;
            this.signal = signal;
            this.key = key;
            this.type = type;
            this.id = id;
        }
    }

    private static final int NUMBER = 0, BOOLEAN = 1, TEXT = 2;

    /** The state of one request: scratch fields of the line being parsed, caches and counts. Not thread-safe. */
    private final class Batch {
        final boolean csv;
        final long limitMicros = timestamps.limitMicros();
        final List<LineError> errors = new ArrayList<>();
        final long[] rejectsByReason = new long[Reject.values().length];
        final DecimalText decimal = new DecimalText();
        /** CSV series by the bytes of their name: open addressing, linear probing, at most half full. */
        SeriesEntry[] csvSeries = new SeriesEntry[256];
        int csvSeriesCount;
        final Map<String, SeriesEntry> jsonSeries = new HashMap<>();
        long accepted, rejected, tooLarge, lineNumber;
        /** Series this request created in the store, against {@code server.ingest.max-new-series}. */
        int newSeries;
        long futureRejects;
        String firstFutureSeries;
        long firstFutureMicros;

        // The line being parsed.
        byte[] line;
        SeriesEntry series;
        long timestampMicros;
        int kind;
        double doubleValue;
        long longValue;
        boolean exactLong, integerLiteral, booleanValue;
        String text;
        /** CSV: the value's bytes, to store a number as text exactly as written; -1 when not from CSV. */
        int valueFrom = -1, valueTo;
        Quality quality;

        Batch(boolean csv) {
            this.csv = csv;
        }

        void line(BodyLines lines) throws IOException {
            long n = lines.number();
            lineNumber = n;
            try {
                if (lines.tooLong()) {
                    int max = limits.maxLineBytes();
                    throw new BadLine(Reject.TOO_LARGE, null, "line too long [line=" + n + ", bytes=" + lines.tooLongBytes()
                            + ", limit=" + max + ", setting=" + io.lathe.api.IngestLimits.MAX_LINE_KEY + "]: a line may hold "
                            + max + " bytes (a text value at most " + MAX_VALUE_BYTES + " bytes of UTF-8). Shorten or split the"
                            + " value, or raise " + io.lathe.api.IngestLimits.MAX_LINE_KEY + ".");
                }
                byte[] b = lines.bytes();
                int from = lines.start(), to = lines.end();
                if (isBlank(b, from, to)) return;
                line = b;
                quality = Quality.GOOD;
                valueFrom = -1;
                if (csv) {
                    if (n == 1 && isHeader(b, from, to)) return;
                    csvLine(b, from, to, n);
                } else {
                    jsonLine(b, from, to, n);
                }
                store(n);
                accepted++;
            } catch (BadLine e) {
                rejected++;
                rejectsByReason[e.reason.ordinal()]++;
                if (e.reason == Reject.TOO_LARGE) tooLarge++;
                if (errors.size() < MAX_LISTED_ERRORS) errors.add(new LineError(n, e.reason.label(), e.field, e.getMessage()));
            }
        }

        /**
         * Counts the lines from the current one to the end of the body as refused ({@link Reject#UNAVAILABLE}): reading
         * them costs a scan for line breaks, and every point not stored is counted.
         */
        void refuseRest(BodyLines lines) throws IOException {
            long refused = lines.number() > 0 && lineNumber == lines.number() ? 1 : 0; // the line the store refused
            while (lines.next()) {
                if (lines.tooLong()) refused++;
                else if (!isBlank(lines.bytes(), lines.start(), lines.end())
                        && !(csv && lines.number() == 1 && isHeader(lines.bytes(), lines.start(), lines.end()))) refused++;
            }
            rejectsByReason[Reject.UNAVAILABLE.ordinal()] += refused;
        }

        /** Adds this request's rejects to the meters (once per request, not per line). */
        void count() {
            if (accepted > 0) points.increment(accepted);
            for (int i = 0; i < rejectsByReason.length; i++) if (rejectsByReason[i] > 0) rejects[i].increment(rejectsByReason[i]);
            if (futureRejects > 0) {
                timestamps.rejected(CONNECTION, firstFutureSeries, firstFutureMicros, limitMicros, (int) Math.min(Integer.MAX_VALUE, futureRejects));
            }
        }

        // ------------------------------------------------------------------ CSV

        private void csvLine(byte[] b, int from, int to, long n) throws BadLine {
            // Field 1: series.
            int end = fieldEnd(b, from, to, n, 1);
            series = csvSeries(b, from, end, n);
            if (end == to) throw fieldCount(n, 1);
            // Field 2: timestamp.
            int tsFrom = end + 1;
            end = fieldEnd(b, tsFrom, to, n, 2);
            if (end == to) throw fieldCount(n, 2);
            timestampMicros = csvTimestamp(b, tsFrom, end, n);
            // Field 3: value, the rest of the line.
            int valueStart = end + 1;
            end = fieldEnd(b, valueStart, to, n, 3);
            if (end != to) throw fieldCount(n, 3 + countFields(b, end + 1, to));
            csvValue(b, valueStart, end, n);
        }

        /** End of the field starting at {@code from}: the index of its comma, or {@code to}. */
        private int fieldEnd(byte[] b, int from, int to, long n, int field) throws BadLine {
            int i = skipBlanks(b, from, to);
            if (i < to && b[i] == '"') {
                for (i++; i < to; i++) {
                    if (b[i] == '"') {
                        if (i + 1 < to && b[i + 1] == '"') i++;
                        else break;
                    }
                }
                if (i == to) {
                    throw new BadLine(Reject.SYNTAX, FIELDS[field - 1], "unclosed quote [line=" + n + ", field=" + FIELDS[field - 1]
                            + "]: a quoted field must end with a quote. Write a quote inside a quoted field as two (\"\").");
                }
                i = skipBlanks(b, i + 1, to);
                if (i < to && b[i] != ',') {
                    throw new BadLine(Reject.SYNTAX, FIELDS[field - 1], "text after a closing quote [line=" + n + ", field="
                            + FIELDS[field - 1] + "]: a quoted field ends at its closing quote. Quote the whole field and"
                            + " double the quotes inside it (\"\").");
                }
                return i;
            }
            for (; i < to; i++) {
                if (b[i] == ',') return i;
                if (b[i] == '"') {
                    throw new BadLine(Reject.SYNTAX, FIELDS[field - 1], "quote inside an unquoted field [line=" + n + ", field="
                            + FIELDS[field - 1] + "]: a field with quotes must be quoted as a whole. Write it as \"...\" with"
                            + " every quote inside doubled (\"\").");
                }
            }
            return to;
        }

        private int countFields(byte[] b, int from, int to) {
            int count = 1;
            boolean quoted = false;
            for (int i = from; i < to; i++) {
                if (b[i] == '"') quoted = !quoted;
                else if (b[i] == ',' && !quoted) count++;
            }
            return count;
        }

        private BadLine fieldCount(long n, int found) {
            return new BadLine(Reject.SYNTAX, null, "wrong number of fields [line=" + n + ", fields=" + found + "]: a CSV line"
                    + " is series,timestamp,value. Quote a field that holds a comma (\"a,b\").");
        }

        private SeriesEntry csvSeries(byte[] b, int from, int to, long n) throws BadLine {
            from = skipBlanks(b, from, to);
            to = trimBlanks(b, from, to);
            boolean quoted = to - from >= 2 && b[from] == '"';
            if (quoted) {
                from++;
                to--;
            }
            int h = 1;
            for (int i = from; i < to; i++) h = 31 * h + b[i];
            h ^= h >>> 16;
            SeriesEntry[] table = csvSeries;
            int mask = table.length - 1;
            int slot = h & mask;
            for (SeriesEntry e; (e = table[slot]) != null; slot = (slot + 1) & mask) {
                if (e.hash == h && Arrays.equals(e.key, 0, e.key.length, b, from, to)) return e;
            }
            String name = csvText(b, from, to, quoted, n, "series");
            SeriesEntry e = resolve(name.strip(), n, Arrays.copyOfRange(b, from, to));
            e.hash = h;
            table[slot] = e;
            if (++csvSeriesCount * 2 > table.length) growCsvSeries();
            return e;
        }

        private void growCsvSeries() {
            SeriesEntry[] bigger = new SeriesEntry[csvSeries.length * 2];
            int mask = bigger.length - 1;
            for (SeriesEntry e : csvSeries) {
                if (e == null) continue;
                int slot = e.hash & mask;
                while (bigger[slot] != null) slot = (slot + 1) & mask;
                bigger[slot] = e;
            }
            csvSeries = bigger;
        }

        private long csvTimestamp(byte[] b, int from, int to, long n) throws BadLine {
            from = skipBlanks(b, from, to);
            to = trimBlanks(b, from, to);
            if (to - from >= 2 && b[from] == '"' && b[to - 1] == '"') {
                from++;
                to--;
            }
            // Epoch milliseconds, the common case, without a String.
            int i = from;
            boolean negative = i < to && b[i] == '-';
            if (negative) i++;
            if (i < to && to - i <= 18) {
                long ms = 0;
                for (; i < to && b[i] >= '0' && b[i] <= '9'; i++) ms = ms * 10 + (b[i] - '0');
                if (i == to) {
                    if (ms > Long.MAX_VALUE / 1000) throw timestampRange(n, new String(b, from, to - from, StandardCharsets.ISO_8859_1));
                    return checkTimestamp((negative ? -ms : ms) * 1000L, n, b, from, to);
                }
            }
            String s = csvText(b, from, to, false, n, "timestamp");
            return checkTimestamp(parseTimestamp(s, n), n, b, from, to);
        }

        private void csvValue(byte[] b, int from, int to, long n) throws BadLine {
            from = skipBlanks(b, from, to);
            to = trimBlanks(b, from, to);
            boolean quoted = to - from >= 2 && b[from] == '"';
            if (quoted) {
                from++;
                to--;
            }
            if (to == from) throw new BadLine(Reject.VALUE, "value", "value is empty [line=" + n + ", field=value]: send a"
                    + " number, true/false or text.");
            int first = b[from];
            boolean numberLike = first >= '0' && first <= '9' || first == '-' || first == '+' || first == '.';
            if (numberLike || !quoted && isNonFiniteWord(b, from, to)) {
                int r = decimal.parse(b, from, to);
                if (r == DecimalText.OK) {
                    number(b, from, to);
                    return;
                }
                if (!quoted) {
                    String v = abbreviate(new String(b, from, to - from, StandardCharsets.UTF_8));
                    if (r == DecimalText.OVERFLOW) {
                        throw new BadLine(Reject.VALUE, "value", "number out of range [line=" + n + ", field=value, value=" + v
                                + "]: beyond the largest double (±1.8e308). Send a smaller number.");
                    }
                    if (isNonFiniteWord(b, from, to)) {
                        throw new BadLine(Reject.VALUE, "value", "non-finite number [line=" + n + ", field=value, value=" + v
                                + "]: NaN and infinities are not stored (they would read back as null). Send a finite number,"
                                + " or leave the point out.");
                    }
                    throw new BadLine(Reject.VALUE, "value", "not a decimal number [line=" + n + ", field=value, value=" + v
                            + "]: numbers are written like -12.5, 1.5e3 or .5 (Java or hexadecimal forms such as 1.5d or"
                            + " 0x1p3 are not accepted). Fix the number, or quote the field to store it as text.");
                }
            } else if ((to - from == 4 || to - from == 5) && isBoolean(b, from, to)) {
                kind = BOOLEAN;
                booleanValue = to - from == 4;
                return;
            }
            kind = TEXT;
            valueFrom = from;
            valueTo = to;
            text = null; // decoded only if the series keeps text
            checkTextBytes(b, from, to, n);
        }

        private void number(byte[] b, int from, int to) {
            kind = NUMBER;
            doubleValue = decimal.doubleValue();
            integerLiteral = decimal.isInteger();
            exactLong = decimal.fitsLong();
            longValue = decimal.longValue();
            valueFrom = from;
            valueTo = to;
        }

        private void checkTextBytes(byte[] b, int from, int to, long n) throws BadLine {
            if (to - from > MAX_VALUE_BYTES) throw tooLarge(n, to - from);
            if (!Utf8.isAscii(b, from, to)) {
                int bad = Utf8.firstInvalid(b, from, to);
                if (bad >= 0) throw encoding(n, "value", bad - from + 1);
            }
        }

        /** A CSV field as a String: validated as UTF-8, quotes unescaped when it was quoted. */
        private String csvText(byte[] b, int from, int to, boolean quoted, long n, String field) throws BadLine {
            if (!Utf8.isAscii(b, from, to)) {
                int bad = Utf8.firstInvalid(b, from, to);
                if (bad >= 0) throw encoding(n, field, bad - from + 1);
            }
            String s = new String(b, from, to - from, StandardCharsets.UTF_8);
            return quoted && s.indexOf('"') >= 0 ? s.replace("\"\"", "\"") : s;
        }

        // ------------------------------------------------------------------ JSON lines

        private void jsonLine(byte[] b, int from, int to, long n) throws BadLine, IOException {
            if (!Utf8.isAscii(b, from, to)) {
                int bad = Utf8.firstInvalid(b, from, to);
                if (bad >= 0) throw encoding(n, null, bad - from + 1);
            }
            String name = null;
            boolean hasTimestamp = false, hasValue = false, hasQuality = false;
            try (JsonParser p = json.createParser(b, from, to - from)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new BadLine(Reject.SYNTAX, null, "not a JSON object [line=" + n + "]: send one JSON object"
                            + " {\"series\", \"timestamp\", \"value\"} per line.");
                }
                JsonToken t;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    JsonToken v = p.nextToken();
                    switch (f) {
                        case "series" -> {
                            if (name != null) throw twice(n, f);
                            if (v != JsonToken.VALUE_STRING) throw new BadLine(Reject.SERIES, "series", "series is not a string [line="
                                    + n + ", field=series]: send the series name as a JSON string.");
                            name = p.getText();
                        }
                        case "timestamp" -> {
                            if (hasTimestamp) throw twice(n, f);
                            hasTimestamp = true;
                            timestampMicros = jsonTimestamp(p, v, n); // checked once the series is known
                        }
                        case "value" -> {
                            if (hasValue) throw twice(n, f);
                            hasValue = true;
                            jsonValue(p, v, n);
                        }
                        case "quality" -> {
                            if (hasQuality) throw twice(n, f);
                            hasQuality = true;
                            if (v != JsonToken.VALUE_NULL) { // null: the default, good
                                if (v != JsonToken.VALUE_STRING) throw badQuality(n, p.getText());
                                quality = quality(p.getText(), n);
                            }
                        }
                        default -> p.skipChildren(); // other fields are allowed and ignored
                    }
                }
                if (t != JsonToken.END_OBJECT) throw new BadLine(Reject.SYNTAX, null, "not a JSON object [line=" + n + "].");
                if (p.nextToken() != null) {
                    throw new BadLine(Reject.SYNTAX, null, "more than one JSON value on the line [line=" + n + ", column="
                            + p.currentTokenLocation().getColumnNr() + "]: the rest of the line would be lost. Send one JSON"
                            + " object per line.");
                }
            } catch (JsonProcessingException e) { // syntax, and Jackson's limits (number length, nesting)
                String m = e.getOriginalMessage();
                int cut = m == null ? -1 : m.indexOf('\n');
                String column = e.getLocation() == null ? "" : ", column=" + e.getLocation().getColumnNr();
                throw new BadLine(Reject.SYNTAX, null, "not valid JSON [line=" + n + column + "]: "
                        + abbreviate(cut < 0 ? String.valueOf(m) : m.substring(0, cut)) + ". Send one JSON object"
                        + " {\"series\", \"timestamp\", \"value\"} per line.");
            }
            if (name == null) throw new BadLine(Reject.SERIES, "series", "series is missing [line=" + n + ", field=series]:"
                    + " each line needs \"series\", \"timestamp\" and \"value\".");
            if (!hasTimestamp) throw new BadLine(Reject.TIMESTAMP, "timestamp", "timestamp is missing [line=" + n
                    + ", field=timestamp]: each line needs \"series\", \"timestamp\" and \"value\".");
            if (!hasValue) throw new BadLine(Reject.VALUE, "value", "value is missing [line=" + n + ", field=value]: each"
                    + " line needs \"series\", \"timestamp\" and \"value\" (null is not a value).");
            SeriesEntry e = jsonSeries.get(name);
            if (e == null) {
                e = resolve(name.strip(), n, null);
                jsonSeries.put(name, e);
            }
            series = e;
            timestampMicros = checkTimestamp(timestampMicros, n, null, 0, 0);
        }

        private long jsonTimestamp(JsonParser p, JsonToken v, long n) throws BadLine, IOException {
            if (v == JsonToken.VALUE_NUMBER_INT) {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) throw timestampRange(n, p.getText());
                long ms = p.getLongValue();
                long micros;
                try {
                    micros = Math.multiplyExact(ms, 1000L);
                } catch (ArithmeticException e) {
                    throw timestampRange(n, p.getText());
                }
                return micros;
            }
            if (v == JsonToken.VALUE_STRING) return parseTimestamp(p.getText(), n);
            if (v == JsonToken.VALUE_NULL) throw new BadLine(Reject.TIMESTAMP, "timestamp", "timestamp is missing [line=" + n
                    + ", field=timestamp]: null is not a time.");
            throw new BadLine(Reject.TIMESTAMP, "timestamp", "timestamp is neither a string nor an integer [line=" + n
                    + ", field=timestamp, value=" + abbreviate(p.getText()) + "]: send an ISO-8601 string such as"
                    + " \"2026-01-01T07:00:00Z\" or epoch milliseconds such as 1767250800000.");
        }

        private void jsonValue(JsonParser p, JsonToken v, long n) throws BadLine, IOException {
            switch (v) {
                case VALUE_NUMBER_INT -> {
                    kind = NUMBER;
                    integerLiteral = true;
                    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                        exactLong = false;
                        text = p.getText();
                        doubleValue = p.getDoubleValue();
                    } else {
                        exactLong = true;
                        longValue = p.getLongValue();
                        doubleValue = longValue;
                        text = null;
                    }
                }
                case VALUE_NUMBER_FLOAT -> {
                    kind = NUMBER;
                    integerLiteral = exactLong = false;
                    doubleValue = p.getDoubleValue();
                    text = null;
                    if (!Double.isFinite(doubleValue)) {
                        String literal = abbreviate(p.getText());
                        if (Character.isDigit(literal.charAt(literal.length() - 1))) {
                            throw new BadLine(Reject.VALUE, "value", "number out of range [line=" + n + ", field=value, value="
                                    + literal + "]: beyond the largest double (±1.8e308). Send a smaller number.");
                        }
                        throw new BadLine(Reject.VALUE, "value", "non-finite number [line=" + n + ", field=value, value=" + literal
                                + "]: NaN and infinities are not stored (they would read back as null). Send a finite number,"
                                + " or leave the point out.");
                    }
                }
                case VALUE_TRUE, VALUE_FALSE -> {
                    kind = BOOLEAN;
                    booleanValue = v == JsonToken.VALUE_TRUE;
                }
                case VALUE_STRING -> {
                    kind = TEXT;
                    text = p.getText();
                    if (text.length() > MAX_VALUE_BYTES / 3) {
                        long bytes = utf8Length(text);
                        if (bytes > MAX_VALUE_BYTES) throw tooLarge(n, bytes);
                    }
                }
                case VALUE_NULL -> throw new BadLine(Reject.VALUE, "value", "value is missing [line=" + n + ", field=value]:"
                        + " null is not a value; leave the point out instead.");
                default -> throw new BadLine(Reject.VALUE, "value", "value is not a number, boolean or string [line=" + n
                        + ", field=value]: objects and arrays are not values.");
            }
        }

        // ------------------------------------------------------------------ shared checks

        private SeriesEntry resolve(String name, long n, byte[] key) throws BadLine {
            if (name.isEmpty()) throw new BadLine(Reject.SERIES, "series", "series name is empty [line=" + n + ", field=series].");
            if (name.length() > MAX_SERIES_LENGTH) {
                throw new BadLine(Reject.SERIES, "series", "series name too long [line=" + n + ", field=series, length="
                        + name.length() + ", limit=" + MAX_SERIES_LENGTH + "]: use a shorter name.");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                // Control and invisible format characters (a byte order mark, zero-width spaces) would make names that
                // look alike but are different series.
                if (c < 0x20 || c >= 0x7F && (Character.getType(c) == Character.CONTROL || Character.getType(c) == Character.FORMAT)) {
                    throw new BadLine(Reject.SERIES, "series", "invisible or control character in series name [line=" + n
                            + ", field=series, character=" + (i + 1) + ", code=U+" + String.format("%04X", (int) c)
                            + "]: names are printable text. Remove the character (a byte order mark or zero-width space?).");
                }
            }
            DataType type = store.typeOf(name).orElse(null);
            int id = type == null ? -1 : store.seriesId(name, type);
            return new SeriesEntry(name, model == null ? null : model.signal(name), key == null ? new byte[0] : key, type, id);
        }

        private long parseTimestamp(String s, long n) throws BadLine {
            try {
                return Times.parseMicros(s);
            } catch (IllegalArgumentException e) {
                throw new BadLine(Reject.TIMESTAMP, "timestamp", "unreadable timestamp [line=" + n + ", field=timestamp, value="
                        + abbreviate(s) + "]: " + e.getMessage() + ".");
            }
        }

        private long checkTimestamp(long micros, long n, byte[] b, int from, int to) throws BadLine {
            if (TimestampCheck.isTooFarAhead(micros, limitMicros)) {
                if (futureRejects++ == 0) {
                    firstFutureSeries = series.name;
                    firstFutureMicros = micros;
                }
                throw new BadLine(Reject.FUTURE_TIMESTAMP, "timestamp",
                        withLine(timestamps.message(CONNECTION, series.name, micros, limitMicros), n));
            }
            if (micros < MIN_TIMESTAMP_MICROS || micros > MAX_TIMESTAMP_MICROS) {
                throw timestampRange(n, b != null ? new String(b, from, to - from, StandardCharsets.UTF_8) : Times.iso(micros));
            }
            return micros;
        }

        private BadLine timestampRange(long n, String value) {
            return new BadLine(Reject.TIMESTAMP, "timestamp", "timestamp out of range [line=" + n + ", field=timestamp, value="
                    + abbreviate(value) + "]: the store keeps times from " + Times.iso(MIN_TIMESTAMP_MICROS) + " to "
                    + Times.iso(MAX_TIMESTAMP_MICROS) + ". Check the unit: epoch milliseconds, not micro- or nanoseconds.");
        }

        private Quality quality(String label, long n) throws BadLine {
            for (Quality q : Quality.values()) if (q.label().equalsIgnoreCase(label) || q.name().equalsIgnoreCase(label)) return q;
            throw badQuality(n, label);
        }

        private BadLine badQuality(long n, String label) {
            return new BadLine(Reject.QUALITY, "quality", "unknown quality [line=" + n + ", field=quality, value="
                    + abbreviate(label) + "]: must be one of good, uncertain, bad, stale.");
        }

        private BadLine twice(long n, String field) {
            return new BadLine(Reject.SYNTAX, field, "field given twice [line=" + n + ", field=" + field + "]: which one is"
                    + " meant is unclear. Send each field once.");
        }

        private BadLine encoding(long n, String field, int byteInField) {
            return new BadLine(Reject.ENCODING, field, "invalid UTF-8 [line=" + n + (field == null ? "" : ", field=" + field)
                    + ", byte=" + byteInField + "]: the bytes are not UTF-8 (Latin-1 or Windows-1252 text?). Send the body"
                    + " encoded as UTF-8.");
        }

        private BadLine tooLarge(long n, long bytes) {
            return new BadLine(Reject.TOO_LARGE, "value", "value too large [line=" + n + ", field=value, bytes=" + bytes
                    + ", limit=" + MAX_VALUE_BYTES + "]: a text value may hold at most " + MAX_VALUE_BYTES + " bytes of UTF-8."
                    + " Shorten or split it.");
        }

        // ------------------------------------------------------------------ store

        /**
         * Appends the parsed point, creating its series when new: numbers DOUBLE (LONG when the first value is an integer
         * beyond ±2^53), booleans BOOLEAN, other text TEXT. Later values must fit the series' type.
         */
        private void store(long n) throws BadLine {
            SeriesEntry s = series;
            long ts = timestampMicros;
            Quality q = quality;
            Value downstreamValue = null;
            boolean ok;
            try {
                if (s.type == null) {
                    if (newSeries >= limits.maxNewSeries() && store.typeOf(s.name).isEmpty()) {
                        throw new BadLine(Reject.NEW_SERIES_LIMIT, "series", "too many new series in one request [line=" + n
                                + ", field=series, series=" + abbreviate(s.name) + ", limit=" + limits.maxNewSeries() + ", setting="
                                + io.lathe.api.IngestLimits.MAX_NEW_SERIES_KEY + "]: this request already created "
                                + newSeries + " series. Send this line again in a later request, or raise "
                                + io.lathe.api.IngestLimits.MAX_NEW_SERIES_KEY + " if this many new series are expected.");
                    }
                    newSeries++;
                    DataType kindType = switch (kind) {
                        case TEXT -> DataType.TEXT;
                        case BOOLEAN -> DataType.BOOLEAN;
                        default -> exactLong && (longValue > EXACT_DOUBLE_INTEGER || longValue < -EXACT_DOUBLE_INTEGER)
                                ? DataType.LONG : DataType.DOUBLE;
                    };
                    s.id = store.seriesId(s.name, kindType);
                    s.type = store.typeOf(s.name).orElse(kindType); // another request may have defined it first
                }
                switch (s.type) {
                    case DOUBLE -> {
                        double d = switch (kind) {
                            case NUMBER -> doubleValue;
                            case BOOLEAN -> booleanValue ? 1 : 0;
                            default -> throw typeMismatch(n, s, valueText());
                        };
                        ok = store.append(s.id, ts, d, q);
                        if (s.signal != null) downstreamValue = Value.of(d);
                    }
                    case LONG -> {
                        long l = switch (kind) {
                            case NUMBER -> longOf(n, s);
                            case BOOLEAN -> booleanValue ? 1 : 0;
                            default -> throw typeMismatch(n, s, valueText());
                        };
                        ok = store.appendLong(s.id, ts, l, q);
                        if (s.signal != null) downstreamValue = Value.of(l);
                    }
                    case BOOLEAN -> {
                        boolean v = switch (kind) {
                            case BOOLEAN -> booleanValue;
                            case NUMBER -> {
                                if (doubleValue != 0 && doubleValue != 1) throw typeMismatch(n, s, valueText());
                                yield doubleValue == 1;
                            }
                            default -> throw typeMismatch(n, s, valueText());
                        };
                        ok = store.appendBoolean(s.id, ts, v, q);
                        if (s.signal != null) downstreamValue = Value.of(v);
                    }
                    case TEXT -> {
                        String v = valueText();
                        ok = store.appendText(s.id, ts, v, q);
                        if (s.signal != null) downstreamValue = Value.of(v);
                    }
                    default -> throw new AssertionError(s.type);
                }
            } catch (PointRejectedException e) {
                String m = withLine(e.getMessage(), n);
                switch (e.reason()) {
                    case UNAVAILABLE, CLOSED -> throw new StoreUnavailable(e.getMessage());
                    case TOO_LARGE -> throw new BadLine(Reject.TOO_LARGE, "value", m);
                    case OUT_OF_RANGE_TIMESTAMP -> throw new BadLine(Reject.TIMESTAMP, "timestamp", m);
                    case LATE -> throw new BadLine(Reject.LATE, "timestamp", m);
                    case TYPE_MISMATCH -> throw new BadLine(Reject.TYPE, "value", m);
                    default -> throw e; // ERROR is a bug in the store: a 500, logged
                }
            } catch (IllegalStateException e) { // closed, or opened read-only
                throw new StoreUnavailable(e.getMessage());
            }
            if (!ok) {
                throw new BadLine(Reject.LATE, "timestamp", "point too late [line=" + n + ", field=timestamp, series="
                        + abbreviate(s.name) + ", timestamp=" + Times.iso(ts) + ", late-window=" + store.settings().lateWindow()
                        + "]: older than the series' newest point by more than the store's late window. Send points in time"
                        + " order, or raise store.late-window.");
            }
            if (downstream != null && downstreamValue != null) downstream.accept(s.signal, ts, downstreamValue, q, false);
        }

        private long longOf(long n, SeriesEntry s) throws BadLine {
            if (exactLong) return longValue;
            double d = doubleValue;
            if (integerLiteral || d >= 0x1p63 || d < -0x1p63) {
                throw new BadLine(Reject.VALUE, "value", "integer out of range [line=" + n + ", field=value, series="
                        + abbreviate(s.name) + ", value=" + abbreviate(valueText()) + "]: the series holds 64-bit integers"
                        + " (long), from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE + ". Send a value in that range.");
            }
            if (d != Math.rint(d)) throw typeMismatch(n, s, valueText());
            return (long) d;
        }

        /** The value as text, exactly as sent where it was a number (so a text series keeps "1.50" as "1.50"). */
        private String valueText() {
            if (kind == TEXT && text != null) return text;
            if (valueFrom >= 0) return new String(line, valueFrom, valueTo - valueFrom, StandardCharsets.UTF_8)
                    .replace("\"\"", "\""); // CSV
            if (kind == BOOLEAN) return Boolean.toString(booleanValue);
            if (text != null) return text; // JSON big integer
            return exactLong ? Long.toString(longValue) : Double.toString(doubleValue);
        }

        private BadLine typeMismatch(long n, SeriesEntry s, String value) {
            String type = s.type.name().toLowerCase(Locale.ROOT);
            String hint = switch (s.type) {
                case DOUBLE -> "Send a number";
                case LONG -> "Send an integer";
                case BOOLEAN -> "Send true/false (or 1/0)";
                case TEXT -> "Send text";
            };
            return new BadLine(Reject.TYPE, "value", "value does not fit the series [line=" + n + ", field=value, series="
                    + abbreviate(s.name) + ", type=" + type + ", value=" + abbreviate(value) + "]: series '" + abbreviate(s.name)
                    + "' holds " + type + " values; '" + abbreviate(value) + "' is not one. " + hint + ", or write this value to"
                    + " another series.");
        }
    }

    private static final String[] FIELDS = {"series", "timestamp", "value"};

    /** A message in Lathe's shape {@code what [k=v, …]: why} with {@code line=n} added as the first key. */
    private static String withLine(String message, long n) {
        int bracket = message.indexOf('[');
        return bracket < 0 ? message + " [line=" + n + "]"
                : message.substring(0, bracket + 1) + "line=" + n + ", " + message.substring(bracket + 1);
    }

    private static boolean isBlank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] != ' ' && b[i] != '\t') return false;
        return true;
    }

    private static int skipBlanks(byte[] b, int from, int to) {
        while (from < to && (b[from] == ' ' || b[from] == '\t')) from++;
        return from;
    }

    private static int trimBlanks(byte[] b, int from, int to) {
        while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) to--;
        return to;
    }

    /** The header {@code series,timestamp,value} (any case, fields optionally quoted, blanks around them). */
    private static boolean isHeader(byte[] b, int from, int to) {
        String l = new String(b, from, Math.min(to - from, 64), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT)
                .replace("\"", "").replace(" ", "").replace("\t", "");
        return l.startsWith("series,");
    }

    private static boolean isBoolean(byte[] b, int from, int to) {
        return to - from == 4 ? regionEqualsIgnoreCase(b, from, "true") : regionEqualsIgnoreCase(b, from, "false");
    }

    /** {@code nan}, {@code inf}, {@code infinity} in any case: what other tools write for non-finite numbers. */
    private static boolean isNonFiniteWord(byte[] b, int from, int to) {
        int len = to - from;
        if (len > 0 && (b[from] == '+' || b[from] == '-')) {
            from++;
            len--;
        }
        return len == 3 && (regionEqualsIgnoreCase(b, from, "nan") || regionEqualsIgnoreCase(b, from, "inf"))
                || len == 8 && regionEqualsIgnoreCase(b, from, "infinity");
    }

    private static boolean regionEqualsIgnoreCase(byte[] b, int from, String ascii) {
        for (int i = 0; i < ascii.length(); i++) if ((b[from + i] | 0x20) != ascii.charAt(i)) return false;
        return true;
    }

    private static long utf8Length(String s) {
        long bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) bytes++;
            else if (c < 0x800) bytes += 2;
            else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else bytes += 3;
        }
        return bytes;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
