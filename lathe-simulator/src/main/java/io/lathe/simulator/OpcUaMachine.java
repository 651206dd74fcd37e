package io.lathe.simulator;

import io.lathe.simulator.internal.FreePort;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
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
import org.eclipse.milo.opcua.sdk.server.identity.CompositeValidator;
import org.eclipse.milo.opcua.sdk.server.identity.UsernameIdentityValidator;
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
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CNC lathe served over OPC UA, as a controller with a built-in OPC UA server would be: an Eclipse Milo server on
 * {@code opc.tcp://host:port/lathe} with two endpoints, security None and Basic256Sha256/SignAndEncrypt (a
 * self-signed certificate made at start, {@link #certificate()}), for anonymous users and for {@link #USER} /
 * {@link #PASSWORD}. Being a demo it accepts every client certificate: never use it as a pattern for a real server.
 * Namespace {@link #NAMESPACE} holds the object
 * {@code CNC} with the variables {@code State} (String), {@code ReasonCode} (Int32), {@code GoodCount} and
 * {@code RejectCount} (Int64), {@code CycleTime}, {@code SpindleSpeed}, {@code Temperature}, {@code Power} and
 * {@code Energy} (Double); their NodeIds are {@code ns=<index of NAMESPACE>;s=CNC/<name>}.
 *
 * <p>Values come from its own {@link FactorySimulation} (one line of one CNC lathe, the given seed), stepped once per
 * real second and {@code speed} times faster than {@code clock}; source timestamps are simulated time.
 * Lifecycle: {@link #start} binds and starts stepping, {@link #close()} stops. Thread-safe.
 */
public final class OpcUaMachine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpcUaMachine.class);
    public static final String NAMESPACE = "urn:lathe:demo:cnc";
    public static final String PATH = "/lathe";
    public static final String APPLICATION_URI = "urn:lathe:demo:cnc:server";
    public static final String USER = "operator";
    public static final String PASSWORD = "lathe-demo";
    /** The variables in the order they are created, with their browse names. */
    public static final List<String> VARIABLES = List.of("State", "ReasonCode", "GoodCount", "RejectCount", "CycleTime",
            "SpindleSpeed", "Temperature", "Power", "Energy");

    private final String host;
    private final int port;
    private final OpcUaServer server;
    private final MachineNamespace namespace;
    private final FactorySimulation sim;
    private final InstantSource clock;
    private final double speed;
    private final ScheduledExecutorService ticker;
    private final Instant realStart;
    private final Instant simStart;
    private final X509Certificate certificate;

    private OpcUaMachine(String host, int port, long seed, double speed, InstantSource clock) throws Exception {
        this.host = host;
        this.port = port;
        this.clock = clock;
        this.speed = speed;
        this.sim = new FactorySimulation("Assembly", 1, 1, seed, clock.instant());
        this.realStart = clock.instant();
        this.simStart = sim.now();
        KeyPair keyPair = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
        certificate = new SelfSignedCertificateBuilder(keyPair)
                .setCommonName("Lathe demo CNC lathe")
                .setApplicationUri(APPLICATION_URI)
                .addDnsName("localhost")
                .addIpAddress(host)
                .build();
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
        var quarantine = new MemoryCertificateQuarantine();
        var group = DefaultApplicationGroup.createAndInitialize(new MemoryTrustListManager(), new MemoryCertificateStore(),
                certificates, new CertificateValidator.InsecureCertificateValidator());
        EndpointConfig.Builder base = EndpointConfig.newBuilder()
                .setBindAddress(host)
                .setBindPort(port)
                .setHostname(host)
                .setPath(PATH)
                .setCertificate(certificate)
                .setTransportProfile(TransportProfile.TCP_UASC_UABINARY)
                .addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS, OpcUaServerConfig.USER_TOKEN_POLICY_USERNAME);
        OpcUaServerConfig config = OpcUaServerConfig.builder()
                .setApplicationUri(APPLICATION_URI)
                .setApplicationName(LocalizedText.english("Lathe demo CNC lathe"))
                .setProductUri("urn:lathe:demo")
                .setEndpoints(Set.of(
                        base.copy().setSecurityPolicy(SecurityPolicy.None).setSecurityMode(MessageSecurityMode.None).build(),
                        base.copy().setSecurityPolicy(SecurityPolicy.Basic256Sha256)
                                .setSecurityMode(MessageSecurityMode.SignAndEncrypt).build()))
                .setCertificateManager(new DefaultCertificateManager(quarantine, group))
                .setIdentityValidator(new CompositeValidator(AnonymousIdentityValidator.INSTANCE,
                        new UsernameIdentityValidator(c -> USER.equals(c.getUsername()) && PASSWORD.equals(c.getPassword()))))
                .build();
        server = new OpcUaServer(config, profile -> new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build()));
        namespace = new MachineNamespace(server, new DateTime(sim.now()), sim.machine(0, 0));
        namespace.startup();
        server.startup().get(30, TimeUnit.SECONDS);
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lathe-opcua-machine");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(this::step, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Starts the server and the simulation.
     *
     * @param host  address to bind and to announce in the endpoint, for example {@code 127.0.0.1}
     * @param port  TCP port; 0 picks a free one
     * @param seed  simulation seed
     * @param speed simulated seconds per real second, in (0, 10000]
     * @throws Exception when the server cannot bind or start
     */
    public static OpcUaMachine start(String host, int port, long seed, double speed, InstantSource clock) throws Exception {
        if (!(speed > 0 && speed <= 10_000)) throw new IllegalArgumentException("speed must be in (0, 10000], but was " + speed);
        int p = port == 0 ? FreePort.find(host) : port;
        OpcUaMachine m = new OpcUaMachine(host, p, seed, speed, clock);
        LOG.info("Demo OPC UA machine started [endpoint={}, namespace={}]", m.endpointUrl(), NAMESPACE);
        return m;
    }

    public String endpointUrl() {
        return "opc.tcp://" + host + ":" + port + PATH;
    }

    public int port() {
        return port;
    }

    /** The server's self-signed application instance certificate, for a client's trust list. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** The NodeId text of a variable in {@link #VARIABLES}, with the namespace URI: {@code nsu=urn:lathe:demo:cnc;s=CNC/State}. */
    public static String nodeId(String variable) {
        return "nsu=" + NAMESPACE + ";s=CNC/" + variable;
    }

    /** The NodeId text of a variable with this server's namespace index, for example {@code ns=2;s=CNC/State}. */
    public String indexedNodeId(String variable) {
        return "ns=" + server.getNamespaceTable().getIndex(NAMESPACE) + ";s=CNC/" + variable;
    }

    private void step() {
        try {
            Duration real = Duration.between(realStart, clock.instant());
            sim.advanceTo(simStart.plusNanos((long) (real.toNanos() * speed)));
            namespace.update(new DateTime(sim.now()), sim.machine(0, 0));
        } catch (RuntimeException e) {
            LOG.warn("Demo OPC UA machine step failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            namespace.shutdown();
            server.shutdown().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("Demo OPC UA machine did not stop cleanly: {}", e.toString());
        }
    }

    private static final class MachineNamespace extends ManagedNamespaceWithLifecycle {
        private final SubscriptionModel subscriptions;
        private final UaVariableNode[] nodes = new UaVariableNode[VARIABLES.size()];
        private final DateTime t0;
        private final MachineSnapshot first;

        MachineNamespace(OpcUaServer server, DateTime t0, MachineSnapshot first) {
            super(server, NAMESPACE);
            this.t0 = t0;
            this.first = first;
            subscriptions = new SubscriptionModel(server, this);
            getLifecycleManager().addLifecycle(subscriptions);
            getLifecycleManager().addStartupTask(this::addNodes);
        }

        private void addNodes() {
            UaFolderNode folder = new UaFolderNode(getNodeContext(), newNodeId("CNC"), newQualifiedName("CNC"),
                    LocalizedText.english("CNC"));
            getNodeManager().addNode(folder);
            folder.addReference(new Reference(folder.getNodeId(), NodeIds.Organizes, NodeIds.ObjectsFolder.expanded(), false));
            Object[] v = values(first);
            for (int i = 0; i < nodes.length; i++) {
                String name = VARIABLES.get(i);
                NodeId type = v[i] instanceof String ? NodeIds.String : v[i] instanceof Integer ? NodeIds.Int32
                        : v[i] instanceof Long ? NodeIds.Int64 : NodeIds.Double;
                UaVariableNode node = new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
                        .setNodeId(newNodeId("CNC/" + name))
                        .setAccessLevel(AccessLevel.READ_ONLY)
                        .setUserAccessLevel(AccessLevel.READ_ONLY)
                        .setBrowseName(newQualifiedName(name))
                        .setDisplayName(LocalizedText.english(name))
                        .setDataType(type)
                        .setTypeDefinition(NodeIds.BaseDataVariableType)
                        .build();
                node.setValue(new DataValue(new Variant(v[i]), StatusCode.GOOD, t0, DateTime.now()));
                getNodeManager().addNode(node);
                folder.addOrganizes(node);
                nodes[i] = node;
            }
        }

        void update(DateTime t, MachineSnapshot s) {
            Object[] v = values(s);
            for (int i = 0; i < nodes.length; i++) {
                UaVariableNode n = nodes[i];
                if (n == null) continue;
                Object old = n.getValue().value().value();
                if (!v[i].equals(old)) n.setValue(new DataValue(new Variant(v[i]), StatusCode.GOOD, t, DateTime.now()));
            }
        }

        private static Object[] values(MachineSnapshot s) {
            return new Object[] {s.state().label(), s.reason().code(), s.goodCount(), s.rejectCount(), s.cycleTime(),
                    s.spindleSpeed(), s.temperature(), s.power(), s.energy()};
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
