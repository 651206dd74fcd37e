package io.lathe.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.server.LatheServer;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up block says where Lathe listens, how to expose it, whether reading is open, and the one-time admin password. */
class StartupBannerTest {
    @TempDir
    Path dir;

    @Test
    void firstStartShowsTheOneTimePasswordAndHowToExposeTheServer() throws Exception {
        LatheConfig cfg = config();
        try (LatheServer server = LatheServer.start(cfg, false, InstantSource.system())) {
            StringWriter text = new StringWriter();
            Runner.banner(server, cfg, false, 1, new PrintWriter(text, true));
            String out = text.toString();
            assertThat(out).contains("http://127.0.0.1:" + server.httpPort() + "/");
            assertThat(out).contains("this machine only").contains("--http-host 0.0.0.0").contains("server.http-host");
            assertThat(out).contains("every page and API call needs a login or API token");
            assertThat(out).contains("one-time password: " + server.initialAdmin().password());
            assertThat(out).contains(dir.resolve("auth/initial-admin-password").toString());
        }
        // Once users exist and the one-time password is gone, nothing about it is printed.
        LatheConfig demoLike = cfg.withSettings(cfg.settings().with(Keys.AUTH_ANONYMOUS_READ, true, "test"));
        try (LatheServer server = LatheServer.start(demoLike, false, InstantSource.system())) {
            server.accessControl().users().setPassword(io.lathe.auth.Actor.system(), "admin", "a chosen admin passphrase", false);
        }
        try (LatheServer server = LatheServer.start(demoLike, false, InstantSource.system())) {
            StringWriter text = new StringWriter();
            Runner.banner(server, demoLike, false, 1, new PrintWriter(text, true));
            assertThat(text.toString()).doesNotContain("one-time password").contains("reading open to anyone");
        }
    }

    private LatheConfig config() throws Exception {
        LatheConfig cfg;
        try (InputStream in = LatheServer.class.getResourceAsStream("/io/lathe/server/demo.yaml")) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", Map.of());
        }
        return cfg.withSettings(cfg.settings().with(Keys.HTTP_PORT, 0, "test").with(Keys.MQTT_BROKER, "tcp://127.0.0.1:1", "test")
                .with(Keys.SPARKPLUG_ENABLED, false, "test").with(Keys.DATA_DIR, dir.toString(), "test"));
    }
}
