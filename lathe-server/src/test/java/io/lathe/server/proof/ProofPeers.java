package io.lathe.server.proof;

import com.digitalpetri.modbus.exceptions.UnknownUnitIdException;
import com.digitalpetri.modbus.pdu.ReadInputRegistersRequest;
import com.digitalpetri.modbus.pdu.ReadInputRegistersResponse;
import com.digitalpetri.modbus.server.ModbusRequestContext;
import com.digitalpetri.modbus.server.ModbusServices;
import com.digitalpetri.modbus.server.ModbusTcpServer;
import com.digitalpetri.modbus.tcp.server.NettyTcpServerTransport;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.core.Reference;
import org.eclipse.milo.opcua.sdk.server.EndpointConfig;
import org.eclipse.milo.opcua.sdk.server.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.identity.AnonymousIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.items.DataItem;
import org.eclipse.milo.opcua.sdk.server.items.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.nodes.UaFolderNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.security.CertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.DefaultApplicationGroup;
import org.eclipse.milo.opcua.stack.core.security.DefaultCertificateManager;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateStore;
import org.eclipse.milo.opcua.stack.core.security.MemoryTrustListManager;
import org.eclipse.milo.opcua.stack.core.security.RsaSha256CertificateFactory;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.transport.TransportProfile;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;
import org.eclipse.tahu.message.SparkplugBPayloadDecoder;
import org.eclipse.tahu.message.SparkplugBPayloadEncoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.SparkplugBPayload;

/**
 * Real protocol peers that keep a record of what they sent, as oracles for the crash test: every value they produce
 * is unique and logged with its time, so a point missing from Lathe's store can be named exactly.
 */
final class ProofPeers {
    private ProofPeers() {}

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static boolean reachable(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static long micros(Instant i) {
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    /**
     * An Eclipse Milo server (security None, anonymous) at {@code opc.tcp://127.0.0.1:<port>/rig} with one Int64 variable
     * {@code nsu=urn:lathe:proof;s=Rig/Sequence} that takes the values 1, 2, 3, ... every {@code periodMillis}, each with
     * its own source timestamp (whole milliseconds). {@link #sent()} maps every source timestamp (µs) to its value.
     */
    static final class CountingOpcUaServer implements AutoCloseable {
        static final String NAMESPACE = "urn:lathe:proof";
        static final String NODE_ID = "nsu=" + NAMESPACE + ";s=Rig/Sequence";

        private final int port;
        private final OpcUaServer server;
        private final RigNamespace namespace;
        private final ScheduledExecutorService ticker;
        private final NavigableMap<Long, Long> sent = new ConcurrentSkipListMap<>();
        private long k;

        CountingOpcUaServer(long periodMillis) throws Exception {
            port = freePort();
            KeyPair keyPair = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
            X509Certificate certificate = new SelfSignedCertificateBuilder(keyPair).setCommonName("Lathe proof rig")
                    .setApplicationUri("urn:lathe:proof:server").addDnsName("localhost").addIpAddress("127.0.0.1").build();
            var certificates = new RsaSha256CertificateFactory() {
                @Override
                protected KeyPair createRsaSha256KeyPair() {
                    return keyPair;
                }

                @Override
                protected X509Certificate[] createRsaSha256CertificateChain(KeyPair kp) {
                    return new X509Certificate[] {certificate};
                }
            };
            var group = DefaultApplicationGroup.createAndInitialize(new MemoryTrustListManager(), new MemoryCertificateStore(),
                    certificates, new CertificateValidator.InsecureCertificateValidator());
            EndpointConfig endpoint = EndpointConfig.newBuilder().setBindAddress("127.0.0.1").setBindPort(port)
                    .setHostname("127.0.0.1").setPath("/rig").setCertificate(certificate)
                    .setTransportProfile(TransportProfile.TCP_UASC_UABINARY)
                    .addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS)
                    .setSecurityPolicy(SecurityPolicy.None).setSecurityMode(MessageSecurityMode.None).build();
            OpcUaServerConfig config = OpcUaServerConfig.builder().setApplicationUri("urn:lathe:proof:server")
                    .setApplicationName(LocalizedText.english("Lathe proof rig")).setProductUri("urn:lathe:proof")
                    .setEndpoints(Set.of(endpoint))
                    .setCertificateManager(new DefaultCertificateManager(new MemoryCertificateQuarantine(), group))
                    .setIdentityValidator(AnonymousIdentityValidator.INSTANCE).build();
            server = new OpcUaServer(config, profile -> new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build()));
            namespace = new RigNamespace(server);
            namespace.startup();
            server.startup().get(30, TimeUnit.SECONDS);
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "proof-opcua-ticker");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::tick, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        }

        String endpointUrl() {
            return "opc.tcp://127.0.0.1:" + port + "/rig";
        }

        /** Source timestamp (µs) → value, of every value the variable took. */
        NavigableMap<Long, Long> sent() {
            return sent;
        }

        private void tick() {
            Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
            long v = ++k;
            sent.put(micros(now), v);
            DateTime t = new DateTime(now);
            namespace.sequence.setValue(new DataValue(new Variant(v), StatusCode.GOOD, t, t));
        }

        @Override
        public void close() throws Exception {
            ticker.shutdownNow();
            namespace.shutdown();
            server.shutdown().get(10, TimeUnit.SECONDS);
        }

        private static final class RigNamespace extends ManagedNamespaceWithLifecycle {
            private final SubscriptionModel subscriptions;
            volatile UaVariableNode sequence;

            RigNamespace(OpcUaServer server) {
                super(server, NAMESPACE);
                subscriptions = new SubscriptionModel(server, this);
                getLifecycleManager().addLifecycle(subscriptions);
                getLifecycleManager().addStartupTask(this::addNodes);
            }

            private void addNodes() {
                UaFolderNode folder = new UaFolderNode(getNodeContext(), newNodeId("Rig"), newQualifiedName("Rig"), LocalizedText.english("Rig"));
                getNodeManager().addNode(folder);
                folder.addReference(new Reference(folder.getNodeId(), NodeIds.Organizes, NodeIds.ObjectsFolder.expanded(), false));
                UaVariableNode node = new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
                        .setNodeId(newNodeId("Rig/Sequence")).setAccessLevel(AccessLevel.READ_ONLY).setUserAccessLevel(AccessLevel.READ_ONLY)
                        .setBrowseName(newQualifiedName("Sequence")).setDisplayName(LocalizedText.english("Sequence"))
                        .setDataType(NodeIds.Int64).setTypeDefinition(NodeIds.BaseDataVariableType).build();
                DateTime t0 = DateTime.now();
                node.setValue(new DataValue(new Variant(0L), StatusCode.GOOD, t0, t0));
                getNodeManager().addNode(node);
                folder.addOrganizes(node);
                sequence = node;
            }

            @Override
            public void onDataItemsCreated(List<DataItem> items) {
                subscriptions.onDataItemsCreated(items);
            }

            @Override
            public void onDataItemsModified(List<DataItem> items) {
                subscriptions.onDataItemsModified(items);
            }

            @Override
            public void onDataItemsDeleted(List<DataItem> items) {
                subscriptions.onDataItemsDeleted(items);
            }

            @Override
            public void onMonitoringModeChanged(List<MonitoredItem> items) {
                subscriptions.onMonitoringModeChanged(items);
            }
        }
    }

    /**
     * A digitalpetri Modbus TCP server, unit 1, whose input registers 0-1 (uint32, big-endian) answer 1, 2, 3, ...: one
     * new value per read. {@link #answered()} maps each value to the time (µs) the server answered it, so every poll
     * Lathe completed is known, whether or not it reached the store.
     */
    static final class CountingModbusServer implements AutoCloseable {
        static final int UNIT_ID = 1;
        private final int port;
        private final ModbusTcpServer server;
        private final NavigableMap<Long, Long> answered = new ConcurrentSkipListMap<>();
        private long k;

        CountingModbusServer() throws Exception {
            port = freePort();
            var transport = NettyTcpServerTransport.create(c -> {
                c.setBindAddress("127.0.0.1");
                c.setPort(port);
            });
            server = ModbusTcpServer.create(transport, new ModbusServices() {
                @Override
                public ReadInputRegistersResponse readInputRegisters(ModbusRequestContext context, int unitId,
                                                                     ReadInputRegistersRequest request) throws UnknownUnitIdException {
                    if (unitId != UNIT_ID) throw new UnknownUnitIdException(unitId);
                    ByteBuffer b = ByteBuffer.allocate(request.quantity() * 2);
                    if (request.address() == 0 && request.quantity() >= 2) b.putInt(0, (int) next());
                    return new ReadInputRegistersResponse(b.array());
                }
            });
            server.start();
        }

        private synchronized long next() {
            long v = ++k;
            answered.put(v, micros(Instant.now()));
            return v;
        }

        int port() {
            return port;
        }

        /** Value → time (µs) the server answered it. */
        NavigableMap<Long, Long> answered() {
            return answered;
        }

        @Override
        public void close() throws Exception {
            server.stop();
        }
    }

    /**
     * A plain MQTT subscriber to {@code spBv1.0/<group>/#} that records every metric value of every NBIRTH, DBIRTH,
     * NDATA and DDATA (aliases resolved from the births) under Lathe's source reference
     * {@code sparkplug:<group>/<node>[/<device>]#<metric>}: what the edge nodes published, independent of Lathe.
     */
    static final class SparkplugRecorder implements AutoCloseable {
        private final Mqtt3AsyncClient client;
        private final String group;
        private final Map<String, Map<Long, String>> aliases = new HashMap<>();
        /** source → timestamp µs → value as text. */
        private final Map<String, NavigableMap<Long, String>> values = new ConcurrentHashMap<>();
        /** source → timestamp µs → when it arrived here, µs (first arrival). */
        private final Map<String, NavigableMap<Long, Long>> arrivals = new ConcurrentHashMap<>();
        private volatile int undecodable;

        SparkplugRecorder(String host, int port, String group) throws Exception {
            this.group = group;
            client = MqttClient.builder().useMqttVersion3().identifier("proof-recorder-" + UUID.randomUUID())
                    .serverHost(host).serverPort(port).buildAsync();
            client.publishes(MqttGlobalPublishFilter.ALL, p -> record(p.getTopic().toString(), p.getPayloadAsBytes()));
            client.connectWith().cleanSession(true).send().get(10, TimeUnit.SECONDS);
            client.subscribeWith().topicFilter("spBv1.0/" + group + "/#").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        }

        private synchronized void record(String topic, byte[] bytes) {
            String[] parts = topic.split("/");
            if (parts.length < 4) return;
            String type = parts[2];
            if (!type.equals("NBIRTH") && !type.equals("DBIRTH") && !type.equals("NDATA") && !type.equals("DDATA")) return;
            long arrived = micros(Instant.now());
            String scope = "sparkplug:" + group + "/" + parts[3] + (parts.length > 4 ? "/" + parts[4] : "");
            SparkplugBPayload payload;
            try {
                payload = new SparkplugBPayloadDecoder().buildFromByteArray(bytes, null);
            } catch (Exception e) {
                undecodable++;
                return;
            }
            if (type.equals("NBIRTH")) aliases.keySet().removeIf(k -> k.equals(scope) || k.startsWith(scope + "/"));
            Map<Long, String> names = aliases.computeIfAbsent(scope, k -> new HashMap<>());
            for (Metric m : payload.getMetrics()) {
                String name = m.hasName() ? m.getName() : m.hasAlias() ? names.get(m.getAlias()) : null;
                if (m.hasName() && m.hasAlias()) names.put(m.getAlias(), m.getName());
                if (name == null || name.equals("bdSeq") || name.startsWith("Node Control/")) continue;
                Date ts = m.getTimestamp() != null ? m.getTimestamp() : payload.getTimestamp();
                if (ts == null) continue;
                values.computeIfAbsent(scope + "#" + name, k -> new ConcurrentSkipListMap<>())
                        .put(ts.getTime() * 1000L, String.valueOf(m.getValue()));
                arrivals.computeIfAbsent(scope + "#" + name, k -> new ConcurrentSkipListMap<>())
                        .putIfAbsent(ts.getTime() * 1000L, arrived);
            }
        }

        /** Source reference → timestamp µs → value text; a snapshot. */
        synchronized Map<String, NavigableMap<Long, String>> values() {
            Map<String, NavigableMap<Long, String>> copy = new HashMap<>();
            values.forEach((k, v) -> copy.put(k, new TreeMap<>(v)));
            return copy;
        }

        /**
         * Asks an edge node for a rebirth (NCMD Node Control/Rebirth = true): its NBIRTH and DBIRTHs then carry every
         * current value, which this recorder may have missed when it subscribed after the edge node's births.
         */
        void requestRebirth(String edgeNode) throws Exception {
            SparkplugBPayload p = new SparkplugBPayload(new Date(), List.of(
                    new Metric.MetricBuilder("Node Control/Rebirth", MetricDataType.Boolean, true).createMetric()));
            client.publishWith().topic("spBv1.0/" + group + "/NCMD/" + edgeNode).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(new SparkplugBPayloadEncoder().getBytes(p, false)).send().get(10, TimeUnit.SECONDS);
        }

        /** Source reference → timestamp µs → arrival µs; a snapshot. */
        synchronized Map<String, NavigableMap<Long, Long>> arrivals() {
            Map<String, NavigableMap<Long, Long>> copy = new HashMap<>();
            arrivals.forEach((k, v) -> copy.put(k, new TreeMap<>(v)));
            return copy;
        }

        int undecodable() {
            return undecodable;
        }

        /** Number of values recorded so far, over all metrics. */
        synchronized int size() {
            int n = 0;
            for (NavigableMap<Long, String> v : values.values()) n += v.size();
            return n;
        }

        @Override
        public void close() throws Exception {
            // The broker may be gone already (the demo's embedded broker dies with the killed server).
            try {
                client.disconnect().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                // not connected any more
            }
        }
    }
}
