package io.lathe.alarm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only journal of alarm transitions: one JSON object per line in {@code <data-dir>/alarms/journal.jsonl},
 * written and forced to disk ({@code fsync}) before the transition is visible anywhere else. So after a crash (kill -9)
 * every transition an operator or a client could have seen is in the file.
 *
 * <p>Replay: lines are read in order; each carries a strictly increasing {@code seq}, and a line whose {@code seq} is not
 * above the last one read is skipped, so the same transition is never applied twice. A torn last line (a crash in the
 * middle of a write) fails to parse; it is cut off and logged, and appends continue after the last whole line.
 * Thread-safe.
 */
public final class AlarmJournal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlarmJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final boolean sync;
    private long seq;
    private int skipped;

    private AlarmJournal(Path file, FileChannel channel, long seq, boolean sync, int skipped) {
        this.file = file;
        this.channel = channel;
        this.seq = seq;
        this.sync = sync;
        this.skipped = skipped;
    }

    /** The result of opening: the journal, and every transition in it, oldest first. */
    public record Opened(AlarmJournal journal, List<Transition> transitions) {}

    /**
     * Opens (creating) the journal and reads it back.
     *
     * @param sync force every append to disk; false only for benchmarks and tests that need no crash safety
     */
    public static Opened open(Path file, boolean sync) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        List<Transition> out = new ArrayList<>();
        long last = 0;
        long goodBytes = 0;
        int skipped = 0;
        if (Files.exists(file)) {
            byte[] all = Files.readAllBytes(file);
            int start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] != '\n') continue;
                String line = new String(all, start, i - start, StandardCharsets.UTF_8);
                start = i + 1;
                try {
                    Transition t = parse(JSON.readTree(line));
                    if (t.seq() <= last) {
                        skipped++;
                    } else {
                        out.add(t);
                        last = t.seq();
                    }
                } catch (IOException | RuntimeException e) {
                    skipped++;
                    log.warn("alarm journal line skipped [file={}, byte={}]: {}", file, goodBytes, e.toString());
                }
                goodBytes = start;
            }
            if (goodBytes < all.length) {
                log.warn("alarm journal ends in a torn line [file={}, bytes cut={}]: a crash during a write; the transition it held was never shown",
                        file, all.length - goodBytes);
            }
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        ch.truncate(goodBytes);
        ch.position(goodBytes);
        return new Opened(new AlarmJournal(file, ch, last, sync, skipped), out);
    }

    /** Lines skipped on open (duplicates by {@code seq} or unreadable). */
    public int skipped() {
        return skipped;
    }

    public Path file() {
        return file;
    }

    /**
     * Appends a transition with the next sequence number and forces it to disk.
     *
     * @return the transition with its {@code seq}
     */
    public synchronized Transition append(Transition t) throws IOException {
        Transition numbered = new Transition(seq + 1, t.alarm(), t.asset(), t.atMicros(), t.event(), t.from(), t.to(), t.user(),
                t.comment(), t.value(), t.status());
        byte[] line = (JSON.writeValueAsString(toJson(numbered)) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.wrap(line);
        while (b.hasRemaining()) channel.write(b);
        if (sync) channel.force(false);
        seq = numbered.seq();
        return numbered;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }

    static ObjectNode toJson(Transition t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("seq", t.seq());
        o.put("alarm", t.alarm());
        o.put("asset", t.asset());
        o.put("at", t.atMicros());
        o.put("event", t.event());
        o.put("from", t.from().id());
        o.put("to", t.to().id());
        o.put("user", t.user());
        if (t.comment() != null) o.put("comment", t.comment());
        if (!Double.isNaN(t.value())) o.put("value", t.value());
        Transition.Status s = t.status();
        ObjectNode st = o.putObject("status");
        st.put("state", s.state().id());
        st.put("active", s.active());
        st.put("acknowledged", s.acknowledged());
        st.put("shelvedUntil", s.shelvedUntilMicros());
        st.put("oneShot", s.oneShot());
        st.put("outOfService", s.outOfService());
        st.put("suppressed", s.suppressed());
        st.put("activeSince", s.activeSinceMicros());
        st.put("lastChange", s.lastChangeMicros());
        if (!Double.isNaN(s.value())) st.put("value", s.value());
        return o;
    }

    static Transition parse(JsonNode o) {
        JsonNode st = o.get("status");
        if (st == null) throw new IllegalArgumentException("no status");
        Transition.Status s = new Transition.Status(state(st.get("state").asText()), st.get("active").asBoolean(),
                st.get("acknowledged").asBoolean(), st.get("shelvedUntil").asLong(), st.get("oneShot").asBoolean(),
                st.get("outOfService").asBoolean(), st.get("suppressed").asBoolean(), st.get("activeSince").asLong(),
                st.get("lastChange").asLong(), st.has("value") ? st.get("value").asDouble() : Double.NaN);
        return new Transition(o.get("seq").asLong(), o.get("alarm").asText(), o.get("asset").asText(), o.get("at").asLong(),
                o.get("event").asText(), state(o.get("from").asText()), state(o.get("to").asText()), o.get("user").asText(),
                o.has("comment") ? o.get("comment").asText() : null, o.has("value") ? o.get("value").asDouble() : Double.NaN, s);
    }

    private static AlarmState state(String s) {
        AlarmState a = AlarmState.parse(s);
        if (a == null) throw new IllegalArgumentException("unknown state " + s);
        return a;
    }

}
