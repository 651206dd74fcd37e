package io.lathe.opcua;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.core.Reference;
import org.eclipse.milo.opcua.sdk.server.EndpointConfig;
import org.eclipse.milo.opcua.sdk.server.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.identity.AnonymousIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.CompositeValidator;
import org.eclipse.milo.opcua.sdk.server.identity.UsernameIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.items.DataItem;
import org.eclipse.milo.opcua.sdk.server.items.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.nodes.UaFolderNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.security.DefaultApplicationGroup;
import org.eclipse.milo.opcua.stack.core.security.DefaultCertificateManager;
import org.eclipse.milo.opcua.stack.core.security.DefaultServerCertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateStore;
import org.eclipse.milo.opcua.stack.core.security.MemoryTrustListManager;
import org.eclipse.milo.opcua.stack.core.security.RsaSha256CertificateFactory;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.transport.TransportProfile;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;

/**
 * An in-process Milo OPC UA server for tests, on a free port of 127.0.0.1, path {@code /lathe}: endpoints None and
 * Basic256Sha256/SignAndEncrypt, anonymous and user {@link #USER}/{@link #PASSWORD}. Namespace {@link #NAMESPACE} has
 * folder {@code Machine} with {@code Counter} (Int64, +1 every 20 ms, continuing across restarts), {@code Temperature}
 * (Double), {@code Running} (Boolean), {@code Mode} (String), {@code Uncertain} (Double with status Uncertain) and
 * {@code Array} (Int32[]). {@link #restart()} stops the server and starts a new one on the same port with the same
 * certificate, as a restarted PLC would. Reusable for the demo's OPC UA machine.
 */
public final class TestOpcUaServer implements AutoCloseable {
    public static final String NAMESPACE = "urn:lathe:test";
    public static final String USER = "operator";
    public static final String PASSWORD = "secret";

    private final int port;
    private final KeyPair keyPair;
    private final X509Certificate certificate;
    private final MemoryTrustListManager trust = new MemoryTrustListManager();
    private final AtomicLong counter = new AtomicLong();
    /** Values that do not change keep this source timestamp across restarts, as a PLC's retained values would. */
    private final DateTime created = DateTime.now();
    private volatile OpcUaServer server;
    private volatile TestNamespace namespace;
    private ScheduledExecutorService ticker;

    public TestOpcUaServer() throws Exception {
        port = freePort();
        keyPair = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
        certificate = new SelfSignedCertificateBuilder(keyPair)
                .setCommonName("Lathe test server")
                .setApplicationUri("urn:lathe:test:server")
                .addDnsName("localhost")
                .addIpAddress("127.0.0.1")
                .build();
    }

    public String endpointUrl() {
        return "opc.tcp://127.0.0.1:" + port + "/lathe";
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Trusts a client certificate for Basic256Sha256 connections. */
    public void trustClient(X509Certificate clientCertificate) {
        trust.addTrustedCertificate(clientCertificate);
    }

    public long counter() {
        return counter.get();
    }

    public synchronized TestOpcUaServer start() throws Exception {
        var factory = new RsaSha256CertificateFactory() {
            @Override
            protected KeyPair createRsaSha256KeyPair() {
                return keyPair;
            }

            @Override
            protected X509Certificate[] createRsaSha256CertificateChain(KeyPair kp) {
                return new X509Certificate[] {certificate};
            }
        };
        var quarantine = new MemoryCertificateQuarantine();
        var group = DefaultApplicationGroup.createAndInitialize(trust, new MemoryCertificateStore(), factory,
                new DefaultServerCertificateValidator(trust, quarantine));
        EndpointConfig.Builder base = EndpointConfig.newBuilder()
                .setBindAddress("127.0.0.1")
                .setBindPort(port)
                .setHostname("127.0.0.1")
                .setPath("/lathe")
                .setCertificate(certificate)
                .setTransportProfile(TransportProfile.TCP_UASC_UABINARY)
                .addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS, OpcUaServerConfig.USER_TOKEN_POLICY_USERNAME);
        OpcUaServerConfig config = OpcUaServerConfig.builder()
                .setApplicationUri("urn:lathe:test:server")
                .setApplicationName(LocalizedText.english("Lathe test server"))
                .setProductUri("urn:lathe:test")
                .setEndpoints(Set.of(
                        base.copy().setSecurityPolicy(SecurityPolicy.None).setSecurityMode(MessageSecurityMode.None).build(),
                        base.copy().setSecurityPolicy(SecurityPolicy.Basic256Sha256)
                                .setSecurityMode(MessageSecurityMode.SignAndEncrypt).build()))
                .setCertificateManager(new DefaultCertificateManager(quarantine, group))
                .setIdentityValidator(new CompositeValidator(AnonymousIdentityValidator.INSTANCE,
                        new UsernameIdentityValidator(c -> USER.equals(c.getUsername()) && PASSWORD.equals(c.getPassword()))))
                .build();
        OpcUaServer s = new OpcUaServer(config, profile -> new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build()));
        TestNamespace ns = new TestNamespace(s, created);
        ns.startup();
        s.startup().get(30, TimeUnit.SECONDS);
        server = s;
        namespace = ns;
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "test-opcua-ticker");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(this::tick, 20, 20, TimeUnit.MILLISECONDS);
        return this;
    }

    public synchronized void stop() throws Exception {
        if (ticker != null) ticker.shutdownNow();
        ticker = null;
        if (namespace != null) namespace.shutdown();
        if (server != null) server.shutdown().get(30, TimeUnit.SECONDS);
        server = null;
        namespace = null;
    }

    /** Stops the server and starts a fresh one (no sessions, no subscriptions) on the same port. */
    public void restart() throws Exception {
        stop();
        start();
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    private void tick() {
        TestNamespace ns = namespace;
        if (ns == null) return;
        long n = counter.incrementAndGet();
        DateTime now = DateTime.now();
        ns.counter.setValue(new DataValue(new Variant(n), StatusCode.GOOD, now, now));
        ns.temperature.setValue(new DataValue(new Variant(20.0 + (n % 100) / 10.0), StatusCode.GOOD, now, now));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static final class TestNamespace extends ManagedNamespaceWithLifecycle {
        private final SubscriptionModel subscriptions;
        UaVariableNode counter;
        UaVariableNode temperature;

        private final DateTime now;

        TestNamespace(OpcUaServer server, DateTime created) {
            super(server, NAMESPACE);
            this.now = created;
            subscriptions = new SubscriptionModel(server, this);
            getLifecycleManager().addLifecycle(subscriptions);
            getLifecycleManager().addStartupTask(this::addNodes);
        }

        private void addNodes() {
            UaFolderNode folder = new UaFolderNode(getNodeContext(), newNodeId("Machine"), newQualifiedName("Machine"),
                    LocalizedText.english("Machine"));
            getNodeManager().addNode(folder);
            folder.addReference(new Reference(folder.getNodeId(), NodeIds.Organizes, NodeIds.ObjectsFolder.expanded(), false));
            counter = variable(folder, "Counter", NodeIds.Int64, new DataValue(new Variant(0L), StatusCode.GOOD, now, now));
            temperature = variable(folder, "Temperature", NodeIds.Double, new DataValue(new Variant(20.0), StatusCode.GOOD, now, now));
            variable(folder, "Running", NodeIds.Boolean, new DataValue(new Variant(true), StatusCode.GOOD, now, now));
            variable(folder, "Mode", NodeIds.String, new DataValue(new Variant("AUTO"), StatusCode.GOOD, now, now));
            variable(folder, "Uncertain", NodeIds.Double, new DataValue(new Variant(1.5), StatusCode.UNCERTAIN, now, now));
            variable(folder, "Array", NodeIds.Int32, new DataValue(new Variant(new Integer[] {1, 2, 3}), StatusCode.GOOD, now, now));
        }

        private UaVariableNode variable(UaFolderNode folder, String name, NodeId type, DataValue value) {
            UaVariableNode node = new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
                    .setNodeId(newNodeId("Machine/" + name))
                    .setAccessLevel(AccessLevel.READ_WRITE)
                    .setUserAccessLevel(AccessLevel.READ_WRITE)
                    .setBrowseName(newQualifiedName(name))
                    .setDisplayName(LocalizedText.english(name))
                    .setDataType(type)
                    .setTypeDefinition(NodeIds.BaseDataVariableType)
                    .build();
            node.setValue(value);
            getNodeManager().addNode(node);
            folder.addOrganizes(node);
            return node;
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
