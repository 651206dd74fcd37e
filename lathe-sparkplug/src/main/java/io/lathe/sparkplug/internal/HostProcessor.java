package io.lathe.sparkplug.internal;

import io.lathe.ingest.ConnectionStats;
import io.lathe.ingest.PointBatch;
import io.lathe.ingest.PointSink;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.sparkplug.internal.SparkplugTopic.MessageType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.tahu.message.SparkplugBPayloadDecoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.PropertyValue;
import org.eclipse.tahu.message.model.SparkplugBPayload;
import org.eclipse.tahu.message.model.Template;
import org.eclipse.tahu.model.MetricDataTypeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary host's state machine, apart from MQTT: births, deaths, bdSeq and seq tracking, alias resolution,
 * reorder buffering, and the mapping of metrics to Lathe signals.
 *
 * <p>Thread-safe: messages of one edge node (and its devices) are processed under that node's lock; different nodes
 * proceed in parallel. Rebirth requests are handed to the {@link RebirthRequester} while holding the node's lock, so it
 * must not block.
 */
public final class HostProcessor {

    /** Publishes an NCMD {@code Node Control/Rebirth}; must not block. */
    @FunctionalInterface
    public interface RebirthRequester {
        void requestRebirth(String group, String edgeNode);
    }

    private static final Logger LOG = LoggerFactory.getLogger(HostProcessor.class);
    private static final String PROTOCOL = "sparkplug";
    /** A node that keeps sending data without a birth gets at most one rebirth request per this interval. */
    private static final long REBIRTH_MIN_INTERVAL_MILLIS = 5_000;

    private final PlantModel model;
    private final PointSink sink;
    private final MeterRegistry registry;
    private final InstantSource clock;
    private final ConnectionStats stats;
    private final Duration reorderTimeout;
    private final String siteName;
    private final String areaName;
    private final ScheduledExecutorService scheduler;
    private final RebirthRequester rebirth;
    private final SparkplugBPayloadDecoder decoder = new SparkplugBPayloadDecoder();
    private final RateLimitedLog logLimit;
    private final Map<String, EdgeNode> nodes = new ConcurrentHashMap<>();
    private final Map<MessageType, Counter> messages = new EnumMap<>(MessageType.class);
    private final Map<String, Counter> rejects = new ConcurrentHashMap<>();
    private final Counter metrics;
    private final Counter rebirthRequests;
    private final io.lathe.sparkplug.DiscoveryLimits discovery;
    private final HourlyQuota newNodes;
    private final HourlyQuota newDevices;
    private final HourlyQuota newSignals;
    private final Map<String, Counter> discoveryRejects = new ConcurrentHashMap<>();
    /** Edge nodes (group/name) whose line was discovered, so a device of a known node does not count as a new node. */
    private final Set<String> discoveredNodes = ConcurrentHashMap.newKeySet();
    /** The points and stale marks of the message this thread processes, handed to the sink at once (one lock per payload). */
    private final ThreadLocal<Outgoing> outgoing = ThreadLocal.withInitial(Outgoing::new);
    private static final MetricDataTypeMap BDSEQ_TYPES = new MetricDataTypeMap();
    /** Off only in the test that holds the fast path's results against the Tahu path's. */
    private volatile boolean fastData = true;
    /** Messages the fast path took (plain field: read by the test that checks the path was used, after the fact). */
    long fastReads;

    static {
        BDSEQ_TYPES.addMetricDataType("bdSeq", MetricDataType.Int64);
    }

    public HostProcessor(PlantModel model, PointSink sink, MeterRegistry registry, InstantSource clock, ConnectionStats stats,
                         Duration reorderTimeout, String siteName, String areaName, ScheduledExecutorService scheduler,
                         RebirthRequester rebirth) {
        this(model, sink, registry, clock, stats, reorderTimeout, siteName, areaName, io.lathe.sparkplug.DiscoveryLimits.defaults(),
                scheduler, rebirth);
    }

    public HostProcessor(PlantModel model, PointSink sink, MeterRegistry registry, InstantSource clock, ConnectionStats stats,
                         Duration reorderTimeout, String siteName, String areaName, io.lathe.sparkplug.DiscoveryLimits discovery,
                         ScheduledExecutorService scheduler, RebirthRequester rebirth) {
        this.discovery = discovery;
        this.newNodes = new HourlyQuota(discovery.maxNewEdgeNodesPerHour(), clock);
        this.newDevices = new HourlyQuota(discovery.maxNewDevicesPerHour(), clock);
        this.newSignals = new HourlyQuota(discovery.maxNewSignalsPerHour(), clock);
        this.model = model;
        this.sink = sink;
        this.registry = registry;
        this.clock = clock;
        this.stats = stats;
        this.reorderTimeout = reorderTimeout;
        this.siteName = siteName;
        this.areaName = areaName;
        this.scheduler = scheduler;
        this.rebirth = rebirth;
        this.logLimit = new RateLimitedLog(clock, Duration.ofMinutes(1));
        for (MessageType t : MessageType.values()) {
            messages.put(t, Counter.builder("lathe.ingest.messages").tag("protocol", PROTOCOL).tag("type", t.name())
                    .description("MQTT messages received, by Sparkplug message type").register(registry));
        }
        metrics = Counter.builder("lathe.ingest.metrics").tag("protocol", PROTOCOL)
                .description("metric values handed to the point sink").register(registry);
        for (String kind : List.of("edge_node", "device", "signal")) discoveryRejected(kind, 0);
        rebirthRequests = Counter.builder("lathe.sparkplug.rebirth.requests")
                .description("NCMD Node Control/Rebirth requests sent to edge nodes").register(registry);
    }

    /** Handles one Sparkplug message (not STATE, which the host handles). Never throws. */
    public void onMessage(String topic, SparkplugTopic t, byte[] payload) {
        messages.get(t.type()).increment();
        if (t.type() == MessageType.NCMD || t.type() == MessageType.DCMD || t.type() == MessageType.STATE) return;
        EdgeNode n = nodes.computeIfAbsent(t.group() + "/" + t.edgeNode(), k -> new EdgeNode(t.group(), t.edgeNode()));
        synchronized (n) {
            Outgoing out = outgoing.get();
            out.open = true;
            try {
                switch (t.type()) {
                    case NBIRTH -> {
                        SparkplugBPayload p = decode(topic, payload, null);
                        if (p != null) nodeBirth(n, t, p, topic);
                    }
                    case NDEATH -> {
                        // A Will is composed at connect time; Tahu's omits the datatype of bdSeq, so supply it.
                        MetricDataTypeMap types = n.node.types.getMetricDataType("bdSeq") != null ? n.node.types : BDSEQ_TYPES;
                        SparkplugBPayload p = decode(topic, payload, types);
                        if (p != null) nodeDeath(n, p, topic);
                    }
                    default -> sequenced(n, t, topic, payload);
                }
            } catch (RuntimeException e) {
                // A bug or a model conflict for one message must not stop ingestion of the next ones.
                reject("internal_error");
                stats.error("Sparkplug message failed [topic=" + topic + "]: " + e);
                if (logLimit.allow("internal:" + topic)) {
                    LOG.warn("Sparkplug message failed [topic={}]: {}", topic, e.toString(), e);
                }
            } finally {
                // Under the node's lock, so the node's payloads reach the sink in the order they were applied.
                out.open = false;
                out.batch = handOver(out.batch, topic);
            }
        }
    }

    /**
     * Gives a message's points to the sink in one call and returns the (empty) batch to fill next: an ingest queue
     * keeps the batch itself and gives another. A sink that throws loses nothing else of later messages.
     */
    private PointBatch handOver(PointBatch batch, String topic) {
        if (batch.isEmpty()) return batch;
        try {
            return sink.handOff(batch);
        } catch (RuntimeException e) {
            for (int i = 0; i < batch.size(); i++) reject("sink_error");
            if (logLimit.allow("sink:" + topic)) {
                LOG.warn("Sparkplug points not handed over [topic={}, points={}]: {}. This is a bug in Lathe; please report it.",
                        topic, batch.size(), e.toString(), e);
            }
            batch.clear();
            return batch;
        }
    }

    /** Counts a message whose topic Lathe cannot parse. */
    public void badTopic(String topic) {
        reject("bad_topic");
        if (logLimit.allow("topic:" + topic)) {
            LOG.warn("MQTT message on a topic that is not Sparkplug B [topic={}]: ignored. Check the subscriptions of the Sparkplug connection.", topic);
        }
    }

    // ---- births and deaths -------------------------------------------------------------------------------------

    private void nodeBirth(EdgeNode n, SparkplugTopic t, SparkplugBPayload p, String topic) {
        resetSequencing(n);
        Long seq = p.getSeq();
        n.seq = seq == null ? 0 : (int) (seq & 0xFF);
        n.bdSeq = -1;
        n.node.clearMetrics();
        for (Scope d : n.devices.values()) {
            // A new NBIRTH starts a new session: devices must announce themselves again.
            d.born = false;
            d.clearMetrics();
        }
        n.node.born = true;
        n.born = true;
        for (Metric m : p.getMetrics()) {
            if ("bdSeq".equals(m.getName()) && m.getValue() instanceof Number num) n.bdSeq = num.longValue();
        }
        birthMetrics(n, n.node, p, topic);
        LOG.debug("NBIRTH [group={}, edgeNode={}, bdSeq={}, seq={}, metrics={}]", t.group(), t.edgeNode(), n.bdSeq, n.seq, p.getMetricCount());
    }

    private void nodeDeath(EdgeNode n, SparkplugBPayload p, String topic) {
        Long bdSeq = null;
        for (Metric m : p.getMetrics()) {
            if ("bdSeq".equals(m.getName()) && m.getValue() instanceof Number num) bdSeq = num.longValue();
        }
        if (bdSeq == null || n.bdSeq < 0 || bdSeq != n.bdSeq) {
            // An NDEATH from an older session (its Will delivered late) must not mark the current session's values stale.
            reject("stale_death");
            LOG.debug("NDEATH ignored: bdSeq does not match the current NBIRTH [topic={}, bdSeq={}, current={}]", topic, bdSeq, n.bdSeq);
            return;
        }
        endSession(n, nowMicros());
        LOG.debug("NDEATH [topic={}, bdSeq={}]: signals marked stale", topic, bdSeq);
    }

    /** The node's session is over (NDEATH, or the host's own session lost): its and its devices' signals go stale. */
    private void endSession(EdgeNode n, long nowMicros) {
        markStale(n.node, nowMicros);
        for (Scope d : n.devices.values()) {
            markStale(d, nowMicros);
            d.born = false;
        }
        n.born = false;
        n.node.born = false;
        resetSequencing(n);
    }

    /**
     * The host's own MQTT session ended: nothing can arrive until it is back, and what edge nodes send meanwhile is
     * lost. Marks the signals of every node and device with a live session stale and forgets those sessions, so that
     * data after the reconnect is refused ({@code no_birth}) and a rebirth requested until the births come again.
     * Nodes without a live session (dead, or never born) are left alone, so repeated failed reconnects cost nothing.
     *
     * @return the number of edge nodes whose signals were marked stale
     */
    public int sessionLost() {
        long now = nowMicros();
        int count = 0;
        for (EdgeNode n : nodes.values()) {
            synchronized (n) {
                boolean live = n.born || n.node.born;
                for (Scope d : n.devices.values()) live |= d.born;
                if (!live) continue;
                endSession(n, now);
                count++;
            }
        }
        return count;
    }

    private void markStale(Scope s, long micros) {
        Outgoing out = outgoing.get();
        for (Signal sig : s.signals) out.batch.stale(sig, micros);
        // Outside a message (the host's own session ended) nobody else hands these over.
        if (!out.open) out.batch = handOver(out.batch, s.source);
    }

    // ---- sequence numbers ----------------------------------------------------------------------------------------

    private void sequenced(EdgeNode n, SparkplugTopic t, String topic, byte[] payload) {
        if (!n.born) {
            reject("no_birth");
            stats.error("Sparkplug data without NBIRTH [topic=" + topic + "]");
            if (logLimit.allow("nobirth:" + n.key)) {
                LOG.info("Sparkplug message before NBIRTH [topic={}]: dropped, requesting rebirth", topic);
            }
            requestRebirth(n, false);
            return;
        }
        if (readData(n, t, payload)) return;
        SparkplugBPayload p = decode(topic, payload, typesFor(n, t));
        if (p == null) return;
        Long seq = p.getSeq();
        if (seq == null || seq < 0 || seq > 255) {
            decodeError(topic, "seq must be in [0, 255], but was " + seq);
            return;
        }
        int s = seq.intValue();
        if (s == ((n.seq + 1) & 0xFF)) {
            apply(n, t, p, topic);
            n.seq = s;
            drain(n);
        } else {
            hold(n, new Pending(t, topic, payload, s));
        }
    }

    /**
     * The fast path of an in-order NDATA/DDATA ({@link DataPayloadReader}); false when it declined and nothing
     * happened, so the Tahu path takes the message as before (out of order, unknown metric, unusual value, malformed).
     */
    private boolean readData(EdgeNode n, SparkplugTopic t, byte[] payload) {
        if (!fastData || (t.type() != MessageType.NDATA && t.type() != MessageType.DDATA)) return false;
        Outgoing out = outgoing.get();
        DataPayloadReader.Header h = out.header;
        if (!h.read(payload) || !h.hasSeq || h.seq < 0 || h.seq > 255 || (int) h.seq != ((n.seq + 1) & 0xFF)) return false;
        Scope s = t.type() == MessageType.NDATA ? n.node : n.devices.get(t.device());
        if (s == null || (s != n.node && !s.born)) return false;
        int added = out.reader.read(payload, s, out.batch, h, h.hasTimestamp ? 0 : clock.millis());
        if (added < 0) return false;
        if (added > 0) metrics.increment(added);
        if (out.reader.unsupported > 0) reject("unsupported_type", out.reader.unsupported);
        if (out.reader.notDiscovered > 0) reject("not_discovered", out.reader.notDiscovered);
        fastReads++;
        n.seq = (int) h.seq;
        drain(n);
        return true;
    }

    private void drain(EdgeNode n) {
        while (n.born && !n.pending.isEmpty()) {
            Pending next = n.pending.remove((n.seq + 1) & 0xFF);
            if (next == null) break;
            // Decoded again: the held message may reference aliases of a birth applied just now.
            SparkplugBPayload p = decode(next.topic, next.payload, typesFor(n, next.t));
            if (p != null) apply(n, next.t, p, next.topic);
            n.seq = next.seq;
        }
        if (n.pending.isEmpty()) cancelGapTimer(n);
    }

    private void hold(EdgeNode n, Pending p) {
        n.pending.putIfAbsent(p.seq, p);
        if (reorderTimeout.isZero() || n.pending.size() >= 255) {
            gapExpired(n);
            return;
        }
        if (n.gapTimer == null) {
            long generation = n.generation;
            LOG.debug("Sparkplug sequence gap [group={}, edgeNode={}, expected={}, got={}]: holding up to {}",
                    n.group, n.name, (n.seq + 1) & 0xFF, p.seq, reorderTimeout);
            n.gapTimer = scheduler.schedule(() -> {
                synchronized (n) {
                    if (n.generation == generation && n.gapTimer != null && !n.pending.isEmpty()) {
                        try {
                            gapExpired(n);
                        } catch (RuntimeException e) {
                            LOG.warn("Sparkplug rebirth request failed [group={}, edgeNode={}]: {}", n.group, n.name, e.toString());
                        }
                    }
                }
            }, reorderTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void gapExpired(EdgeNode n) {
        int held = n.pending.size();
        int expected = (n.seq + 1) & 0xFF;
        for (int i = 0; i < held; i++) reject("seq_gap");
        stats.error("Sparkplug sequence gap [group=" + n.group + ", edgeNode=" + n.name + ", expected=" + expected + "]");
        LOG.info("Sparkplug sequence gap not filled within {} [group={}, edgeNode={}, expected seq={}, held={}]: discarding the session and requesting a rebirth",
                reorderTimeout, n.group, n.name, expected, held);
        resetSequencing(n);
        // Until the new NBIRTH, aliases and seq of this node are unknown: data is refused with reason no_birth.
        n.born = false;
        requestRebirth(n, true);
    }

    private void resetSequencing(EdgeNode n) {
        n.pending.clear();
        cancelGapTimer(n);
    }

    private void cancelGapTimer(EdgeNode n) {
        n.generation++;
        if (n.gapTimer != null) {
            n.gapTimer.cancel(false);
            n.gapTimer = null;
        }
    }

    private void requestRebirth(EdgeNode n, boolean always) {
        long now = clock.millis();
        if (!always && now - n.lastRebirthMillis < REBIRTH_MIN_INTERVAL_MILLIS) return;
        n.lastRebirthMillis = now;
        rebirthRequests.increment();
        rebirth.requestRebirth(n.group, n.name);
    }

    // ---- data ------------------------------------------------------------------------------------------------------

    private void apply(EdgeNode n, SparkplugTopic t, SparkplugBPayload p, String topic) {
        switch (t.type()) {
            case NDATA -> dataMetrics(n, n.node, p, topic);
            case DBIRTH -> {
                Scope d = n.devices.computeIfAbsent(t.device(), k -> new Scope(t.source(), t.device()));
                d.clearMetrics();
                d.born = true;
                birthMetrics(n, d, p, topic);
            }
            case DDATA -> {
                Scope d = n.devices.get(t.device());
                if (d == null || !d.born) {
                    reject("no_birth");
                    if (logLimit.allow("nobirth:" + topic)) {
                        LOG.info("Sparkplug DDATA before DBIRTH [topic={}]: dropped, requesting rebirth", topic);
                    }
                    requestRebirth(n, false);
                    return;
                }
                dataMetrics(n, d, p, topic);
            }
            case DDEATH -> {
                Scope d = n.devices.get(t.device());
                if (d != null) {
                    markStale(d, nowMicros());
                    d.born = false;
                }
            }
            default -> { }
        }
    }

    private void birthMetrics(EdgeNode n, Scope s, SparkplugBPayload p, String topic) {
        Long payloadMillis = p.getTimestamp() == null ? null : p.getTimestamp().getTime();
        PointBatch batch = outgoing.get().batch;
        int added = 0;
        try {
            for (Metric m : p.getMetrics()) {
                if (m.getName() == null) {
                    reject("no_name");
                    if (logLimit.allow("noname:" + topic)) LOG.warn("Sparkplug birth metric without a name [topic={}, alias={}]: skipped", topic, m.getAlias());
                    continue;
                }
                MetricInfo info = register(n, s, m);
                if (ingest(info, m, payloadMillis, batch)) added++;
            }
        } finally {
            if (added > 0) metrics.increment(added);
        }
    }

    private void dataMetrics(EdgeNode n, Scope s, SparkplugBPayload p, String topic) {
        Long payloadMillis = p.getTimestamp() == null ? null : p.getTimestamp().getTime();
        PointBatch batch = outgoing.get().batch;
        int added = 0;
        try {
            for (Metric m : p.getMetrics()) {
                MetricInfo info = null;
                if (m.getName() != null) {
                    info = s.byName.get(m.getName());
                    // Not announced in the birth: accepted all the same, the data message carries its type.
                    if (info == null) info = register(n, s, m);
                } else if (m.hasAlias()) {
                    info = s.byAlias(m.getAlias());
                    if (info == null) {
                        reject("unknown_alias");
                        stats.error("Sparkplug alias not in birth [topic=" + topic + ", alias=" + m.getAlias() + "]");
                        if (logLimit.allow("alias:" + topic)) {
                            LOG.warn("Sparkplug metric alias not announced in the birth [topic={}, alias={}]: metric skipped. The edge node must rebirth after changing aliases.",
                                    topic, m.getAlias());
                        }
                        continue;
                    }
                } else {
                    reject("no_name");
                    continue;
                }
                if (ingest(info, m, payloadMillis, batch)) added++;
            }
        } finally {
            // once per message: a counter update per metric cost as much as the rest of the mapping
            if (added > 0) metrics.increment(added);
        }
    }

    private MetricInfo register(EdgeNode n, Scope s, Metric m) {
        String name = m.getName();
        MetricDataType st = m.getDataType();
        MetricInfo.Kind kind;
        DataType type = MetricValues.dataType(st);
        if (isControl(name)) kind = MetricInfo.Kind.CONTROL;
        else if (type == null) kind = MetricInfo.Kind.UNSUPPORTED;
        else kind = MetricInfo.Kind.DATA;
        Signal signal = kind == MetricInfo.Kind.DATA ? signalFor(n, s, name, type, engUnit(m)) : null;
        if (kind == MetricInfo.Kind.DATA && signal == null) kind = MetricInfo.Kind.NOT_DISCOVERED;
        MetricInfo info = new MetricInfo(name, st, type, kind, signal);
        s.byName.put(name, info);
        if (st != null) s.types.addMetricDataType(name, st);
        if (m.hasAlias()) {
            s.putAlias(m.getAlias(), info);
            if (st != null) s.types.addMetricDataType(m.getAlias(), st);
        }
        if (signal != null) s.signals.add(signal);
        // Tahu's decoder needs the member types of templates too when data messages omit them.
        if (m.getValue() instanceof Template t) addTemplateTypes(s.types, name + "/", t);
        return info;
    }

    private static void addTemplateTypes(MetricDataTypeMap types, String prefix, Template t) {
        if (t.getMetrics() == null) return;
        for (Metric member : t.getMetrics()) {
            if (member.getName() == null || member.getDataType() == null) continue;
            types.addMetricDataType(prefix + member.getName(), member.getDataType());
            if (member.getValue() instanceof Template nested) addTemplateTypes(types, prefix + member.getName() + "/", nested);
        }
    }

    /** Sparkplug's own control metrics and static properties are not process data. */
    private static boolean isControl(String name) {
        return name.equals("bdSeq") || name.startsWith("Node Control/") || name.startsWith("Device Control/")
                || name.startsWith("Properties/");
    }

    private static String engUnit(Metric m) {
        if (m.getProperties() == null) return "";
        PropertyValue<?> v = m.getProperties().getPropertyValue("engUnit");
        return v == null || v.getValue() == null ? "" : v.getValue().toString();
    }

    /** Adds the metric's value to {@code batch}; true when it did (the caller counts them). */
    private boolean ingest(MetricInfo info, Metric m, Long payloadMillis, PointBatch batch) {
        switch (info.kind()) {
            case CONTROL -> { }
            case UNSUPPORTED -> reject("unsupported_type");
            case NOT_DISCOVERED -> reject("not_discovered");
            case DATA -> {
                if (Boolean.TRUE.equals(m.getIsNull()) || m.getValue() == null) return false;
                Signal signal = info.signal();
                Value v = MetricValues.toSignalValue(m.getValue(), info.type(), info.valueType(), signal.dataType());
                if (v == null) {
                    if (MetricValues.outOfRange(m.getValue(), info.type(), signal.dataType())) {
                        outOfRange(info, signal, m.getValue());
                    } else {
                        reject("bad_value");
                    }
                    return false;
                }
                long millis = m.getTimestamp() != null ? m.getTimestamp().getTime()
                        : payloadMillis != null ? payloadMillis : clock.millis();
                batch.add(signal, Math.multiplyExact(millis, 1000L), v, Quality.GOOD, Boolean.TRUE.equals(m.getIsHistorical()));
                return true;
            }
        }
        return false;
    }

    private void outOfRange(MetricInfo info, Signal signal, Object raw) {
        reject("out_of_range");
        String msg = "Sparkplug value does not fit its signal [source=" + signal.source() + ", signal=" + signal.id()
                + ", metric=" + info.name() + ", type=" + info.type() + ", value=" + raw + "]: the signal is declared "
                + signal.dataType().label() + ", which holds at most " + Long.MAX_VALUE + ". Declare it as text to keep"
                + " every UInt64 value exact, or as double to keep an approximation.";
        stats.error(msg);
        if (logLimit.allow("range:" + signal.id())) LOG.warn("{}", msg);
    }

    /**
     * The signal of a metric: a declared one, or one discovered within {@link io.lathe.sparkplug.DiscoveryLimits}; null
     * when discovery is off or over its quota (counted and logged, at most once a minute per edge node and kind).
     */
    private Signal signalFor(EdgeNode n, Scope s, String metricName, DataType type, String unit) {
        if (s.machineId == null || !model.contains(s.machineId)) {
            String machine = model.machineBySource(s.source);
            if (machine == null) {
                if (s.refused) return null; // counted once per birth of this node or device
                // A device of a declared or already discovered edge node is a new device, not a new edge node.
                boolean newNode = !discoveredNodes.contains(n.key) && (s == n.node || model.machineBySource(n.node.source) == null);
                String refusedKind = !discovery.enabled() ? (newNode ? "edge_node" : "device")
                        : newNode && !newNodes.tryTake() ? "edge_node"
                        : !newDevices.tryTake() ? "device" : null;
                if (refusedKind != null) {
                    s.refused = true;
                    refuseDiscovery(n, refusedKind, s.source);
                    return null;
                }
                discoveredNodes.add(n.key);
                String site = model.addChild(model.rootId(), siteName, "", "");
                String area = model.addChild(site, areaName, "", "");
                String line = model.addChild(area, n.group + "/" + n.name, "", "");
                machine = model.addChild(line, s.machineName, "", s.source);
                LOG.info("discovered Sparkplug machine [source={}, machine={}]", s.source, machine);
            }
            s.machineId = machine;
        }
        Signal sig = model.signalByName(s.machineId, metricName);
        if (sig == null && (!discovery.enabled() || !newSignals.tryTake())) {
            refuseDiscovery(n, "signal", s.source + "#" + metricName);
            return null;
        }
        if (sig == null) sig = model.addSignal(s.machineId, metricName, type, unit, "", s.source + "#" + metricName);
        return sig;
    }

    // ---- helpers -----------------------------------------------------------------------------------------------------

    private MetricDataTypeMap typesFor(EdgeNode n, SparkplugTopic t) {
        return switch (t.type()) {
            case NDATA -> n.node.types;
            case DDATA, DDEATH -> {
                Scope d = n.devices.get(t.device());
                yield d == null ? null : d.types;
            }
            default -> null;
        };
    }

    private SparkplugBPayload decode(String topic, byte[] payload, MetricDataTypeMap types) {
        SparkplugBPayload p;
        try {
            p = decoder.buildFromByteArray(payload, types == null || types.isEmpty() ? null : types);
        } catch (Exception e) {
            decodeError(topic, e.toString());
            return null;
        }
        // Tahu leaves a null in place of a metric it cannot decode (for example one without datatype that no birth announced).
        if (p.getMetrics().contains(null)) {
            p.setMetrics(p.getMetrics().stream().filter(java.util.Objects::nonNull).collect(java.util.stream.Collectors.toList()));
            decodeError(topic, "a metric without a known datatype");
        }
        return p;
    }

    private void decodeError(String topic, String why) {
        reject("decode_error");
        stats.error("Sparkplug payload cannot be decoded [topic=" + topic + "]: " + why);
        if (logLimit.allow("decode:" + topic)) {
            LOG.warn("Sparkplug payload cannot be decoded [topic={}]: {}. Message skipped; check the edge node's Sparkplug B encoder.", topic, why);
        }
    }

    private void refuseDiscovery(EdgeNode n, String kind, String source) {
        discoveryRejected(kind, 1);
        String why = discovery.enabled()
                ? "the quota of new " + kind.replace('_', ' ') + "s per hour is used up. Declare it in the plant configuration, or raise "
                        + quotaKey(kind) + " if the plant really grows this fast"
                : "discovery is off (sparkplug.discovery.enabled=false). Declare it in the plant configuration with this source";
        stats.error("Sparkplug " + kind + " not added to the plant model [source=" + source + "]: " + why);
        if (logLimit.allow("discovery:" + kind + ":" + n.key)) {
            LOG.warn("Sparkplug {} not added to the plant model [group={}, edgeNode={}, source={}]: {}. Its values are dropped"
                    + " and counted in lathe_sparkplug_discovery_rejected_total (this edge node's further refusals of this kind"
                    + " are logged at most once a minute).", kind.replace('_', ' '), n.group, n.name, source, why);
        }
    }

    private static String quotaKey(String kind) {
        return switch (kind) {
            case "edge_node" -> "sparkplug.discovery.max-new-nodes-per-hour";
            case "device" -> "sparkplug.discovery.max-new-devices-per-hour";
            default -> "sparkplug.discovery.max-new-signals-per-hour";
        };
    }

    private void discoveryRejected(String kind, int n) {
        discoveryRejects.computeIfAbsent(kind, k -> Counter.builder("lathe.sparkplug.discovery.rejected").tag("kind", k)
                .description("edge nodes, devices and signals from births not added to the plant model: discovery off or over its hourly quota")
                .register(registry)).increment(n);
    }

    /** A budget per clock hour (fixed windows: a burst at an hour's end and the next start may take up to twice it). */
    static final class HourlyQuota {
        private static final long HOUR_MILLIS = 3_600_000L;
        private final int max;
        private final InstantSource clock;
        private long window = Long.MIN_VALUE;
        private int used;

        HourlyQuota(int max, InstantSource clock) {
            this.max = max;
            this.clock = clock;
        }

        /** Takes one from this hour's budget; false when it is used up. Only births reach here, not the data path. */
        synchronized boolean tryTake() {
            long w = Math.floorDiv(clock.millis(), HOUR_MILLIS);
            if (w != window) {
                window = w;
                used = 0;
            }
            if (used >= max) return false;
            used++;
            return true;
        }
    }

    private void reject(String reason) {
        reject(reason, 1);
    }

    private void reject(String reason, int count) {
        rejects.computeIfAbsent(reason, r -> Counter.builder("lathe.ingest.rejects").tag("protocol", PROTOCOL).tag("reason", r)
                .description("messages or metrics not ingested, by reason").register(registry)).increment(count);
    }

    private long nowMicros() {
        return Math.multiplyExact(clock.millis(), 1000L);
    }

    // ---- state ----------------------------------------------------------------------------------------------------

    /** {@code valueType}: Lathe's type of the Sparkplug {@code type} ({@link MetricValues#dataType}), null when not ingested. */
    record MetricInfo(String name, MetricDataType type, DataType valueType, Kind kind, Signal signal) {
        /** NOT_DISCOVERED: a name that matches nothing declared, refused by the discovery settings; its values are dropped. */
        enum Kind { DATA, CONTROL, UNSUPPORTED, NOT_DISCOVERED }
    }

    record Pending(SparkplugTopic t, String topic, byte[] payload, int seq) {}

    /** One thread's batch; {@code open} while it processes a message, whose end hands the batch over. */
    static final class Outgoing {
        /** Replaced by the one the sink gives back at each hand-over. */
        PointBatch batch = new PointBatch(64);
        final DataPayloadReader reader = new DataPayloadReader();
        final DataPayloadReader.Header header = new DataPayloadReader.Header();
        boolean open;
    }

    /** Metrics announced by one birth: the node's own or one device's. */
    static final class Scope {
        private static final MetricInfo[] NO_ALIASES = new MetricInfo[0];
        private static final int[] NO_INTS = new int[0];
        private static final Signal[] NO_SIGNALS = new Signal[0];
        /** Set in every packed entry, so that 0 means none. */
        static final int PACKED = 1 << 30;
        /** Aliases up to this are indexed in an array (at most 512 KiB of references); larger ones only in the map. */
        private static final int MAX_ALIAS_INDEX = 1 << 16;
        final String source;
        final String machineName;
        final Map<String, MetricInfo> byName = new HashMap<>();
        private final Map<Long, MetricInfo> byAlias = new HashMap<>();
        /** Small aliases (the usual 0..n) indexed directly: data messages look up every metric by alias. */
        private MetricInfo[] aliasIndex = NO_ALIASES;
        /**
         * Beside {@link #aliasIndex}: what the data path needs of each MetricInfo packed in an int ({@link #pack}; 0:
         * none) and its signal, so a metric reads two arrays in alias order instead of a MetricInfo object somewhere in
         * the heap: at 10,000 metrics that object was a cache miss per metric, the receiving thread's largest cost.
         */
        private int[] aliasPacked = NO_INTS;
        private Signal[] aliasSignals = NO_SIGNALS;
        MetricDataTypeMap types = new MetricDataTypeMap();
        /** Every signal this scope ever fed, so a death marks them all stale. */
        final Set<Signal> signals = new LinkedHashSet<>();
        String machineId;
        boolean born;
        /** Discovery refused this node or device since its last birth (counted once). */
        boolean refused;

        Scope(String source, String machineName) {
            this.source = source;
            this.machineName = machineName;
        }

        MetricInfo byAlias(long alias) {
            if (alias >= 0 && alias < aliasIndex.length) {
                MetricInfo info = aliasIndex[(int) alias];
                if (info != null) return info;
            }
            return byAlias.get(alias);
        }

        void putAlias(long alias, MetricInfo info) {
            byAlias.put(alias, info);
            if (alias < 0 || alias >= MAX_ALIAS_INDEX) return;
            if (alias >= aliasIndex.length) {
                int n = (int) Math.min(MAX_ALIAS_INDEX, Math.max(alias + 1, aliasIndex.length * 2L));
                aliasIndex = java.util.Arrays.copyOf(aliasIndex, n);
                aliasPacked = java.util.Arrays.copyOf(aliasPacked, n);
                aliasSignals = java.util.Arrays.copyOf(aliasSignals, n);
            }
            aliasIndex[(int) alias] = info;
            aliasPacked[(int) alias] = pack(info);
            aliasSignals[(int) alias] = info.signal();
        }

        /**
         * Bits 0-7 the birth's Sparkplug data type value (0 when none), 8-9 the kind, 12-15 the signal's data type
         * ordinal + 1 (0 without a signal), plus {@link #PACKED}; 0 (take the MetricInfo) for a type value above 255.
         */
        static int pack(MetricInfo info) {
            int birth = info.type() == null ? 0 : info.type().toIntValue();
            if (birth < 0 || birth > 0xFF) return 0;
            int target = info.signal() == null ? 0 : info.signal().dataType().ordinal() + 1;
            return PACKED | target << 12 | info.kind().ordinal() << 8 | birth;
        }

        /** {@link #pack} of the alias' MetricInfo, or 0 when it is not indexed (then use {@link #byAlias}). */
        int packedByAlias(long alias) {
            return alias >= 0 && alias < aliasPacked.length ? aliasPacked[(int) alias] : 0;
        }

        /** The signal of an alias {@link #packedByAlias} answered for. */
        Signal signalByAlias(long alias) {
            return aliasSignals[(int) alias];
        }

        void clearMetrics() {
            refused = false;
            byName.clear();
            byAlias.clear();
            aliasIndex = NO_ALIASES;
            aliasPacked = NO_INTS;
            aliasSignals = NO_SIGNALS;
            types = new MetricDataTypeMap();
        }
    }

    /** One edge node's session; guarded by its own monitor. */
    static final class EdgeNode {
        final String group;
        final String name;
        final String key;
        final Scope node;
        final Map<String, Scope> devices = new HashMap<>();
        final Map<Integer, Pending> pending = new HashMap<>();
        boolean born;
        long bdSeq = -1;
        int seq;
        ScheduledFuture<?> gapTimer;
        long generation;
        long lastRebirthMillis = Long.MIN_VALUE / 2;

        EdgeNode(String group, String name) {
            this.group = group;
            this.name = name;
            this.key = group + "/" + name;
            this.node = new Scope("sparkplug:" + group + "/" + name, name);
        }
    }

    /** Test hook: false sends every message through Tahu's decoder, the reference the fast path must equal. */
    void fastDataPath(boolean on) {
        fastData = on;
    }

    /** For tests and diagnostics: names of the metrics the current birth of a node or device announced. */
    public List<String> announcedMetrics(String group, String edgeNode, String device) {
        EdgeNode n = nodes.get(group + "/" + edgeNode);
        if (n == null) return List.of();
        synchronized (n) {
            Scope s = device == null ? n.node : n.devices.get(device);
            return s == null ? List.of() : List.copyOf(s.byName.keySet());
        }
    }
}
