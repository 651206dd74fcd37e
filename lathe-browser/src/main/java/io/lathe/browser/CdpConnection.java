package io.lathe.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One WebSocket to Chromium's DevTools endpoint (the browser target). Commands carry an optional session id (flat
 * sessions, one per page), answers complete their futures, events go to the listeners. The JDK's own WebSocket client
 * is enough for the protocol, so the browser tests need no driver binary matched to the browser's version.
 */
public final class CdpConnection implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** An event as Chromium sends it; {@code sessionId} is null for browser-level events. */
    public record Event(String sessionId, String method, JsonNode params) {}

    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();
    private final WebSocket socket;
    private volatile Throwable closedBy;

    private CdpConnection(URI endpoint) throws Exception {
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(endpoint, new Receiver()).get(20, TimeUnit.SECONDS);
    }

    static CdpConnection open(URI endpoint) throws Exception {
        return new CdpConnection(endpoint);
    }

    public void addListener(Consumer<Event> listener) {
        listeners.add(listener);
    }

    /** Sends a command and waits for its answer's {@code result}; a protocol error becomes a {@link CdpException}. */
    public JsonNode send(String sessionId, String method, Map<String, ?> params, Duration timeout) {
        if (closedBy != null) throw new CdpException("the DevTools connection is closed: " + closedBy.getMessage());
        long id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", JSON.valueToTree(params == null ? Map.of() : params));
        if (sessionId != null) msg.put("sessionId", sessionId);
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            synchronized (socket) {
                socket.sendText(msg.toString(), true).get(10, TimeUnit.SECONDS);
            }
            JsonNode reply = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (reply.has("error")) throw new CdpException(method + " failed: " + reply.get("error"));
            return reply.path("result");
        } catch (TimeoutException e) {
            throw new CdpException(method + " got no answer within " + timeout);
        } catch (ExecutionException e) {
            throw new CdpException(method + " failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CdpException(method + " interrupted");
        } finally {
            pending.remove(id);
        }
    }

    @Override
    public void close() {
        socket.abort();
    }

    private final class Receiver implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                dispatch(text);
            }
            ws.request(1);
            return null;
        }

        private void dispatch(String text) {
            JsonNode msg;
            try {
                msg = JSON.readTree(text);
            } catch (Exception e) {
                return; // not JSON: nothing in the protocol sends that
            }
            if (msg.has("id")) {
                CompletableFuture<JsonNode> f = pending.get(msg.get("id").asLong());
                if (f != null) f.complete(msg);
                return;
            }
            Event ev = new Event(msg.hasNonNull("sessionId") ? msg.get("sessionId").asText() : null,
                    msg.path("method").asText(), msg.path("params"));
            for (Consumer<Event> l : listeners) {
                try {
                    l.accept(ev);
                } catch (RuntimeException ignored) {
                    // a listener's bug must not stop the reader thread
                }
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            fail(new CdpException("closed by the browser (" + statusCode + " " + reason + ")"));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            fail(error);
        }

        private void fail(Throwable t) {
            closedBy = t;
            pending.values().forEach(f -> f.completeExceptionally(t));
        }
    }

    /** A DevTools command that failed, timed out, or a page condition not met in time. */
    public static final class CdpException extends RuntimeException {
        public CdpException(String message) {
            super(message);
        }
    }
}
