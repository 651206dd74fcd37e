package io.lathe.mqttjson;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import io.lathe.ingest.Connection;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.ConnectionStats;
import io.lathe.ingest.ConnectionStatus;
import io.lathe.ingest.PointBatch;
import io.lathe.ingest.PointSink;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.ingest.RateLimitedLog;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to topic filters on an MQTT broker (the embedded one or any other) and turns fields of JSON payloads into
 * points.
 *
 * <p>The client reconnects by itself (1 s doubling to 30 s) and subscribes again after every connect. A payload that
 * is not JSON, a missing field or a field of the wrong JSON type is counted in the status and logged at most once a
 * minute per topic filter and field, with the topic; the other fields of the same message and later messages still
 * flow. A bad timestamp is counted too, and the arrival time is used instead. Thread-safe.
 */
public final class MqttJsonConnection implements Connection {
    private static final Logger LOG = LoggerFactory.getLogger(MqttJsonConnection.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MqttJsonConfig config;
    private final PlantModel model;
    private final PointSink sink;
    private final InstantSource clock;
    private final ConnectionStats stats;
    private final RateLimitedLog warnings = new RateLimitedLog(LOG, 60_000);
    private final JsonPointer[][] pointers;
    private final JsonPointer[] timestampPointers;
    private final String[] machines;
    /** Signals by topic index, field index and wildcard values; fixed names are created up front. */
    private final Map<String, Signal> signals = new ConcurrentHashMap<>();
    /** The points of the message a thread is handling, handed over at once (one lock per message, not per field). */
    private final ThreadLocal<PointBatch> batches = ThreadLocal.withInitial(PointBatch::new);
    private volatile Mqtt5AsyncClient client;
    private volatile boolean closed;

    public MqttJsonConnection(MqttJsonConfig config, PlantModel model, PointSink sink) {
        this(config, model, sink, InstantSource.system());
    }

    /**
     * Creates the signals whose names have no {@code {n}} placeholder; connects nothing until {@link #start()}.
     *
     * @throws IllegalArgumentException when a machine is not in the model
     */
    public MqttJsonConnection(MqttJsonConfig config, PlantModel model, PointSink sink, InstantSource clock) {
        this.config = config;
        this.model = model;
        this.sink = sink;
        this.clock = clock;
        this.stats = new ConnectionStats(config.name(), "mqtt-json", config.brokerUrl(), clock);
        List<MqttJsonTopic> topics = config.topics();
        pointers = new JsonPointer[topics.size()][];
        timestampPointers = new JsonPointer[topics.size()];
        machines = new String[topics.size()];
        for (int t = 0; t < topics.size(); t++) {
            MqttJsonTopic topic = topics.get(t);
            machines[t] = topic.machineId() != null ? topic.machineId() : config.machineId();
            if (!model.contains(machines[t])) {
                throw new IllegalArgumentException("MQTT JSON topic refers to an unknown machine [connection=" + config.name()
                        + ", topic=" + topic.filter() + ", machine=" + machines[t] + "]: no such asset. Declare the machine"
                        + " in the plant tree or fix the machine of the connection or topic.");
            }
            timestampPointers[t] = topic.timestampField() == null ? null
                    : pointer(MqttJsonField.of(topic.timestampField(), "timestamp", DataType.TEXT));
            pointers[t] = new JsonPointer[topic.fields().size()];
            for (int f = 0; f < topic.fields().size(); f++) {
                MqttJsonField field = topic.fields().get(f);
                pointers[t][f] = pointer(field);
                if (!field.signal().matches(".*\\{\\d+}.*")) signal(t, f, List.of());
            }
        }
    }

    @Override
    public String name() {
        return config.name();
    }

    public MqttJsonConfig config() {
        return config;
    }

    @Override
    public synchronized void start() {
        if (client != null || closed) return;
        Mqtt5ClientBuilder b = MqttClient.builder().useMqttVersion5()
                .identifier(config.effectiveClientId())
                .serverHost(config.host())
                .serverPort(config.port())
                .automaticReconnect().initialDelay(1, TimeUnit.SECONDS).maxDelay(30, TimeUnit.SECONDS).applyAutomaticReconnect()
                .addConnectedListener(ctx -> {
                    stats.state(ConnectionState.CONNECTED);
                    subscribe();
                })
                .addDisconnectedListener(ctx -> {
                    if (closed) return;
                    String msg = "MQTT connection lost [connection=" + config.name() + ", broker=" + config.brokerUrl() + "]: "
                            + reason(ctx.getCause()) + ". Check that the broker runs and accepts client-id "
                            + config.effectiveClientId() + " (a second client with that id takes the session over);"
                            + " Lathe reconnects by itself.";
                    stats.error(msg);
                    stats.state(stats.state() == ConnectionState.CONNECTING ? ConnectionState.CONNECTING : ConnectionState.RECONNECTING, msg);
                    warnings.warn("disconnect", msg);
                });
        if (config.tls()) b = b.sslWithDefaultConfig();
        Mqtt5AsyncClient c = b.buildAsync();
        client = c;
        stats.state(ConnectionState.CONNECTING);
        c.publishes(MqttGlobalPublishFilter.SUBSCRIBED, p -> handle(p.getTopic().toString(), p.getPayloadAsBytes(), clock.millis() * 1000));
        Mqtt5ConnectBuilder.Send<java.util.concurrent.CompletableFuture<com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck>> connect =
                c.connectWith().cleanStart(true);
        if (config.username() != null) {
            var auth = connect.simpleAuth().username(config.username());
            if (config.password() != null) auth = auth.password(config.password().getBytes(StandardCharsets.UTF_8));
            connect = auth.applySimpleAuth();
        }
        connect.send();
    }

    @Override
    public ConnectionStatus status() {
        return stats.snapshot();
    }

    @Override
    public synchronized void close() {
        closed = true;
        Mqtt5AsyncClient c = client;
        if (c != null) {
            try {
                c.disconnect().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("MQTT disconnect failed [connection={}]: {}", config.name(), e.toString());
            }
        }
        stats.state(ConnectionState.STOPPED);
    }

    private void subscribe() {
        MqttQos qos = MqttQos.fromCode(config.qos());
        for (MqttJsonTopic t : config.topics()) {
            client.subscribeWith().topicFilter(t.filter()).qos(qos).send().whenComplete((ack, e) -> {
                if (e != null) {
                    String msg = "MQTT subscribe failed [connection=" + config.name() + ", topic=" + t.filter() + "]: "
                            + reason(e) + ". Check the broker's permissions for this client.";
                    stats.error(msg);
                    warnings.warn("subscribe/" + t.filter(), msg);
                }
            });
        }
    }

    /** Handles one message: visible for tests that feed payloads without a broker. */
    void handle(String topic, byte[] payload, long arrivalMicros) {
        PointBatch batch = batches.get();
        try {
            collect(topic, payload, arrivalMicros, batch);
            if (!batch.isEmpty()) sink.accept(batch);
        } catch (RuntimeException e) {
            String msg = "MQTT JSON message not handed over [connection=" + config.name() + ", topic=" + topic + ", points="
                    + batch.size() + "]: " + e + ". This is a bug in Lathe; please report it with this message.";
            stats.error(msg);
            warnings.warn("sink", msg);
        } finally {
            batch.clear();
        }
    }

    private void collect(String topic, byte[] payload, long arrivalMicros, PointBatch batch) {
        List<MqttJsonTopic> topics = config.topics();
        JsonNode root = null;
        for (int t = 0; t < topics.size(); t++) {
            List<String> wild = topics.get(t).match(topic);
            if (wild == null) continue;
            if (root == null) {
                try {
                    root = JSON.readTree(payload);
                } catch (Exception e) {
                    root = null;
                }
                if (root == null || root.isMissingNode()) {
                    bad("payload/" + t, topic, "", "the payload is not JSON", "Publish a JSON object");
                    return;
                }
                stats.message();
            }
            long micros = timestamp(t, topic, root, arrivalMicros);
            for (int f = 0; f < pointers[t].length; f++) {
                MqttJsonField field = topics.get(t).fields().get(f);
                JsonNode n = root.at(pointers[t][f]);
                if (n.isMissingNode() || n.isNull()) {
                    bad("field/" + t + "/" + f, topic, field.path(), "the payload has no such field",
                            "Check the field's path against the payload");
                    continue;
                }
                Value v = convert(n, field.type());
                if (v == null) {
                    bad("type/" + t + "/" + f, topic, field.path(), "expected " + field.type().label() + " but found "
                            + n.getNodeType().name().toLowerCase(java.util.Locale.ROOT), "Fix the field's type");
                    continue;
                }
                batch.add(signal(t, f, wild), micros, v, Quality.GOOD, false);
            }
        }
    }

    private long timestamp(int t, String topic, JsonNode root, long arrivalMicros) {
        JsonPointer p = timestampPointers[t];
        if (p == null) return arrivalMicros;
        String field = config.topics().get(t).timestampField();
        JsonNode n = root.at(p);
        if (n.isIntegralNumber()) return n.asLong() * 1000;
        if (n.isNumber()) return (long) (n.asDouble() * 1000);
        if (n.isTextual()) {
            try {
                Instant i = OffsetDateTime.parse(n.asText()).toInstant();
                return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
            } catch (DateTimeParseException e) {
                bad("ts/" + t, topic, field, "timestamp '" + n.asText() + "' is not ISO-8601",
                        "Send epoch milliseconds or a time like 2026-11-02T10:15:30.123Z; the arrival time is used meanwhile");
                return arrivalMicros;
            }
        }
        bad("ts/" + t, topic, field, n.isMissingNode() ? "the payload has no such field" : "timestamp is not a number or text",
                "Check timestamp-field; the arrival time is used meanwhile");
        return arrivalMicros;
    }

    private static Value convert(JsonNode n, DataType type) {
        return switch (type) {
            case DOUBLE -> n.isNumber() ? Value.of(n.asDouble()) : null;
            case LONG -> n.isIntegralNumber() && n.canConvertToLong() ? Value.of(n.asLong())
                    : n.isNumber() && n.asDouble() == Math.rint(n.asDouble()) && Math.abs(n.asDouble()) < 9.0e15 ? Value.of((long) n.asDouble()) : null;
            case BOOLEAN -> n.isBoolean() ? Value.of(n.asBoolean()) : null;
            case TEXT -> n.isValueNode() ? Value.of(n.asText()) : null;
        };
    }

    private Signal signal(int t, int f, List<String> wild) {
        String key = wild.isEmpty() ? t + "/" + f : t + "/" + f + "/" + String.join("/", wild);
        Signal s = signals.get(key);
        if (s != null) return s;
        MqttJsonField field = config.topics().get(t).fields().get(f);
        String name = field.signal();
        for (int i = 0; i < wild.size(); i++) name = name.replace("{" + (i + 1) + "}", wild.get(i));
        s = model.addSignal(machines[t], name, field.type(), field.unit(), field.description(),
                "mqtt-json:" + config.name() + "#" + config.topics().get(t).filter() + "#" + field.path());
        signals.put(key, s);
        return s;
    }

    private void bad(String key, String topic, String field, String why, String fix) {
        String msg = "MQTT JSON message rejected [connection=" + config.name() + ", topic=" + topic
                + (field.isEmpty() ? "" : ", field=" + field) + "]: " + why + ". " + fix + ".";
        stats.error(msg);
        warnings.warn(key, msg);
    }

    private JsonPointer pointer(MqttJsonField field) {
        try {
            return JsonPointer.compile(field.pointer());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid MQTT JSON field [connection=" + config.name() + ", field="
                    + field.path() + "]: " + e.getMessage() + ". Use a JSON pointer like /data/temp or a path like data.temp.");
        }
    }

    private static String reason(Throwable t) {
        if (t == null) return "closed";
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }
}
