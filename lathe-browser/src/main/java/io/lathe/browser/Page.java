package io.lathe.browser;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One browser tab. Records what a person would not see but a test must: every request the page sends, answers of
 * 400 and above, failed loads, console errors and uncaught exceptions. Waits poll a JavaScript condition (never a
 * fixed sleep) and fail naming what they waited for.
 */
public final class Page {
    /** A request the page sent, in order. */
    public record Request(String url, String method, String type) {}

    /** Something that went wrong in the page: a console error, an uncaught exception, an HTTP error or a failed load. */
    public record Problem(String kind, String text) {
        @Override
        public String toString() {
            return kind + ": " + text;
        }
    }

    private static final Duration COMMAND = Duration.ofSeconds(30);
    private final CdpConnection cdp;
    private final String session;
    private final String targetId;
    private final String language;
    private final List<Request> requests = new ArrayList<>();
    private final List<Problem> problems = new ArrayList<>();
    private final Map<String, String> urlsById = new HashMap<>();
    private final Map<String, String> inFlight = new HashMap<>();

    Page(CdpConnection cdp, String session, String targetId, String language) {
        this.cdp = cdp;
        this.session = session;
        this.targetId = targetId;
        this.language = language;
    }

    void start(int width, int height) {
        cdp.addListener(ev -> {
            if (session.equals(ev.sessionId())) onEvent(ev.method(), ev.params());
        });
        send("Page.enable", Map.of());
        send("Runtime.enable", Map.of());
        send("Network.enable", Map.of());
        send("Log.enable", Map.of());
        // The cache would hide repeated requests (favicon, catalogues) from the checks.
        send("Network.setCacheDisabled", Map.of("cacheDisabled", true));
        String ua = cdp.send(null, "Browser.getVersion", Map.of(), COMMAND).path("userAgent").asText().replace("HeadlessChrome", "Chrome");
        send("Network.setUserAgentOverride", Map.of("userAgent", ua, "acceptLanguage", language + "," + language.split("-")[0] + ";q=0.9"));
        send("Emulation.setLocaleOverride", Map.of("locale", language));
        resize(width, height);
    }

    private void onEvent(String method, JsonNode p) {
        synchronized (this) {
            switch (method) {
                case "Network.requestWillBeSent" -> {
                    String url = p.path("request").path("url").asText();
                    urlsById.put(p.path("requestId").asText(), url);
                    inFlight.put(p.path("requestId").asText(), url);
                    requests.add(new Request(url, p.path("request").path("method").asText(), p.path("type").asText()));
                }
                case "Network.responseReceived" -> {
                    int status = p.path("response").path("status").asInt();
                    if (status >= 400) problems.add(new Problem("http " + status, p.path("response").path("url").asText()));
                }
                case "Network.loadingFinished" -> inFlight.remove(p.path("requestId").asText());
                case "Network.loadingFailed" -> {
                    inFlight.remove(p.path("requestId").asText());
                    // A stream or fetch the page itself ends (leaving a view, closing the tab) is cancelled, not failed.
                    if (!p.path("canceled").asBoolean() && !"net::ERR_ABORTED".equals(p.path("errorText").asText())) {
                        problems.add(new Problem("load failed " + p.path("errorText").asText(), urlsById.getOrDefault(p.path("requestId").asText(), "?")));
                    }
                }
                case "Runtime.consoleAPICalled" -> {
                    String type = p.path("type").asText();
                    if (type.equals("error") || type.equals("assert")) {
                        StringBuilder sb = new StringBuilder();
                        for (JsonNode a : p.path("args")) sb.append(a.has("value") ? a.get("value").asText() : a.path("description").asText()).append(' ');
                        problems.add(new Problem("console." + type, sb.toString().trim()));
                    }
                }
                case "Runtime.exceptionThrown" -> {
                    JsonNode d = p.path("exceptionDetails");
                    problems.add(new Problem("uncaught exception", d.path("exception").path("description").asText(d.path("text").asText())
                            + " at " + d.path("url").asText() + ":" + d.path("lineNumber").asInt()));
                }
                case "Log.entryAdded" -> {
                    JsonNode e = p.path("entry");
                    if (e.path("level").asText().equals("error")) {
                        problems.add(new Problem("browser log (" + e.path("source").asText() + ")", e.path("text").asText() + " " + e.path("url").asText()));
                    }
                }
                default -> { }
            }
        }
    }

    /** Sends a DevTools command to this tab. */
    public JsonNode send(String method, Map<String, ?> params) {
        return cdp.send(session, method, params, COMMAND);
    }

    /** Sets the viewport (CSS pixels at scale 1); below 500 px wide the tab behaves as a phone (touch, mobile viewport). */
    public void resize(int width, int height) {
        boolean phone = width < 500;
        send("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", phone));
        send("Emulation.setTouchEmulationEnabled", Map.of("enabled", phone));
    }

    /** Loads {@code url} and waits for the document (not its data) to be complete. */
    public void navigate(String url) {
        JsonNode r = send("Page.navigate", Map.of("url", url));
        if (r.hasNonNull("errorText") && !r.get("errorText").asText().isEmpty()) {
            throw new CdpConnection.CdpException("navigation to " + url + " failed: " + r.get("errorText").asText());
        }
        waitUntil("the document of " + url + " to be loaded", "document.readyState === 'complete'", Duration.ofSeconds(30));
    }

    /** Evaluates a JavaScript expression (promises awaited) and returns its value as JSON; null for undefined. */
    public JsonNode eval(String expression) {
        JsonNode r = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (r.has("exceptionDetails")) {
            JsonNode d = r.get("exceptionDetails");
            throw new CdpConnection.CdpException("script failed: " + d.path("exception").path("description").asText(d.path("text").asText())
                    + "\nscript: " + expression);
        }
        return r.path("result").path("value");
    }

    /**
     * Polls a JavaScript condition until it is truthy and returns its value; on timeout fails naming {@code what}, the
     * page's address and the problems seen so far.
     */
    public JsonNode waitUntil(String what, String condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastError = null;
        while (true) {
            try {
                JsonNode v = eval(condition);
                if (truthy(v)) return v;
                lastError = null;
            } catch (CdpConnection.CdpException e) {
                // The document may be between two loads; a script error is reported if it lasts.
                lastError = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                String url;
                try {
                    url = eval("location.href").asText();
                } catch (RuntimeException e) {
                    url = "?";
                }
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + " at " + url
                        + (lastError == null ? "" : "\nlast error: " + lastError) + "\nproblems so far: " + problems());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what);
            }
        }
    }

    private static boolean truthy(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) return false;
        if (v.isBoolean()) return v.asBoolean();
        if (v.isNumber()) return v.asDouble() != 0;
        if (v.isTextual()) return !v.asText().isEmpty();
        return true;
    }

    /** A JavaScript string literal of {@code s}. */
    public static String js(String s) {
        try {
            return CdpConnection.JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for an element matching {@code css} that is visible (has a box). */
    public void waitVisible(String css, Duration timeout) {
        waitUntil("a visible " + css, "(() => { const e = document.querySelector(" + js(css) + "); if (!e) return false;"
                + " const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })()", timeout);
    }

    /** Clicks the middle of the first element matching {@code css} with real mouse events, after scrolling it into view. */
    public void click(String css) {
        // The point must hit the element itself (not a dialog over it, not a neighbour that a layout shift moved
        // there); checked in the same script that measures it, right before the events are sent.
        JsonNode box = waitUntil("a clickable " + css, "(() => { const e = document.querySelector(" + js(css) + "); if (!e) return null;"
                + " e.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'}); const r = e.getBoundingClientRect();"
                + " if (r.width <= 0 || r.height <= 0) return null; const x = r.left + r.width / 2, y = r.top + r.height / 2;"
                + " const hit = document.elementFromPoint(x, y); return hit && (hit === e || e.contains(hit)) ? {x, y} : null; })()", Duration.ofSeconds(20));
        mouse(box.get("x").asDouble(), box.get("y").asDouble());
    }

    /** A left click at viewport coordinates. */
    public void mouse(double x, double y) {
        send("Input.dispatchMouseEvent", Map.of("type", "mouseMoved", "x", x, "y", y));
        send("Input.dispatchMouseEvent", Map.of("type", "mousePressed", "x", x, "y", y, "button", "left", "clickCount", 1));
        send("Input.dispatchMouseEvent", Map.of("type", "mouseReleased", "x", x, "y", y, "button", "left", "clickCount", 1));
    }

    /** A mouse wheel turn at viewport coordinates (negative {@code deltaY} zooms in on most charts). */
    public void wheel(double x, double y, double deltaY) {
        wheel(x, y, deltaY, false);
    }

    /** A mouse wheel turn, with the Ctrl key held when {@code ctrl} (the zoom gesture of many charts). */
    public void wheel(double x, double y, double deltaY, boolean ctrl) {
        send("Input.dispatchMouseEvent", Map.of("type", "mouseMoved", "x", x, "y", y));
        send("Input.dispatchMouseEvent", Map.of("type", "mouseWheel", "x", x, "y", y, "deltaX", 0, "deltaY", deltaY, "modifiers", ctrl ? 2 : 0));
    }

    /** The middle of the first element matching {@code css}, scrolled into view, in viewport coordinates. */
    public double[] center(String css) {
        JsonNode box = waitUntil("a visible " + css, "(() => { const e = document.querySelector(" + js(css) + "); if (!e) return null;"
                + " e.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'}); const r = e.getBoundingClientRect();"
                + " return r.width > 0 && r.height > 0 ? {x: r.left + r.width / 2, y: r.top + r.height / 2} : null; })()", Duration.ofSeconds(20));
        return new double[] {box.get("x").asDouble(), box.get("y").asDouble()};
    }

    /** A drag with the left button from one point to another, in steps, as a hand would. */
    public void drag(double x1, double y1, double x2, double y2) {
        send("Input.dispatchMouseEvent", Map.of("type", "mouseMoved", "x", x1, "y", y1));
        send("Input.dispatchMouseEvent", Map.of("type", "mousePressed", "x", x1, "y", y1, "button", "left", "clickCount", 1));
        for (int i = 1; i <= 8; i++) {
            double x = x1 + (x2 - x1) * i / 8, y = y1 + (y2 - y1) * i / 8;
            send("Input.dispatchMouseEvent", Map.of("type", "mouseMoved", "x", x, "y", y, "button", "left", "buttons", 1));
        }
        send("Input.dispatchMouseEvent", Map.of("type", "mouseReleased", "x", x2, "y", y2, "button", "left", "clickCount", 1));
    }

    /** Runs {@code script} in every document this tab loads from now on, before the page's own scripts. */
    public void addInitScript(String script) {
        send("Page.addScriptToEvaluateOnNewDocument", Map.of("source", script));
    }

    /** Types text into the focused element. */
    public void type(String text) {
        send("Input.insertText", Map.of("text", text));
    }

    /** Presses a key such as {@code Enter}, {@code Tab} or {@code Escape} on the focused element. */
    public void press(String key) {
        Map<String, Object> base = new LinkedHashMap<>(Map.of("key", key, "code", key));
        int code = switch (key) {
            case "Enter" -> 13;
            case "Tab" -> 9;
            case "Escape" -> 27;
            default -> 0;
        };
        if (code > 0) base.put("windowsVirtualKeyCode", code);
        Map<String, Object> down = new LinkedHashMap<>(base);
        down.put("type", "keyDown");
        if (key.equals("Enter")) down.put("text", "\r");
        send("Input.dispatchKeyEvent", down);
        Map<String, Object> up = new LinkedHashMap<>(base);
        up.put("type", "keyUp");
        send("Input.dispatchKeyEvent", up);
    }

    /** PNG of the viewport. */
    public byte[] screenshot() {
        return Base64.getDecoder().decode(send("Page.captureScreenshot", Map.of("format", "png")).get("data").asText());
    }

    public void screenshot(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, screenshot());
    }

    /** Requests sent so far, in order. */
    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Requests whose address contains {@code part} that have been sent and neither finished nor failed yet. */
    public synchronized long inFlight(String part) {
        return inFlight.values().stream().filter(u -> u.contains(part)).count();
    }

    /** Problems seen so far. */
    public synchronized List<Problem> problems() {
        return List.copyOf(problems);
    }

    /** Forgets the requests and problems seen so far (to check one view at a time). */
    public synchronized void clearLog() {
        requests.clear();
        problems.clear();
    }

    /** Closes the tab. */
    public void close() {
        try {
            cdp.send(null, "Target.closeTarget", Map.of("targetId", targetId), COMMAND);
        } catch (RuntimeException ignored) {
            // the browser may already be gone
        }
    }
}
