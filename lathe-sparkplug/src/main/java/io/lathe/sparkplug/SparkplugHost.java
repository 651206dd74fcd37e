package io.lathe.sparkplug;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import com.hivemq.client.mqtt.mqtt3.lifecycle.Mqtt3ClientReconnector;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3Connect;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3ConnectBuilder;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.lathe.ingest.Connection;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.ConnectionStats;
import io.lathe.ingest.ConnectionStatus;
import io.lathe.ingest.PointSink;
import io.lathe.model.PlantModel;
import io.lathe.sparkplug.internal.HostProcessor;
import io.lathe.sparkplug.internal.RateLimitedLog;
import io.lathe.sparkplug.internal.SparkplugTopic;
import io.lathe.sparkplug.internal.TlsSupport;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.tahu.message.SparkplugBPayloadEncoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.SparkplugBPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lathe as a Sparkplug B 3.0 primary host application: announces itself on {@code spBv1.0/STATE/<hostId>} (with a
 * Will for the offline state), subscribes to the configured groups, turns births and data into points on the
 * {@link PointSink}, marks signals stale on deaths, tracks {@code bdSeq} and {@code seq}, and requests rebirths with
 * NCMD {@code Node Control/Rebirth} when a node's session cannot be followed.
 *
 * <p>Devices and edge nodes that match no declared machine ({@link PlantModel#machineBySource}) are added to the model
 * under the configured discovery site and area.
 *
 * <p>Thread-safe. MQTT callbacks arrive on the client's threads; each edge node is processed under its own lock.
 * {@link #start()} never blocks for long and the connection is retried in the background; {@link #close()} publishes
 * the offline state and disconnects.
 */
public final class SparkplugHost implements Connection {

    private static final Logger LOG = LoggerFactory.getLogger(SparkplugHost.class);
    private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\"\\s*:\\s*(\\d+)");
    private static final Pattern OFFLINE = Pattern.compile("\"online\"\\s*:\\s*false");
    private static final long CLOSE_TIMEOUT_SECONDS = 5;

    private final SparkplugHostConfig cfg;
    private final InstantSource clock;
    private final ConnectionStats stats;
    private final ScheduledExecutorService scheduler;
    private final HostProcessor processor;
    private final Mqtt3AsyncClient client;
    private final String stateTopic;
    private final RateLimitedLog logLimit;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** The timestamp of the current MQTT session's Will; the online STATE must carry the same one (spec 3.0, STATE). */
    private volatile long sessionTimestamp;

    public SparkplugHost(SparkplugHostConfig cfg, PlantModel model, PointSink sink, MeterRegistry metrics, InstantSource clock) {
        this.cfg = cfg;
        this.clock = clock;
        this.stats = new ConnectionStats(name(), "sparkplug", cfg.brokerUrl(), clock);
        this.stateTopic = SparkplugTopic.NAMESPACE + "/STATE/" + cfg.hostId();
        this.logLimit = new RateLimitedLog(clock, Duration.ofMinutes(1));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lathe-sparkplug-" + cfg.hostId() + "-timer");
            t.setDaemon(true);
            return t;
        });
        this.processor = new HostProcessor(model, sink, metrics, clock, stats, cfg.reorderTimeout(),
                cfg.discoverySiteName(), cfg.discoveryAreaName(), scheduler, this::publishRebirth);

        Mqtt3ClientBuilder b = MqttClient.builder().useMqttVersion3()
                .identifier("lathe-" + cfg.hostId())
                .serverHost(cfg.brokerHost())
                .serverPort(cfg.brokerPort())
                .automaticReconnect().initialDelay(1, TimeUnit.SECONDS).maxDelay(30, TimeUnit.SECONDS).applyAutomaticReconnect()
                .addConnectedListener(ctx -> onConnected())
                .addDisconnectedListener(this::onDisconnected);
        if (cfg.tls()) b = b.sslConfig(TlsSupport.sslConfig(cfg.trustStoreOrCaPem(), cfg.tlsVerifyHostname()));
        this.client = b.buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, this::onPublish);
    }

    @Override
    public String name() {
        return "sparkplug";
    }

    @Override
    public void start() {
        if (closing.get() || !started.compareAndSet(false, true)) return;
        stats.state(ConnectionState.CONNECTING);
        sessionTimestamp = clock.millis();
        LOG.info("Sparkplug host connecting [hostId={}, broker={}, groups={}]", cfg.hostId(), cfg.brokerUrl(),
                cfg.groups().isEmpty() ? "all" : cfg.groups());
        client.connect(connectMessage(sessionTimestamp)).whenComplete((ack, err) -> {
            if (err != null && !closing.get()) {
                stats.state(ConnectionState.RECONNECTING, err.getMessage());
                LOG.warn("Sparkplug host cannot connect [broker={}]: {}. Retrying in the background; check the broker address and credentials.",
                        cfg.brokerUrl(), err.toString());
            }
        });
    }

    @Override
    public ConnectionStatus status() {
        return stats.snapshot();
    }

    /** Publishes the offline STATE, disconnects and stops retrying. Idempotent. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) return;
        try {
            if (client.getState().isConnected()) {
                client.publishWith().topic(stateTopic).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                        .payload(statePayload(false, sessionTimestamp)).send()
                        .get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.warn("Sparkplug host could not publish its offline STATE [broker={}]: {}. The broker's Will publishes it instead.",
                    cfg.brokerUrl(), e.toString());
        }
        try {
            client.disconnect().get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("Sparkplug host disconnect [broker={}]: {}", cfg.brokerUrl(), e.toString());
        }
        scheduler.shutdownNow();
        stats.state(ConnectionState.STOPPED);
    }

    // ---- MQTT session ---------------------------------------------------------------------------------------------

    private Mqtt3Connect connectMessage(long timestamp) {
        Mqtt3ConnectBuilder b = Mqtt3Connect.builder().cleanSession(true).keepAlive(30);
        if (cfg.username() != null) {
            var auth = b.simpleAuth().username(cfg.username());
            if (cfg.password() != null) auth = auth.password(cfg.password().getBytes(StandardCharsets.UTF_8));
            b = auth.applySimpleAuth();
        }
        return b.willPublish().topic(stateTopic).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                .payload(statePayload(false, timestamp)).applyWillPublish()
                .build();
    }

    private void onConnected() {
        stats.state(ConnectionState.CONNECTED);
        long ts = sessionTimestamp;
        // Spec 3.0: subscribe to its own STATE topic and the Sparkplug namespace, then publish the online STATE.
        CompletableFuture<?> subs = client.subscribeWith().topicFilter(stateTopic).qos(MqttQos.AT_LEAST_ONCE).send();
        List<String> filters = cfg.groups().isEmpty() ? List.of(SparkplugTopic.NAMESPACE + "/#")
                : cfg.groups().stream().map(g -> SparkplugTopic.NAMESPACE + "/" + g + "/#").toList();
        for (String f : filters) {
            CompletableFuture<?> prev = subs;
            subs = prev.thenCompose(x -> client.subscribeWith().topicFilter(f).qos(MqttQos.AT_LEAST_ONCE).send());
        }
        subs.thenCompose(x -> publishOnline(ts)).whenComplete((x, err) -> {
            if (err != null) {
                LOG.warn("Sparkplug host could not subscribe or publish its online STATE [broker={}]: {}", cfg.brokerUrl(), err.toString());
            } else {
                LOG.info("Sparkplug host online [hostId={}, broker={}, subscriptions={}]", cfg.hostId(), cfg.brokerUrl(), filters);
            }
        });
    }

    private CompletableFuture<Mqtt3Publish> publishOnline(long ts) {
        return client.publishWith().topic(stateTopic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(statePayload(true, ts)).send();
    }

    private void onDisconnected(MqttClientDisconnectedContext ctx) {
        if (closing.get()) {
            ctx.getReconnector().reconnect(false);
            return;
        }
        stats.state(ConnectionState.RECONNECTING, ctx.getCause().getMessage());
        if (logLimit.allow("disconnected")) {
            LOG.warn("Sparkplug host disconnected [broker={}]: {}. Reconnecting.", cfg.brokerUrl(), ctx.getCause().toString());
        }
        // Each MQTT session gets a new Will timestamp, and the online STATE after reconnecting repeats it.
        long ts = clock.millis();
        sessionTimestamp = ts;
        if (ctx.getReconnector() instanceof Mqtt3ClientReconnector r) r.connect(connectMessage(ts));
    }

    private void onPublish(Mqtt3Publish publish) {
        String topic = publish.getTopic().toString();
        stats.message();
        SparkplugTopic t = SparkplugTopic.parse(topic);
        if (t == null) {
            processor.badTopic(topic);
            return;
        }
        byte[] payload = publish.getPayloadAsBytes();
        if (t.type() == SparkplugTopic.MessageType.STATE) {
            onState(t, payload);
        }
        processor.onMessage(topic, t, payload);
    }

    /** Another session's Will (or a takeover) wrote offline over our current session's STATE: set it right. */
    private void onState(SparkplugTopic t, byte[] payload) {
        if (!cfg.hostId().equals(t.edgeNode()) || closing.get()) return;
        String json = new String(payload, StandardCharsets.UTF_8);
        Matcher m = TIMESTAMP.matcher(json);
        if (OFFLINE.matcher(json).find() && m.find() && Long.parseLong(m.group(1)) == sessionTimestamp) {
            LOG.info("Sparkplug host STATE was set offline for the current session [hostId={}]: publishing online again", cfg.hostId());
            publishOnline(sessionTimestamp);
        }
    }

    private void publishRebirth(String group, String edgeNode) {
        String topic = SparkplugTopic.NAMESPACE + "/" + group + "/NCMD/" + edgeNode;
        try {
            SparkplugBPayload p = new SparkplugBPayload.SparkplugBPayloadBuilder()
                    .setTimestamp(new Date(clock.millis()))
                    .addMetric(new Metric.MetricBuilder("Node Control/Rebirth", MetricDataType.Boolean, true).createMetric())
                    .createPayload();
            byte[] bytes = new SparkplugBPayloadEncoder().getBytes(p, false);
            client.publishWith().topic(topic).qos(MqttQos.AT_MOST_ONCE).payload(bytes).send().whenComplete((x, err) -> {
                if (err != null) LOG.warn("Sparkplug rebirth request not sent [topic={}]: {}", topic, err.toString());
            });
            LOG.info("Sparkplug rebirth requested [topic={}]", topic);
        } catch (Exception e) {
            LOG.warn("Sparkplug rebirth request cannot be built [topic={}]: {}", topic, e.toString());
        }
    }

    static byte[] statePayload(boolean online, long timestampMillis) {
        return ("{\"online\":" + online + ",\"timestamp\":" + timestampMillis + "}").getBytes(StandardCharsets.UTF_8);
    }
}
