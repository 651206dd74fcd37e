package io.lathe.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.lathe.browser.Chromium;
import io.lathe.browser.Page;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Time to first paint of the dashboard in headless Chromium, over the DevTools protocol, against a running Lathe
 * ({@code lathe serve} or {@code lathe demo}): for the overview and for one machine's detail page, each in a fresh tab
 * without cache, {@code --runs} times. Reports the browser's own first-paint and first-contentful-paint, and
 * "content" = the first animation frame in which the view's data is in the page (its condition below holds), all in
 * ms since the navigation started. With {@code --year-action} it also times the machine's trend redrawn over a year:
 * from the action (e.g. a click on a one-year range) until its bucketed history requests have finished and the next
 * frame has been painted.
 */
@Command(name = "paint", mixinStandardHelpOptions = true,
        description = "Time to first paint of the dashboard's overview and a machine detail in headless Chromium.")
final class PaintBench implements Callable<Integer> {
    @Option(names = "--url", required = true, description = "Base address of the running Lathe, e.g. http://127.0.0.1:8080/.")
    String url;

    @Option(names = "--machine", required = true, description = "Machine asset id for the detail page.")
    String machine;

    @Option(names = "--runs", defaultValue = "5", description = "Fresh page loads per view (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--language", defaultValue = "en", description = "Browser language (default ${DEFAULT-VALUE}).")
    String language;

    @Option(names = "--width", defaultValue = "1920") int width;
    @Option(names = "--height", defaultValue = "1080") int height;

    @Option(names = "--overview-ready", defaultValue = "document.querySelectorAll('[data-testid=machine-card]').length > 0",
            description = "JavaScript condition: the overview's data is in the page (default: ${DEFAULT-VALUE}).")
    String overviewReady;

    @Option(names = "--machine-route", defaultValue = "#/machine/{id}", description = "Route of the detail page (default ${DEFAULT-VALUE}).")
    String machineRoute;

    @Option(names = "--machine-ready", defaultValue = "document.querySelector('[data-testid=trend-group]')?.dataset.state === 'ready'",
            description = "JavaScript condition: the machine's trend is drawn (default: ${DEFAULT-VALUE}).")
    String machineReady;

    @Option(names = "--year-action", defaultValue = "document.querySelector('[data-testid=trend-range-1y]').click()",
            description = "JavaScript that shows a year in the machine's trend (default: ${DEFAULT-VALUE}); 'none' to skip.")
    String yearAction;

    @Override
    public Integer call() throws Exception {
        if (Chromium.unavailable().isPresent()) {
            System.err.println("paint: " + Chromium.unavailable().get());
            return 2;
        }
        String base = url.endsWith("/") ? url : url + "/";
        try (Chromium browser = Chromium.launch(language)) {
            System.out.printf(Locale.ROOT, "%s, %s, %dx%d, %d runs per view, times in ms since navigation start%n", browser.version(), language,
                    width, height, runs);
            report("overview", measure(browser, base, overviewReady, null));
            report("machine detail", measure(browser, base + machineRoute.replace("{id}", machine), machineReady, null));
            if (!yearAction.equals("none")) report("machine detail, trend over a year", measure(browser, base + machineRoute.replace("{id}", machine), machineReady, yearAction));
        }
        return 0;
    }

    /** One fresh tab per run; returns per run {first-paint, first-contentful-paint, content} or for the year {redraw}. */
    private List<double[]> measure(Chromium browser, String address, String ready, String action) {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Page page = browser.newPage(width, height);
            try {
                // Checked at every animation frame from the first one: the frame where it first holds paints the data.
                page.addInitScript("window.__latheReady = null; (function tick() { try { if (" + ready + ") { window.__latheReady = performance.now(); return; } }"
                        + " catch (e) {} requestAnimationFrame(tick); })();");
                page.navigate(address);
                page.waitUntil("the view's content (" + ready + ")", "window.__latheReady !== null", Duration.ofSeconds(120));
                JsonNode paint = page.eval("Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]))");
                double content = page.eval("window.__latheReady").asDouble();
                if (action == null) {
                    out.add(new double[] {paint.path("first-paint").asDouble(Double.NaN), paint.path("first-contentful-paint").asDouble(Double.NaN), content});
                    continue;
                }
                waitHistoryIdle(page);
                int before = historyRequests(page);
                double t0 = page.eval("window.__latheT0 = performance.now()").asDouble();
                page.eval("(() => { " + yearAction + " })(), true");
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (historyRequests(page) == before) {
                    if (System.nanoTime() > deadline) throw new AssertionError("the action sent no history request: " + yearAction);
                    Thread.sleep(5);
                }
                waitHistoryIdle(page);
                double t1 = page.eval("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(t => r(t))))").asDouble();
                out.add(new double[] {t1 - t0});
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                if (!page.problems().isEmpty()) System.err.println("  page problems: " + page.problems());
                page.close();
            }
        }
        return out;
    }

    private static int historyRequests(Page page) {
        return (int) page.requests().stream().filter(r -> r.url().contains("/history")).count();
    }

    private static void waitHistoryIdle(Page page) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (page.inFlight("/history") > 0) {
            if (System.nanoTime() > deadline) throw new AssertionError("history requests still running after 120 s");
            Thread.sleep(5);
        }
    }

    private static void report(String view, List<double[]> runs) {
        int n = runs.get(0).length;
        String[] names = n == 3 ? new String[] {"first paint", "first contentful paint", "content"} : new String[] {"redrawn"};
        for (int k = 0; k < n; k++) {
            final int col = k;
            double[] v = runs.stream().mapToDouble(r -> r[col]).sorted().toArray();
            StringBuilder sb = new StringBuilder();
            for (double[] r : runs) sb.append(String.format(Locale.ROOT, " %.0f", r[col]));
            System.out.printf(Locale.ROOT, "%-34s %-24s median %6.0f  runs:%s%n", view, names[k], v[v.length / 2], sb);
        }
    }
}
