package io.lathe.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import io.lathe.ingest.Connection;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.ConnectionStats;
import io.lathe.ingest.ConnectionStatus;
import io.lathe.ingest.PointBatch;
import io.lathe.ingest.PointSink;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.opcua.internal.Clients;
import io.lathe.ingest.RateLimitedLog;
import io.lathe.opcua.internal.Values;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.SessionActivityListener;
import org.eclipse.milo.opcua.sdk.client.UaSession;
import org.eclipse.milo.opcua.sdk.client.subscriptions.MonitoredItemSynchronizationException;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaMonitoredItem;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaSubscription;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.ExpandedNodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.DataChangeTrigger;
import org.eclipse.milo.opcua.stack.core.types.structured.DataChangeFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribes to OPC UA variables and writes every data change as a point, with the source timestamp and the status
 * code mapped to a quality.
 *
 * <p>Connection: the first connect is retried with a backoff from 1 s doubling to {@code reconnect-max-delay}. Once
 * connected, Milo's session state machine reconnects by itself and transfers the subscription to the new session;
 * when the transfer fails (the server restarted), the subscription and its monitored items are created again. While
 * the session is down all signals are marked stale. A value whose source timestamp is not newer than the last one
 * written for that node (the initial value a re-created monitored item reports) is dropped, so a reconnect writes no
 * duplicate points.
 *
 * <p>Bad input (a node the server does not know, an array or structure value) is counted in the status and logged at
 * most once a minute per node; it never stops the connection. Thread-safe.
 */
public final class OpcUaConnection implements Connection {
    private static final Logger LOG = LoggerFactory.getLogger(OpcUaConnection.class);

    private final OpcUaConfig config;
    private final PlantModel model;
    private final PointSink sink;
    private final InstantSource clock;
    private final ConnectionStats stats;
    private final RateLimitedLog warnings = new RateLimitedLog(LOG, 60_000);
    private final Signal[] signals;
    private final long[] lastMicros;
    private final AtomicLong duplicatesDropped = new AtomicLong();
    /** Index into {@link #signals} of each monitored item; the same item objects survive a re-created subscription. */
    private final java.util.Map<OpcUaMonitoredItem, Integer> itemIndex = new java.util.concurrent.ConcurrentHashMap<>();
    /** The values of one notification, handed over at once (one lock per notification, not per value). */
    private final ThreadLocal<PointBatch> batches = ThreadLocal.withInitial(PointBatch::new);
    private volatile ScheduledExecutorService executor;
    private volatile OpcUaClient client;
    private volatile OpcUaSubscription subscription;
    private volatile boolean closed;
    private volatile boolean everConnected;
    private long backoffMillis = 1000;

    public OpcUaConnection(OpcUaConfig config, PlantModel model, PointSink sink) {
        this(config, model, sink, InstantSource.system());
    }

    /**
     * Creates the signals; connects nothing until {@link #start()}.
     *
     * @throws IllegalArgumentException when a node's machine is not in the model
     */
    public OpcUaConnection(OpcUaConfig config, PlantModel model, PointSink sink, InstantSource clock) {
        this.config = config;
        this.model = model;
        this.sink = sink;
        this.clock = clock;
        this.stats = new ConnectionStats(config.name(), "opcua", config.endpointUrl(), clock);
        List<OpcUaNode> nodes = config.nodes();
        signals = new Signal[nodes.size()];
        lastMicros = new long[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            OpcUaNode n = nodes.get(i);
            String machine = n.machineId() != null ? n.machineId() : config.machineId();
            if (!model.contains(machine)) {
                throw new IllegalArgumentException("OPC UA node refers to an unknown machine [connection=" + config.name()
                        + ", node-id=" + n.nodeId() + ", machine=" + machine + "]: no such asset. Declare the machine in the"
                        + " plant tree or fix the machine of the connection or node.");
            }
            signals[i] = model.addSignal(machine, n.signal(), n.type(), n.unit(), n.description(),
                    "opcua:" + config.name() + "#" + n.nodeId());
            lastMicros[i] = Long.MIN_VALUE;
        }
    }

    @Override
    public String name() {
        return config.name();
    }

    public OpcUaConfig config() {
        return config;
    }

    /** Values dropped because their source timestamp was not newer than the last one written (after reconnects). */
    public long duplicatesDropped() {
        return duplicatesDropped.get();
    }

    @Override
    public synchronized void start() {
        if (executor != null || closed) return;
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "opcua-" + config.name());
            t.setDaemon(true);
            return t;
        });
        stats.state(ConnectionState.CONNECTING);
        executor.execute(this::connect);
    }

    @Override
    public ConnectionStatus status() {
        return stats.snapshot();
    }

    @Override
    public synchronized void close() {
        closed = true;
        ScheduledExecutorService e = executor;
        if (e != null) e.shutdownNow();
        OpcUaClient c = client;
        if (c != null) {
            try {
                c.disconnectAsync().get(5, TimeUnit.SECONDS);
            } catch (Exception ex) {
                LOG.debug("OPC UA disconnect failed [connection={}]: {}", config.name(), Clients.reason(ex));
            }
        }
        stats.state(ConnectionState.STOPPED);
    }

    private void connect() {
        if (closed) return;
        OpcUaClient c = null;
        try {
            c = Clients.create(config.endpointUrl(), config.securityPolicy(), config.username(), config.password(),
                    config.dataDir(), config.requestTimeout());
            c.connect();
            subscribe(c);
            client = c;
            c.addSessionActivityListener(new SessionActivityListener() {
                @Override
                public void onSessionActive(UaSession session) {
                    stats.state(ConnectionState.CONNECTED);
                }

                @Override
                public void onSessionInactive(UaSession session) {
                    if (closed) return;
                    stats.state(ConnectionState.RECONNECTING, "OPC UA session lost [connection=" + config.name()
                            + ", endpoint=" + config.endpointUrl() + "]: the server closed it or stopped answering."
                            + " Lathe reconnects by itself.");
                    markAllStale();
                }
            });
            everConnected = true;
            backoffMillis = 1000;
            stats.state(ConnectionState.CONNECTED);
            LOG.info("OPC UA connection up [connection={}, endpoint={}, security-policy={}, nodes={}]",
                    config.name(), config.endpointUrl(), config.securityPolicy(), signals.length);
        } catch (Exception e) {
            if (c != null) c.disconnectAsync();
            if (closed) return;
            String msg = "OPC UA connect failed [connection=" + config.name() + ", endpoint=" + config.endpointUrl()
                    + ", security-policy=" + config.securityPolicy().name().toLowerCase(java.util.Locale.ROOT) + "]: "
                    + Clients.reason(e) + ". " + hint(e);
            stats.error(msg);
            stats.state(everConnected ? ConnectionState.RECONNECTING : ConnectionState.CONNECTING, msg);
            warnings.warn("connect", msg);
            long delay = backoffMillis;
            backoffMillis = Math.min(backoffMillis * 2, config.reconnectMaxDelay().toMillis());
            try {
                executor.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // closed meanwhile
            }
        }
    }

    private String hint(Exception e) {
        String reason = Clients.reason(e);
        if (reason.contains("Bad_SecurityChecksFailed") || reason.contains("Bad_CertificateUntrusted")) {
            return "The server's certificate is not trusted yet: move it from <data-dir>/opcua/pki/rejected to"
                    + " <data-dir>/opcua/pki/trusted/certs, and trust Lathe's certificate (<data-dir>/opcua/client.p12) on the server.";
        }
        if (reason.contains("Bad_UserAccessDenied") || reason.contains("Bad_IdentityTokenInvalid")
                || reason.contains("Bad_IdentityTokenRejected")) {
            return "Check username and password of connections." + config.name() + ".";
        }
        if (reason.contains("offers no endpoint")) {
            return "Set security-policy to one the server offers, or enable that policy on the server.";
        }
        return "Check that the server runs and the endpoint is reachable; Lathe keeps retrying.";
    }

    private void subscribe(OpcUaClient c) throws Exception {
        OpcUaSubscription sub = new OpcUaSubscription(c, (double) config.publishingInterval().toMillis());
        sub.setSubscriptionListener(new OpcUaSubscription.SubscriptionListener() {
            @Override
            public void onTransferFailed(OpcUaSubscription s, StatusCode status) {
                LOG.info("OPC UA subscription not transferred, creating it again [connection={}, status={}]",
                        config.name(), Values.name(status));
                ScheduledExecutorService e = executor;
                if (e != null && !closed) e.execute(() -> recreate(s));
            }

            @Override
            public void onDataReceived(OpcUaSubscription s, List<OpcUaMonitoredItem> items, List<DataValue> values) {
                PointBatch batch = batches.get();
                try {
                    for (int k = 0; k < items.size(); k++) {
                        Integer index = itemIndex.get(items.get(k));
                        if (index != null) onValue(index, values.get(k), batch);
                    }
                    handOver(batch);
                } finally {
                    batch.clear();
                }
            }
        });
        List<OpcUaNode> nodes = config.nodes();
        List<OpcUaMonitoredItem> items = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            OpcUaNode n = nodes.get(i);
            NodeId id = resolve(c, n);
            if (id == null) continue;
            OpcUaMonitoredItem item = OpcUaMonitoredItem.newDataItem(id);
            item.setSamplingInterval((double) n.samplingInterval().toMillis());
            item.setQueueSize(uint(n.queueSize()));
            item.setDiscardOldest(true);
            if (n.deadbandType() != DeadbandType.NONE) {
                item.setFilter(new DataChangeFilter(DataChangeTrigger.StatusValue, uint(n.deadbandType().code()), n.deadband()));
            }
            itemIndex.put(item, i);
            items.add(item);
        }
        sub.addMonitoredItems(items);
        sub.create();
        subscription = sub;
        synchronize(sub);
    }

    private void recreate(OpcUaSubscription s) {
        if (closed) return;
        try {
            s.create();
            synchronize(s);
        } catch (Exception e) {
            String msg = "OPC UA subscription could not be created again [connection=" + config.name() + "]: "
                    + Clients.reason(e) + ". Lathe retries in " + backoffMillis + " ms.";
            stats.error(msg);
            warnings.warn("recreate", msg);
            executor.schedule(() -> recreate(s), backoffMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void synchronize(OpcUaSubscription sub) {
        try {
            sub.synchronizeMonitoredItems();
        } catch (MonitoredItemSynchronizationException e) {
            // Reported per item below; the items that were created deliver values.
            LOG.debug("OPC UA monitored items partly failed [connection={}]: {}", config.name(), e.toString());
        }
        for (OpcUaMonitoredItem item : sub.getMonitoredItems()) {
            StatusCode sc = item.getCreateResult().orElse(StatusCode.GOOD);
            if (sc.isBad()) {
                String msg = "OPC UA monitored item failed [connection=" + config.name() + ", node-id="
                        + item.getReadValueId().getNodeId().toParseableString() + "]: " + Values.name(sc)
                        + ". Check connections." + config.name() + ".nodes against the server (lathe opcua browse).";
                stats.error(msg);
                warnings.warn("item/" + item.getReadValueId().getNodeId(), msg);
            }
        }
    }

    private NodeId resolve(OpcUaClient c, OpcUaNode n) {
        try {
            if (n.nodeId().startsWith("nsu=")) {
                return ExpandedNodeId.parse(n.nodeId()).toNodeIdOrThrow(c.getNamespaceTable());
            }
            return NodeId.parse(n.nodeId());
        } catch (Exception e) {
            String msg = "OPC UA node id cannot be resolved [connection=" + config.name() + ", node-id=" + n.nodeId()
                    + "]: " + Clients.reason(e) + ". Check the namespace URI against the server's namespace array.";
            stats.error(msg);
            warnings.warn("resolve/" + n.nodeId(), msg);
            return null;
        }
    }

    private void onValue(int index, DataValue dv, PointBatch batch) {
        long now = clock.millis() * 1000;
        long micros = Values.micros(dv.getSourceTime(), Values.micros(dv.getServerTime(), now));
        Signal signal = signals[index];
        synchronized (lastMicros) {
            if (micros <= lastMicros[index]) {
                duplicatesDropped.incrementAndGet();
                return;
            }
            lastMicros[index] = micros;
        }
        Quality quality = Values.quality(dv.getStatusCode());
        Object raw = dv.getValue() == null ? null : dv.getValue().getValue();
        if (raw == null) {
            if (quality == Quality.GOOD) {
                badInput(index, "null value with status Good");
            } else {
                batch.stale(signal, micros);
                stats.message();
            }
            return;
        }
        Value v = Values.toValue(raw);
        if (v == null) {
            badInput(index, "unsupported value type " + raw.getClass().getSimpleName()
                    + (raw.getClass().isArray() ? " (arrays are not stored)" : ""));
            return;
        }
        if (v.type() != signal.dataType()) {
            signal = model.addSignal(signal.machineId(), signal.name(), v.type(), signal.unit(), signal.description(), signal.source());
            signals[index] = signal;
        }
        stats.message();
        batch.add(signal, micros, v, quality, false);
    }

    private void handOver(PointBatch batch) {
        if (batch.isEmpty()) return;
        try {
            sink.accept(batch);
        } catch (RuntimeException e) {
            String msg = "OPC UA values not handed over [connection=" + config.name() + ", points=" + batch.size() + "]: " + e
                    + ". This is a bug in Lathe; please report it with this message.";
            stats.error(msg);
            warnings.warn("sink", msg);
        }
    }

    private void badInput(int index, String why) {
        String msg = "OPC UA value rejected [connection=" + config.name() + ", node-id=" + config.nodes().get(index).nodeId()
                + "]: " + why + ". Map a scalar variable instead.";
        stats.error(msg);
        warnings.warn("value/" + index, msg);
    }

    private void markAllStale() {
        long micros = clock.millis() * 1000;
        PointBatch batch = new PointBatch(signals.length);
        for (Signal s : signals) batch.stale(s, micros);
        handOver(batch);
    }
}
