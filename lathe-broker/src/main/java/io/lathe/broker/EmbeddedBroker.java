package io.lathe.broker;

import com.hivemq.embedded.EmbeddedHiveMQ;
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
 * <p>HiveMQ's own logging bootstrap is switched off, so it logs through whatever SLF4J backend the application uses
 * and never reconfigures it; with slf4j-simple, {@code com.hivemq} is set to WARN unless configured otherwise.
 *
 * <p>Thread-safe: {@link #close()} may be called from any thread, more than once.
 */
public final class EmbeddedBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    private static final long START_TIMEOUT_SECONDS = 30;
    private static final long STOP_TIMEOUT_SECONDS = 30;

    private final EmbeddedHiveMQ hivemq;
    private final String bindAddress;
    private final int port;
    private final boolean fellBack;
    private final Path tempDir;
    private boolean closed;

    private EmbeddedBroker(EmbeddedHiveMQ hivemq, String bindAddress, int port, boolean fellBack, Path tempDir) {
        this.hivemq = hivemq;
        this.bindAddress = bindAddress;
        this.port = port;
        this.fellBack = fellBack;
        this.tempDir = tempDir;
    }

    /**
     * Starts the broker and blocks until it listens (at most about 30 s).
     *
     * @throws BrokerPortInUseException when the port is taken and {@code fallbackToFreePort} is false
     * @throws IllegalStateException    when the broker does not start in time or does not listen after start; nothing
     *                                  is left running
     * @throws UncheckedIOException     when the data folder cannot be prepared
     */
    public static EmbeddedBroker start(BrokerSettings s) throws BrokerPortInUseException {
        quietHiveMqLoggingForSimpleLogger();
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
            Files.writeString(conf.resolve("config.xml"), configXml(s.bindAddress(), port));

            EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                    .withConfigurationFolder(conf)
                    .withDataFolder(data)
                    .withExtensionsFolder(extensions)
                    .withoutLoggingBootstrap()
                    .build();
            EmbeddedBroker broker = new EmbeddedBroker(hivemq, s.bindAddress(), port, fellBack, tempDir);
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
            if (!listening(connectAddress(s.bindAddress()), port)) {
                broker.close();
                throw new IllegalStateException("embedded MQTT broker started but does not listen [address=" + s.bindAddress() + ", port=" + port
                        + "]: another process probably took the port meanwhile. Start again or choose another port.");
            }
            LOG.info("embedded MQTT broker listening on {}", broker.url());
            return broker;
        } catch (IOException e) {
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
            if (tempDir != null) deleteRecursively(tempDir);
        }
    }

    static String configXml(String bindAddress, int port) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <hivemq>
                  <listeners>
                    <tcp-listener>
                      <port>%d</port>
                      <bind-address>%s</bind-address>
                    </tcp-listener>
                  </listeners>
                  <persistence>
                    <mode>in-memory</mode>
                  </persistence>
                  <anonymous-usage-statistics>
                    <enabled>false</enabled>
                  </anonymous-usage-statistics>
                </hivemq>
                """.formatted(port, xmlEscape(bindAddress));
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
