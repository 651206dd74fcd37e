package io.lathe.simulator;

import io.lathe.broker.BrokerSettings;
import io.lathe.broker.EmbeddedBroker;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Assumptions;

/** The embedded HiveMQ broker on a free port; Mosquitto at 127.0.0.1:1883 when the embedded one cannot start. */
final class TestBroker implements AutoCloseable {
    private final EmbeddedBroker embedded;
    final String url;

    private TestBroker(EmbeddedBroker embedded, String url) {
        this.embedded = embedded;
        this.url = url;
    }

    static TestBroker start() {
        Exception failure;
        try {
            EmbeddedBroker b = EmbeddedBroker.start(BrokerSettings.ephemeral());
            return new TestBroker(b, b.url());
        } catch (Exception | LinkageError e) {
            failure = new IllegalStateException(e.toString(), e);
        }
        try (var s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 1883), 2000);
            return new TestBroker(null, "tcp://127.0.0.1:1883");
        } catch (Exception e) {
            Assumptions.abort("No MQTT broker: the embedded broker failed (" + failure.getMessage()
                    + ") and Mosquitto is not reachable at 127.0.0.1:1883 (" + e + ")");
            throw new AssertionError("unreachable");
        }
    }

    @Override
    public void close() {
        if (embedded != null) embedded.close();
    }
}
