package io.lathe.simulator.internal;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import com.hivemq.client.mqtt.mqtt3.lifecycle.Mqtt3ClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt3.message.auth.Mqtt3SimpleAuth;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.eclipse.tahu.message.SparkplugBPayloadDecoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.SparkplugBPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT session of one Sparkplug B 3.0 edge node: NDEATH as MQTT Will with {@code bdSeq} (incremented for every
 * CONNECT), NCMD rebirth handling, the primary host {@code STATE} gate, {@code seq} numbering and reconnection.
 *
 * <p>Threading: every {@link Handler} callback and every method except {@link #connect(Duration)} and
 * {@link #close(Duration)} runs on the given single-threaded executor; MQTT callbacks are handed over to it.
 *
 * <p>Primary host: when the host's STATE turns offline after births were published, the session publishes NDEATH,
 * disconnects, waits {@link #STATE_OFFLINE_RECONNECT_DELAY} and connects again (with the next bdSeq), then waits for
 * the host to come back online before publishing births (Sparkplug 3.0, operational behavior of edge nodes).
 */
public final class EdgeSession {
    private static final Logger LOG = LoggerFactory.getLogger(EdgeSession.class);
    public static final String NAMESPACE = "spBv1.0";
    public static final long REBIRTH_ALIAS = 1L;
    static final Duration STATE_OFFLINE_RECONNECT_DELAY = Duration.ofSeconds(2);
    private static final Pattern ONLINE = Pattern.compile("\"online\"\\s*:\\s*(true|false)");
    private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\"\\s*:\\s*(\\d+)");

    /** What the owner of the session does; called on the executor. */
    public interface Handler {
        /** The session may publish: publish NBIRTH (via {@link #publishNodeBirth}) and DBIRTHs now. */
        void online();

        /** A rebirth was requested by NCMD: publish NBIRTH and DBIRTHs again. */
        void rebirth();
    }

    private final BrokerAddress broker;
    private final String group;
    private final String edgeNodeId;
    private final String primaryHostId;
    private final ScheduledExecutorService executor;
    private final Supplier<Instant> now;
    private final Handler handler;
    private final Mqtt3AsyncClient client;
    private final Mqtt3SimpleAuth auth;
    private final String topicPrefix;

    private final AtomicLong connectCount = new AtomicLong();
    private volatile long bdSeq;
    private volatile boolean closing;
    private volatile boolean everConnected;
    private volatile boolean reconnectAfterUserDisconnect;

    // Executor-confined state.
    private boolean connected;
    private boolean online;
    private long seq;
    private long hostStateTimestamp = Long.MIN_VALUE;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong publishFailures = new AtomicLong();

    public EdgeSession(BrokerAddress broker, String username, String password, String group, String edgeNodeId,
                       String primaryHostId, ScheduledExecutorService executor, Supplier<Instant> now, Handler handler) {
        this.broker = broker;
        this.group = group;
        this.edgeNodeId = edgeNodeId;
        this.primaryHostId = primaryHostId;
        this.executor = executor;
        this.now = now;
        this.handler = handler;
        this.topicPrefix = NAMESPACE + "/" + group + "/";
        this.auth = username == null ? null : Mqtt3SimpleAuth.builder().username(username)
                .password(password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8)).build();
        Mqtt3ClientBuilder b = MqttClient.builder().useMqttVersion3()
                .identifier("lathe-sim-" + group + "-" + edgeNodeId)
                .serverHost(broker.host()).serverPort(broker.port())
                .addConnectedListener(ctx -> run(this::onConnected))
                .addDisconnectedListener(this::onDisconnected);
        if (broker.tls()) b = b.sslWithDefaultConfig();
        this.client = b.buildAsync();
    }

    /** Connects once, blocking up to {@code timeout}; throws {@link IllegalStateException} when that fails. */
    public void connect(Duration timeout) {
        long bd = nextBdSeq();
        var connect = client.connectWith().cleanSession(true).keepAlive(30).willPublish(death(bd));
        if (auth != null) connect = connect.simpleAuth(auth);
        try {
            connect.send().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            everConnected = true;
            LOG.info("Sparkplug edge node connected [broker={}, group={}, edgeNode={}, bdSeq={}]", broker, group, edgeNodeId, bd);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failedToConnect(e);
        } catch (ExecutionException e) {
            throw failedToConnect(e.getCause());
        } catch (TimeoutException e) {
            throw failedToConnect(e);
        }
    }

    private IllegalStateException failedToConnect(Throwable cause) {
        closing = true;
        client.disconnect();
        String why = cause == null ? "unknown" : cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        return new IllegalStateException("Virtual factory edge node could not connect [broker=" + broker + ", group=" + group
                + ", edgeNode=" + edgeNodeId + "]: " + why + ". Check that the MQTT broker is running at " + broker
                + " and accepts the configured credentials.", cause);
    }

    private long nextBdSeq() {
        long bd = (connectCount.getAndIncrement()) & 0xFF;
        bdSeq = bd;
        return bd;
    }

    private Mqtt3Publish death(long bd) {
        Date ts = Date.from(now.get());
        byte[] payload = SparkplugMetrics.encode(ts, null,
                List.of(SparkplugMetrics.birth("bdSeq", null, MetricDataType.Int64, bd, ts, null)));
        return Mqtt3Publish.builder().topic(topicPrefix + "NDEATH/" + edgeNodeId).qos(MqttQos.AT_LEAST_ONCE)
                .retain(false).payload(payload).build();
    }

    private void onConnected() {
        // Subscriptions (and their callbacks) belong to one clean session: made anew on every connect.
        connected = true;
        var ncmd = client.subscribeWith().topicFilter(topicPrefix + "NCMD/" + edgeNodeId).qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> run(() -> onMessage(p))).send();
        if (primaryHostId == null) {
            ncmd.whenComplete((ack, err) -> run(() -> {
                if (err != null) {
                    LOG.warn("Sparkplug edge node could not subscribe to NCMD [edgeNode={}]: {}. Rebirth requests will be missed.",
                            edgeNodeId, err.toString());
                }
                if (connected && !online) goOnline();
            }));
        } else {
            client.subscribeWith().topicFilter(NAMESPACE + "/STATE/" + primaryHostId).qos(MqttQos.AT_LEAST_ONCE)
                    .callback(p -> run(() -> onMessage(p))).send()
                    .whenComplete((ack, err) -> {
                        if (err != null) {
                            LOG.warn("Sparkplug edge node could not subscribe to the primary host STATE [edgeNode={}, host={}]: {}",
                                    edgeNodeId, primaryHostId, err.toString());
                        } else {
                            LOG.info("Sparkplug edge node waits for primary host [edgeNode={}, host={}]", edgeNodeId, primaryHostId);
                        }
                    });
        }
    }

    private void goOnline() {
        online = true;
        handler.online();
    }

    private void onMessage(Mqtt3Publish p) {
        String topic = p.getTopic().toString();
        byte[] bytes = p.getPayloadAsBytes();
        if (topic.equals(topicPrefix + "NCMD/" + edgeNodeId)) {
            if (online && isRebirthRequest(bytes)) {
                LOG.info("Sparkplug rebirth requested [group={}, edgeNode={}]", group, edgeNodeId);
                handler.rebirth();
            }
        } else if (primaryHostId != null && topic.equals(NAMESPACE + "/STATE/" + primaryHostId)) {
            onHostState(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    private boolean isRebirthRequest(byte[] bytes) {
        try {
            SparkplugBPayload payload = new SparkplugBPayloadDecoder().buildFromByteArray(bytes, null);
            for (Metric m : payload.getMetrics()) {
                boolean named = "Node Control/Rebirth".equals(m.getName()) || (!m.hasName() && m.hasAlias() && m.getAlias() == REBIRTH_ALIAS);
                if (named && Boolean.TRUE.equals(m.getValue())) return true;
            }
        } catch (Exception e) {
            LOG.warn("Sparkplug NCMD ignored [edgeNode={}]: {}. Send a Sparkplug B payload with Node Control/Rebirth = true.",
                    edgeNodeId, e.toString());
        }
        return false;
    }

    private void onHostState(String json) {
        var online = ONLINE.matcher(json);
        boolean hostOnline;
        if (online.find()) {
            hostOnline = Boolean.parseBoolean(online.group(1));
        } else {
            hostOnline = json.trim().equalsIgnoreCase("ONLINE"); // Sparkplug 2.2 plain-text STATE
        }
        var ts = TIMESTAMP.matcher(json);
        long timestamp = ts.find() ? Long.parseLong(ts.group(1)) : Long.MIN_VALUE;
        if (timestamp != Long.MIN_VALUE && timestamp < hostStateTimestamp) return; // older than what we know: stale
        if (timestamp != Long.MIN_VALUE) hostStateTimestamp = timestamp;
        if (hostOnline) {
            if (connected && !this.online) {
                LOG.info("Primary host online, publishing births [edgeNode={}, host={}]", edgeNodeId, primaryHostId);
                goOnline();
            }
        } else if (this.online) {
            LOG.info("Primary host offline: NDEATH, disconnect, reconnect in {} [edgeNode={}, host={}]",
                    STATE_OFFLINE_RECONNECT_DELAY, edgeNodeId, primaryHostId);
            this.online = false;
            reconnectAfterUserDisconnect = true;
            client.publish(death(bdSeq)).whenComplete((r, e) -> client.disconnect());
        }
    }

    private void onDisconnected(MqttClientDisconnectedContext ctx) {
        run(() -> {
            connected = false;
            online = false;
        });
        if (closing || !everConnected) return;
        boolean user = ctx.getSource() == MqttDisconnectSource.USER;
        if (user && !reconnectAfterUserDisconnect) return;
        reconnectAfterUserDisconnect = false;
        var reconnector = ((Mqtt3ClientDisconnectedContext) ctx).getReconnector();
        long delayMillis = user ? STATE_OFFLINE_RECONNECT_DELAY.toMillis()
                : Math.min(30_000L, 1_000L << Math.min(5, reconnector.getAttempts()));
        if (!user && reconnector.getAttempts() == 0) {
            LOG.warn("Sparkplug edge node lost its connection, reconnecting [broker={}, edgeNode={}]: {}", broker, edgeNodeId,
                    String.valueOf(ctx.getCause()));
        }
        long bd = nextBdSeq();
        var connect = reconnector.reconnect(true).resubscribeIfSessionExpired(false).republishIfSessionExpired(false)
                .delay(delayMillis, TimeUnit.MILLISECONDS)
                .connectWith().cleanSession(true).keepAlive(30).willPublish(death(bd));
        if (auth != null) connect = connect.simpleAuth(auth);
        connect.applyConnect();
    }

    /** True while births and data may be published. */
    public boolean isOnline() {
        return online;
    }

    /** The bdSeq of the current (or last) CONNECT. */
    public long bdSeq() {
        return bdSeq;
    }

    /** Messages handed to the client, and those the client reported as failed. */
    public long published() {
        return published.get();
    }

    public long publishFailures() {
        return publishFailures.get();
    }

    /**
     * Publishes NBIRTH with seq 0: {@code bdSeq}, {@code Node Control/Rebirth} (alias {@value #REBIRTH_ALIAS}) and then
     * {@code metrics}.
     */
    public void publishNodeBirth(Date timestamp, List<Metric> metrics) {
        var all = new ArrayList<Metric>(metrics.size() + 2);
        all.add(SparkplugMetrics.birth("bdSeq", null, MetricDataType.Int64, bdSeq, timestamp, null));
        all.add(SparkplugMetrics.birth("Node Control/Rebirth", REBIRTH_ALIAS, MetricDataType.Boolean, false, timestamp, null));
        all.addAll(metrics);
        seq = 0;
        send("NBIRTH/" + edgeNodeId, SparkplugMetrics.encode(timestamp, 0L, all));
    }

    /** Publishes DBIRTH, NDATA or DDATA with the next seq; {@code deviceId} is null for NDATA. */
    public void publish(String messageType, String deviceId, Date timestamp, List<Metric> metrics) {
        seq = (seq + 1) & 0xFF;
        String topic = messageType + "/" + edgeNodeId + (deviceId == null ? "" : "/" + deviceId);
        send(topic, SparkplugMetrics.encode(timestamp, seq, metrics));
    }

    private void send(String topicSuffix, byte[] payload) {
        if (!connected) return;
        client.publishWith().topic(topicPrefix + topicSuffix).qos(MqttQos.AT_MOST_ONCE).payload(payload).send()
                .whenComplete((r, e) -> {
                    if (e != null) publishFailures.incrementAndGet();
                });
        published.incrementAndGet();
    }

    /** Publishes NDEATH and disconnects, waiting up to {@code timeout} for each. Call from any thread but the executor's callbacks. */
    public void close(Duration timeout) {
        closing = true;
        if (!everConnected) return;
        try {
            if (client.getState().isConnected()) {
                client.publish(death(bdSeq)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            LOG.warn("Sparkplug NDEATH could not be published on close [edgeNode={}]: {}", edgeNodeId, e.toString());
        }
        try {
            if (client.getState().isConnectedOrReconnect()) client.disconnect().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.debug("MQTT disconnect failed [edgeNode={}]: {}", edgeNodeId, e.toString());
        }
    }

    private void run(Runnable r) {
        try {
            executor.execute(r);
        } catch (RejectedExecutionException e) {
            // The owner is shutting down; nothing left to do.
        }
    }
}
