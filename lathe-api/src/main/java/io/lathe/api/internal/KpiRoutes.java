package io.lathe.api.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.lathe.kpi.DataQualityEvent;
import io.lathe.kpi.Grouping;
import io.lathe.kpi.KpiConfig;
import io.lathe.kpi.KpiEngine;
import io.lathe.kpi.KpiJson;
import io.lathe.kpi.KpiWarning;
import io.lathe.kpi.Kpis;
import io.lathe.kpi.MachineConfig;
import io.lathe.kpi.MachineState;
import io.lathe.kpi.PeriodKpis;
import io.lathe.kpi.QueryLimitException;
import io.lathe.kpi.Stop;
import io.lathe.model.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KPI routes of the API (issue 4): {@code GET /api/kpi}, {@code GET /api/downtime}, {@code POST /api/downtime/reason},
 * {@code GET /api/data-quality}, and the JSON of the running shift for the live stream. Without a KPI engine (no
 * {@code kpi:} section) every route answers 503. The JSON text is built by {@link KpiJson}, the same the
 * {@code lathe kpi} command prints.
 *
 * <p>Figures end at the newest data: a period is measured up to the earliest of its end, the engine's newest point
 * ({@link KpiEngine#dataEndMicros()}) and now, and the answer says where ({@code measuredTo}). A range longer than
 * {@link KpiEngine#MAX_RANGE} or a grouping of more than {@link KpiEngine#MAX_PERIODS} periods answers 400 naming the
 * limit.
 */
public final class KpiRoutes {
    private static final Logger log = LoggerFactory.getLogger(KpiRoutes.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final KpiEngine engine;
    private final List<String> liveAssets;
    /** The reason tree of each configured machine's site: a reason entered for a stop must be one of it. */
    private final Map<String, io.lathe.kpi.ReasonTree> reasonTrees;
    private final ReasonLog reasons;
    private final InstantSource clock;
    /** The sites of the configuration (time zone, reason tree, machines) for {@code GET /api/kpi/sites}; empty without one. */
    private final List<io.lathe.kpi.SiteConfig> sites;
    private final List<MachineConfig> machines;
    /** Operators' comments on stops (machine → stop start µs → text), persisted with the reasons; shown in GET /api/downtime. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<Long, String>> comments = new ConcurrentHashMap<>();
    /** The live JSON per asset ("" for all) and the second it was computed for: SSE clients share one per second. */
    private final ConcurrentHashMap<String, Live> live = new ConcurrentHashMap<>();
    private final AtomicLong liveComputations = new AtomicLong();

    private record Live(long second, String json) {}

    /**
     * @param engine  the KPI engine, or null when KPIs are not configured (routes answer 503)
     * @param config  the engine's configuration, for the assets of the live stream (machines, then lines); may be null
     * @param reasons where operator reasons are persisted, or null to keep them in the engine only
     * @param clock   "now" for default periods and the running shift
     */
    public KpiRoutes(KpiEngine engine, KpiConfig config, ReasonLog reasons, InstantSource clock) {
        this.engine = engine;
        this.reasons = reasons;
        this.clock = clock;
        Set<String> assets = new LinkedHashSet<>();
        if (config != null) {
            for (MachineConfig m : config.machines()) assets.add(m.id());
            for (MachineConfig m : config.machines()) if (m.line() != null) assets.add(m.line());
        }
        this.liveAssets = List.copyOf(assets);
        Map<String, io.lathe.kpi.ReasonTree> trees = new java.util.HashMap<>();
        if (config != null) {
            Map<String, io.lathe.kpi.SiteConfig> sites = config.siteById();
            for (MachineConfig m : config.machines()) {
                io.lathe.kpi.SiteConfig site = sites.get(m.site());
                trees.put(m.id(), site == null ? io.lathe.kpi.ReasonTree.empty() : site.reasons());
            }
        }
        this.reasonTrees = Map.copyOf(trees);
        this.sites = config == null ? List.of() : List.copyOf(config.sites());
        this.machines = config == null ? List.of() : List.copyOf(config.machines());
        if (reasons != null) {
            try {
                reasons.comments().forEach((m, byStart) -> comments.computeIfAbsent(m, k -> new ConcurrentHashMap<>()).putAll(byStart));
            } catch (IOException e) {
                log.warn("Operator comments on stops could not be read [file={}]: {}", reasons.file(), e.toString());
            }
        }
    }

    /** Routes over {@code engine} (nullable) with the system clock, no persistence of reasons and no live assets. */
    public KpiRoutes(KpiEngine engine) {
        this(engine, null, null, InstantSource.system());
    }

    /** {@code GET /api/kpi?asset=&from=&to=&by=hour|shift|day|week|product&format=json|csv}. */
    public void kpi(Context ctx) {
        KpiEngine e = engine();
        String asset = asset(ctx.queryParam("asset"), e);
        long[] range = range(ctx.queryParam("from"), ctx.queryParam("to"), asset, e);
        long now = micros(clock.instant());
        if ("product".equals(ctx.queryParam("by"))) {
            if (ctx.queryParam("format") != null && !"json".equals(ctx.queryParam("format"))) {
                throw ApiError.badRequest("format", ctx.queryParam("format"), "by=product is served as json only");
            }
            String body = limited(ctx, () -> byProductJson(e, asset, range[0], range[1], now));
            ctx.contentType("application/json").result(body);
            return;
        }
        Grouping by = grouping(ctx.queryParam("by"));
        String format = ctx.queryParam("format");
        if (format != null && !format.equals("json") && !format.equals("csv")) throw ApiError.badRequest("format", format, "must be json or csv");
        if ("csv".equals(format)) {
            String body = limited(ctx, () -> csv(e, asset, range[0], range[1], by, now));
            ctx.contentType("text/csv; charset=utf-8").header("Content-Disposition", "attachment; filename=\"kpi.csv\"").result(body);
        } else {
            String body = limited(ctx, () -> kpiJson(e, asset, range[0], range[1], by, now));
            ctx.contentType("application/json").result(body);
        }
    }

    /**
     * {@code GET /api/downtime?asset=&from=&to=}: {@code {"asset", "from", "to", "measuredTo", "events": [stops],
     * "pareto": [...]}}; an ongoing stop counts up to {@code measuredTo}.
     */
    public void downtime(Context ctx) {
        KpiEngine e = engine();
        String asset = asset(ctx.queryParam("asset"), e);
        long[] range = range(ctx.queryParam("from"), ctx.queryParam("to"), asset, e);
        long now = micros(clock.instant());
        String body = limited(ctx, () -> downtimeJson(e, asset, range[0], range[1], now));
        ctx.contentType("application/json").result(withComments(body));
    }

    /** Adds {@code "comment"} to the stops an operator commented on (the engine knows codes only). */
    private String withComments(String downtimeBody) {
        if (comments.isEmpty()) return downtimeBody;
        try {
            JsonNode root = MAPPER.readTree(downtimeBody);
            boolean changed = false;
            for (JsonNode ev : root.path("events")) {
                Map<Long, String> of = comments.get(ev.path("machine").asText());
                if (of == null) continue;
                String c = of.get(micros(Instant.parse(ev.path("start").asText())));
                if (c == null) continue;
                ((com.fasterxml.jackson.databind.node.ObjectNode) ev).put("comment", c);
                changed = true;
            }
            return changed ? MAPPER.writeValueAsString(root) : downtimeBody;
        } catch (JsonProcessingException | DateTimeException ex) {
            throw new IllegalStateException("downtime JSON could not be read back", ex);
        }
    }

    /**
     * {@code GET /api/data-quality?asset=&from=&to=}: counter and meter readings of the machines under {@code asset}
     * that were not counted as they came, {@code {"asset", "from", "to", "events": [...]}} (shape in
     * {@link KpiJson#dataQualityEvent}); default range as for {@code /api/kpi}.
     */
    public void dataQuality(Context ctx) {
        KpiEngine e = engine();
        String asset = asset(ctx.queryParam("asset"), e);
        long[] range = range(ctx.queryParam("from"), ctx.queryParam("to"), asset, e);
        String body = limited(ctx, () -> dataQualityJson(e, asset, range[0], range[1]));
        ctx.contentType("application/json").result(body);
    }

    /**
     * {@code GET /api/kpi/sites?asset=}: the KPI sites of the configuration, for the dashboard (plant time zone, the reason
     * tree an operator picks from, which machines have a KPI definition): {@code {"sites": [{"id", "timeZone",
     * "emissionFactorKgPerKwh", "reasons": [{"id", "name", "reasons": [{"code", "name"}]}], "machines": [{"id", "line",
     * "area"}]}]}}. With {@code asset} only the site holding it (a machine, line, area or site id of the configuration).
     */
    public void sites(Context ctx) {
        KpiEngine e = engine();
        String asset = ctx.queryParam("asset");
        Set<String> wanted = null;
        if (asset != null && !asset.isBlank()) wanted = new LinkedHashSet<>(e.machinesOf(asset(asset, e)));
        final Set<String> wantedSet = wanted;
        StringBuilder b = new StringBuilder(2048).append("{\"sites\":[");
        boolean first = true;
        for (io.lathe.kpi.SiteConfig site : sites) {
            List<MachineConfig> of = new ArrayList<>();
            for (MachineConfig m : machines) if (site.id().equals(m.site())) of.add(m);
            if (wanted != null && of.stream().noneMatch(m -> wantedSet.contains(m.id()))) continue;
            if (!first) b.append(',');
            first = false;
            b.append("{\"id\":").append(Json.quote(site.id())).append(",\"timeZone\":").append(Json.quote(site.zone().getId()))
                    .append(",\"emissionFactorKgPerKwh\":").append(site.emissionFactorKgPerKwh()).append(",\"reasons\":[");
            boolean firstCat = true;
            for (io.lathe.kpi.ReasonTree.Category cat : site.reasons().categories()) {
                if (!firstCat) b.append(',');
                firstCat = false;
                b.append("{\"id\":").append(Json.quote(cat.id())).append(",\"name\":").append(Json.quote(cat.name())).append(",\"reasons\":[");
                boolean firstReason = true;
                for (io.lathe.kpi.ReasonTree.Reason r : cat.reasons()) {
                    if (!firstReason) b.append(',');
                    firstReason = false;
                    b.append("{\"code\":").append(Json.quote(r.code())).append(",\"name\":").append(Json.quote(r.name())).append('}');
                }
                b.append("]}");
            }
            b.append("],\"machines\":[");
            boolean firstMachine = true;
            for (MachineConfig m : of) {
                if (!firstMachine) b.append(',');
                firstMachine = false;
                b.append("{\"id\":").append(Json.quote(m.id())).append(",\"line\":").append(m.line() == null ? "null" : Json.quote(m.line()))
                        .append(",\"area\":").append(m.area() == null ? "null" : Json.quote(m.area())).append('}');
            }
            b.append("]}");
        }
        ctx.contentType("application/json").result(b.append("]}").toString());
    }

    /** Runs a query; a range or grouping over the engine's limits is a 400 naming the limit and the parameter to change. */
    private static String limited(Context ctx, Supplier<String> query) {
        try {
            return query.get();
        } catch (QueryLimitException ex) {
            String parameter = ex.limit() == QueryLimitException.Limit.PERIODS ? "by" : "from";
            String value = ctx.queryParam(parameter);
            throw ApiError.badRequest(parameter, value == null ? "" : value, ex.getMessage());
        }
    }

    /**
     * {@code POST /api/downtime/reason} with {@code {"machine": id, "start": ISO text or µs number, "code": "201"}}: sets the
     * operator's reason of the stop starting then (an empty code clears it) and persists it. Answers the stop as stored.
     */
    public void reason(Context ctx) {
        KpiEngine e = engine();
        JsonNode body;
        try {
            body = MAPPER.readTree(ctx.body());
        } catch (JsonProcessingException ex) {
            throw ApiError.badRequest("body", "", "must be a JSON object {\"machine\": id, \"start\": time, \"code\": reason}: " + ex.getOriginalMessage());
        }
        if (body == null || !body.isObject()) throw ApiError.badRequest("body", "", "must be a JSON object {\"machine\": id, \"start\": time, \"code\": reason}");
        JsonNode m = body.get("machine");
        if (m == null || !m.isTextual() || m.asText().isBlank()) throw ApiError.badRequest("machine", m == null ? "" : m.toString(), "is required: the machine's asset id");
        String machine = m.asText();
        if (!isMachine(e, machine)) throw ApiError.notFound("machine", machine);
        long start = startMicros(body.get("start"));
        JsonNode c = body.get("code");
        if (c == null || !(c.isTextual() || c.isIntegralNumber())) throw ApiError.badRequest("code", c == null ? "" : c.toString(), "is required: the reason code as text or a whole number (\"\" clears the reason)");
        String code = c.asText().trim();
        if (!code.isEmpty()) checkReason(machine, code);
        JsonNode cm = body.get("comment");
        if (cm != null && !cm.isNull() && !cm.isTextual()) throw ApiError.badRequest("comment", cm.toString(), "must be text (the operator's note on the stop)");
        String comment = cm == null || cm.isNull() ? null : cm.asText().strip();
        if (comment != null && comment.length() > MAX_COMMENT_LENGTH) {
            throw ApiError.badRequest("comment", comment.substring(0, 32) + "…", "is longer than " + MAX_COMMENT_LENGTH + " characters");
        }
        if (reasons != null) {
            try {
                reasons.append(machine, start, code, comment);
            } catch (IOException ex) {
                throw ApiError.of(500, "not_persisted", "the reason could not be saved [machine=" + machine + ", file=" + reasons.file() + "]: " + ex + ". Check the data folder's free space and permissions.");
            }
        }
        e.setReason(machine, start, code);
        if (comment != null) {
            // the comment goes with the reason: an empty one (or clearing the reason) removes it
            if (comment.isEmpty() || code.isEmpty()) comments.computeIfAbsent(machine, k -> new ConcurrentHashMap<>()).remove(start);
            else comments.computeIfAbsent(machine, k -> new ConcurrentHashMap<>()).put(start, comment);
        } else if (code.isEmpty()) {
            comments.computeIfAbsent(machine, k -> new ConcurrentHashMap<>()).remove(start);
        }
        Optional<Stop> stop = e.stops(machine, start, start + 1).stream().filter(s -> s.startMicros() == start).findFirst();
        ctx.contentType("application/json").result("{\"machine\":" + Json.quote(machine) + ",\"start\":" + Json.quote(Times.iso(start))
                + ",\"startMicros\":" + start + ",\"code\":" + Json.quote(code)
                + ",\"comment\":" + Json.quote(comments.getOrDefault(machine, new ConcurrentHashMap<>()).getOrDefault(start, "")) + ",\"stop\":"
                + stop.map(s -> KpiJson.stops(List.of(s))).map(t -> t.substring(1, t.length() - 1)).orElse("null") + "}");
    }

    /**
     * {@code POST /api/downtime/split} with {@code {"machine": id, "at": ISO text or µs number, "join": false}}: splits the
     * machine's stop running across {@code at} into two there (each part then takes its own reason with POST
     * /api/downtime/reason, the later part's start being {@code at}), or with {@code "join": true} joins the parts
     * meeting at {@code at} again. Persisted with the reasons. Answers {@code {"machine", "at", "join", "stops": [...]}}:
     * the stops around {@code at} as stored. 400 when no stop runs across {@code at} (or, joining, no part starts there).
     */
    public void split(Context ctx) {
        KpiEngine e = engine();
        JsonNode body;
        String rule = "must be a JSON object {\"machine\": id, \"at\": time inside the stop, \"join\": false}";
        try {
            body = MAPPER.readTree(ctx.body());
        } catch (JsonProcessingException ex) {
            throw ApiError.badRequest("body", "", rule + ": " + ex.getOriginalMessage());
        }
        if (body == null || !body.isObject()) throw ApiError.badRequest("body", "", rule);
        JsonNode m = body.get("machine");
        if (m == null || !m.isTextual() || m.asText().isBlank()) throw ApiError.badRequest("machine", m == null ? "" : m.toString(), "is required: the machine's asset id");
        String machine = m.asText();
        if (!isMachine(e, machine)) throw ApiError.notFound("machine", machine);
        JsonNode atNode = body.get("at");
        if (atNode == null || atNode.isNull()) throw ApiError.badRequest("at", "", "is required: the instant inside the stop where it splits (ISO-8601 or µs since the epoch)");
        long at = startMicros(atNode);
        boolean join = body.path("join").asBoolean(false);
        List<Stop> around = e.stops(machine, at - 1, at + 1);
        if (join) {
            if (around.stream().noneMatch(st -> st.startMicros() == at)) {
                throw ApiError.badRequest("at", Times.iso(at), "no part of a split stop of machine " + machine + " starts there");
            }
        } else if (around.stream().noneMatch(st -> st.startMicros() < at && at < st.endMicros())) {
            throw ApiError.badRequest("at", Times.iso(at), "no stop of machine " + machine + " runs across this instant (see GET /api/downtime)");
        }
        if (reasons != null) {
            try {
                reasons.appendSplit(machine, at, !join);
            } catch (IOException ex) {
                throw ApiError.of(500, "not_persisted", "the split could not be saved [machine=" + machine + ", file=" + reasons.file() + "]: " + ex + ". Check the data folder's free space and permissions.");
            }
        }
        e.splitStop(machine, at, !join);
        ctx.contentType("application/json").result("{\"machine\":" + Json.quote(machine) + ",\"at\":" + Json.quote(Times.iso(at))
                + ",\"join\":" + join + ",\"stops\":" + KpiJson.stops(e.stops(machine, at - 1, at + 1)) + "}");
    }

    /** Longest reason code accepted; codes of reason trees are short (seen: 500 posts of 64 KB codes grew the log by 33 MB). */
    static final int MAX_REASON_CODE_LENGTH = 64;

    /** Longest operator comment on a stop. */
    static final int MAX_COMMENT_LENGTH = 500;

    /**
     * A reason entered for a stop must be a code of the machine's reason tree ({@code kpi.sites[].reasons}): otherwise
     * 400 naming the code and listing close matches (codes a typo or two away, or whose name contains the text).
     * Routes built without a configuration (tests, tools) cannot check and accept any code up to the length limit.
     */
    private void checkReason(String machine, String code) {
        if (code.length() > MAX_REASON_CODE_LENGTH) {
            throw ApiError.badRequest("code", code.substring(0, 32) + "…", "is longer than " + MAX_REASON_CODE_LENGTH
                    + " characters; a reason code is a code of the machine's reason tree (kpi.sites[].reasons)");
        }
        io.lathe.kpi.ReasonTree tree = reasonTrees.get(machine);
        if (tree == null || tree.find(code).isPresent()) {
            if (tree == null && !reasonTrees.isEmpty()) log.debug("no reason tree for machine {}: reason {} not checked", machine, code);
            return;
        }
        List<String> close = new ArrayList<>();
        String lower = code.toLowerCase(Locale.ROOT);
        for (io.lathe.kpi.ReasonTree.Category cat : tree.categories()) {
            for (io.lathe.kpi.ReasonTree.Reason r : cat.reasons()) {
                boolean near = editDistance(code, r.code(), 2) <= 2 || (lower.length() >= 3 && r.name().toLowerCase(Locale.ROOT).contains(lower));
                if (near && close.size() < 5) close.add(r.code() + " (" + r.name() + ")");
            }
        }
        throw ApiError.badRequest("code", code, tree.categories().isEmpty()
                ? "the machine's site has no reason tree [machine=" + machine + "]: add reasons under kpi.sites[].reasons in the configuration"
                : "is not a reason of the machine's reason tree [machine=" + machine + "]"
                        + (close.isEmpty() ? "; see kpi.sites[].reasons in the configuration" : "; close matches: " + String.join(", ", close)));
    }

    /** Levenshtein distance of two short strings, stopping early above {@code max}. */
    private static int editDistance(String a, String b, int max) {
        if (Math.abs(a.length() - b.length()) > max) return max + 1;
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * The running shift's KPIs of every configured machine and line (or of {@code asset} alone when not null), for the
     * live stream: {@code {"time": ISO, "assets": [{"asset", "shift", "from", "kpis": {...}, "dataQuality": {"events": n,
     * "last": event or null}}]}}; the shift is measured up to the newest data (or now, whichever is earlier); an asset
     * outside every shift is left out. Returns null without a KPI engine. Each asset's JSON (and that of all assets) is
     * computed at most once per second of the clock and shared by every caller: a thousand live clients cost one
     * computation a second.
     */
    public String liveJson(String asset) {
        if (engine == null) return null;
        long now = micros(clock.instant());
        long second = Math.floorDiv(now, 1_000_000L);
        if (asset != null && !isKpiAsset(engine, asset)) return computeLive(List.of(), now); // not cached: ids from outside
        String key = asset == null ? "" : asset;
        Live l = live.get(key);
        if (l != null && l.second == second) return l.json;
        // one caller computes, the others of the same asset and second wait for it and share the text
        return live.compute(key, (k, old) -> old != null && old.second == second ? old
                : new Live(second, computeLive(asset == null ? liveAssets : List.of(asset), now))).json;
    }

    /** How many live JSON texts were computed (for tests and metrics: at most one per asset and second). */
    public long liveComputations() {
        return liveComputations.get();
    }

    private String computeLive(List<String> assets, long now) {
        liveComputations.incrementAndGet();
        long end = engine.measuredEnd(now, now);
        StringBuilder b = new StringBuilder(4096).append("{\"time\":").append(Json.quote(Times.iso(now))).append(",\"assets\":[");
        boolean first = true;
        for (String a : assets) {
            Optional<PeriodKpis> p = engine.runningShift(a, now, end);
            if (p.isEmpty()) continue;
            if (!first) b.append(',');
            first = false;
            List<DataQualityEvent> dq = engine.dataQualityEvents(a, p.get().fromMicros(), p.get().toMicros());
            b.append("{\"asset\":").append(Json.quote(a)).append(",\"shift\":").append(Json.quote(p.get().label()))
                    .append(",\"from\":").append(Json.quote(Times.iso(p.get().fromMicros()))).append(",\"kpis\":")
                    .append(KpiJson.of(p.get().kpis())).append(",\"dataQuality\":{\"events\":").append(dq.size())
                    .append(",\"last\":").append(dq.isEmpty() ? "null" : KpiJson.dataQualityEvent(dq.get(dq.size() - 1))).append("}}");
        }
        return b.append("]}").toString();
    }

    private static boolean isKpiAsset(KpiEngine e, String asset) {
        try {
            e.machinesOf(asset);
            return true;
        } catch (IllegalArgumentException ex) {
            return false;
        }
    }

    // ---- JSON and CSV shared with the lathe kpi command ----

    /**
     * The body of {@code GET /api/kpi} as {@code lathe kpi} prints it (measured up to the engine's newest data):
     * {@code {"asset", "from", "to", "measuredTo", "by": null, "kpis": {...}}} or with a grouping
     * {@code {"asset", "from", "to", "measuredTo", "by": "shift", "periods": [{"label", "kpis"}]}}. {@code from} and
     * {@code to} are the range asked for; {@code measuredTo} is where the figures end (null, with {@code "kpis": null}
     * or no periods, when there is no data in the range).
     */
    public static String kpiJson(KpiEngine engine, String asset, long fromMicros, long toMicros, Grouping by) {
        return kpiJson(engine, asset, fromMicros, toMicros, by, Long.MAX_VALUE);
    }

    /** {@link #kpiJson(KpiEngine, String, long, long, Grouping)} live: also ends at {@code nowMicros}. */
    public static String kpiJson(KpiEngine engine, String asset, long fromMicros, long toMicros, Grouping by, long nowMicros) {
        long end = engine.measuredEnd(toMicros, nowMicros);
        boolean measured = end > fromMicros;
        if (!measured) unmeasuredRange(fromMicros, toMicros, nowMicros);
        StringBuilder b = head(asset, fromMicros, toMicros, measured ? end : Long.MIN_VALUE).append(",\"by\":");
        if (by == null) {
            b.append("null,\"kpis\":").append(measured ? KpiJson.of(engine.kpis(asset, fromMicros, end)) : "null");
        } else {
            b.append(Json.quote(by.name().toLowerCase(Locale.ROOT))).append(",\"periods\":")
                    .append(measured ? KpiJson.of(engine.kpisBy(asset, fromMicros, end, by)) : "[]");
        }
        return b.append('}').toString();
    }

    /**
     * With no data in the range the engine is not asked, so its caps are applied here to the part of the range up to
     * now: a range the API refuses once data arrives is refused before, too.
     */
    private static void unmeasuredRange(long fromMicros, long toMicros, long nowMicros) {
        long to = Math.min(toMicros, nowMicros);
        if (to > fromMicros) KpiEngine.checkRange(fromMicros, to);
    }

    /** {@code {"asset","from","to","measuredTo"} without the closing brace; measuredTo null when MIN_VALUE. */
    private static StringBuilder head(String asset, long fromMicros, long toMicros, long measuredTo) {
        return new StringBuilder(2048).append("{\"asset\":").append(Json.quote(asset)).append(",\"from\":")
                .append(Json.quote(Times.iso(fromMicros))).append(",\"to\":").append(Json.quote(Times.iso(toMicros)))
                .append(",\"measuredTo\":").append(measuredTo == Long.MIN_VALUE ? "null" : Json.quote(Times.iso(measuredTo)));
    }

    /** The body of {@code GET /api/downtime}, measured up to the engine's newest data. */
    public static String downtimeJson(KpiEngine engine, String asset, long fromMicros, long toMicros) {
        return downtimeJson(engine, asset, fromMicros, toMicros, Long.MAX_VALUE);
    }

    /** The body of {@code GET /api/downtime}, measured up to the newest data or {@code nowMicros}, whichever is earlier. */
    public static String downtimeJson(KpiEngine engine, String asset, long fromMicros, long toMicros, long nowMicros) {
        long end = engine.measuredEnd(toMicros, nowMicros);
        boolean measured = end > fromMicros;
        if (!measured) unmeasuredRange(fromMicros, toMicros, nowMicros);
        return head(asset, fromMicros, toMicros, measured ? end : Long.MIN_VALUE)
                .append(",\"events\":").append(measured ? KpiJson.stops(engine.stops(asset, fromMicros, end)) : "[]")
                .append(",\"pareto\":").append(measured ? KpiJson.pareto(engine.pareto(asset, fromMicros, end)) : "[]").append('}').toString();
    }

    /** The body of {@code GET /api/data-quality}: {@code {"asset", "from", "to", "events": [...]}}, events by time. */
    public static String dataQualityJson(KpiEngine engine, String asset, long fromMicros, long toMicros) {
        return "{\"asset\":" + Json.quote(asset) + ",\"from\":" + Json.quote(Times.iso(fromMicros)) + ",\"to\":"
                + Json.quote(Times.iso(toMicros)) + ",\"events\":" + KpiJson.dataQualityEvents(engine.dataQualityEvents(asset, fromMicros, toMicros)) + "}";
    }

    /**
     * CSV export: a header row {@code asset,label,from,to,<every KpiJson field>,timeInStateSeconds.<state>…} and one row per
     * period (one row without a grouping, labelled {@code total}), measured up to the engine's newest data. Empty cells
     * for ratios without a denominator; {@code warnings} holds the warning codes separated by spaces. No data rows when
     * nothing is measured.
     */
    public static String csv(KpiEngine engine, String asset, long fromMicros, long toMicros, Grouping by) {
        return csv(engine, asset, fromMicros, toMicros, by, Long.MAX_VALUE);
    }

    /** {@link #csv(KpiEngine, String, long, long, Grouping)} live: also ends at {@code nowMicros}. */
    public static String csv(KpiEngine engine, String asset, long fromMicros, long toMicros, Grouping by, long nowMicros) {
        long end = engine.measuredEnd(toMicros, nowMicros);
        List<PeriodKpis> rows = end <= fromMicros ? List.of() : by == null
                ? List.of(new PeriodKpis("total", fromMicros, end, engine.kpis(asset, fromMicros, end)))
                : engine.kpisBy(asset, fromMicros, end, by);
        StringBuilder out = new StringBuilder(4096);
        List<String> header = null;
        for (PeriodKpis p : rows) {
            Map<String, String> cells = new LinkedHashMap<>();
            cells.put("asset", asset);
            cells.put("label", p.label());
            try {
                JsonNode k = MAPPER.readTree(KpiJson.of(p.kpis()));
                for (Iterator<Map.Entry<String, JsonNode>> it = k.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = it.next();
                    if (f.getKey().equals("timeInStateSeconds") || f.getKey().equals("warnings")) continue;
                    cells.put(f.getKey(), f.getValue().isNull() ? "" : f.getValue().asText());
                }
                List<String> codes = new ArrayList<>();
                for (KpiWarning w : p.kpis().warnings()) codes.add(w.code());
                cells.put("warnings", String.join(" ", codes));
                JsonNode t = k.get("timeInStateSeconds");
                for (MachineState s : MachineState.values()) {
                    JsonNode v = t == null ? null : t.get(s.yamlName());
                    cells.put("timeInStateSeconds." + s.yamlName(), v == null || v.isNull() ? "0" : v.asText());
                }
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("KpiJson wrote invalid JSON", e);
            }
            if (header == null) {
                header = new ArrayList<>(cells.keySet());
                out.append(String.join(",", header)).append('\n');
            }
            StringBuilder row = new StringBuilder();
            for (String h : header) {
                if (row.length() > 0) row.append(',');
                row.append(csvCell(cells.getOrDefault(h, "")));
            }
            out.append(row).append('\n');
        }
        return out.toString();
    }

    /**
     * KPIs per product of every machine under {@code asset}, rolled up like any other grouping (time elements and
     * quantities summed, ratios formed afterwards): {@code {"asset","from","to","by":"product","products":[{"product","kpis"}]}}.
     */
    public static String byProductJson(KpiEngine engine, String asset, long fromMicros, long toMicros) {
        return byProductJson(engine, asset, fromMicros, toMicros, Long.MAX_VALUE);
    }

    /** {@link #byProductJson(KpiEngine, String, long, long)} live: also ends at {@code nowMicros}. */
    public static String byProductJson(KpiEngine engine, String asset, long fromMicros, long toMicros, long nowMicros) {
        long end = engine.measuredEnd(toMicros, nowMicros);
        boolean measured = end > fromMicros;
        if (!measured) unmeasuredRange(fromMicros, toMicros, nowMicros);
        Map<String, List<Kpis>> parts = new LinkedHashMap<>();
        for (String m : measured ? engine.machinesOf(asset) : List.<String>of()) {
            for (Map.Entry<String, Kpis> p : engine.kpisByProduct(m, fromMicros, end).entrySet()) {
                parts.computeIfAbsent(p.getKey(), k -> new ArrayList<>()).add(p.getValue());
            }
        }
        StringBuilder b = head(asset, fromMicros, toMicros, measured ? end : Long.MIN_VALUE).append(",\"by\":\"product\",\"products\":[");
        boolean first = true;
        for (Map.Entry<String, List<Kpis>> p : parts.entrySet()) {
            if (!first) b.append(',');
            first = false;
            b.append("{\"product\":").append(Json.quote(p.getKey())).append(",\"kpis\":").append(KpiJson.of(Kpis.sum(p.getValue()))).append('}');
        }
        return b.append("]}").toString();
    }

    /** A grouping from its query text, null for none; a bad one is a 400 naming {@code by}. */
    public static Grouping grouping(String text) {
        if (text == null || text.isEmpty()) return null;
        try {
            return Grouping.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("by", text, "must be hour, shift, day, week or product");
        }
    }

    // ---- helpers ----

    private KpiEngine engine() {
        if (engine == null) throw ApiError.of(503, "kpi_not_configured", "KPIs are not configured on this server: add a kpi: section "
                + "(sites, machines) to the configuration file and restart. See lathe config-reference.");
        return engine;
    }

    private static String asset(String asset, KpiEngine e) {
        if (asset == null || asset.isBlank()) throw ApiError.badRequest("asset", "", "is required: a machine, line, area or site id of the kpi: configuration");
        try {
            e.machinesOf(asset);
        } catch (IllegalArgumentException ex) {
            throw ApiError.notFound("asset", asset);
        }
        return asset;
    }

    private static boolean isMachine(KpiEngine e, String id) {
        try {
            List<String> ms = e.machinesOf(id);
            return ms.size() == 1 && ms.get(0).equals(id);
        } catch (IllegalArgumentException ex) {
            return false;
        }
    }

    /** [from, to): defaults are the start of the running shift (else 8 hours back) and now. */
    private long[] range(String fromText, String toText, String asset, KpiEngine e) {
        long now = micros(clock.instant());
        long to = toText == null ? now : time("to", toText);
        long from;
        if (fromText != null) from = time("from", fromText);
        else from = e.shiftStartMicros(asset, to).orElse(to - 8 * 3_600_000_000L);
        if (to <= from) {
            if (fromText == null) from = to - 1;
            else throw ApiError.badRequest("to", toText == null ? Times.iso(to) : toText, "must be after from (" + Times.iso(from) + ")");
        }
        return new long[] {from, to};
    }

    private static long time(String parameter, String text) {
        try {
            return Times.parseMicros(text);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(parameter, text, e.getMessage());
        }
    }

    /** A stop start: a JSON number or digits are µs since the epoch, text is an ISO-8601 instant. */
    static long startMicros(JsonNode n) {
        String rule = "is required: the stop's start as an ISO-8601 time (as in GET /api/downtime) or µs since the epoch";
        if (n == null || n.isNull()) throw ApiError.badRequest("start", "", rule);
        if (n.isIntegralNumber()) return n.asLong();
        if (!n.isTextual()) throw ApiError.badRequest("start", n.toString(), rule);
        String t = n.asText().trim();
        if (t.matches("-?\\d+")) {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("start", t, rule);
            }
        }
        try {
            return micros(Instant.parse(t));
        } catch (DateTimeException e) {
            throw ApiError.badRequest("start", t, rule);
        }
    }

    private static String csvCell(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    /**
     * Operator reasons kept durable as JSON lines {@code {"machine":…,"start":µs,"code":…}} appended to one file; the last
     * line of a machine and start wins (an empty code clears).
     */
    public static final class ReasonLog {
        private final Path file;

        public ReasonLog(Path file) {
            this.file = file;
        }

        public Path file() {
            return file;
        }

        /** Appends one reason and forces it to disk. */
        public synchronized void append(String machine, long startMicros, String code) throws IOException {
            append(machine, startMicros, code, null);
        }

        /** Appends a split ({@code split} true) or join of a machine's stop at {@code atMicros} and forces it to disk. */
        public synchronized void appendSplit(String machine, long atMicros, boolean split) throws IOException {
            String line = "{\"machine\":" + Json.quote(machine) + ",\"split\":" + atMicros + (split ? "" : ",\"join\":true") + "}\n";
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.DSYNC)) {
                w.write(line);
            }
        }

        /** The split points in the file (machine → instants µs), joins applied. */
        public synchronized Map<String, java.util.SortedSet<Long>> splits() throws IOException {
            Map<String, java.util.SortedSet<Long>> out = new LinkedHashMap<>();
            if (!Files.exists(file)) return out;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank() || !line.contains("\"split\"")) continue;
                try {
                    JsonNode j = MAPPER.readTree(line);
                    if (!j.has("split")) continue;
                    java.util.SortedSet<Long> of = out.computeIfAbsent(j.get("machine").asText(), k -> new java.util.TreeSet<>());
                    if (j.path("join").asBoolean(false)) of.remove(j.get("split").asLong());
                    else of.add(j.get("split").asLong());
                } catch (JsonProcessingException | NullPointerException e) {
                    log.warn("Skipping a damaged stop split [file={}]: {}", file, e.toString());
                }
            }
            return out;
        }

        /** Appends one reason with the operator's comment (null: the comment stays as it was) and forces it to disk. */
        public synchronized void append(String machine, long startMicros, String code, String comment) throws IOException {
            String line = "{\"machine\":" + Json.quote(machine) + ",\"start\":" + startMicros + ",\"code\":" + Json.quote(code)
                    + (comment == null ? "" : ",\"comment\":" + Json.quote(comment)) + "}\n";
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.DSYNC)) {
                w.write(line);
            }
        }

        /**
         * The reasons in the file (machine → stop start µs → code, empty codes included as clears), for
         * {@code KpiEngine.recompute}; a missing file gives none, a damaged line is skipped with a warning.
         */
        public synchronized Map<String, Map<Long, String>> read() throws IOException {
            Map<String, Map<Long, String>> out = new LinkedHashMap<>();
            if (!Files.exists(file)) return out;
            int n = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                n++;
                if (line.isBlank()) continue;
                try {
                    JsonNode j = MAPPER.readTree(line);
                    if (j.has("split")) continue; // a split, see splits()
                    out.computeIfAbsent(j.get("machine").asText(), k -> new LinkedHashMap<>()).put(j.get("start").asLong(), j.get("code").asText());
                } catch (JsonProcessingException | NullPointerException e) {
                    log.warn("Skipping a damaged operator reason [file={}, line={}]: {}", file, n, e.toString());
                }
            }
            return out;
        }

        /**
         * The operators' comments in the file (machine → stop start µs → text), the last line of a stop winning; a line
         * clearing the reason or with an empty comment removes it.
         */
        public synchronized Map<String, Map<Long, String>> comments() throws IOException {
            Map<String, Map<Long, String>> out = new LinkedHashMap<>();
            if (!Files.exists(file)) return out;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                try {
                    JsonNode j = MAPPER.readTree(line);
                    if (j.has("split")) continue;
                    Map<Long, String> of = out.computeIfAbsent(j.get("machine").asText(), k -> new LinkedHashMap<>());
                    long start = j.get("start").asLong();
                    JsonNode c = j.get("comment");
                    if (j.get("code").asText().isEmpty() || (c != null && c.asText().isEmpty())) of.remove(start);
                    else if (c != null) of.put(start, c.asText());
                } catch (JsonProcessingException | NullPointerException e) {
                    // skipped with a warning by read()
                }
            }
            return out;
        }

        /** Reasons of machines the engine knows, applied to it; returns how many. */
        public int replay(KpiEngine engine) throws IOException {
            int n = 0;
            for (Map.Entry<String, Map<Long, String>> m : read().entrySet()) {
                if (!isMachine(engine, m.getKey())) {
                    log.warn("Operator reasons of a machine that is not in the KPI configuration are ignored [machine={}, reasons={}]", m.getKey(), m.getValue().size());
                    continue;
                }
                for (Map.Entry<Long, String> r : m.getValue().entrySet()) {
                    engine.setReason(m.getKey(), r.getKey(), r.getValue());
                    n++;
                }
            }
            for (Map.Entry<String, java.util.SortedSet<Long>> m : splits().entrySet()) {
                if (!isMachine(engine, m.getKey())) continue;
                for (long at : m.getValue()) engine.splitStop(m.getKey(), at, true);
            }
            return n;
        }
    }
}
