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
import io.micrometer.core.instrument.Counter;
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
    private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\"\\s*:\\s*(\\d{1,18})\\b");
    private static final Pattern OFFLINE = Pattern.compile("\"online\"\\s*:\\s*false");
    private static final long CLOSE_TIMEOUT_SECONDS = 5;
    /**
     * A STATE timestamp further ahead of the clock than this is not outbid: Lathe's STATE would carry a time that far
     * in the future, and its later sessions (stamped with the clock again) would look older to the edge nodes.
     */
    private static final long MAX_OUTBID_MILLIS = Duration.ofHours(1).toMillis();
    private static final long RENEWAL_MIN_INTERVAL_MILLIS = 5_000;

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
    /** Set while Lathe ends its session on purpose to start one with a newer STATE timestamp. */
    private final AtomicBoolean renewing = new AtomicBoolean();
    private final Counter reassertedNewer;
    private final Counter reassertedOlder;
    /**
     * The timestamp of the current MQTT session's Will; the online STATE must carry the same one (spec 3.0, STATE).
     * Strictly increasing from session to session, since edge nodes ignore a STATE older than the last one they saw.
     */
    private volatile long sessionTimestamp;
    /** The next session's timestamp is at least this: set to outbid a STATE message Lathe did not send. */
    private volatile long sessionTimestampFloor;
    private volatile long lastRenewalMillis = Long.MIN_VALUE / 2;
    /** Edge nodes marked stale when the last session was lost, and when: for the status while reconnecting. */
    private volatile int staleNodes;
    private volatile java.time.Instant staleSince;

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
                cfg.discoverySiteName(), cfg.discoveryAreaName(), cfg.discovery(), scheduler, this::publishRebirth);

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
        this.reassertedNewer = reassertCounter(metrics, "newer");
        this.reassertedOlder = reassertCounter(metrics, "older");
    }

    private static Counter reassertCounter(MeterRegistry metrics, String cause) {
        return Counter.builder("lathe.sparkplug.state.reasserted").tag("cause", cause)
                .description("STATE messages for Lathe's own host id that Lathe did not send, answered by publishing its"
                        + " online STATE again: newer = stamped at or after the current session (forged, or another host"
                        + " with the same id), older = stamped before it (a late Will, a replay)")
                .register(metrics);
    }

    @Override
    public String name() {
        return "sparkplug";
    }

    @Override
    public void start() {
        if (closing.get() || !started.compareAndSet(false, true)) return;
        stats.state(ConnectionState.CONNECTING);
        long ts = nextSessionTimestamp();
        LOG.info("Sparkplug host connecting [hostId={}, broker={}, groups={}]", cfg.hostId(), cfg.brokerUrl(),
                cfg.groups().isEmpty() ? "all" : cfg.groups());
        client.connect(connectMessage(ts)).whenComplete((ack, err) -> {
            if (err != null && !closing.get()) {
                stats.state(ConnectionState.RECONNECTING, failure(err));
                LOG.warn("Sparkplug host cannot connect [broker={}]: {}. Retrying in the background; check the broker address and credentials.",
                        cfg.brokerUrl(), err.toString());
            }
        });
    }

    @Override
    public ConnectionStatus status() {
        return stats.snapshot();
    }

    /**
     * Publishes the offline STATE stamped with the time of the disconnect (spec 3.0,
     * tck-id-host-topic-phid-death-payload-disconnect-clean), disconnects and stops retrying. Idempotent.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) return;
        try {
            if (client.getState().isConnected()) {
                client.publishWith().topic(stateTopic).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                        .payload(statePayload(false, deathTimestamp())).send()
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

    /** The failure's message; for a failed TLS handshake, which TLS setting is at fault. */
    private String failure(Throwable t) {
        return TlsSupport.describe(t, cfg.brokerHost(), cfg.trustStoreOrCaPem(), cfg.tlsVerifyHostname());
    }

    private void onDisconnected(MqttClientDisconnectedContext ctx) {
        if (closing.get()) {
            ctx.getReconnector().reconnect(false);
            return;
        }
        boolean renewal = renewing.getAndSet(false);
        // Spec 3.0: without its MQTT session the host cannot receive anything; what it shows must say so.
        boolean wasConnected = stats.state() == ConnectionState.CONNECTED;
        int lost = processor.sessionLost();
        if (wasConnected || lost > 0) {
            staleNodes = lost;
            staleSince = clock.instant();
        }
        int nodes = staleNodes;
        String why = renewal ? "ended by Lathe to publish a newer STATE" : failure(ctx.getCause());
        String msg = "Sparkplug host lost its MQTT session [broker=" + cfg.brokerUrl() + ", hostId=" + cfg.hostId() + "]: "
                + why + ". The signals of " + nodes + " edge node" + (nodes == 1 ? "" : "s") + " are stale since "
                + staleSince + ", until their births arrive again; Lathe reconnects by itself.";
        if (wasConnected || lost > 0) stats.error(msg);
        stats.state(ConnectionState.RECONNECTING, msg);
        if (!renewal && logLimit.allow("disconnected")) {
            LOG.warn("{} Check that the broker runs and is reachable.", msg);
        }
        // Each MQTT session gets a new Will timestamp, and the online STATE after reconnecting repeats it.
        long ts = nextSessionTimestamp();
        if (ctx.getReconnector() instanceof Mqtt3ClientReconnector r) {
            r.connect(connectMessage(ts));
            if (renewal) r.reconnect(true).delay(0, TimeUnit.MILLISECONDS);
        }
    }

    /** A new session's timestamp: the clock, but after the previous session's and any STATE Lathe must outbid. */
    private long nextSessionTimestamp() {
        long ts = Math.max(clock.millis(), Math.max(sessionTimestamp + 1, sessionTimestampFloor));
        sessionTimestamp = ts;
        return ts;
    }

    /** The timestamp of a clean-disconnect death: now, and never older than the session's own STATE. */
    private long deathTimestamp() {
        return Math.max(clock.millis(), sessionTimestamp);
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
            onState(t, payload, publish.isRetain());
        }
        processor.onMessage(topic, t, payload);
    }

    /**
     * A STATE message on Lathe's own topic. Lathe publishes only its online STATE stamped with the current session's
     * timestamp while connected (its offline STATE only when closing or renewing), so anything else is not its own:
     * <ul>
     *   <li>stamped after the current session (a forged offline STATE, or another host running with the same id): edge
     *       nodes that wait for Lathe went offline and ignore any STATE older than it. Lathe ends its session cleanly
     *       and starts a new one whose Will and online STATE are newer. The online STATE alone would not do: it must
     *       carry the Will's timestamp (tck-id-host-topic-phid-birth-payload-timestamp), or edge nodes would later
     *       ignore Lathe's Will as older than its online STATE.</li>
     *   <li>an offline STATE stamped at or before the current session (a late Will of an earlier session, a replay)
     *       that replaced the retained online STATE: published again, same session, same timestamp. Retained messages
     *       delivered on subscribing are not counted: the online STATE follows them anyway.</li>
     * </ul>
     * MQTT does not tell a subscriber who published; a broker ACL on {@code spBv1.0/STATE/<hostId>} is the remedy.
     */
    private void onState(SparkplugTopic t, byte[] payload, boolean retained) {
        if (!cfg.hostId().equals(t.edgeNode()) || t.device() != null || closing.get() || renewing.get()) return;
        String json = new String(payload, StandardCharsets.UTF_8);
        boolean offline = OFFLINE.matcher(json).find();
        Matcher m = TIMESTAMP.matcher(json);
        long ts = m.find() ? Long.parseLong(m.group(1)) : -1;
        long session = sessionTimestamp;
        if (ts > session && ts - clock.millis() <= MAX_OUTBID_MILLIS) {
            reassertedNewer.increment();
            warnNotOurs(json, "stamped after Lathe's session (" + session + "): ending the session and starting one with a newer"
                    + " Will and online STATE, since edge nodes ignore STATE messages older than the last one they saw");
            renewSession(ts);
        } else if (offline && (!retained || ts > session)) {
            (ts > session ? reassertedNewer : reassertedOlder).increment();
            warnNotOurs(json, ts > session
                    ? "stamped more than " + Duration.ofMillis(MAX_OUTBID_MILLIS) + " ahead of Lathe's clock, which Lathe does not"
                            + " outbid: publishing its online STATE again; edge nodes that order STATE by time ignore it until then"
                    : "stamped at or before Lathe's session (" + session + "): publishing the online STATE again");
            publishOnline(session);
        }
    }

    private void warnNotOurs(String json, String action) {
        if (logLimit.allow("state-not-ours")) {
            LOG.warn("Sparkplug STATE for Lathe's host id that Lathe did not send [topic={}, payload={}, publisher=unknown to"
                            + " MQTT subscribers]: {}. Another host with the same host id, or a client allowed to publish there"
                            + " by mistake; restrict spBv1.0/STATE/{} to Lathe with a broker ACL.",
                    stateTopic, json, action, cfg.hostId());
        }
    }

    /**
     * Ends the session cleanly (death first, as the spec asks) so that onDisconnected reconnects with a newer Will.
     * At most one renewal per {@link #RENEWAL_MIN_INTERVAL_MILLIS}: two hosts sharing an id would otherwise outbid
     * each other as fast as the broker answers.
     */
    private void renewSession(long seen) {
        if (!renewing.compareAndSet(false, true)) return;
        long delay = Math.max(0, lastRenewalMillis + RENEWAL_MIN_INTERVAL_MILLIS - clock.millis());
        // Not on the client's callback thread: the publish and the disconnect complete on it.
        scheduler.schedule(() -> {
            if (closing.get()) return;
            lastRenewalMillis = clock.millis();
            long death = Math.max(deathTimestamp(), seen);
            sessionTimestampFloor = death + 1;
            client.publishWith().topic(stateTopic).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                    .payload(statePayload(false, death)).send()
                    .handle((x, err) -> client.disconnect())
                    .thenCompose(f -> f)
                    .whenComplete((x, err) -> {
                        if (err != null && !closing.get()) {
                            renewing.set(false);
                            LOG.warn("Sparkplug host could not renew its session [broker={}]: {}. The next STATE it did not send"
                                    + " triggers another try.", cfg.brokerUrl(), err.toString());
                        }
                    });
        }, delay, TimeUnit.MILLISECONDS);
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
