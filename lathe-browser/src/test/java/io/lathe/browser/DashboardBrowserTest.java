package io.lathe.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's proof: the dashboard of {@code lathe demo} in a real headless Chromium. Every test opens its own tab,
 * waits for elements (never sleeps) and checks that the page logged no console error and got no answer of 400 or
 * above, the favicon included.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String LINE_A = "lathe-demo-works.springfield.machining.line-a";
    static final String CNC = LINE_A + ".cnc-lathe-1";

    @TempDir
    static Path dir;

    private DemoUnderTest demo;
    private Chromium en;
    private Chromium zh;

    @BeforeAll
    void start() throws Exception {
        if (Chromium.unavailable().isPresent()) return; // each test then skips with the reason
        demo = DemoUnderTest.start(dir.resolve("demo"));
        en = Chromium.launch("en-US");
    }

    /** Skipped per test (not per class), so the reason shows for each in the surefire report and in .ci/run. */
    @BeforeEach
    void needsChromium() {
        Optional<String> missing = Chromium.unavailable();
        Assumptions.assumeTrue(missing.isEmpty(), () -> missing.orElse(""));
    }

    @AfterAll
    void stop() {
        if (en != null) en.close();
        if (zh != null) zh.close();
        if (demo != null) demo.close();
    }

    private Chromium zh() throws Exception {
        if (zh == null) zh = Chromium.launch("zh-CN");
        return zh;
    }

    // ---- helpers ----

    /** Opens {@code #route} in a new tab and waits until the router has rendered that view. */
    static Page open(Chromium browser, String base, String route, String view, int width, int height) {
        Page page = browser.newPage(width, height);
        page.navigate(base + "#" + route);
        awaitView(page, view);
        return page;
    }

    static void awaitView(Page page, String view) {
        page.waitUntil("the " + view + " view", "(() => { const m = document.querySelector('main#view');"
                + " return m && m.dataset.view === " + Page.js(view) + " && m.querySelector('.view') !== null; })()", WAIT);
    }

    /** Fails with every problem the page reported (console errors, exceptions, HTTP >= 400, failed loads). */
    static void assertNoProblems(Page page, String where) {
        assertThat(page.problems()).as("console errors and failed requests on " + where).isEmpty();
    }

    /** The icon the page declares (else /favicon.ico, which browsers then ask for) must load. */
    static void assertFaviconLoads(Page page) {
        JsonNode r = page.eval("(async () => { const l = document.querySelector('link[rel~=icon]');"
                + " const u = l ? l.href : new URL('/favicon.ico', location.href).href;"
                + " const res = await fetch(u, {cache: 'no-store'}); return {url: u, status: res.status, type: res.headers.get('content-type')}; })()");
        assertThat(r.path("status").asInt()).as("favicon " + r.path("url").asText()).isEqualTo(200);
        assertThat(r.path("type").asText()).as("favicon content type").startsWith("image/");
    }

    static Map<String, String> query(String url) {
        Map<String, String> q = new LinkedHashMap<>();
        String raw = URI.create(url).getRawQuery();
        if (raw == null) return q;
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) q.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    static long millis(String t) {
        return t.matches("-?\\d+") ? Long.parseLong(t) : Instant.parse(t).toEpochMilli();
    }

    // ---- tests ----

    @Test
    void overviewShowsEveryMachineOfTheDemo() throws Exception {
        List<JsonNode> machines = demo.assets("machine");
        assertThat(machines).hasSizeGreaterThanOrEqualTo(9);
        Page page = open(en, demo.base, "/", "overview", 1920, 1080);
        page.waitUntil("a card for each of the " + machines.size() + " machines",
                "document.querySelectorAll('[data-testid=machine-card]').length >= " + machines.size(), WAIT);
        JsonNode cards = page.eval("[...document.querySelectorAll('[data-testid=machine-card]')].map(c => ({id: c.dataset.machine,"
                + " name: c.querySelector('[data-testid=machine-link]').textContent.trim(), visible: c.getBoundingClientRect().height > 0}))");
        Map<String, String> shown = new LinkedHashMap<>();
        for (JsonNode c : cards) {
            assertThat(c.path("visible").asBoolean()).as("card of " + c.path("id").asText() + " is visible").isTrue();
            shown.put(c.path("id").asText(), c.path("name").asText());
        }
        Map<String, String> expected = new LinkedHashMap<>();
        for (JsonNode m : machines) expected.put(m.get("id").asText(), m.get("name").asText());
        assertThat(shown).isEqualTo(expected);
        // On a phone the overview needs no horizontal scrolling, and the header leaves most of the screen to it.
        page.resize(390, 844);
        page.waitUntil("the overview to fit 390 px", "document.documentElement.scrollWidth <= window.innerWidth", WAIT);
        assertThat(page.eval("document.querySelector('[data-testid=header]').getBoundingClientRect().height").asDouble())
                .as("header height on a 390x844 phone").isLessThan(844 / 3.0);
        assertFaviconLoads(page);
        assertNoProblems(page, "the overview");
        page.close();
    }

    @Test
    void aClickOnACardOpensTheMachineDetailAtItsOwnAddress() {
        Page page = open(en, demo.base, "/", "overview", 1920, 1080);
        String card = "[data-testid=machine-card][data-machine=" + Page.js(CNC) + "]";
        page.waitVisible(card, WAIT);
        // On the card, not on its link: the whole card is the target. The overview may render itself anew (it
        // reloads the plant when a live value names a signal it does not know yet, e.g. a derived series); a click
        // that lands while the view is being replaced is lost as it would be for a person, who clicks again. Only
        // then is the click repeated.
        String atDetail = "location.hash === '#/machine/' + encodeURIComponent(" + Page.js(CNC) + ")";
        // A click whose press and release the browser sees on different elements (a live value changed the card's
        // layout in between; on a loaded machine the two events can be far apart) is no click at all: a person clicks
        // again, and so does the test, at most three times in all.
        for (int attempt = 1; ; attempt++) {
            page.eval("window.__clickedCard = document.querySelector(" + Page.js(card) + "), true");
            page.click(card + " .state-band");
            try {
                page.waitUntil("the detail's address, or the overview rendered anew", atDetail + " || !document.contains(window.__clickedCard)",
                        java.time.Duration.ofSeconds(20));
            } catch (AssertionError | IllegalStateException nothingHappened) {
                System.err.println("click " + attempt + " on the card changed nothing within 20 s: " + nothingHappened.getMessage());
            }
            if (page.eval(atDetail).asBoolean()) break;
            assertThat(attempt).as("clicks lost (to a re-rendered overview or a moved card)").isLessThan(3);
            page.waitVisible(card, WAIT);
        }
        awaitView(page, "machine");
        page.waitUntil("the detail's title", "(document.querySelector('[data-testid=machine-title]') || {}).textContent?.includes('CNC Lathe 1')", WAIT);
        page.waitVisible("[data-testid=trend-group]", WAIT);
        // The address alone opens it too (bookmark, shared link), and back returns to the overview.
        page.send("Page.reload", Map.of());
        awaitView(page, "machine");
        page.waitUntil("the detail's title after a reload", "(document.querySelector('[data-testid=machine-title]') || {}).textContent?.includes('CNC Lathe 1')", WAIT);
        page.eval("history.back(), true");
        awaitView(page, "overview");
        assertNoProblems(page, "overview -> machine detail -> back");
        page.close();
    }

    /** Keyboard only: Tab reaches a machine's link on the overview, Enter opens its detail. */
    @Test
    void theKeyboardAloneOpensAMachine() {
        Page page = open(en, demo.base, "/", "overview", 1920, 1080);
        page.waitVisible("[data-testid=machine-card] [data-testid=machine-link]", WAIT);
        page.eval("document.activeElement && document.activeElement.blur(), true");
        int presses = 0;
        while (!page.eval("document.activeElement?.dataset?.testid === 'machine-link'").asBoolean()) {
            assertThat(++presses).as("Tab presses to reach a machine's link").isLessThan(60);
            page.press("Tab");
        }
        String target = page.eval("document.activeElement.getAttribute('href')").asText();
        page.press("Enter");
        page.waitUntil("the machine opened with Enter", "location.hash === " + Page.js(target), WAIT);
        awaitView(page, "machine");
        assertNoProblems(page, "keyboard navigation to a machine");
        page.close();
    }

    @Test
    void zoomingATrendAsksTheStoreForBucketsOfTheNewRange() {
        Page page = open(en, demo.base, "/machine/" + CNC, "machine", 1920, 1080);
        String group = "[data-testid=trend-group]";
        page.waitUntil("the trends to finish loading", "document.querySelector('" + group + "')?.dataset.state === 'ready'", WAIT);
        List<Page.Request> first = historyRequests(page);
        assertThat(first).as("history requests of the first view").isNotEmpty();
        long span0 = span(first.get(first.size() - 1).url());
        String sent = "Number(document.querySelector('" + group + "').dataset.requests)";
        int before = page.eval(sent).asInt();
        page.clearLog();
        page.click("[data-testid=trend-zoom-in]");
        page.waitUntil("history requests after the zoom, loaded", sent + " > " + before
                + " && document.querySelector('" + group + "').dataset.state === 'ready'", WAIT);
        assertThat(historyRequests(page)).as("history requests the browser sent after zooming in").isNotEmpty();
        for (Page.Request r : historyRequests(page)) {
            Map<String, String> q = query(r.url());
            assertThat(q).as("zoomed history request " + r.url()).containsKeys("from", "to", "buckets");
            assertThat(Integer.parseInt(q.get("buckets"))).as("buckets of " + r.url()).isBetween(10, 10_000);
            assertThat(span(r.url())).as("span of " + r.url() + " after zooming in from " + span0 + " ms").isLessThan(span0);
        }
        // The pointer's gesture too: Ctrl + wheel on a chart zooms in around the pointer.
        long span1 = span(historyRequests(page).get(0).url());
        int before2 = page.eval(sent).asInt();
        page.clearLog();
        double[] c = page.center("[data-testid=trend-chart]");
        page.wheel(c[0], c[1], -400, true);
        page.waitUntil("history requests after Ctrl + wheel, loaded", sent + " > " + before2
                + " && document.querySelector('" + group + "').dataset.state === 'ready'", WAIT);
        assertThat(historyRequests(page)).as("history requests after Ctrl + wheel").isNotEmpty()
                .allSatisfy(r -> assertThat(span(r.url())).as("span of " + r.url()).isLessThan(span1));
        assertNoProblems(page, "the machine detail while zooming");
        page.close();
    }

    private static List<Page.Request> historyRequests(Page page) {
        return page.requests().stream().filter(r -> r.url().contains("/api/signals/") && r.url().contains("/history")).toList();
    }

    private static long span(String url) {
        Map<String, String> q = query(url);
        return millis(q.get("to")) - millis(q.get("from"));
    }

    /**
     * An operator (added as {@code lathe user add olga --roles operator} does) logs in on the login page, opens the
     * line report, gives a stop of the demo a reason from the machine's reason tree, and the report's Pareto by reason
     * shows it without a reload; the server stored it as the operator's.
     */
    @Test
    void anOperatorEntersADowntimeReasonAndTheParetoChanges() throws Exception {
        // The virtual factory stops machines on its own (micro-stops, faults); wait for the first stop of the shift.
        JsonNode stop = null;
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (stop == null) {
            for (JsonNode ev : demo.get("api/downtime?asset=lathe-demo-works.springfield").path("events")) {
                if (!ev.path("operatorSet").asBoolean()) {
                    stop = ev;
                    break;
                }
            }
            if (stop == null) {
                if (System.nanoTime() > deadline) throw new AssertionError("the demo had no stop within 5 minutes");
                Thread.sleep(1000);
            }
        }
        String machine = stop.get("machine").asText();
        String start = stop.get("start").asText();
        String line = machine.substring(0, machine.lastIndexOf('.'));

        Page page = en.newPage(1024, 768);
        page.navigate(demo.base + "login.html?next=" + java.net.URLEncoder.encode("/#/line/" + line + "/report", StandardCharsets.UTF_8));
        page.click("#user");
        page.type(DemoUnderTest.OPERATOR);
        page.click("#password");
        page.type(DemoUnderTest.OPERATOR_PASSWORD);
        page.press("Enter");
        awaitView(page, "report");
        assertNoProblems(page, "the login page and the line report");
        page.clearLog();
        String row = "[data-testid=downtime-row][data-machine=" + Page.js(machine) + "][data-start=" + Page.js(start) + "]";
        page.waitVisible(row, WAIT);
        JsonNode before = page.eval(PARETO_REASONS);
        page.click(row + " [data-testid=set-reason]");
        page.waitVisible("dialog[open][data-testid=reason-dialog] [data-testid=reason-option]", WAIT);
        // A reason the Pareto does not list yet, so its new row is the change to see.
        String code = page.waitUntil("a reason not in the Pareto yet", "(() => { const shown = new Set(" + before + ".map(p => p.key));"
                + " const o = [...document.querySelectorAll('dialog[open] [data-testid=reason-option]')].find(b => !shown.has(b.dataset.code));"
                + " return o ? o.dataset.code : null; })()", WAIT).asText();
        page.click("dialog[open] [data-testid=reason-option][data-code=" + Page.js(code) + "]");
        page.waitUntil("the dialog to close after saving", "document.querySelector('dialog[open][data-testid=reason-dialog]') === null", WAIT);
        JsonNode after = page.waitUntil("reason " + code + " in the Pareto by reason", "(() => { const p = " + PARETO_REASONS + ";"
                + " return p.some(x => x.key === " + Page.js(code) + ") ? p : null; })()", WAIT);
        assertThat(after.toString()).isNotEqualTo(before.toString());
        page.waitVisible(row + ":not(.no-reason)", WAIT);

        JsonNode stored = null;
        for (JsonNode ev : demo.get("api/downtime?asset=" + line).path("events")) {
            if (ev.path("machine").asText().equals(machine) && ev.path("start").asText().equals(start)) stored = ev;
        }
        assertThat(stored).as("the stop in /api/downtime").isNotNull();
        assertThat(stored.path("reasonCode").asText()).isEqualTo(code);
        assertThat(stored.path("operatorSet").asBoolean()).isTrue();
        assertNoProblems(page, "the line report and reason entry");
        page.close();
    }

    static final String PARETO_REASONS = "[...document.querySelectorAll('[data-testid=pareto-reason] [data-testid=pareto-row]')]"
            + ".map(r => ({key: r.dataset.key, seconds: Number(r.dataset.seconds)}))";

    /**
     * Views in zh-CN hold no English text of the UI catalogue: no visible text node, title, label or placeholder equal
     * to an en.json value that zh-CN.json translates differently (plant names from the model stay as they are).
     */
    @Test
    void theChinesePageShowsNoUntranslatedCatalogueText() throws Exception {
        Map<String, String> enCat = catalogue("en"), zhCat = catalogue("zh-CN");
        Set<String> missing = new TreeSet<>(enCat.keySet());
        missing.removeAll(zhCat.keySet());
        // Chinese has one plural form (Intl.PluralRules: "other" only): its catalogue needs no ".one" variants.
        missing.removeIf(k -> k.matches(".*\\.(zero|one|two|few|many)") && zhCat.containsKey(k.substring(0, k.lastIndexOf('.')) + ".other"));
        assertThat(missing).as("keys of en.json that zh-CN.json lacks").isEmpty();
        List<Pattern> english = new ArrayList<>();
        Set<String> sources = new TreeSet<>();
        for (var e : enCat.entrySet()) {
            String en = e.getValue().trim();
            String k = e.getKey();
            String zhValue = zhCat.getOrDefault(k, zhCat.getOrDefault(k.substring(0, Math.max(0, k.lastIndexOf('.'))) + ".other", ""));
            if (en.equals(zhValue.trim()) || !en.matches(".*[A-Za-z]{2,}.*")) continue;
            StringBuilder re = new StringBuilder();
            for (String part : en.split("\\{[^}]*}", -1)) {
                if (!re.isEmpty()) re.append(".*?");
                re.append(Pattern.quote(part));
            }
            english.add(Pattern.compile(re.toString()));
            sources.add(en);
        }
        assertThat(sources).isNotEmpty();
        // Text from the plant model and KPI configuration (names, descriptions, reasons, shifts) is the plant's data,
        // English in the demo: it is taken out of the page's text before the comparison.
        Set<String> data = new TreeSet<>((a, b) -> a.length() != b.length() ? b.length() - a.length() : a.compareTo(b));
        collectText(demo.get("api/assets"), data);
        collectText(demo.get("api/kpi/sites"), data);
        Chromium browser = zh();
        for (String[] v : views()) {
            Page page = open(browser, demo.base, v[0], v[1], 1920, 1080);
            page.waitUntil("the page in Chinese", "document.documentElement.lang === 'zh-CN'", WAIT);
            awaitContent(page, v[1]);
            // What a wall screen shows, then what a phone shows (some labels exist only in one layout).
            List<JsonNode> texts = new ArrayList<>();
            page.eval(VISIBLE_TEXTS).forEach(texts::add);
            page.resize(390, 844);
            page.eval("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))");
            page.eval(VISIBLE_TEXTS).forEach(texts::add);
            List<String> found = new ArrayList<>();
            for (JsonNode tn : texts) {
                String s = tn.asText().trim();
                for (String d : data) s = s.replace(d, "\u25aa");
                for (Pattern p : english) {
                    if (p.matcher(s).matches()) found.add("'" + s + "' (" + p.pattern() + ")");
                }
            }
            assertThat(found).as("English UI text on the zh-CN " + v[1] + " view " + v[0]).isEmpty();
            assertNoProblems(page, "the zh-CN " + v[1] + " view");
            page.close();
        }
    }

    private static void collectText(JsonNode n, Set<String> out) {
        if (n.isTextual() && n.asText().trim().length() >= 2) out.add(n.asText().trim());
        for (JsonNode c : n) collectText(c, out);
    }

    /** Visible text nodes (whole, trimmed) and the title, aria-label, placeholder and alt of visible elements. */
    static final String VISIBLE_TEXTS = """
            (() => {
              const out = [document.title];
              const visible = (e) => e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
              const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              for (let n = w.nextNode(); n; n = w.nextNode()) {
                const s = n.textContent.trim();
                if (s && visible(n.parentElement) && !n.parentElement.closest('script,style,noscript')) out.push(s);
              }
              for (const e of document.querySelectorAll('[title],[aria-label],[placeholder],[alt]')) {
                if (!visible(e)) continue;
                for (const a of ['title', 'aria-label', 'placeholder', 'alt']) if (e.getAttribute(a)) out.push(e.getAttribute(a));
              }
              return out;
            })()""";

    /** A UI catalogue as the server serves it: from LATHE_WEB_DIR when the tests run against the sources, else the jar. */
    static Map<String, String> catalogue(String lang) throws Exception {
        String webDir = System.getenv("LATHE_WEB_DIR");
        JsonNode n;
        if (webDir != null && !webDir.isBlank()) {
            n = DemoUnderTest.JSON.readTree(Path.of(webDir, "i18n", lang + ".json").toFile());
        } else {
            try (InputStream in = DashboardBrowserTest.class.getResourceAsStream("/io/lathe/web/i18n/" + lang + ".json")) {
                assertThat(in).as("i18n/" + lang + ".json in lathe-web").isNotNull();
                n = DemoUnderTest.JSON.readTree(in);
            }
        }
        Map<String, String> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    /** Route and view name of every view of the dashboard. */
    static List<String[]> views() {
        return List.of(
                new String[] {"/", "overview"},
                new String[] {"/machine/" + CNC, "machine"},
                new String[] {"/line/" + LINE_A + "/report", "report"},
                new String[] {"/alarms", "alarms"},
                new String[] {"/connections", "connections"});
    }

    /** Waits for a view's data (not only its frame) to be on the page. */
    static void awaitContent(Page page, String view) {
        String cond = switch (view) {
            case "overview" -> "document.querySelectorAll('[data-testid=machine-card]').length > 0";
            case "machine" -> "document.querySelector('[data-testid=trend-group]')?.dataset.state === 'ready'";
            case "report" -> "document.querySelector('[data-testid=pareto-reason], [data-testid=report-empty]') !== null";
            case "connections" -> "document.querySelectorAll('[data-testid=connection]').length > 0";
            case "alarms" -> "document.querySelector('[data-testid=alarm-table], [data-testid=alarms-empty], [data-testid=alarms-unavailable]') !== null";
            default -> "document.querySelector('main#view [aria-busy=true]') === null";
        };
        page.waitUntil("the content of the " + view + " view", cond, WAIT);
    }

    @Test
    void noViewLogsAConsoleErrorOrGetsAnErrorAnswer() {
        for (String[] v : views()) {
            Page page = open(en, demo.base, v[0], v[1], 1024, 768);
            awaitContent(page, v[1]);
            assertFaviconLoads(page);
            assertNoProblems(page, "the " + v[1] + " view " + v[0]);
            page.close();
        }
    }
}
