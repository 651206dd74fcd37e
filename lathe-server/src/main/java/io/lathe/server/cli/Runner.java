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
        String shown = host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
        String scheme = s.httpsEnabled() ? "https" : "http";
        out.println();
        out.println("  Lathe " + Version.version() + (demo ? " - demo with the virtual factory" : "") + ", started in " + startMillis + " ms");
        out.println("  Dashboard   " + scheme + "://" + shown + ":" + s.httpPort() + "/");
        out.println("  API         " + scheme + "://" + shown + ":" + s.httpPort() + "/api/assets   (live: /api/live, metrics: /metrics)");
        if (host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1")) {
            out.println("  Access      this machine only. To serve the network: --http-host 0.0.0.0 (key server.http-host), with");
            out.println("              server.tls.* for HTTPS; see README, Security.");
        } else {
            out.println("  Access      every interface (" + host + ")" + (s.httpsEnabled() ? ", HTTPS" : ", plain HTTP: passwords cross the network in clear; set server.tls.*"));
        }
        Object anon = config.settings().get(Keys.AUTH_ANONYMOUS_READ);
        boolean anonymousRead = anon == null ? demo : (Boolean) anon;
        out.println("  Logins      " + (anonymousRead ? "reading open to anyone (auth.anonymous-read); changes need a login or API token"
                : "every page and API call needs a login or API token") + "; users: lathe user add|list|passwd|remove");
        io.lathe.auth.InitialAdmin admin = s.initialAdmin();
        if (admin != null) {
            // Console only, never the log: the one place the generated password is shown besides its owner-only file.
            for (String line : admin.startupMessage().split("\n")) out.println("  Admin       " + line.strip());
        }
        if (s.mqttPort() >= 0) {
            out.println("  MQTT        tcp://" + shown + ":" + s.mqttPort() + " (embedded broker"
                    + (s.mqttPortFellBack() ? "; port " + config.settings().integer(Keys.MQTT_EMBEDDED_PORT)
                    + " was taken, so a free port was chosen" : "") + ")");
            if (s.brokerTlsUrl() != null) out.println("              " + s.brokerTlsUrl() + " (TLS)");
            String mqttHost = config.settings().string(Keys.MQTT_EMBEDDED_HOST);
            boolean mqttLocal = mqttHost.equals("127.0.0.1") || mqttHost.equals("localhost") || mqttHost.equals("::1");
            out.println("              " + s.brokerIdentityCount() + " MQTT identities (mqtt.embedded.clients-file), anonymous "
                    + (s.brokerAnonymous() ? "on" : "off") + (mqttLocal
                    ? "; this machine only, to take devices from the network: mqtt.embedded.host 0.0.0.0" : "; listening on " + mqttHost));
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
