package io.lathe.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.javalin.util.JavalinBindException;
import io.lathe.api.internal.ApiError;
import io.lathe.api.internal.AssetScope;
import io.lathe.api.internal.HistoryRoute;
import io.lathe.api.internal.IngestRoute;
import io.lathe.api.internal.KpiRoutes;
import io.lathe.api.internal.LiveSession;
import io.lathe.api.internal.Views;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.ConnectionStatus;
import io.lathe.ingest.Latest;
import io.lathe.ingest.LiveState;
import io.lathe.ingest.TimestampCheck;
import io.lathe.model.Asset;
import io.lathe.model.PlantModel;
import io.lathe.model.Signal;
import io.lathe.store.TelemetryStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of Lathe: the plant tree and latest values as JSON, live values as Server-Sent Events, Prometheus
 * metrics and the web dashboard (static files of the {@code lathe-web} module).
 *
 * <p>Lifecycle: {@link #create} binds nothing; {@link #start()} binds and returns the port; {@link #close()} ends every
 * live stream, stops the server and removes this server's meters from the registry. One start per instance.
 *
 * <p>Routes: {@code GET /api/assets}, {@code /api/assets/{id}}, {@code /api/signals/{id}/latest},
 * {@code /api/signals/{id}/history} ({@code ?from=&to=&buckets=&agg=&format=json|csv}), {@code /api/live}
 * (SSE, optional {@code ?asset=}), {@code /api/connections}, {@code /health}, {@code /metrics}, {@code /} (web), and
 * {@code POST /api/ingest} (JSON lines or CSV, bearer token), the KPI routes ({@link #kpi}) and
 * {@code /api/openapi.json}, the OpenAPI 3.1 description of all of these (a resource kept next to this class).
 * Every error is JSON {@code {"code", "message", "errors": [{"parameter", "value", "message"}]}}.
 *
 * <p>Thread-safety: {@code start}, {@code port} and {@code close} may be called from any thread.
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    /** Most distinct signals queued for one live client that is behind; past it the oldest are dropped and counted. */
    static final int LIVE_QUEUE_SIGNALS = 16_384;
    /** A comment line goes out after this much silence, so proxies keep the stream open and gone clients are noticed. */
    static final long LIVE_HEARTBEAT_MILLIS = 15_000;
    /** How long {@link #close()} waits for live writers to finish their responses. */
    static final long CLOSE_WAIT_MILLIS = 3_000;
    static final String WEB_ROOT = "/io/lathe/web";
    /** The OpenAPI description served at {@code /api/openapi.json}, a classpath resource beside this class. */
    static final String OPENAPI_RESOURCE = "openapi.json";

    /** Points the store refused, by {@code reason}: {@code lathe_store_rejected_points_total} in Prometheus. */
    public static final String STORE_REJECTS_METER = "lathe.store.rejected.points";
    /** 1 while the store accepts points: {@code lathe_store_available}. */
    public static final String STORE_AVAILABLE_METER = "lathe.store.available";

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final ApiSettings settings;
    private final PlantModel model;
    private final LiveState live;
    private final PrometheusMeterRegistry metrics;
    private final Supplier<List<ConnectionStatus>> connections;
    private final TelemetryStore store;
    private final InstantSource clock;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Set<LiveSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger liveClients = new AtomicInteger();
    private final List<Meter> meters = new ArrayList<>();
    private final Set<String> storeRejectReasons = new java.util.HashSet<>();
    // Registered by start(), removed by close(): a server that never started leaves the registry as it was.
    private Counter liveEvents;
    private Counter liveCoalesced;
    private Counter liveDropped;
    private MultiGauge connectionUp;
    private MultiGauge connectionRate;
    private final ExecutorService liveWriters =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("lathe-sse-", 0).factory());
    private final LiveSession.Counters liveCounters;

    private Javalin app;
    private byte[] openApi;
    private volatile KpiRoutes kpiRoutes;
    private volatile io.lathe.api.internal.AlarmRoutes alarmRoutes;
    private volatile io.lathe.api.internal.HealthRoutes healthRoutes;
    private volatile io.lathe.ingest.PointSink ingestDownstream;
    private volatile TimestampCheck ingestTimestamps;
    private volatile IngestLimits ingestLimits = IngestLimits.DEFAULTS;
    private volatile ApiAccess access;
    private volatile HttpTls tls;
    private io.lathe.api.internal.TlsKeys.Loaded tlsKeys;
    private volatile int port = -1;
    private boolean started;
    private volatile boolean closed;

    private ApiServer(ApiSettings settings, PlantModel model, LiveState live, PrometheusMeterRegistry metrics,
                      Supplier<List<ConnectionStatus>> connections, TelemetryStore store, InstantSource clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.model = Objects.requireNonNull(model, "model");
        this.live = Objects.requireNonNull(live, "live");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.connections = Objects.requireNonNull(connections, "connections");
        this.store = store;
        this.clock = Objects.requireNonNull(clock, "clock");
        liveCounters = new LiveSession.Counters() {
            @Override
            public void coalesced() {
                liveCoalesced.increment();
            }

            @Override
            public void dropped() {
                liveDropped.increment();
            }
        };
    }

    /**
     * Prepares a server; binds nothing.
     *
     * @param metrics     the registry {@code /metrics} exposes; this server adds its own meters to it
     * @param connections current connection statuses, read on each request to {@code /api/connections},
     *                    {@code /health} and {@code /metrics}
     */
    public static ApiServer create(ApiSettings settings, PlantModel model, LiveState live, PrometheusMeterRegistry metrics,
                                   Supplier<List<ConnectionStatus>> connections) {
        return create(settings, model, live, metrics, connections, null);
    }

    /**
     * Prepares a server with history and HTTP ingest; binds nothing.
     *
     * @param store the store {@code /api/signals/{id}/history} reads and {@code POST /api/ingest} writes; null makes
     *              both answer 503
     */
    public static ApiServer create(ApiSettings settings, PlantModel model, LiveState live, PrometheusMeterRegistry metrics,
                                   Supplier<List<ConnectionStatus>> connections, TelemetryStore store) {
        return new ApiServer(settings, model, live, metrics, connections, store, InstantSource.system());
    }

    /** As {@link #create(ApiSettings, PlantModel, LiveState, PrometheusMeterRegistry, Supplier, TelemetryStore)} with the clock that gives history its default range (tests). */
    public static ApiServer create(ApiSettings settings, PlantModel model, LiveState live, PrometheusMeterRegistry metrics,
                                   Supplier<List<ConnectionStatus>> connections, TelemetryStore store, InstantSource clock) {
        return new ApiServer(settings, model, live, metrics, connections, store, clock);
    }

    /**
     * Serves ISO 22400 KPIs at {@code /api/kpi}, {@code /api/downtime} and {@code POST /api/downtime/reason}, and pushes
     * the running shift's KPIs on {@code /api/live} as {@code kpi} events once a second. Call before {@link #start()};
     * without it those routes answer 503.
     */
    public ApiServer kpi(KpiRoutes routes) {
        this.kpiRoutes = routes;
        return this;
    }

    /**
     * Serves machine health and its models ({@code /api/assets/{id}/health}, {@code /api/health/machines},
     * {@code /api/models}, {@code POST /api/models/fit}). Call before {@link #start()}; without it every machine answers
     * {@code no-model} and fitting answers 503.
     */
    public ApiServer health(io.lathe.api.internal.HealthRoutes routes) {
        this.healthRoutes = routes;
        return this;
    }

    /**
     * Serves alarm management ({@code /api/alarms...}) and pushes {@code alarm} events on {@code /api/live} at every
     * transition. Call before {@link #start()}; without it those routes answer 503.
     */
    public ApiServer alarms(io.lathe.api.internal.AlarmRoutes routes) {
        this.alarmRoutes = routes;
        return this;
    }

    /**
     * Where {@code POST /api/ingest} hands points of plant signals (series named by a signal id) after storing them:
     * the live state and the KPI engine, so ingested values show on the dashboard. Call before {@link #start()}.
     */
    public ApiServer ingestDownstream(io.lathe.ingest.PointSink sink) {
        this.ingestDownstream = sink;
        return this;
    }

    /**
     * The clock-skew rule {@code POST /api/ingest} applies (the one the connections share, from
     * {@code ingest.max-clock-skew}). Without it the default skew ({@link TimestampCheck#DEFAULT_MAX_SKEW}) against this
     * server's clock applies. Call before {@link #start()}.
     */
    public ApiServer ingestTimestampCheck(TimestampCheck check) {
        this.ingestTimestamps = check;
        return this;
    }

    /**
     * What one {@code POST /api/ingest} request may hold (body size, line length, new series); without it
     * {@link IngestLimits#DEFAULTS}. Call before {@link #start()}.
     */
    public ApiServer ingestLimits(IngestLimits limits) {
        this.ingestLimits = Objects.requireNonNull(limits, "limits");
        return this;
    }

    /**
     * Who may use the API: every route's permission is enforced from one table, with logins, API tokens,
     * CSRF and {@code Origin} checks. Imports the deprecated ingest token of the settings as an API token at
     * {@link #start()}. Call before {@link #start()}.
     */
    public ApiServer access(ApiAccess access) {
        this.access = Objects.requireNonNull(access, "access");
        return this;
    }

    /** Serves HTTPS only on the port, with this key and certificate. Call before {@link #start()}. */
    public ApiServer tls(HttpTls tls) {
        this.tls = tls;
        return this;
    }

    /** True when the server runs HTTPS. */
    public boolean tlsEnabled() {
        return tls != null;
    }

    /**
     * Binds and serves.
     *
     * @return the port bound, which is the free port picked when the settings say 0
     * @throws PortInUseException when the port is taken; nothing is left running and the instance cannot be started again
     * @throws IllegalStateException when called twice or after {@link #close()}
     */
    public synchronized int start() throws PortInUseException {
        if (started || closed) throw new IllegalStateException("an ApiServer starts once [port=" + settings.port() + "]");
        started = true;
        if (access != null) {
            io.lathe.api.internal.AccessSetup.importLegacyIngestToken(access.control(), settings.ingestToken());
            openApi = io.lathe.api.internal.OpenApiAccess.annotate(readOpenApi(), access.metricsPublic(), access.anonymousRead());
        } else {
            // Without access control every route but ingest is open: allowed only where nobody else can reach it.
            if (!io.lathe.api.internal.AuthFilter.isLoopback(settings.host())) {
                started = false;
                throw new IllegalStateException("an ApiServer without access control binds only to this machine [host=" + settings.host()
                        + "]: call access(ApiAccess) before start(), or bind to 127.0.0.1");
            }
            log.warn("HTTP API without access control [host={}, port={}]: every route but ingest is open to local programs. "
                    + "Embedders must call access(ApiAccess); lathe serve and lathe demo always do.", settings.host(), settings.port());
            openApi = readOpenApi();
        }
        if (tls != null) tlsKeys = io.lathe.api.internal.TlsKeys.load(tls);
        registerMeters();
        app = Javalin.create(this::configure);
        try {
            app.start(settings.host(), settings.port());
        } catch (JavalinBindException e) {
            stopQuietly();
            removeMeters();
            throw new PortInUseException(settings.host(), settings.port(), e);
        } catch (RuntimeException e) {
            stopQuietly();
            removeMeters();
            throw e;
        }
        port = app.port();
        log.info("Lathe API listening at {}://{}:{}/ (dashboard /, API /api, metrics /metrics){}", tls == null ? "http" : "https",
                displayHost(settings.host()), port, tlsKeys == null ? "" : "; TLS key and certificate: " + tlsKeys.description());
        return port;
    }

    /**
     * The HTTP routes Javalin registered, as {@code "GET /api/assets"}, in registration order; empty before
     * {@link #start()}. Read back from the router rather than kept as a second list, so the test that compares them
     * with the OpenAPI description sees exactly what is served (static files of the dashboard are not routes).
     */
    synchronized List<String> routes() {
        if (app == null) return List.of();
        List<String> out = new ArrayList<>();
        for (var e : app.unsafe.internalRouter.allHttpHandlers()) {
            if (e.endpoint.method.isHttpMethod()) out.add(e.endpoint.method.name() + " " + e.endpoint.path);
        }
        return out;
    }

    private static byte[] readOpenApi() {
        try (var in = ApiServer.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI description is missing from the classpath [resource=io/lathe/api/"
                        + OPENAPI_RESOURCE + "]: the lathe-api jar is incomplete; rebuild it");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the OpenAPI description [resource=io/lathe/api/" + OPENAPI_RESOURCE + "]: " + e, e);
        }
    }

    /** The bound port, or -1 before {@link #start()}. */
    public int port() {
        return port;
    }

    /** Ends every live stream, stops the server and removes this server's meters. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (LiveSession s : sessions) s.close();
        // Let each writer finish its response before Jetty stops, or the two race over the same connection.
        liveWriters.shutdown();
        try {
            if (!liveWriters.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                log.warn("live streams did not end within {} ms on close [clients={}]; stopping anyway", CLOSE_WAIT_MILLIS, liveClients.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopQuietly();
        liveWriters.shutdownNow();
        if (started) removeMeters();
    }

    private void registerMeters() {
        if (access != null) for (Meter m : io.lathe.api.internal.AccessSetup.meters(metrics, access.control())) keep(m);
        liveEvents = keep(Counter.builder("lathe.api.live.events")
                .description("Values sent to live (SSE) clients").register(metrics));
        liveCoalesced = keep(Counter.builder("lathe.api.live.coalesced")
                .description("Values replaced by a newer value of the same signal before a slow live client read them")
                .register(metrics));
        liveDropped = keep(Counter.builder("lathe.api.live.dropped")
                .description("Queued values dropped because a live client fell too far behind").register(metrics));
        keep(Gauge.builder("lathe.api.live.clients", liveClients, AtomicInteger::get)
                .description("Connected live (SSE) clients").register(metrics));
        connectionUp = MultiGauge.builder("lathe.connection.state")
                .description("1 for the state each connection is in, 0 for the others").register(metrics);
        connectionRate = MultiGauge.builder("lathe.connection.messages.rate")
                .description("Messages per second received on each connection").register(metrics);
        if (store != null) {
            keep(Gauge.builder(STORE_AVAILABLE_METER, store, s -> s.unavailableReason().isPresent() ? 0 : 1)
                    .description("1 while the store accepts points, 0 while it refuses them (GET /health says why)")
                    .register(metrics));
            registerStoreRejects();
        }
    }

    /**
     * One counter per reason of {@link TelemetryStore#rejectedByReason()}, read from the store at each scrape. Called at
     * start and on each scrape, so a reason a newer store adds at run time is exported too.
     */
    private synchronized void registerStoreRejects() {
        if (store == null || closed) return;
        for (String reason : store.rejectedByReason().keySet()) {
            if (storeRejectReasons.contains(reason)) continue;
            storeRejectReasons.add(reason);
            keep(FunctionCounter.builder(STORE_REJECTS_METER, store, s -> s.rejectedByReason().getOrDefault(reason, 0L))
                    .tag("reason", reason).description("Points the store refused, by reason").register(metrics));
        }
    }

    private void removeMeters() {
        for (Meter m : meters) metrics.remove(m);
        meters.clear();
        for (String name : List.of("lathe.connection.state", "lathe.connection.messages.rate", "lathe.api.requests",
                IngestRoute.POINTS_METER, IngestRoute.REJECTS_METER, IngestRoute.REFUSED_METER)) {
            metrics.find(name).meters().forEach(metrics::remove);
        }
    }

    private void configure(JavalinConfig config) {
        config.startup.showJavalinBanner = false;
        if (tlsKeys != null) io.lathe.api.internal.AccessSetup.httpsConnector(config, tlsKeys, settings.host(), settings.port());
        if (access != null) io.lathe.api.internal.AccessSetup.install(config, access, model, tls != null, settings.host());
        config.startup.showOldJavalinVersionWarning = false;
        config.jsonMapper(new JavalinJackson(mapper, false));
        config.staticFiles.add(sf -> {
            sf.hostedPath = "/";
            // LATHE_WEB_DIR serves the page from a source folder, so front-end work needs no rebuild of the jar.
            String webDir = System.getenv("LATHE_WEB_DIR");
            if (webDir != null && !webDir.isBlank()) {
                sf.directory = webDir;
                sf.location = Location.EXTERNAL;
            } else {
                sf.directory = WEB_ROOT;
                sf.location = Location.CLASSPATH;
            }
            sf.headers = Map.of("Cache-Control", "no-cache");
        });
        config.requestLogger.http((ctx, millis) -> {
            int status = ctx.statusCode();
            metrics.counter("lathe.api.requests", "method", ctx.method().name(), "status", (status / 100) + "xx").increment();
            if (log.isDebugEnabled()) {
                log.debug("{} {} -> {} in {} ms", ctx.method(), safePath(ctx), status, String.format("%.1f", millis));
            }
        });

        config.routes.get("/api/assets", ctx -> ctx.json(Views.asset(io.lathe.api.internal.AuthFilter.visible(ctx, model.snapshot()))));
        config.routes.get("/api/assets/{id}", ctx -> {
            String id = Views.requireId("id", ctx.pathParam("id"));
            Asset a = model.snapshot().find(id);
            if (a == null) throw ApiError.notFound("asset", id);
            ctx.json(Views.asset(a));
        });
        config.routes.get("/api/signals/{id}/latest", ctx -> {
            String id = Views.requireId("id", ctx.pathParam("id"));
            Signal s = model.signal(id);
            if (s == null) throw ApiError.notFound("signal", id);
            Latest l = live.latest(id);
            if (l == null) throw ApiError.noValue(id);
            ctx.json(Views.latest(l));
        });
        HistoryRoute history = new HistoryRoute(model, store, clock);
        config.routes.get("/api/signals/{id}/history", history::handle);
        TimestampCheck skew = ingestTimestamps != null ? ingestTimestamps
                : new TimestampCheck(TimestampCheck.DEFAULT_MAX_SKEW, clock, metrics);
        IngestRoute ingest = new IngestRoute(settings.ingestToken(), store, metrics, model, ingestDownstream, skew, ingestLimits);
        config.routes.post("/api/ingest", ingest::handle);
        KpiRoutes kpi = kpiRoutes != null ? kpiRoutes : new KpiRoutes(null);
        config.routes.get("/api/kpi", kpi::kpi);
        config.routes.get("/api/kpi/sites", kpi::sites);
        config.routes.get("/api/downtime", kpi::downtime);
        config.routes.post("/api/downtime/reason", access == null ? kpi::reason : io.lathe.api.internal.AdminRoutes.auditedReason(access.control(), kpi::reason));
        config.routes.post("/api/downtime/split", access == null ? kpi::split : io.lathe.api.internal.AdminRoutes.auditedReason(access.control(), kpi::split));
        config.routes.get("/api/data-quality", kpi::dataQuality);
        io.lathe.api.internal.HealthRoutes health = healthRoutes != null ? healthRoutes
                : new io.lathe.api.internal.HealthRoutes(null, model, store, clock);
        config.routes.get("/api/assets/{id}/health", health::machineHealth);
        config.routes.get("/api/health/machines", health::allMachines);
        config.routes.get("/api/models", health::models);
        config.routes.get("/api/models/{id}", health::model);
        config.routes.post("/api/models/fit", access == null ? health::fit : io.lathe.api.internal.HealthRoutes.audited(access.control(), health::fit));
        config.routes.get("/api/connections", ctx -> {
            List<Map<String, Object>> out = new ArrayList<>();
            for (ConnectionStatus c : connectionStatuses()) out.add(Views.connection(c));
            ctx.json(out);
        });
        (alarmRoutes != null ? alarmRoutes : new io.lathe.api.internal.AlarmRoutes(null, clock)).register(config, access == null ? null : access.control());
        config.routes.get("/api/live", this::live);
        // The dashboard's languages are the catalogues that exist, so adding one is adding its file (i18n/<tag>.json).
        String languagesDir = System.getenv("LATHE_WEB_DIR");
        List<io.lathe.api.internal.UiLanguages.Language> bundled = languagesDir != null && !languagesDir.isBlank() ? null
                : io.lathe.api.internal.UiLanguages.fromClasspath(ApiServer.class.getClassLoader(), WEB_ROOT);
        config.routes.get("/api/ui/languages", ctx -> ctx.json((bundled != null ? bundled
                : io.lathe.api.internal.UiLanguages.fromDirectory(java.nio.file.Path.of(languagesDir))).stream()
                .map(io.lathe.api.internal.UiLanguages.Language::view).toList()));
        byte[] openApiBody = openApi;
        config.routes.get("/api/openapi.json", ctx -> ctx.contentType("application/json").result(openApiBody));
        config.routes.get("/health", ctx -> {
            List<Map<String, Object>> states = new ArrayList<>();
            for (ConnectionStatus c : connectionStatuses()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", c.name());
                m.put("state", c.state() == null ? null : c.state().label());
                states.add(m);
            }
            // Down while the store refuses points (disk full, read-only, log write errors): load balancers and
            // operators must see it, and HTTP ingest answers 503 meanwhile.
            String storeDown = store == null ? null : store.unavailableReason().orElse(null);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", storeDown == null ? "up" : "down");
            body.put("reasons", storeDown == null ? List.of() : List.of(storeDown));
            body.put("signals", model.signals().size());
            body.put("liveValues", live.size());
            body.put("connections", states);
            ctx.status(storeDown == null ? 200 : 503).json(body);
        });
        config.routes.get("/metrics", ctx -> {
            refreshConnectionGauges(connectionStatuses());
            registerStoreRejects();
            String accept = ctx.header("Accept");
            String type = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
            ctx.contentType(type).result(metrics.scrape(type));
        });

        config.routes.exception(ApiError.class, (e, ctx) -> ctx.status(e.status()).json(e.body()));
        config.routes.exception(HttpResponseException.class, (e, ctx) -> {
            int status = e.getStatus();
            String code = status == 404 ? "not_found" : status == 405 ? "method_not_allowed" : "http_" + status;
            String message = status == 404 ? "no such resource [path=" + safePath(ctx) + "]. The API lives under /api; see GET /api/assets."
                    : e.getMessage() + " [path=" + safePath(ctx) + "]";
            ctx.status(status).json(new ApiError.Body(code, message, List.of()));
        });
        // A KPI period bound the live engine no longer holds raw data for: the caller can fix it (whole hours, or lathe kpi).
        config.routes.exception(io.lathe.kpi.OutsideRetentionException.class,
                (e, ctx) -> ctx.status(400).json(new ApiError.Body("outside_retention", e.getMessage(), List.of())));
        config.routes.exception(Exception.class, (e, ctx) -> {
            String path = safePath(ctx);
            // The body names no exception class and no stack trace (they help attackers, not users): the log has
            // them under an error id the user can quote.
            String errorId = java.util.UUID.randomUUID().toString().substring(0, 8);
            log.warn("request failed [path={}, errorId={}]", path, errorId, e);
            ctx.status(500).json(new ApiError.Body("internal_error",
                    "request failed [path=" + path + ", errorId=" + errorId + "]. The server log has the details under this error id.", List.of()));
        });
    }

    private void live(Context ctx) {
        String asset = ctx.queryParam("asset");
        Predicate<String> filter = io.lathe.api.internal.AuthFilter.visibleIds(ctx, model.snapshot().id());
        if (asset != null) {
            Views.requireId("asset", asset);
            if (!model.contains(asset)) throw ApiError.notFound("asset", asset);
            filter = new AssetScope(model, asset);
        }
        if (closed) throw ApiError.of(503, "unavailable", "the server is shutting down; reconnect later");
        LiveSession session = new LiveSession(LIVE_QUEUE_SIGNALS, filter, liveCounters);
        Predicate<String> snapshotFilter = filter;
        // KPI events: the asset asked for; without one the whole plant, or for a caller restricted to some sites one
        // event per site it may see (never the plant's figures, which include other sites).
        List<String> kpiAssets = new ArrayList<>();
        if (asset != null) {
            kpiAssets.add(asset);
        } else {
            Asset root = model.snapshot();
            Asset visible = io.lathe.api.internal.AuthFilter.visible(ctx, root);
            if (visible.children().size() == root.children().size()) kpiAssets.add(null);
            else for (Asset site : visible.children()) kpiAssets.add(site.id());
        }

        ctx.status(200);
        ctx.res().setCharacterEncoding("UTF-8");
        ctx.res().setContentType("text/event-stream");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        ctx.async(cfg -> {
            cfg.timeout = 0;
            cfg.executor = liveWriters;
        }, () -> stream(ctx, session, snapshotFilter, kpiAssets, io.lathe.api.internal.AuthFilter.stillValid(ctx)));
    }

    /** Runs on a live-writer thread for the whole life of one client. */
    /** How often an open live stream checks that its session or token still holds. */
    static final long LIVE_CREDENTIAL_CHECK_MILLIS = 5_000;

    private void stream(Context ctx, LiveSession session, Predicate<String> filter, List<String> kpiAssets,
                        java.util.function.BooleanSupplier credentialValid) {
        sessions.add(session);
        if (closed) session.close(); // close() ran between the check in live() and here
        liveClients.incrementAndGet();
        // Subscribe before reading the snapshot, so nothing that changes in between is lost; at worst a value is sent twice.
        Runnable unsubscribe = live.subscribe(session);
        // Alarm events for the caller's sites (and the asset asked for); a transition wakes the writer at once.
        String alarmAsset = ctx.queryParam("asset");
        Predicate<String> alarmVisible = io.lathe.api.internal.AuthFilter.visibleIds(ctx, model.rootId());
        io.lathe.api.internal.AlarmRoutes.Feed alarmFeed = alarmRoutes == null ? null : alarmRoutes.subscribe(
                id -> alarmVisible.test(id) && (alarmAsset == null || id.equals(alarmAsset) || id.startsWith(alarmAsset + ".")), session::wake);
        try {
            OutputStream out = ctx.res().getOutputStream();
            StringBuilder b = new StringBuilder(4096);
            b.append("retry: 3000\n\n");
            int n = 0;
            Collection<Latest> snapshot = live.all();
            for (Latest l : snapshot) {
                if (!filter.test(l.signalId())) continue;
                event(b, "value", Views.latest(l));
                n++;
                if (b.length() > 32_768) write(out, b);
            }
            event(b, "ready", Map.of("snapshot", n));
            write(out, b);
            liveEvents.increment(n);
            KpiRoutes kpi = kpiRoutes;
            long nextKpiMillis = 0;
            long nextCredentialCheck = System.currentTimeMillis() + LIVE_CREDENTIAL_CHECK_MILLIS;
            while (true) {
                List<Latest> batch = session.take(Math.min(LIVE_HEARTBEAT_MILLIS, kpi == null ? LIVE_CREDENTIAL_CHECK_MILLIS : 1000));
                if (batch == null) break;
                if (System.currentTimeMillis() >= nextCredentialCheck) {
                    // a logout, password change, removed user or revoked token also ends a stream already open
                    if (!credentialValid.getAsBoolean()) {
                        b.append("event: ended\ndata: {\"reason\":\"credentials no longer valid; log in again\"}\n\n");
                        write(out, b);
                        break;
                    }
                    nextCredentialCheck = System.currentTimeMillis() + LIVE_CREDENTIAL_CHECK_MILLIS;
                }
                for (Latest l : batch) event(b, "value", Views.latest(l));
                if (alarmFeed != null) alarmFeed.drainTo(b);
                if (kpi != null && System.currentTimeMillis() >= nextKpiMillis) {
                    // Computed at most once per second and shared by every client (KpiRoutes caches it).
                    for (String kpiAsset : kpiAssets) {
                        String k = kpi.liveJson(kpiAsset);
                        if (k != null) b.append("event: kpi\ndata: ").append(k).append("\n\n");
                    }
                    nextKpiMillis = System.currentTimeMillis() + 1000;
                }
                if (b.isEmpty()) b.append(": keep-alive\n\n");
                write(out, b);
                liveEvents.increment(batch.size());
            }
        } catch (IOException e) {
            log.debug("live client went away [remote={}]: {}", ctx.ip(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            unsubscribe.run();
            if (alarmFeed != null) alarmFeed.close();
            session.close();
            sessions.remove(session);
            liveClients.decrementAndGet();
        }
    }

    private void event(StringBuilder b, String name, Object data) throws IOException {
        b.append("event: ").append(name).append('\n');
        b.append("data: ").append(mapper.writeValueAsString(data)).append("\n\n");
    }

    private static void write(OutputStream out, StringBuilder b) throws IOException {
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        b.setLength(0);
    }

    private List<ConnectionStatus> connectionStatuses() {
        List<ConnectionStatus> list = connections.get();
        return list == null ? List.of() : list;
    }

    private void refreshConnectionGauges(List<ConnectionStatus> statuses) {
        List<MultiGauge.Row<?>> up = new ArrayList<>();
        List<MultiGauge.Row<?>> rate = new ArrayList<>();
        for (ConnectionStatus c : statuses) {
            for (ConnectionState s : ConnectionState.values()) {
                up.add(MultiGauge.Row.of(Tags.of("connection", c.name(), "state", s.label()), c.state() == s ? 1 : 0));
            }
            rate.add(MultiGauge.Row.of(Tags.of("connection", c.name(), "protocol", nullToEmpty(c.protocol())),
                    c.messagesPerSecond()));
        }
        connectionUp.register(up, true);
        connectionRate.register(rate, true);
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }

    private void stopQuietly() {
        if (app == null) return;
        try {
            app.stop();
        } catch (RuntimeException e) {
            log.warn("HTTP API did not stop cleanly [port={}]: {}", port, e.toString());
        }
    }

    /** The request path, or "?" once Jetty has recycled the request (an exception after the client left). */
    private static String safePath(Context ctx) {
        try {
            return ctx.path();
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String displayHost(String host) {
        return host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
    }
}
