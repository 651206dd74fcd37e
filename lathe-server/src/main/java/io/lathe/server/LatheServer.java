package io.lathe.server;

import io.lathe.api.ApiServer;
import io.lathe.api.ApiSettings;
import io.lathe.api.PortInUseException;
import io.lathe.broker.BrokerPortInUseException;
import io.lathe.broker.BrokerSettings;
import io.lathe.broker.EmbeddedBroker;
import io.lathe.ingest.Connection;
import io.lathe.ingest.ConnectionStatus;
import io.lathe.ingest.FanOut;
import io.lathe.ingest.LiveState;
import io.lathe.ingest.PointSink;
import io.lathe.model.PlantModel;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import io.lathe.server.config.PlantBuilder;
import io.lathe.server.config.Settings;
import io.lathe.simulator.FactoryConfig;
import io.lathe.simulator.VirtualFactory;
import io.lathe.sparkplug.SparkplugHost;
import io.lathe.sparkplug.SparkplugHostConfig;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
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
    private final List<Connection> connections = new ArrayList<>();
    private PlantModel model;
    private LiveState live;
    private PrometheusMeterRegistry metrics;
    private EmbeddedBroker broker;
    private ApiServer api;
    private String brokerUrl;
    private VirtualFactory factory;
    private TelemetryStore store;

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
        model = PlantBuilder.build(config.plant());
        metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        live = new LiveState();
        try {
            store = TelemetryStore.open(new StoreSettings(dataDir.resolve("store"), st.integer(Keys.STORE_MEMORY_MB) * (1L << 20),
                    st.duration(Keys.STORE_FLUSH_INTERVAL), st.duration(Keys.STORE_RETENTION), st.duration(Keys.STORE_LATE_WINDOW),
                    st.duration(Keys.STORE_WAL_SYNC)), clock);
        } catch (IOException | IllegalArgumentException e) {
            throw new StartupException("Cannot open the telemetry store [dir=" + dataDir.resolve("store").toAbsolutePath() + "]: "
                    + e.getMessage() + ". Check the folder's permissions and free space, or choose another with --data-dir.", 2, e);
        }
        closeables.add(store);
        // Store first: by the time a value shows live it is in the write-ahead log.
        PointSink sink = new FanOut(List.of(store, live));

        api = ApiServer.create(new ApiSettings(st.string(Keys.HTTP_HOST), st.integer(Keys.HTTP_PORT)), model, live, metrics,
                this::connectionStatuses);
        closeables.add(api);
        try {
            api.start();
        } catch (PortInUseException e) {
            throw new StartupException("HTTP port " + st.integer(Keys.HTTP_PORT) + " is already in use by another program. "
                    + "Start Lathe on another port with --http-port (or server.http-port in the configuration, or the "
                    + "environment variable " + Keys.HTTP_PORT.envVar() + "), or stop the program that holds it.", 2, e);
        }

        String brokerSetting = st.string(Keys.MQTT_BROKER);
        if (brokerSetting.equalsIgnoreCase("embedded")) {
            int port = st.integer(Keys.MQTT_EMBEDDED_PORT);
            try {
                broker = EmbeddedBroker.start(new BrokerSettings(st.string(Keys.MQTT_EMBEDDED_HOST), port,
                        dataDir.resolve("broker"), demo));
            } catch (BrokerPortInUseException e) {
                throw new StartupException("MQTT port " + port + " is already in use (another MQTT broker such as Mosquitto?). "
                        + "Give the embedded broker another port with --mqtt-port (or mqtt.embedded.port, or "
                        + Keys.MQTT_EMBEDDED_PORT.envVar() + "), or use the broker that is running there with "
                        + "mqtt.broker: tcp://127.0.0.1:" + port + ".", 2, e);
            }
            closeables.add(broker);
            brokerUrl = "tcp://127.0.0.1:" + broker.port();
        } else {
            brokerUrl = brokerSetting;
        }

        if (st.bool(Keys.SPARKPLUG_ENABLED)) {
            SparkplugHost host = new SparkplugHost(new SparkplugHostConfig(st.string(Keys.SPARKPLUG_HOST_ID), brokerUrl,
                    st.string(Keys.MQTT_USERNAME), st.string(Keys.MQTT_PASSWORD),
                    st.string(Keys.MQTT_TLS_CA) == null ? null : Path.of(st.string(Keys.MQTT_TLS_CA)),
                    st.bool(Keys.MQTT_TLS_VERIFY_HOSTNAME), st.list(Keys.SPARKPLUG_GROUPS),
                    st.duration(Keys.SPARKPLUG_REORDER_TIMEOUT), st.string(Keys.DISCOVERY_SITE), st.string(Keys.DISCOVERY_AREA)),
                    model, sink, metrics, clock);
            connections.add(host);
            closeables.add(host);
            host.start();
        }

        if (demo) {
            factory = new VirtualFactory(new FactoryConfig(brokerUrl, null, null, "Demo", st.integer(Keys.SIM_LINES),
                    st.integer(Keys.SIM_MACHINES), st.longValue(Keys.SIM_SEED), st.doubleValue(Keys.SIM_SPEED),
                    Duration.ofSeconds(1), st.bool(Keys.SPARKPLUG_ENABLED) ? st.string(Keys.SPARKPLUG_HOST_ID) : null), clock);
            closeables.add(factory);
            factory.start();
        }
    }

    private List<ConnectionStatus> connectionStatuses() {
        List<ConnectionStatus> out = new ArrayList<>(connections.size());
        for (Connection c : connections) out.add(c.status());
        return out;
    }

    public int httpPort() {
        return api.port();
    }

    /** The embedded broker's port, or -1 when an external broker is used. */
    public int mqttPort() {
        return broker == null ? -1 : broker.port();
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

    @Override
    public void close() {
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
