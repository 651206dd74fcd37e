package io.lathe.server.cli;

import io.lathe.server.config.Keys;
import io.lathe.server.config.Settings;
import picocli.CommandLine.Option;

/** Options shared by {@code serve} and {@code demo}; each overrides one configuration key. */
final class ServerOptions {
    @Option(names = "--http-host", paramLabel = "ADDRESS",
            description = "Address HTTP binds to (default 127.0.0.1, this machine only; 0.0.0.0 for every interface). Key server.http-host.")
    String httpHost;

    @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port (default 8080; 0 = any free port). Key server.http-port.")
    Integer httpPort;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Folder for stored data (default ./lathe-data). Key server.data-dir.")
    String dataDir;

    @Option(names = "--mqtt-port", paramLabel = "PORT", description = "Port of the embedded MQTT broker (default 1883). Key mqtt.embedded.port.")
    Integer mqttPort;

    Settings apply(Settings s) {
        if (httpHost != null) s = s.with(Keys.HTTP_HOST, httpHost, "option --http-host");
        if (httpPort != null) s = s.with(Keys.HTTP_PORT, Keys.HTTP_PORT.parse(httpPort.toString()), "option --http-port");
        if (dataDir != null) s = s.with(Keys.DATA_DIR, dataDir, "option --data-dir");
        if (mqttPort != null) s = s.with(Keys.MQTT_EMBEDDED_PORT, Keys.MQTT_EMBEDDED_PORT.parse(mqttPort.toString()), "option --mqtt-port");
        return s;
    }
}
