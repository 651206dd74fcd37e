package io.lathe.server.cli;

import io.lathe.server.LatheServer;
import io.lathe.server.StartupException;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import java.io.PrintWriter;
import java.time.InstantSource;
import java.util.concurrent.CountDownLatch;

/** Starts a server, prints the start-up block, and waits for Ctrl-C or SIGTERM. */
final class Runner {
    private Runner() {}

    static int runUntilStopped(LatheConfig config, boolean demo, PrintWriter out, PrintWriter err) {
        long t0 = System.nanoTime();
        LatheServer server;
        try {
            server = LatheServer.start(config, demo, InstantSource.system());
        } catch (StartupException e) {
            err.println("lathe: " + e.getMessage());
            return e.exitCode();
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "lathe-shutdown"));
        banner(server, config, demo, (System.nanoTime() - t0) / 1_000_000, out);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    static void banner(LatheServer s, LatheConfig config, boolean demo, long startMillis, PrintWriter out) {
        String host = config.settings().string(Keys.HTTP_HOST);
        String shown = host.equals("0.0.0.0") ? "localhost" : host;
        out.println();
        out.println("  Lathe " + Version.version() + (demo ? " - demo with the virtual factory" : "") + ", started in " + startMillis + " ms");
        out.println("  Dashboard   http://" + shown + ":" + s.httpPort() + "/");
        out.println("  API         http://" + shown + ":" + s.httpPort() + "/api/assets   (live: /api/live, metrics: /metrics)");
        if (s.mqttPort() >= 0) {
            out.println("  MQTT        tcp://" + shown + ":" + s.mqttPort() + " (embedded broker"
                    + (s.mqttPortFellBack() ? "; port " + config.settings().integer(Keys.MQTT_EMBEDDED_PORT)
                    + " was taken, so a free port was chosen" : "") + ")");
        } else {
            out.println("  MQTT        " + s.brokerUrl() + " (external broker)");
        }
        for (String device : s.demoDeviceEndpoints()) out.println("  Device      " + device);
        out.println("  Config      " + config.file());
        for (String line : config.settings().describe()) out.println("              " + line);
        out.println("  Stop with Ctrl-C.");
        out.println();
        out.flush();
    }
}
