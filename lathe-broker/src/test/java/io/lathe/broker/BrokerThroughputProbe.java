package io.lathe.broker;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Not a test: measures what the access checks cost per message. One publisher sends N 200-byte QoS 0 messages to a
 * Sparkplug NDATA topic, one internal subscriber receives them; the publisher is Lathe's internal client (no
 * interceptor, allow-all authorizer), an edge node (rights check and retained interceptor), or any client of an open
 * broker. Run: {@code java -cp <test classpath> io.lathe.broker.BrokerThroughputProbe [messages]}.
 */
public final class BrokerThroughputProbe {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        String hash = DevicePasswords.hash("pw");
        BrokerAccess controlled = new BrokerAccess.Controlled(List.of(new BrokerIdentity.EdgeNode("node", hash, "G", "E")), null, Set.of());
        for (int round = 0; round < 2; round++) {
            try (EmbeddedBroker b = EmbeddedBroker.start(BrokerSettings.ephemeral().withAccess(controlled))) {
                System.out.printf("round %d controlled, internal publisher: %,.0f msg/s%n", round, run(b, n, b.internalCredential().username(), b.internalCredential().password()));
                System.out.printf("round %d controlled, edge node publisher: %,.0f msg/s%n", round, run(b, n, "node", "pw"));
            }
            try (EmbeddedBroker b = EmbeddedBroker.start(BrokerSettings.ephemeral())) {
                System.out.printf("round %d open, anonymous publisher:   %,.0f msg/s%n", round, run(b, n, null, null));
            }
        }
    }

    private static double run(EmbeddedBroker b, int n, String user, String password) throws Exception {
        Mqtt5BlockingClient sub = MqttTestClients.connectInternal(b, "lathe-probe-sub");
        CountDownLatch done = new CountDownLatch(n);
        sub.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> done.countDown());
        sub.subscribeWith().topicFilter("spBv1.0/G/NDATA/E").qos(MqttQos.AT_MOST_ONCE).send();
        Mqtt5AsyncClient pub = MqttClient.builder().useMqttVersion5().identifier("probe-pub").serverHost("127.0.0.1").serverPort(b.port()).buildAsync();
        var connect = pub.connectWith();
        if (user != null) connect.simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        connect.send().get();
        byte[] payload = new byte[200];
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pub.publishWith().topic("spBv1.0/G/NDATA/E").qos(MqttQos.AT_MOST_ONCE).payload(payload).send();
        }
        boolean all = done.await(300, TimeUnit.SECONDS);
        double rate = (n - done.getCount()) / ((System.nanoTime() - t0) / 1e9);
        if (!all) System.out.println("  (not all received: " + (n - done.getCount()) + ")");
        pub.disconnect().get();
        sub.disconnect();
        return rate;
    }
}
