package io.lathe.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lathe.auth.internal.SecureFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;

/**
 * Append-only audit log, one JSON object per line in {@code <data-dir>/audit.jsonl} (owner-only, 600):
 * <pre>{"time":"2026-12-04T05:00:00Z","actor":"user:alice","address":"10.0.0.5","kind":"downtime.reason",
 *  "target":"press-7","outcome":"success","details":{"code":"M12"}}</pre>
 * Lathe never rewrites or truncates it; rotate it with the operating system's tools (copy-truncate is safe between
 * entries). Each entry is forced to disk before {@link #record} returns. Secrets never reach the file: detail keys
 * that look like secrets are masked, API-token-shaped values are cut to their public prefix, and long values are
 * truncated. Thread-safe.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|secret|credential|cookie|session|csrf|token(?!prefix)).*");
    private static final Pattern TOKEN_VALUE = Pattern.compile("lathe_([a-z0-9]{8})_[A-Za-z0-9_-]+");
    static final int MAX_VALUE_CHARS = 256;
    static final int MAX_DETAILS = 32;

    private final Path file;
    private final InstantSource clock;
    private final FileChannel channel;
    private final LongAdder malformedLines = new LongAdder();

    private AuditLog(Path file, InstantSource clock, FileChannel channel) {
        this.file = file;
        this.clock = clock;
        this.channel = channel;
    }

    /**
     * Opens (or creates, owner-only) the log file for appending. A last line cut short by a crash is closed with a
     * newline so the next entry starts on its own line.
     *
     * @throws AuthException {@link AuthError#STORE} when the file cannot be opened
     */
    public static AuditLog open(Path file, InstantSource clock) {
        Path f = file.toAbsolutePath().normalize();
        SecureFiles.ensureDirectory(f.getParent());
        try {
            boolean existed = Files.exists(f);
            FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            if (!existed) SecureFiles.restrictToOwner(f);
            long size = ch.size();
            if (size > 0) {
                ByteBuffer last = ByteBuffer.allocate(1);
                try (FileChannel r = FileChannel.open(f, StandardOpenOption.READ)) {
                    r.read(last, size - 1);
                }
                if (last.get(0) != '\n') ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
            }
            return new AuditLog(f, clock, ch);
        } catch (IOException e) {
            throw new AuthException(AuthError.STORE, "Cannot open audit log [path=" + f + "]: " + e.getMessage()
                    + ". Check that the data folder is writable by the user running Lathe.", e);
        }
    }

    public Path file() {
        return file;
    }

    /** Records an event that happens now. See {@link #record(AuditEvent)}. */
    public AuditEvent record(Actor actor, AuditKind kind, String target, AuditEvent.Outcome outcome, Map<String, String> details) {
        AuditEvent e = new AuditEvent(clock.instant(), actor.name(), actor.address(), kind, target, outcome, details);
        record(e);
        return e;
    }

    /**
     * Appends one entry and forces it to disk.
     *
     * @throws AuthException {@link AuthError#STORE} when it cannot be written; the caller should then refuse the
     *                       change it was about to make, so that no change goes unrecorded
     */
    public void record(AuditEvent e) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("time", e.time().toString());
        n.put("actor", clip(e.actor()));
        if (e.address() != null) n.put("address", clip(e.address()));
        n.put("kind", e.kind().code());
        if (e.target() != null) n.put("target", clip(maskValue(e.target())));
        n.put("outcome", e.outcome().name().toLowerCase(java.util.Locale.ROOT));
        if (!e.details().isEmpty()) {
            ObjectNode d = n.putObject("details");
            int count = 0;
            for (Map.Entry<String, String> x : e.details().entrySet()) {
                if (++count > MAX_DETAILS) {
                    d.put("truncated", String.valueOf(e.details().size() - MAX_DETAILS) + " more details left out");
                    break;
                }
                String key = clip(x.getKey());
                d.put(key, SECRET_KEY.matcher(key).matches() ? "***" : clip(maskValue(x.getValue())));
            }
        }
        byte[] line;
        try {
            line = (MAPPER.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        synchronized (this) {
            try {
                ByteBuffer buf = ByteBuffer.wrap(line);
                while (buf.hasRemaining()) channel.write(buf);
                channel.force(false);
            } catch (IOException ex) {
                LOG.error("Audit entry not written [path={}, kind={}, actor={}]: {}", file, e.kind().code(), e.actor(), ex.getMessage());
                throw new AuthException(AuthError.STORE, "Cannot write audit log [path=" + file + "]: " + ex.getMessage()
                        + ". Check free space; changes are refused until the audit log can be written.", ex);
            }
        }
    }

    /**
     * Reads entries matching {@code q}, newest first, at most {@code q.limit()}. Lines that cannot be parsed are
     * skipped and counted ({@link #malformedLines()}).
     */
    public List<AuditEvent> query(AuditQuery q) {
        ArrayDeque<AuditEvent> newest = new ArrayDeque<>(Math.min(q.limit(), 1024));
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) continue;
                AuditEvent e = parse(line);
                if (e == null) {
                    malformedLines.increment();
                    continue;
                }
                if (!q.matches(e)) continue;
                if (newest.size() == q.limit()) newest.removeFirst();
                newest.addLast(e);
            }
        } catch (IOException ex) {
            throw new AuthException(AuthError.STORE, "Cannot read audit log [path=" + file + "]: " + ex.getMessage() + ".", ex);
        }
        List<AuditEvent> out = new ArrayList<>(newest.size());
        for (Iterator<AuditEvent> it = newest.descendingIterator(); it.hasNext(); ) out.add(it.next());
        return out;
    }

    /** Lines skipped by {@link #query} because they could not be parsed, since start. */
    public long malformedLines() {
        return malformedLines.sum();
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("Closing audit log failed [path={}]: {}", file, e.getMessage());
        }
    }

    private static AuditEvent parse(String line) {
        try {
            JsonNode n = MAPPER.readTree(line);
            AuditKind kind = AuditKind.fromCode(n.path("kind").asText());
            if (kind == null || !n.hasNonNull("time") || !n.hasNonNull("actor")) return null;
            Map<String, String> details = new LinkedHashMap<>();
            n.path("details").properties().forEach(x -> details.put(x.getKey(), x.getValue().asText()));
            return new AuditEvent(Instant.parse(n.get("time").asText()), n.get("actor").asText(), text(n, "address"), kind,
                    text(n, "target"), AuditEvent.Outcome.valueOf(n.path("outcome").asText().toUpperCase(java.util.Locale.ROOT)), details);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String maskValue(String v) {
        return v == null ? null : TOKEN_VALUE.matcher(v).replaceAll("lathe_$1_***");
    }

    private static String clip(String v) {
        if (v == null || v.length() <= MAX_VALUE_CHARS) return v;
        return v.substring(0, MAX_VALUE_CHARS) + "…(" + v.length() + " chars)";
    }
}
