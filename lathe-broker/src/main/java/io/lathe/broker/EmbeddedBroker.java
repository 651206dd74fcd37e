package io.lathe.broker;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import io.lathe.broker.internal.AccessExtension;
import io.lathe.broker.internal.OwnerOnly;
import io.lathe.broker.internal.TlsMaterial;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MQTT broker (HiveMQ Community Edition) running inside this JVM, with in-memory persistence: Lathe keeps its own
 * durable store, and Sparkplug data is QoS 0, so the broker needs no disk state.
 *
 * <p>Access control ({@link BrokerAccess}) and the limits ({@link BrokerLimits}) run as an embedded HiveMQ extension.
 * Lathe's own clients connect with {@link #internalCredential()}, generated at each start and never written anywhere.
 * An optional TLS listener ({@link BrokerTls}) runs beside the plain one.
 *
 * <p>HiveMQ's own logging bootstrap is switched off, so it logs through whatever SLF4J backend the application uses
 * and never reconfigures it; with slf4j-simple, {@code com.hivemq} is set to WARN unless configured otherwise.
 *
 * <p>Thread-safe: {@link #close()} may be called from any thread, more than once.
 */
public final class EmbeddedBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    private static final long START_TIMEOUT_SECONDS = 30;
    private static final long STOP_TIMEOUT_SECONDS = 30;

    private static final String TLS_KEY_STORE = "lathe-tls.p12";

    private final EmbeddedHiveMQ hivemq;
    private final String bindAddress;
    private final int port;
    private final boolean fellBack;
    private final Path tempDir;
    private final AccessExtension access;
    private final BrokerCredential internalCredential;
    private final String tlsBindAddress;
    private final int tlsPort;
    private boolean closed;

    private EmbeddedBroker(EmbeddedHiveMQ hivemq, String bindAddress, int port, boolean fellBack, Path tempDir, AccessExtension access,
                           BrokerCredential internalCredential, String tlsBindAddress, int tlsPort) {
        this.hivemq = hivemq;
        this.bindAddress = bindAddress;
        this.port = port;
        this.fellBack = fellBack;
        this.tempDir = tempDir;
        this.access = access;
        this.internalCredential = internalCredential;
        this.tlsBindAddress = tlsBindAddress;
        this.tlsPort = tlsPort;
    }

    /**
     * Starts the broker and blocks until it listens (at most about 30 s).
     *
     * @throws BrokerPortInUseException when the port (plain or TLS) is taken and {@code fallbackToFreePort} is false
     * @throws IllegalArgumentException when the TLS key or certificate cannot be used; the message names the file
     * @throws IllegalStateException    when the broker does not start in time or does not listen after start; nothing
     *                                  is left running
     * @throws UncheckedIOException     when the data folder cannot be prepared
     */
    public static EmbeddedBroker start(BrokerSettings s) throws BrokerPortInUseException {
        quietHiveMqLoggingForSimpleLogger();
        TlsMaterial.KeyAndChain tlsMaterial = s.tls() == null ? null : TlsMaterial.load(s.tls());
        int port = s.port();
        boolean fellBack = false;
        if (port == 0) {
            port = freePort(s.bindAddress());
        } else if (!portFree(s.bindAddress(), port)) {
            if (!s.fallbackToFreePort()) throw new BrokerPortInUseException(s.bindAddress(), port);
            int requested = port;
            port = freePort(s.bindAddress());
            fellBack = true;
            LOG.warn("embedded MQTT broker port taken [address={}, port={}]: listening on free port {} instead", s.bindAddress(), requested, port);
        }
        int tlsPort = -1;
        if (s.tls() != null) {
            String tlsAddress = s.tls().bindAddress();
            tlsPort = s.tls().port();
            if (tlsPort == 0 || (tlsPort == port && sameAddressSpace(tlsAddress, s.bindAddress()))) {
                tlsPort = freeTlsPort(tlsAddress, port);
            } else if (!portFree(tlsAddress, tlsPort)) {
                if (!s.fallbackToFreePort()) throw new BrokerPortInUseException(tlsAddress, tlsPort);
                int requested = tlsPort;
                tlsPort = freeTlsPort(tlsAddress, port);
                fellBack = true;
                LOG.warn("embedded MQTT broker TLS port taken [address={}, port={}]: listening on free port {} instead", tlsAddress, requested, tlsPort);
            }
        }
        BrokerCredential internalCredential = new BrokerCredential(BrokerIdentity.INTERNAL_USERNAME, AccessExtension.randomToken());
        AccessExtension access = new AccessExtension(s.access(), s.limits(), internalCredential);

        Path tempDir = null;
        Path base;
        try {
            if (s.dataDir() == null) {
                tempDir = Files.createTempDirectory("lathe-broker-");
                base = tempDir;
            } else {
                base = s.dataDir();
            }
            // HiveMQ hangs on start when the data folder is missing ("Could not open data lock file"): create all three first.
            Path conf = Files.createDirectories(base.resolve("conf"));
            Path data = Files.createDirectories(base.resolve("data"));
            Path extensions = Files.createDirectories(base.resolve("extensions"));
            String tlsListener = "";
            if (tlsMaterial != null) {
                // HiveMQ reads its key store password from config.xml: a fresh random one, and both files owner-only.
                String storePassword = AccessExtension.randomToken();
                Path store = conf.resolve(TLS_KEY_STORE);
                TlsMaterial.writePkcs12(tlsMaterial, store, storePassword.toCharArray());
                tlsListener = tlsListenerXml(s.tls().bindAddress(), tlsPort, store, storePassword);
            }
            Path configFile = conf.resolve("config.xml");
            Files.deleteIfExists(configFile);
            Files.createFile(configFile);
            OwnerOnly.restrict(configFile);
            Files.writeString(configFile, configXml(s.bindAddress(), port, s.limits(), tlsListener));

            EmbeddedExtension extension = EmbeddedExtension.builder()
                    .withId("lathe-access-control")
                    .withName("Lathe access control")
                    .withVersion("1")
                    .withAuthor("Lathe")
                    .withPriority(1000)
                    .withStartPriority(1000)
                    .withExtensionMain(access)
                    .build();
            EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                    .withConfigurationFolder(conf)
                    .withDataFolder(data)
                    .withExtensionsFolder(extensions)
                    .withEmbeddedExtension(extension)
                    .withoutLoggingBootstrap()
                    .build();
            EmbeddedBroker broker = new EmbeddedBroker(hivemq, s.bindAddress(), port, fellBack, tempDir, access, internalCredential,
                    s.tls() == null ? null : s.tls().bindAddress(), tlsPort);
            try {
                hivemq.start().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                broker.close();
                throw new IllegalStateException("embedded MQTT broker did not start [address=" + s.bindAddress() + ", port=" + port
                        + ", dataDir=" + base + "]: no answer within " + START_TIMEOUT_SECONDS + " s. Check that the data folder is writable and see the log above.", e);
            } catch (ExecutionException e) {
                broker.close();
                throw new IllegalStateException("embedded MQTT broker failed to start [address=" + s.bindAddress() + ", port=" + port
                        + ", dataDir=" + base + "]: " + e.getCause() + ". See the log above.", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                broker.close();
                throw new IllegalStateException("embedded MQTT broker start interrupted [port=" + port + "]", e);
            }
            if (!listening(connectAddress(s.bindAddress()), port) || (tlsPort > 0 && !listening(connectAddress(s.tls().bindAddress()), tlsPort))) {
                broker.close();
                throw new IllegalStateException("embedded MQTT broker started but does not listen [address=" + s.bindAddress() + ", port=" + port
                        + (tlsPort > 0 ? ", tlsPort=" + tlsPort : "") + "]: another process probably took the port meanwhile. Start again or choose another port.");
            }
            LOG.info("embedded MQTT broker listening on {}{} [access={}, maxPacketBytes={}]", broker.url(),
                    broker.tlsUrl() == null ? "" : " and " + broker.tlsUrl(), describe(s.access()), s.limits().maxPacketBytes());
            return broker;
        } catch (IOException e) {
            access.close();
            if (tempDir != null) deleteRecursively(tempDir);
            throw new UncheckedIOException("embedded MQTT broker cannot prepare its folders [dataDir=" + s.dataDir() + "]: " + e.getMessage()
                    + ". Check that the folder is writable.", e);
        }
    }

    /** The port the broker listens on; differs from the requested one when it {@link #fellBack()} or 0 was asked for. */
    public int port() {
        return port;
    }

    /** True when the requested port was taken and a free one is used instead. */
    public boolean fellBack() {
        return fellBack;
    }

    /** {@code tcp://<address>:<port>}, with 127.0.0.1 when listening on all interfaces. */
    public String url() {
        return "tcp://" + hostForUrl(connectAddress(bindAddress)) + ":" + port;
    }

    /** The TLS listener's port, or -1 without TLS listener. */
    public int tlsPort() {
        return tlsPort;
    }

    /** {@code ssl://<address>:<port>} of the TLS listener (127.0.0.1 when on all interfaces), or null without one. */
    public String tlsUrl() {
        return tlsPort < 0 ? null : "ssl://" + hostForUrl(connectAddress(tlsBindAddress)) + ":" + tlsPort;
    }

    /**
     * User name and password for Lathe's own connections (its Sparkplug host, its MQTT JSON connections to this broker,
     * the demo's simulator): every right, any client id, no retained limits. Random for each start, kept only in
     * memory; {@code toString} masks the password. With open access it is accepted like any credential.
     */
    public BrokerCredential internalCredential() {
        return internalCredential;
    }

    /** How often {@code c} happened since start. */
    public long count(BrokerCounter c) {
        return access.count(c);
    }

    /** Retained messages stored for clients other than Lathe's own, as counted against the limits. */
    public int retainedMessages() {
        return access.retainedMessages();
    }

    /** Bytes (payloads plus topic names) of {@link #retainedMessages()}. */
    public long retainedBytes() {
        return access.retainedBytes();
    }

    /**
     * Publishes every {@link BrokerCounter} as a Micrometer counter ({@code lathe.broker.connects.refused},
     * {@code lathe.broker.publishes.denied}, {@code lathe.broker.subscriptions.denied},
     * {@code lathe.broker.packets.too-large}, {@code lathe.broker.retained.dropped}, each tagged {@code reason}) and
     * the gauges {@code lathe.broker.retained.messages} and {@code lathe.broker.retained.bytes}.
     */
    public void bindTo(MeterRegistry registry) {
        for (BrokerCounter c : BrokerCounter.values()) {
            FunctionCounter.builder(c.meter(), this, b -> b.count(c)).tag("reason", c.reason())
                    .description("Embedded MQTT broker: " + c.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')).register(registry);
        }
        Gauge.builder("lathe.broker.retained.messages", this, EmbeddedBroker::retainedMessages)
                .description("Retained messages stored for clients other than Lathe's own").register(registry);
        Gauge.builder("lathe.broker.retained.bytes", this, EmbeddedBroker::retainedBytes).baseUnit("bytes")
                .description("Bytes of retained messages stored for clients other than Lathe's own").register(registry);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            hivemq.stop().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            hivemq.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("embedded MQTT broker did not stop cleanly [port={}]: {}", port, e.toString());
        } finally {
            access.close();
            if (tempDir != null) deleteRecursively(tempDir);
        }
    }

    static String configXml(String bindAddress, int port, BrokerLimits limits, String extraListeners) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <hivemq>
                  <listeners>
                    <tcp-listener>
                      <port>%d</port>
                      <bind-address>%s</bind-address>
                    </tcp-listener>
                %s  </listeners>
                  <mqtt>
                    <packets>
                      <max-packet-size>%d</max-packet-size>
                    </packets>
                  </mqtt>
                  <restrictions>
                    <max-topic-length>%d</max-topic-length>
                  </restrictions>
                  <persistence>
                    <mode>in-memory</mode>
                  </persistence>
                  <anonymous-usage-statistics>
                    <enabled>false</enabled>
                  </anonymous-usage-statistics>
                </hivemq>
                """.formatted(port, xmlEscape(bindAddress), extraListeners, limits.maxPacketBytes(), limits.maxTopicLength());
    }

    static String tlsListenerXml(String bindAddress, int port, Path keyStore, String password) {
        return """
                    <tls-tcp-listener>
                      <port>%d</port>
                      <bind-address>%s</bind-address>
                      <tls>
                        <keystore>
                          <path>%s</path>
                          <password>%s</password>
                          <private-key-password>%s</private-key-password>
                        </keystore>
                        <protocols>
                          <protocol>TLSv1.3</protocol>
                          <protocol>TLSv1.2</protocol>
                        </protocols>
                        <client-authentication-mode>NONE</client-authentication-mode>
                      </tls>
                    </tls-tcp-listener>
                """.formatted(port, xmlEscape(bindAddress), xmlEscape(keyStore.toAbsolutePath().toString()), xmlEscape(password), xmlEscape(password));
    }

    private static String describe(BrokerAccess a) {
        return switch (a) {
            case BrokerAccess.Open o -> "open (no authentication)";
            case BrokerAccess.Controlled c -> c.identities().size() + " identities, anonymous " + (c.anonymous() == null ? "refused" : "allowed");
        };
    }

    private static boolean sameAddressSpace(String a, String b) {
        return a.equals(b) || connectAddress(a).equals(connectAddress(b));
    }

    /** A free port for the TLS listener other than the plain listener's {@code taken}. */
    private static int freeTlsPort(String bindAddress, int taken) {
        int p;
        do {
            p = freePort(bindAddress);
        } while (p == taken);
        return p;
    }

    private static String xmlEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String connectAddress(String bindAddress) {
        return switch (bindAddress) {
            case "0.0.0.0", "::", "[::]" -> "127.0.0.1";
            default -> bindAddress;
        };
    }

    private static String hostForUrl(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static boolean portFree(String bindAddress, int port) {
        try (ServerSocket ss = new ServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort(String bindAddress) {
        try (ServerSocket ss = new ServerSocket()) {
            ss.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), 0));
            return ss.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded MQTT broker finds no free port [address=" + bindAddress + "]: " + e.getMessage()
                    + ". Check the bind address.", e);
        }
    }

    private static boolean listening(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** slf4j-simple reads per-logger levels from system properties when each logger is created; HiveMQ is chatty at INFO. */
    private static void quietHiveMqLoggingForSimpleLogger() {
        String key = "org.slf4j.simpleLogger.log.com.hivemq";
        if (System.getProperty(key) == null) System.setProperty(key, "warn");
        String migrations = "org.slf4j.simpleLogger.log.migrations";
        if (System.getProperty(migrations) == null) System.setProperty(migrations, "warn");
        String oshi = "org.slf4j.simpleLogger.log.oshi";
        if (System.getProperty(oshi) == null) System.setProperty(oshi, "warn");
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // Best effort: a leftover temporary folder is harmless.
                }
            });
        } catch (IOException ignored) {
            // Best effort, as above.
        }
    }
}
