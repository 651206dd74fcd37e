package io.lathe.browser;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A headless Chromium started for one test class or tool run, with its own throw-away profile, reached over the
 * DevTools protocol. The binary is {@code -Dlathe.chromium} or {@code LATHE_CHROMIUM}, else Debian's
 * {@code /usr/bin/chromium} (package {@code chromium}, which {@code .ci/run} installs). Nothing is ever downloaded.
 */
public final class Chromium implements AutoCloseable {
    private final Process process;
    private final Path profile;
    private final CdpConnection cdp;
    private final String language;

    private Chromium(Process process, Path profile, CdpConnection cdp, String language) {
        this.process = process;
        this.profile = profile;
        this.cdp = cdp;
        this.language = language;
    }

    /** The browser binary this machine would use. */
    public static Path binary() {
        String p = System.getProperty("lathe.chromium", System.getenv().getOrDefault("LATHE_CHROMIUM", "/usr/bin/chromium"));
        return Path.of(p);
    }

    /** Why no browser can be started here, or empty when one can. */
    public static Optional<String> unavailable() {
        Path b = binary();
        if (!Files.isExecutable(b)) {
            return Optional.of("no Chromium at " + b + " (install Debian's chromium, e.g. through .ci/run, or set -Dlathe.chromium)");
        }
        return Optional.empty();
    }

    /**
     * Starts a headless browser whose preferred language is {@code language} (a BCP 47 tag such as {@code zh-CN}):
     * navigator.language, Accept-Language and Intl's default locale all say it, as on a machine set up in it.
     */
    public static Chromium launch(String language) throws IOException {
        unavailable().ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        Path profile = Files.createTempDirectory("lathe-chromium-");
        List<String> cmd = new ArrayList<>(List.of(binary().toString(), "--headless", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
                "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--lang=" + language, "--accept-lang=" + language + "," + language.split("-")[0],
                // Containers (and root, which Chromium's sandbox refuses) have no user namespaces for the sandbox.
                "--no-sandbox", "about:blank"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile()).start();
        Path portFile = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            while (true) {
                if (Files.exists(portFile)) {
                    List<String> lines = Files.readAllLines(portFile);
                    if (lines.size() >= 2) {
                        URI ws = URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
                        return new Chromium(p, profile, CdpConnection.open(ws), language);
                    }
                }
                if (!p.isAlive()) throw new IOException("Chromium exited with " + p.exitValue() + " at start; see " + log(profile));
                if (System.nanoTime() > deadline) throw new IOException("Chromium did not open its DevTools port within 60 s; see " + log(profile));
                Thread.sleep(50);
            }
        } catch (Exception e) {
            p.destroyForcibly();
            if (e instanceof IOException io) throw io;
            throw new IOException("cannot reach Chromium's DevTools endpoint: " + e, e);
        }
    }

    private static Path log(Path profile) {
        return profile.resolveSibling(profile.getFileName() + ".log");
    }

    /** The browser's version string, e.g. {@code Chrome/156.0.8078.114}. */
    public String version() {
        return cdp.send(null, "Browser.getVersion", Map.of(), Duration.ofSeconds(10)).path("product").asText();
    }

    /** Opens a new tab of {@code width} x {@code height} CSS pixels and attaches to it. */
    public Page newPage(int width, int height) {
        JsonNode t = cdp.send(null, "Target.createTarget", Map.of("url", "about:blank"), Duration.ofSeconds(20));
        String targetId = t.get("targetId").asText();
        String session = cdp.send(null, "Target.attachToTarget", Map.of("targetId", targetId, "flatten", true), Duration.ofSeconds(20))
                .get("sessionId").asText();
        Page page = new Page(cdp, session, targetId, language);
        page.start(width, height);
        return page;
    }

    @Override
    public void close() {
        try {
            cdp.send(null, "Browser.close", Map.of(), Duration.ofSeconds(5));
        } catch (RuntimeException ignored) {
            // killed below anyway
        }
        cdp.close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> s = Files.walk(profile)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            Files.deleteIfExists(log(profile));
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
