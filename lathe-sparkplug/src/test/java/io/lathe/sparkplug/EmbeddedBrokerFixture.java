package io.lathe.sparkplug;

import io.lathe.broker.BrokerSettings;
import io.lathe.broker.EmbeddedBroker;
import io.lathe.model.PlantModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * What the host tests against scripted edge nodes share: one embedded broker per test class, a fresh plant model,
 * recording sink and meter registry per test, a group id of its own (so tests never see each other's births), and
 * closing in reverse order.
 */
abstract class EmbeddedBrokerFixture {
    static EmbeddedBroker broker;

    final List<AutoCloseable> closeLater = new ArrayList<>();
    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    final PlantModel model = new PlantModel("Acme");
    final RecordingSink sink = new RecordingSink();
    final String group;
    final long t0 = 1_700_000_000_000L;

    EmbeddedBrokerFixture(String groupPrefix) {
        group = groupPrefix + UUID.randomUUID().toString().substring(0, 8);
    }

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start(BrokerSettings.ephemeral());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) closeLater.get(i).close();
    }
}
