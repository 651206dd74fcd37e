package io.lathe.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Screenshots of every view of the dashboard at a wall screen, a tablet and a phone, in English and Chinese, taken
 * from {@code lathe demo} in headless Chromium. Runs only when asked, as the README says:
 * {@code ./mvnw -B -ntp -pl lathe-browser test -Dtest=ScreenshotsTest -Dlathe.screenshots=docs/screenshots}
 * (after {@code ./mvnw -B -ntp install -DskipTests}); a relative folder is taken from the project's root.
 */
class ScreenshotsTest {
    static final int[][] SIZES = {{1920, 1080}, {1024, 768}, {390, 844}};
    static final List<String> LANGUAGES = List.of("en", "zh-CN");

    @TempDir
    Path dir;

    @Test
    void everyViewAtThreeSizesInBothLanguages() throws Exception {
        String target = System.getProperty("lathe.screenshots", "");
        Assumptions.assumeFalse(target.isBlank(), "screenshots are taken only with -Dlathe.screenshots=<folder>");
        Assumptions.assumeTrue(Chromium.unavailable().isEmpty(), () -> Chromium.unavailable().orElse(""));
        Path out = Path.of(target);
        if (!out.isAbsolute()) {
            Path cwd = Path.of("").toAbsolutePath();
            out = (cwd.getFileName().toString().equals("lathe-browser") ? cwd.getParent() : cwd).resolve(target);
        }
        Files.createDirectories(out);
        try (DemoUnderTest demo = DemoUnderTest.start(dir.resolve("demo"))) {
            JsonNode stop = awaitStop(demo);
            String line = stop.get("machine").asText().substring(0, stop.get("machine").asText().lastIndexOf('.'));
            String[][] views = {
                {"overview", "/", "overview"},
                {"machine-detail", "/machine/" + DashboardBrowserTest.CNC, "machine"},
                {"line-report", "/line/" + DashboardBrowserTest.LINE_A + "/report", "report"},
                {"reason-entry", "/line/" + line + "/report", "report"},
                {"connections", "/connections", "connections"},
                {"alarm-console", "/alarms", "alarms"},
            };
            for (String lang : LANGUAGES) {
                try (Chromium browser = Chromium.launch(lang)) {
                    Page page = browser.newPage(1920, 1080);
                    login(page, demo);
                    for (String[] v : views) {
                        for (int[] size : SIZES) {
                            page.resize(size[0], size[1]);
                            page.navigate(demo.base + "#" + v[1]);
                            page.send("Page.reload", java.util.Map.of());
                            DashboardBrowserTest.awaitView(page, v[2]);
                            DashboardBrowserTest.awaitContent(page, v[2]);
                            if (v[2].equals("overview")) {
                                page.waitUntil("live values on every card", "document.querySelectorAll('[data-testid=machine-card].stale').length === 0", DashboardBrowserTest.WAIT);
                            }
                            if (v[0].equals("reason-entry")) {
                                String row = "[data-testid=downtime-row][data-machine=" + Page.js(stop.get("machine").asText()) + "]";
                                page.click(row + " [data-testid=set-reason]");
                                page.waitVisible("dialog[open][data-testid=reason-dialog] [data-testid=reason-option]", DashboardBrowserTest.WAIT);
                            }
                            // Fonts and the last layout in place before the picture.
                            page.eval("document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))).then(() => true)");
                            Path file = out.resolve(v[0] + "-" + lang + "-" + size[0] + "x" + size[1] + ".png");
                            page.screenshot(file);
                            assertThat(Files.size(file)).isGreaterThan(1000);
                            System.out.println("screenshot " + file);
                        }
                    }
                    page.close();
                }
            }
        }
    }

    /** Logs the operator in (the reason dialog needs the operate permission). */
    static void login(Page page, DemoUnderTest demo) {
        page.navigate(demo.base + "login.html?next=" + URLEncoder.encode("/#/", StandardCharsets.UTF_8));
        page.click("#user");
        page.type(DemoUnderTest.OPERATOR);
        page.click("#password");
        page.type(DemoUnderTest.OPERATOR_PASSWORD);
        page.press("Enter");
        DashboardBrowserTest.awaitView(page, "overview");
    }

    static JsonNode awaitStop(DemoUnderTest demo) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            JsonNode events = demo.get("api/downtime?asset=lathe-demo-works.springfield").path("events");
            if (events.size() > 0) return events.get(0);
            if (System.nanoTime() > deadline) throw new AssertionError("the demo had no stop within 5 minutes");
            Thread.sleep(1000);
        }
    }
}
