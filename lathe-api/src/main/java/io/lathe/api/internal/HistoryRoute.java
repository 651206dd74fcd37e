package io.lathe.api.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.javalin.http.Context;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.store.Aggregation;
import io.lathe.store.Bucket;
import io.lathe.store.SeriesData;
import io.lathe.store.TelemetryStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;

/**
 * {@code GET /api/signals/{id}/history?from=&to=&buckets=&agg=&format=}: raw points, or one aggregate per non-empty
 * time bucket, of a plant signal or any series in the store, as JSON or CSV ({@code agg=m4}: min, max, first and last
 * of each bucket in one JSON row, for charts).
 */
public final class HistoryRoute {
    /** Most buckets one request may ask for. */
    public static final int MAX_BUCKETS = 10_000;
    /** Most raw points one request returns; past it the caller is asked to use buckets or a narrower range. */
    public static final int MAX_RAW_POINTS = 200_000;
    static final long HOUR_MICROS = 3_600_000_000L;
    /**
     * Earliest {@code from} and latest {@code to} a request may name: the store's timestamp range (0001-01-01T00:00:00Z to
     * 9999-12-31T23:59:59.999999Z), whose width still fits the µs arithmetic of buckets.
     */
    public static final long MIN_MICROS = TelemetryStore.MIN_TIMESTAMP_MICROS;
    public static final long MAX_MICROS = TelemetryStore.MAX_TIMESTAMP_MICROS;

    private final PlantModel model;
    private final TelemetryStore store;
    private final InstantSource clock;
    private final JsonFactory json = new JsonFactory();

    /** @param store null answers 503 */
    public HistoryRoute(PlantModel model, TelemetryStore store, InstantSource clock) {
        this.model = model;
        this.store = store;
        this.clock = clock;
    }

    public void handle(Context ctx) throws IOException {
        String id = ctx.pathParam("id");
        if (store == null) {
            throw ApiError.of(503, "unavailable", "history is not available [signal=" + id + "]: this server runs without a telemetry store.");
        }
        if (model.signal(id) == null && store.typeOf(id).isEmpty()) throw ApiError.notFound("signal", id);

        long nowMicros = clock.instant().toEpochMilli() * 1000L;
        long to = param(ctx, "to", nowMicros + 1);
        long from = param(ctx, "from", to - HOUR_MICROS);
        if (from >= to) {
            throw ApiError.badRequest("from", ctx.queryParam("from"), "must be before to [to=" + Times.iso(to) + "]");
        }
        Integer buckets = null;
        String b = ctx.queryParam("buckets");
        if (b != null && !b.isBlank()) {
            try {
                buckets = Integer.parseInt(b.trim());
            } catch (NumberFormatException e) {
                buckets = -1;
            }
            if (buckets < 1 || buckets > MAX_BUCKETS) {
                throw ApiError.badRequest("buckets", b, "must be a whole number in [1, " + MAX_BUCKETS + "]; leave it out for raw points");
            }
        }
        Aggregation agg = Aggregation.AVG;
        String a = ctx.queryParam("agg");
        // agg=m4: min, max, first and last of each bucket in one pass (M4, Jugel et al. 2014), what a chart needs to draw
        // every pixel column exactly; "v" stays the average so clients reading only "v" still get a sensible line.
        boolean m4 = a != null && a.trim().equalsIgnoreCase("m4");
        if (m4) {
            a = null;
        }
        if (a != null && !a.isBlank()) {
            try {
                agg = Aggregation.parse(a.trim());
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("agg", a, "must be one of avg, min, max, sum, count, first, last, twa, m4");
            }
        }
        String format = ctx.queryParam("format");
        boolean csv;
        if (format == null || format.isBlank() || format.equalsIgnoreCase("json")) csv = false;
        else if (format.equalsIgnoreCase("csv")) csv = true;
        else throw ApiError.badRequest("format", format, "must be json or csv");
        DataType type = store.typeOf(id).orElse(model.signal(id) == null ? DataType.DOUBLE : model.signal(id).dataType());
        if (m4 && csv) throw ApiError.badRequest("agg", "m4", "is served as JSON only (one row holds min, max, first and last); leave format out");
        if (buckets != null && type == DataType.TEXT && agg != Aggregation.COUNT) {
            throw ApiError.badRequest("agg", agg.label(), "a text signal can only be bucketed with agg=count; leave buckets out for its raw values");
        }

        if (buckets == null) {
            // Count first from block statistics (cheap), so a huge range is refused before it is read into memory.
            List<Bucket> total = store.aggregate(id, from, to, 1);
            long n = total.isEmpty() ? 0 : total.getFirst().count();
            if (n > MAX_RAW_POINTS) {
                throw ApiError.badRequest("buckets", null, "the range holds " + n + " points, more than "
                        + MAX_RAW_POINTS + " raw points per request; ask for buckets (for example buckets=1000) or narrow from/to");
            }
            SeriesData d = store.raw(id, from, to);
            if (csv) writeCsv(ctx, id, from, to, d, null, agg);
            else writeJson(ctx, id, from, to, "raw", null, d, null, agg);
        } else {
            List<Bucket> list = store.aggregate(id, from, to, buckets);
            if (csv) writeCsv(ctx, id, from, to, null, list, agg);
            else writeJson(ctx, id, from, to, m4 ? "m4" : agg.label(), buckets, null, list, agg);
        }
    }

    private static long param(Context ctx, String name, long otherwise) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return otherwise;
        long micros;
        try {
            micros = Times.parseMicros(v);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(name, v, e.getMessage());
        }
        if (micros < MIN_MICROS || micros > MAX_MICROS) {
            throw ApiError.badRequest(name, v, "must be between " + Times.iso(MIN_MICROS) + " and " + Times.iso(MAX_MICROS)
                    + " [min=" + MIN_MICROS / 1000 + ", max=" + MAX_MICROS / 1000 + " epoch milliseconds]: no point is stored"
                    + " outside that range. Narrow the range (leave from/to out for the last hour).");
        }
        return micros;
    }

    private void writeJson(Context ctx, String id, long from, long to, String agg, Integer buckets, SeriesData raw,
                           List<Bucket> list, Aggregation a) throws IOException {
        ctx.status(200).contentType("application/json");
        OutputStream out = ctx.outputStream();
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("signal", id);
            g.writeStringField("from", Times.iso(from));
            g.writeStringField("to", Times.iso(to));
            g.writeStringField("agg", agg);
            if (buckets == null) g.writeNullField("buckets");
            else g.writeNumberField("buckets", buckets);
            g.writeArrayFieldStart("points");
            if (raw != null) {
                for (int i = 0; i < raw.size(); i++) {
                    point(g, raw.timestampAt(i));
                    switch (raw.type()) {
                        case DOUBLE -> number(g, raw.doubleAt(i));
                        case LONG -> g.writeNumber(raw.bits()[i]);
                        case BOOLEAN -> g.writeBoolean(raw.bits()[i] != 0);
                        case TEXT -> g.writeString(raw.text()[i]);
                    }
                    g.writeEndObject();
                }
            } else {
                boolean m4 = "m4".equals(agg);
                for (Bucket b : list) {
                    point(g, b.startMicros());
                    if (a == Aggregation.COUNT) g.writeNumber(b.count());
                    else number(g, b.value(a));
                    if (m4) {
                        g.writeFieldName("min");
                        number(g, b.min());
                        g.writeFieldName("max");
                        number(g, b.max());
                        g.writeFieldName("first");
                        number(g, b.first());
                        g.writeFieldName("last");
                        number(g, b.last());
                        g.writeNumberField("count", b.count());
                    }
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void point(JsonGenerator g, long micros) throws IOException {
        g.writeStartObject();
        g.writeStringField("t", Times.iso(micros));
        g.writeNumberField("tMicros", micros);
        g.writeFieldName("v");
    }

    private static void number(JsonGenerator g, double v) throws IOException {
        if (Double.isFinite(v)) g.writeNumber(v);
        else g.writeNull();
    }

    private static void writeCsv(Context ctx, String id, long from, long to, SeriesData raw, List<Bucket> list,
                                 Aggregation a) throws IOException {
        ctx.status(200).contentType("text/csv; charset=utf-8");
        ctx.header("Content-Disposition", "inline; filename=\"" + id.replaceAll("[^A-Za-z0-9_.-]", "_") + ".csv\"");
        Writer w = new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8);
        StringBuilder line = new StringBuilder(64);
        w.write("timestamp,value\n");
        if (raw != null) {
            for (int i = 0; i < raw.size(); i++) {
                line.setLength(0);
                line.append(Times.iso(raw.timestampAt(i))).append(',');
                switch (raw.type()) {
                    case DOUBLE -> csvNumber(line, raw.doubleAt(i));
                    case LONG -> line.append(raw.bits()[i]);
                    case BOOLEAN -> line.append(raw.bits()[i] != 0);
                    case TEXT -> csvText(line, raw.text()[i]);
                }
                w.write(line.append('\n').toString());
            }
        } else {
            for (Bucket b : list) {
                line.setLength(0);
                line.append(Times.iso(b.startMicros())).append(',');
                if (a == Aggregation.COUNT) line.append(b.count());
                else csvNumber(line, b.value(a));
                w.write(line.append('\n').toString());
            }
        }
        w.flush();
    }

    private static void csvNumber(StringBuilder b, double v) {
        if (Double.isFinite(v)) b.append(v);
    }

    private static void csvText(StringBuilder b, String s) {
        if (s == null) return;
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            b.append(s);
        } else {
            b.append('"').append(s.replace("\"", "\"\"")).append('"');
        }
    }
}
