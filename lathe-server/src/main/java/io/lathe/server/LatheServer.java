package io.lathe.server;

import io.lathe.api.ApiServer;
import io.lathe.api.ApiSettings;
import io.lathe.api.PortInUseException;
import io.lathe.api.internal.KpiRoutes;
import io.lathe.broker.BrokerAccess;
import io.lathe.broker.BrokerCredential;
import io.lathe.broker.BrokerIdentities;
import io.lathe.broker.BrokerLimits;
import io.lathe.broker.BrokerPortInUseException;
import io.lathe.broker.BrokerSettings;
import io.lathe.broker.BrokerTls;
import io.lathe.broker.TopicRights;
import io.lathe.broker.EmbeddedBroker;
import io.lathe.ingest.Connection;
import io.lathe.ingest.ConnectionStatus;
import io.lathe.ingest.FanOut;
import io.lathe.ingest.IngestQueue;
import io.lathe.ingest.LiveState;
import io.lathe.ingest.PointSink;
import io.lathe.ingest.TimestampCheck;
import io.lathe.kpi.KpiEngine;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.modbus.ModbusConfig;
import io.lathe.modbus.ModbusConnection;
import io.lathe.modbus.ModbusDataType;
import io.lathe.modbus.ModbusDevice;
import io.lathe.modbus.ModbusPoint;
import io.lathe.modbus.ModbusTable;
import io.lathe.mqttjson.MqttJsonConfig;
import io.lathe.mqttjson.MqttJsonConnection;
import io.lathe.opcua.OpcUaConfig;
import io.lathe.opcua.OpcUaConnection;
import io.lathe.opcua.OpcUaNode;
import io.lathe.server.config.ConnectionsParser;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import io.lathe.server.config.PlantBuilder;
import io.lathe.server.config.Settings;
import io.lathe.simulator.FactoryConfig;
import io.lathe.simulator.ModbusEnergyMeter;
import io.lathe.simulator.OpcUaMachine;
import io.lathe.simulator.VirtualFactory;
import io.lathe.sparkplug.SparkplugHost;
import io.lathe.sparkplug.SparkplugHostConfig;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires every module together, in one place and by hand: configuration → plant model → store and live state →
 * connectors → API. {@link #start} either returns a running server or throws, leaving nothing running.
 */
public final class LatheServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LatheServer.class);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    // Read by API threads while start-up is still adding connections.
    private final List<Connection> connections = new java.util.concurrent.CopyOnWriteArrayList<>();
    private PlantModel model;
    private LiveState live;
    private PrometheusMeterRegistry metrics;
    private volatile EmbeddedBroker broker;
    /** The embedded broker's start, run beside the rest of the start-up; null with an external broker. */
    private java.util.concurrent.FutureTask<Void> brokerStart;
    private ApiServer api;
    private String brokerUrl;
    /** The embedded broker's credential for Lathe's own connections; null with an external broker. */
    private BrokerCredential internal;
    private String brokerBindHost;
    private int brokerIdentities;
    private boolean brokerAnonymous;
    private VirtualFactory factory;
    private TelemetryStore store;
    private OpcUaMachine opcUaMachine;
    private ModbusEnergyMeter energyMeter;
    private KpiEngine kpi;
    private KpiRoutes kpiRoutes;
    private io.lathe.alarm.AlarmSystem alarms;
    private io.lathe.predict.live.HealthMonitor health;
    /** This instance's id from the data folder: part of default MQTT client ids ({@link InstanceId}). */
    private String instanceId;
    private io.lathe.auth.AccessControl accessControl;
    private io.lathe.auth.InitialAdmin initialAdmin;
    private TimestampCheck timestampCheck;
    /** The check for the demo's simulated devices: off when the simulation runs faster than the clock. */
    private TimestampCheck demoTimestampCheck;
    private int queueCapacity;
    private Duration maxBlock;
    private final List<IngestQueue> queues = new java.util.concurrent.CopyOnWriteArrayList<>();

    private LatheServer() {}

    /**
     * Starts Lathe.
     *
     * @param demo also run the virtual factory, and let the embedded broker move to a free port when its port is taken
     */
    public static LatheServer start(LatheConfig config, boolean demo, InstantSource clock) throws StartupException {
        LatheServer s = new LatheServer();
        try {
            s.doStart(config, demo, clock);
            return s;
        } catch (StartupException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void doStart(LatheConfig config, boolean demo, InstantSource clock) throws StartupException {
        Settings st = config.settings();
        Path dataDir = Path.of(st.string(Keys.DATA_DIR));
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StartupException("Cannot create the data folder [data-dir=" + dataDir.toAbsolutePath() + "]: " + e
                    + ". Choose another with --data-dir or server.data-dir.", 2, e);
        }
        try {
            instanceId = InstanceId.load(dataDir);
        } catch (IOException e) {
            throw new StartupException("Cannot read or create this instance's id [data-dir=" + dataDir.toAbsolutePath() + "]: "
                    + e.getMessage(), 2, e);
        }
        model = PlantBuilder.build(config.plant());
        metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        live = new LiveState();
        // HiveMQ takes seconds to boot: it starts beside the store, KPIs and HTTP server instead of after them, so the
        // start-up block comes that much sooner (issue 14). Joined below, where the broker is first needed.
        String brokerSetting = st.string(Keys.MQTT_BROKER);
        if (brokerSetting.equalsIgnoreCase("embedded")) {
            brokerBindHost = st.string(Keys.MQTT_EMBEDDED_HOST);
            brokerStart = new java.util.concurrent.FutureTask<>(() -> {
                startBroker(config, dataDir, demo);
                return null;
            });
            Thread.ofPlatform().name("lathe-broker-start").daemon().start(brokerStart);
        }
        try {
            store = TelemetryStore.open(new StoreSettings(dataDir.resolve("store"), storeMemoryBudget(st.integer(Keys.STORE_MEMORY_MB), Runtime.getRuntime().maxMemory()),
                    st.duration(Keys.STORE_FLUSH_INTERVAL), st.duration(Keys.STORE_RETENTION), st.duration(Keys.STORE_LATE_WINDOW),
                    st.duration(Keys.STORE_WAL_SYNC), st.duration(Keys.STORE_PARTITION)), clock);
        } catch (IOException | IllegalArgumentException e) {
            throw new StartupException("Cannot open the telemetry store [dir=" + dataDir.resolve("store").toAbsolutePath() + "]: "
                    + e.getMessage() + ". Check the folder's permissions and free space, or choose another with --data-dir.", 2, e);
        }
        closeables.add(store);
        startKpi(config, dataDir, clock);
        startAlarms(config, dataDir, clock);
        // Store first: by the time a value shows live it is in the write-ahead log.
        FanOut.Builder fan = FanOut.builder(metrics).add("store", store);
        if (kpi != null) fan.add("kpi", kpi);
        fan.add("alarms", alarms.engine());
        startHealth(config, dataDir);
        if (health != null) fan.add("health", health);
        PointSink sink = fan.add("live", live).build();
        startIngest(st, demo, clock);

        api = ApiServer.create(new ApiSettings(st.string(Keys.HTTP_HOST), st.integer(Keys.HTTP_PORT), st.string(Keys.INGEST_TOKEN)), model, live, metrics,
                this::connectionStatuses, store).kpi(kpiRoutes).alarms(new io.lathe.api.internal.AlarmRoutes(alarms, clock)).health(new io.lathe.api.internal.HealthRoutes(health, model, store, clock))
                .ingestDownstream(ingestDownstream())
                .ingestTimestampCheck(timestampCheck);
        try {
            api.ingestLimits(new io.lathe.api.IngestLimits(st.longValue(Keys.INGEST_MAX_BODY_BYTES),
                    st.integer(Keys.INGEST_MAX_LINE_BYTES), st.integer(Keys.INGEST_MAX_NEW_SERIES)));
        } catch (IllegalArgumentException e) { // the message names the setting and a valid value
            throw new StartupException("Invalid HTTP ingest limit: " + e.getMessage(), 2, e);
        }
        accessControl = AccessWiring.open(st, dataDir, clock);
        closeables.add(accessControl);
        try {
            initialAdmin = accessControl.bootstrap(System.getenv(io.lathe.auth.AccessControl.ADMIN_PASSWORD_ENV)).orElse(null);
        } catch (io.lathe.auth.AuthException e) {
            throw new StartupException("Cannot create the first administrator: " + e.getMessage(), 2, e);
        }
        api.access(AccessWiring.apiAccess(st, accessControl, demo)).tls(AccessWiring.tls(st, dataDir));
        closeables.add(api);
        try {
            api.start();
        } catch (IllegalArgumentException e) { // HTTPS key or certificate unusable: TlsKeys names the file and the fix
            throw new StartupException(e.getMessage(), 2, e);
        } catch (PortInUseException e) {
            throw new StartupException("HTTP port " + st.integer(Keys.HTTP_PORT) + " is already in use by another program. "
                    + "Start Lathe on another port with --http-port (or server.http-port in the configuration, or the "
                    + "environment variable " + Keys.HTTP_PORT.envVar() + "), or stop the program that holds it.", 2, e);
        }

        if (brokerStart != null) {
            awaitBroker();
            closeables.add(broker);
            broker.bindTo(metrics);
            internal = broker.internalCredential();
            brokerUrl = broker.url();
        } else {
            brokerUrl = brokerSetting;
        }

        if (st.bool(Keys.SPARKPLUG_ENABLED)) {
            SparkplugHost host = new SparkplugHost(new SparkplugHostConfig(st.string(Keys.SPARKPLUG_HOST_ID), brokerUrl,
                    broker != null ? internal.username() : st.string(Keys.MQTT_USERNAME),
                    broker != null ? internal.password() : st.string(Keys.MQTT_PASSWORD),
                    st.string(Keys.MQTT_TLS_CA) == null ? null : Path.of(st.string(Keys.MQTT_TLS_CA)),
                    st.bool(Keys.MQTT_TLS_VERIFY_HOSTNAME), st.list(Keys.SPARKPLUG_GROUPS),
                    st.duration(Keys.SPARKPLUG_REORDER_TIMEOUT), st.string(Keys.DISCOVERY_SITE), st.string(Keys.DISCOVERY_AREA))
                    .withDiscovery(discoveryLimits(st)),
                    model, queue("sparkplug", sink, demoTimestampCheck), metrics, clock);
            connections.add(host);
            closeables.add(host);
            meter(host);
            host.start();
        }

        if (demo) {
            factory = new VirtualFactory(new FactoryConfig(brokerUrl, internal == null ? null : internal.username(),
                    internal == null ? null : internal.password(), "Demo", st.integer(Keys.SIM_LINES),
                    st.integer(Keys.SIM_MACHINES), st.longValue(Keys.SIM_SEED), st.doubleValue(Keys.SIM_SPEED),
                    st.duration(Keys.SIM_PUBLISH_INTERVAL), st.bool(Keys.SPARKPLUG_ENABLED) ? st.string(Keys.SPARKPLUG_HOST_ID) : null), clock);
            closeables.add(factory);
            factory.start();
            startDemoDevices(st, sink, clock);
        }

        for (Record r : config.connections()) {
            if (r instanceof OpcUaConfig c && c.dataDir().equals(ConnectionsParser.SERVER_DATA_DIR)) {
                r = new OpcUaConfig(c.name(), c.endpointUrl(), c.securityPolicy(), c.username(), c.password(), dataDir,
                        c.machineId(), c.publishingInterval(), c.requestTimeout(), c.reconnectMaxDelay(), c.nodes());
            }
            if (r instanceof MqttJsonConfig j && j.username() == null && atEmbeddedBroker(j)) {
                r = new MqttJsonConfig(j.name(), j.brokerUrl(), j.clientId(), internal.username(), internal.password(), j.qos(),
                        j.machineId(), j.topics(), j.instanceId());
            }
            addConnection(r, sink, timestampCheck, clock);
        }
    }

    /**
     * Starts the embedded broker with access control: Lathe's own connections by the internal credential, the edge
     * nodes and devices of {@code mqtt.embedded.clients-file}, anonymous clients only when allowed.
     */
    private void startBroker(LatheConfig config, Path dataDir, boolean demo) throws StartupException {
        Settings st = config.settings();
        int port = st.integer(Keys.MQTT_EMBEDDED_PORT);
        String host = st.string(Keys.MQTT_EMBEDDED_HOST);
        Path clientsFile = null;
        try {
            if (st.string(Keys.MQTT_EMBEDDED_CLIENTS_FILE) != null) {
                clientsFile = Path.of(st.string(Keys.MQTT_EMBEDDED_CLIENTS_FILE));
                if (!clientsFile.isAbsolute() && config.file() != null) {
                    Path folder = Path.of(config.file()).toAbsolutePath().getParent();
                    if (folder != null) clientsFile = folder.resolve(clientsFile);
                }
            }
            List<io.lathe.broker.BrokerIdentity> identities = clientsFile == null ? List.of() : BrokerIdentities.load(clientsFile);
            boolean anonymous = st.bool(Keys.MQTT_EMBEDDED_ANONYMOUS);
            // A device must not take the client id of one of Lathe's own connections and kick it off the broker.
            java.util.Set<String> reserved = new java.util.HashSet<>();
            for (Record r : config.connections()) {
                if (r instanceof MqttJsonConfig j) reserved.add(j.withInstanceId(instanceId).effectiveClientId());
            }
            BrokerAccess.Controlled access = BrokerAccess.internalOnly().withIdentities(identities)
                    .withAnonymous(anonymous ? new TopicRights(st.list(Keys.MQTT_EMBEDDED_ANONYMOUS_PUBLISH),
                            st.list(Keys.MQTT_EMBEDDED_ANONYMOUS_SUBSCRIBE)) : null)
                    .withReservedClientIds(reserved);
            BrokerLimits limits = new BrokerLimits(st.integer(Keys.MQTT_EMBEDDED_MAX_PACKET_BYTES), st.integer(Keys.MQTT_EMBEDDED_MAX_TOPIC_LENGTH),
                    st.integer(Keys.MQTT_EMBEDDED_MAX_TOPIC_LEVELS), st.integer(Keys.MQTT_EMBEDDED_MAX_RETAINED_PAYLOAD),
                    st.integer(Keys.MQTT_EMBEDDED_MAX_RETAINED_MESSAGES), st.longValue(Keys.MQTT_EMBEDDED_MAX_RETAINED_BYTES));
            String tlsHost = st.string(Keys.MQTT_EMBEDDED_TLS_HOST) == null ? host : st.string(Keys.MQTT_EMBEDDED_TLS_HOST);
            int tlsPort = st.integer(Keys.MQTT_EMBEDDED_TLS_PORT);
            BrokerTls tls = st.string(Keys.MQTT_EMBEDDED_TLS_CERT) != null
                    ? new BrokerTls.Pem(tlsHost, tlsPort, Path.of(st.string(Keys.MQTT_EMBEDDED_TLS_CERT)),
                            keyFile(st), st.string(Keys.MQTT_EMBEDDED_TLS_KEY_PASSWORD))
                    : st.string(Keys.MQTT_EMBEDDED_TLS_PKCS12) != null
                    ? new BrokerTls.Pkcs12(tlsHost, tlsPort, Path.of(st.string(Keys.MQTT_EMBEDDED_TLS_PKCS12)),
                            pkcs12Password(st))
                    : null;
            broker = EmbeddedBroker.start(new BrokerSettings(host, port, dataDir.resolve("broker"), demo)
                    .withAccess(access).withLimits(limits).withTls(tls));
            brokerIdentities = identities.size();
            brokerAnonymous = anonymous;
        } catch (BrokerIdentities.InvalidClientListException e) {
            throw new StartupException(e.getMessage() + "\nFix " + clientsFile + " (key " + Keys.MQTT_EMBEDDED_CLIENTS_FILE.name() + ").", 2, e);
        } catch (IOException e) {
            throw new StartupException("Cannot read the MQTT client list [" + Keys.MQTT_EMBEDDED_CLIENTS_FILE.name() + "=" + clientsFile
                    + "]: " + e + ". Check the path (relative to the configuration file's folder) and its permissions.", 2, e);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new StartupException("Invalid embedded MQTT broker settings: " + e.getMessage(), 2, e);
        } catch (BrokerPortInUseException e) {
            throw new StartupException("MQTT port " + port + " is already in use (another MQTT broker such as Mosquitto?). "
                    + "Give the embedded broker another port with --mqtt-port (or mqtt.embedded.port, or "
                    + Keys.MQTT_EMBEDDED_PORT.envVar() + "), or use the broker that is running there with "
                    + "mqtt.broker: tcp://127.0.0.1:" + port + ".", 2, e);
        }
    }

    /** Waits for the broker started beside the rest of the start-up, with its start-up error if it had one. */
    private void awaitBroker() throws StartupException {
        try {
            brokerStart.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("Interrupted while the embedded MQTT broker started", 1, e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof StartupException se) throw se;
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error er) throw er;
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * {@code store.memory-budget-mb} in bytes; 0 takes a sixteenth of the heap, between 64 and 512 MB. Why tied to the
     * heap: at millions of points a second a 64 MB budget flushed every half second into 1 MB files, each of them then
     * merged again and again by compaction, which made the store's background thread a quarter of Lathe's CPU
     * (docs/PERFORMANCE.md); a small heap still gets 64 MB, which the memory benchmark keeps under 512 MB.
     */
    static long storeMemoryBudget(long configuredMb, long maxHeapBytes) {
        if (configuredMb != 0) return configuredMb * (1L << 20);
        long auto = maxHeapBytes == Long.MAX_VALUE ? 64L << 20 : maxHeapBytes / 16;
        return Math.max(64L << 20, Math.min(512L << 20, auto));
    }

    private static Path keyFile(Settings st) {
        String key = st.string(Keys.MQTT_EMBEDDED_TLS_KEY);
        if (key == null) {
            throw new IllegalArgumentException(Keys.MQTT_EMBEDDED_TLS_CERT.name() + " is set but " + Keys.MQTT_EMBEDDED_TLS_KEY.name()
                    + " is not. Set it to the PEM file with the certificate's private key.");
        }
        return Path.of(key);
    }

    private static String pkcs12Password(Settings st) {
        String pw = st.string(Keys.MQTT_EMBEDDED_TLS_PKCS12_PASSWORD);
        if (pw == null) {
            throw new IllegalArgumentException(Keys.MQTT_EMBEDDED_TLS_PKCS12.name() + " is set but " + Keys.MQTT_EMBEDDED_TLS_PKCS12_PASSWORD.name()
                    + " is not. Set it (or the environment variable " + Keys.MQTT_EMBEDDED_TLS_PKCS12_PASSWORD.envVar() + ").");
        }
        return pw;
    }

    private static io.lathe.sparkplug.DiscoveryLimits discoveryLimits(Settings st) throws StartupException {
        try {
            return new io.lathe.sparkplug.DiscoveryLimits(st.bool(Keys.DISCOVERY_ENABLED), st.integer(Keys.DISCOVERY_MAX_NODES),
                    st.integer(Keys.DISCOVERY_MAX_DEVICES), st.integer(Keys.DISCOVERY_MAX_SIGNALS));
        } catch (IllegalArgumentException e) {
            throw new StartupException("Invalid setting: " + e.getMessage(), 2, e);
        }
    }

    /** True when {@code j} connects to the embedded broker: a loopback or the bind address, at its plain or TLS port. */
    private boolean atEmbeddedBroker(MqttJsonConfig j) {
        if (broker == null) return false;
        String h = j.host();
        String bind = brokerBindHost;
        boolean local = h.equals("127.0.0.1") || h.equalsIgnoreCase("localhost") || h.equals("::1") || h.equals("[::1]")
                || h.equals(bind);
        return local && (j.port() == broker.port() || j.port() == broker.tlsPort());
    }

    /**
     * Reads the ingest settings: every connection gets its own {@link IngestQueue} in front of the shared fan-out, so
     * a slow store holds a connection's threads for at most {@code ingest.max-block}; points stamped more than
     * {@code ingest.max-clock-skew} ahead are rejected there.
     */
    private void startIngest(Settings st, boolean demo, InstantSource clock) throws StartupException {
        queueCapacity = st.integer(Keys.INGEST_QUEUE_CAPACITY);
        maxBlock = st.duration(Keys.INGEST_MAX_BLOCK);
        if (queueCapacity < 1) {
            throw new StartupException("Invalid setting [ingest.queue-capacity=" + queueCapacity + "]: must be at least 1."
                    + " Set it to the points a connection may have in flight, for example 65536.", 2, null);
        }
        try {
            timestampCheck = new TimestampCheck(st.duration(Keys.INGEST_MAX_CLOCK_SKEW), clock, metrics);
        } catch (IllegalArgumentException e) {
            throw new StartupException("Invalid setting: " + e.getMessage() + ". Set ingest.max-clock-skew to 5m, for example.", 2, e);
        }
        demoTimestampCheck = timestampCheck;
        if (demo && st.doubleValue(Keys.SIM_SPEED) > 1 && timestampCheck.enabled()) {
            // Simulated time runs ahead of the clock by design; the demo's own devices would be refused after seconds.
            demoTimestampCheck = TimestampCheck.disabled(metrics);
            log.info("Future-timestamp check off for the demo's simulated devices [simulator.speed={}]: simulated time runs"
                    + " ahead of the clock. Other connections and HTTP ingest keep ingest.max-clock-skew={}.",
                    st.doubleValue(Keys.SIM_SPEED), timestampCheck.maxSkew());
        }
    }

    /** A connection's queue; registered for shutdown before the connection, so it is closed (drained) after it. */
    private IngestQueue queue(String connection, PointSink downstream, TimestampCheck check) {
        IngestQueue q = new IngestQueue(connection, downstream, queueCapacity, maxBlock, check, metrics);
        queues.add(q);
        closeables.add(q);
        return q;
    }

    /** The future-timestamp rule of {@code ingest.max-clock-skew}, for HTTP ingest to share with the connections. */
    public TimestampCheck timestampCheck() {
        return timestampCheck;
    }

    /** The ingest queue of every connection, in start order. */
    public List<IngestQueue> ingestQueues() {
        return List.copyOf(queues);
    }

    /** Days of stored history the KPI engine is seeded from at start, so KPIs survive a restart. */
    static final int KPI_HISTORY_DAYS = 8;

    /**
     * Builds the KPI engine of the {@code kpi:} section from the last {@value #KPI_HISTORY_DAYS} days in the store and
     * replays the operator reasons saved in {@code kpi-reasons.jsonl} of the data folder. Without a section: no engine.
     */
    private void startKpi(LatheConfig config, Path dataDir, InstantSource clock) throws StartupException {
        KpiRoutes.ReasonLog reasons = new KpiRoutes.ReasonLog(dataDir.resolve(KPI_REASONS_FILE));
        if (config.kpi() == null) {
            kpiRoutes = new KpiRoutes(null, null, reasons, clock);
            return;
        }
        long now = clock.instant().getEpochSecond() * 1_000_000L;
        long t0 = System.nanoTime();
        try {
            kpi = KpiEngine.recompute(config.kpi(), config.settings().duration(Keys.STORE_LATE_WINDOW), store,
                    now - Duration.ofDays(KPI_HISTORY_DAYS).toNanos() / 1000, Long.MAX_VALUE, java.util.Map.of());
            int n = reasons.replay(kpi);
            new io.lathe.kpi.KpiMeters(kpi).bindTo(metrics); // data-quality events by kind, refused and pending points
            log.info("KPI engine ready [machines={}, operatorReasons={}, seededFromDays={}, millis={}]",
                    config.kpi().machines().size(), n, KPI_HISTORY_DAYS, (System.nanoTime() - t0) / 1_000_000);
        } catch (IllegalArgumentException e) {
            throw new StartupException("Invalid KPI settings: " + e.getMessage() + " Set kpi.raw-retention to 0s or to at least"
                    + " store.late-window (" + config.settings().duration(Keys.STORE_LATE_WINDOW) + ").", 2, e);
        } catch (IOException e) {
            throw new StartupException("Cannot load KPI history [data-dir=" + dataDir.toAbsolutePath() + "]: " + e
                    + ". Check the store and " + KPI_REASONS_FILE + " in the data folder.", 2, e);
        }
        kpiRoutes = new KpiRoutes(kpi, config.kpi(), reasons, clock);
    }

    /**
     * Machine health (lathe-predict) unless {@code predict.enabled} is false: models of {@code <data-dir>/models}, scores
     * written to the store and the live view like any signal.
     */
    private void startHealth(LatheConfig config, Path dataDir) throws StartupException {
        Settings st = config.settings();
        if (!st.bool(Keys.PREDICT_ENABLED)) return;
        try {
            io.lathe.predict.model.ModelRepository models = io.lathe.predict.model.ModelRepository.open(dataDir);
            health = new io.lathe.predict.live.HealthMonitor(model, config.kpi(), models, FanOut.builder(metrics).add("store", store)
                    .add("live", live).build(), healthSettings(st),
                    metrics);
            log.info("Machine health ready [models={}, training={}, vibrationZones={}, folder={}]", models.all().size(),
                    st.duration(Keys.PREDICT_TRAINING), st.list(Keys.PREDICT_VIBRATION_ZONES), models.folder());
        } catch (IOException e) {
            throw new StartupException("Cannot open the model folder [dir=" + dataDir.resolve("models").toAbsolutePath() + "]: " + e
                    + ". Check the folder's permissions, or set predict.enabled=false.", 2, e);
        } catch (IllegalArgumentException e) {
            throw new StartupException("Invalid machine health setting: " + e.getMessage(), 2, e);
        }
    }

    /** The machine health settings of the configuration ({@code predict.*}). */
    public static io.lathe.predict.live.HealthSettings healthSettings(Settings st) {
        return io.lathe.predict.live.HealthSettings.DEFAULTS.withTraining(st.duration(Keys.PREDICT_TRAINING))
                .withVibrationZones(io.lathe.predict.live.VibrationZones.parse(st.list(Keys.PREDICT_VIBRATION_ZONES)));
    }

    /** Where HTTP ingest hands plant signals after storing them: KPIs and machine health when on, then the live view. */
    private PointSink ingestDownstream() {
        FanOut.Builder b = FanOut.builder(metrics);
        if (kpi != null) b.add("kpi", kpi);
        b.add("alarms", alarms.engine());
        if (health != null) b.add("health", health);
        return b.add("live", live).build();
    }

    /** The machine health monitor, or null when {@code predict.enabled} is false. */
    public io.lathe.predict.live.HealthMonitor health() {
        return health;
    }

    /** Folder of the data folder with the alarm journal and the alarm rules defined through the API. */
    public static final String ALARMS_DIR = "alarms";

    /**
     * Alarm management (lathe-alarm): the rules of the {@code alarms:} section plus those defined through the API, state
     * restored from {@code <data-dir>/alarms/journal.jsonl}, suppression by design from the KPI configuration's states
     * and calendars, and the notification channels of {@code alarms.notify}. Always on, so engineers can define rules
     * through the API without a section.
     */
    private void startAlarms(LatheConfig config, Path dataDir, InstantSource clock) throws StartupException {
        Settings st = config.settings();
        try {
            io.lathe.alarm.AlarmSettings as = new io.lathe.alarm.AlarmSettings(st.duration(Keys.ALARMS_MAX_SHELVE), Duration.ofSeconds(1), 200_000, true);
            io.lathe.alarm.AlarmKpis.Limits limits = new io.lathe.alarm.AlarmKpis.Limits(st.integer(Keys.ALARMS_MAX_PER_10_MIN), 10, 5, 3,
                    60_000_000L, 1_000_000L, 24 * 3_600_000_000L);
            alarms = io.lathe.alarm.AlarmSystem.open(as, model, dataDir.resolve(ALARMS_DIR), clock,
                    config.kpi() == null ? null : new io.lathe.alarm.KpiPlannedStops(config.kpi()), metrics, config.alarms().rules(), limits);
            closeables.add(alarms);
            io.lathe.alarm.NotifySettings notify = config.alarms().notifications();
            if (notify != null) {
                notify = new io.lathe.alarm.NotifySettings(notify.channels(), notify.routes(), st.duration(Keys.ALARMS_SILENT_PERIOD), notify.zone());
                alarms.notifier(new io.lathe.alarm.Notifier(notify, clock, alarms.engine()::alarms, metrics, Duration.ofSeconds(10)));
            }
            live.subscribe(alarms.engine()::wantsLive, alarms.engine()::wantsVersion, alarms.engine().liveListener());
            log.info("Alarms ready [rules={}, from configuration={}, notification channels={}]", alarms.engine().rules().size(),
                    config.alarms().rules().size(), notify == null ? 0 : notify.channels().size());
        } catch (IOException e) {
            throw new StartupException("Cannot open the alarm journal or rules [dir=" + dataDir.resolve(ALARMS_DIR).toAbsolutePath() + "]: "
                    + e.getMessage() + ". Check the folder's permissions and free space.", 2, e);
        } catch (IllegalArgumentException e) {
            throw new StartupException("Invalid alarm settings: " + e.getMessage(), 2, e);
        }
    }

    /** Alarm management: engine, rules, KPIs and notifications. */
    public io.lathe.alarm.AlarmSystem alarms() {
        return alarms;
    }

    /** File in the data folder where operator downtime reasons are kept (JSON lines). */
    public static final String KPI_REASONS_FILE = "kpi-reasons.jsonl";

    /** Creates, registers (status, metrics, shutdown) and starts one connection of the {@code connections:} section. */
    private void addConnection(Record config, PointSink sink, TimestampCheck check, InstantSource clock) throws StartupException {
        Connection c;
        try {
            c = switch (config) {
                case OpcUaConfig o -> new OpcUaConnection(o, model, queue(o.name(), sink, check), clock);
                case ModbusConfig m -> new ModbusConnection(m, model, queue(m.name(), sink, check), clock);
                case MqttJsonConfig j -> new MqttJsonConnection(j.withInstanceId(instanceId), model, queue(j.name(), sink, check), clock);
                default -> throw new IllegalArgumentException("unknown connection configuration " + config.getClass().getSimpleName());
            };
        } catch (IllegalArgumentException e) {
            throw new StartupException("Cannot create the connection [config=" + config + "]: " + e.getMessage(), 2, e);
        }
        connections.add(c);
        closeables.add(c);
        meter(c);
        c.start();
        ConnectionStatus s = c.status();
        log.info("Connection started [name={}, protocol={}, endpoint={}]", s.name(), s.protocol(), s.endpoint());
    }

    /** Per-connection counters in /metrics, beside the API's lathe_connection_state and _messages_rate gauges. */
    private void meter(Connection c) {
        FunctionCounter.builder("lathe.connection.messages", c, x -> x.status().messages())
                .description("Messages received on each connection").tag("connection", c.name()).register(metrics);
        FunctionCounter.builder("lathe.connection.errors", c, x -> x.status().errors())
                .description("Errors on each connection: bad device input, failed requests, lost connections")
                .tag("connection", c.name()).register(metrics);
    }

    /**
     * The demo's OPC UA machine and Modbus energy meter (declared in demo.yaml as {@value #DEMO_OPCUA_MACHINE} and
     * {@value #DEMO_METER}) on free ports, and the connections that read them.
     */
    private void startDemoDevices(Settings st, PointSink sink, InstantSource clock) throws StartupException {
        String cnc = ConnectionsParser.resolveMachine(model, DEMO_OPCUA_MACHINE);
        String meter = ConnectionsParser.resolveMachine(model, DEMO_METER);
        if (cnc == null || meter == null) {
            log.warn("The demo plant lacks {} or {}; the OPC UA machine and the Modbus meter are not started", DEMO_OPCUA_MACHINE, DEMO_METER);
            return;
        }
        double speed = st.doubleValue(Keys.SIM_SPEED);
        long seed = st.longValue(Keys.SIM_SEED);
        try {
            opcUaMachine = OpcUaMachine.start("127.0.0.1", 0, seed + 1, speed, clock);
            closeables.add(opcUaMachine);
            VirtualFactory f = factory;
            energyMeter = ModbusEnergyMeter.start("127.0.0.1", 0, f::totalPowerKw, speed, clock);
            closeables.add(energyMeter);
        } catch (Exception e) {
            throw new StartupException("Cannot start the demo's OPC UA machine or Modbus meter: " + e
                    + ". Check that 127.0.0.1 has free ports.", 1, e);
        }
        OpcUaConfig.Builder ua = OpcUaConfig.builder("demo-opcua-cnc", opcUaMachine.endpointUrl())
                .dataDir(dataDirOf(st)).machine(cnc).publishingInterval(Duration.ofMillis(500));
        String[][] nodes = {{"State", "State", "text"}, {"ReasonCode", "Reason Code", "long"}, {"GoodCount", "Good Count", "long"},
                {"RejectCount", "Reject Count", "long"}, {"CycleTime", "Cycle Time", "double"},
                {"SpindleSpeed", "Spindle Speed", "double"}, {"Temperature", "Temperature", "double"},
                {"Power", "Power", "double"}, {"Energy", "Energy", "double"}};
        for (String[] n : nodes) {
            ua.node(OpcUaNode.of(opcUaMachine.indexedNodeId(n[0]), n[1]).withType(DataType.parse(n[2]))
                    .withSampling(Duration.ofMillis(500), 10));
        }
        addConnection(ua.build(), sink, demoTimestampCheck, clock);
        ModbusDevice device = new ModbusDevice(ModbusEnergyMeter.UNIT_ID, meter, Duration.ofSeconds(1), List.of(
                ModbusPoint.of("Power", ModbusTable.INPUT_REGISTER, ModbusEnergyMeter.POWER, ModbusDataType.FLOAT32).withUnit("kW"),
                ModbusPoint.of("Voltage", ModbusTable.INPUT_REGISTER, ModbusEnergyMeter.VOLTAGE, ModbusDataType.FLOAT32).withUnit("V"),
                ModbusPoint.of("Current", ModbusTable.INPUT_REGISTER, ModbusEnergyMeter.CURRENT, ModbusDataType.FLOAT32).withUnit("A"),
                ModbusPoint.of("Energy", ModbusTable.INPUT_REGISTER, ModbusEnergyMeter.ENERGY_KWH, ModbusDataType.FLOAT64).withUnit("kWh"),
                ModbusPoint.of("Energy Wh", ModbusTable.INPUT_REGISTER, ModbusEnergyMeter.ENERGY_WH, ModbusDataType.UINT32).withUnit("Wh")));
        addConnection(ModbusConfig.builder("demo-modbus-meter", energyMeter.host()).port(energyMeter.port()).device(device).build(),
                sink, demoTimestampCheck, clock);
    }

    private static Path dataDirOf(Settings st) {
        return Path.of(st.string(Keys.DATA_DIR));
    }

    /** Path of the demo plant's machine served over OPC UA by {@link OpcUaMachine}. */
    public static final String DEMO_OPCUA_MACHINE = "Springfield/Assembly/Cell 1/CNC Mill";
    /** Path of the demo plant's energy meter served over Modbus TCP by {@link ModbusEnergyMeter}. */
    public static final String DEMO_METER = "Springfield/Utilities/Power Distribution/Main Meter";

    /** The status of every connection (Sparkplug host, OPC UA, Modbus, MQTT JSON), in start order. */
    public List<ConnectionStatus> connectionStatuses() {
        List<ConnectionStatus> out = new ArrayList<>(connections.size());
        for (Connection c : connections) out.add(c.status());
        return out;
    }

    /**
     * The endpoints of the demo's OPC UA machine and Modbus energy meter, for the start-up banner; empty when not in
     * demo mode.
     */
    public List<String> demoDeviceEndpoints() {
        List<String> out = new ArrayList<>(2);
        if (opcUaMachine != null) out.add(opcUaMachine.endpointUrl() + " (OPC UA machine " + DEMO_OPCUA_MACHINE + ")");
        if (energyMeter != null) out.add("modbus-tcp://" + energyMeter.host() + ":" + energyMeter.port()
                + " (Modbus energy meter " + DEMO_METER + ", unit " + ModbusEnergyMeter.UNIT_ID + ")");
        return out;
    }

    /** Users, sessions, API tokens and the audit log of this server (tests create tokens through it). */
    public io.lathe.auth.AccessControl accessControl() {
        return accessControl;
    }

    /**
     * The first administrator's one-time password (or the note that it came from the environment), for the start-up
     * block; null when users exist and nothing is pending. Print it to the console, never to a log.
     */
    public io.lathe.auth.InitialAdmin initialAdmin() {
        return initialAdmin;
    }

    /** True when HTTP runs over TLS. */
    public boolean httpsEnabled() {
        return api != null && api.tlsEnabled();
    }

    public int httpPort() {
        return api.port();
    }

    /** The embedded broker's port, or -1 when an external broker is used. */
    public int mqttPort() {
        return broker == null ? -1 : broker.port();
    }

    /** The embedded broker's TLS URL, or null without TLS or with an external broker. */
    public String brokerTlsUrl() {
        return broker == null ? null : broker.tlsUrl();
    }

    /** Edge nodes and devices of {@code mqtt.embedded.clients-file} (0 with an external broker). */
    public int brokerIdentityCount() {
        return brokerIdentities;
    }

    /** True when the embedded broker lets clients without user name in. */
    public boolean brokerAnonymous() {
        return brokerAnonymous;
    }

    /** The embedded broker, or null when an external one is used (tests read its counters). */
    public EmbeddedBroker embeddedBroker() {
        return broker;
    }

    public boolean mqttPortFellBack() {
        return broker != null && broker.fellBack();
    }

    public String brokerUrl() {
        return brokerUrl;
    }

    public PlantModel model() {
        return model;
    }

    public LiveState live() {
        return live;
    }

    public TelemetryStore store() {
        return store;
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    /** The KPI engine, or null when the configuration has no {@code kpi:} section. */
    public KpiEngine kpiEngine() {
        return kpi;
    }

    /**
     * The KPI routes for the API ({@code /api/kpi}, {@code /api/downtime}, {@code POST /api/downtime/reason}, live JSON):
     * never null; without a {@code kpi:} section they answer 503.
     */
    public KpiRoutes kpiRoutes() {
        return kpiRoutes;
    }

    @Override
    public void close() {
        // A start that failed before it joined the broker's start: wait for that, and stop the broker too.
        if (brokerStart != null && !closeables.contains(broker)) {
            try {
                brokerStart.get();
            } catch (Exception e) {
                // its error was the start's, or the start failed before; nothing more to stop then
            }
            if (broker != null && !closeables.contains(broker)) closeables.add(0, broker);
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                log.warn("while stopping {}: {}", closeables.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        closeables.clear();
    }
}
