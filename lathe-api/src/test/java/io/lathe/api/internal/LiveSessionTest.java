package io.lathe.api.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.ingest.Latest;
import io.lathe.model.Quality;
import io.lathe.model.Value;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LiveSessionTest {

    private final AtomicInteger coalesced = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final LiveSession.Counters counters = new LiveSession.Counters() {
        @Override
        public void coalesced() {
            coalesced.incrementAndGet();
        }

        @Override
        public void dropped() {
            dropped.incrementAndGet();
        }
    };

    @Test
    void aSlowClientGetsTheNewestValueOfEachSignalInArrivalOrder() throws Exception {
        // Coalescing per signal bounds memory for a slow client without ever showing it an outdated value.
        LiveSession s = new LiveSession(10, id -> true, counters);
        s.accept(point("a", 1, 1.0));
        s.accept(point("b", 1, 2.0));
        s.accept(point("a", 2, 3.0));

        List<Latest> batch = s.take(0);

        assertThat(batch).extracting(Latest::signalId).containsExactly("a", "b");
        assertThat(batch.get(0).value()).isEqualTo(Value.of(3.0));
        assertThat(coalesced).hasValue(1);
        assertThat(dropped).hasValue(0);
    }

    @Test
    void pastCapacityTheOldestPendingSignalIsDroppedAndCounted() throws Exception {
        // The ingest thread must never wait for a client: overflow drops the oldest entry, visibly.
        LiveSession s = new LiveSession(2, id -> true, counters);
        s.accept(point("a", 1, 1.0));
        s.accept(point("b", 1, 1.0));
        s.accept(point("c", 1, 1.0));

        assertThat(s.take(0)).extracting(Latest::signalId).containsExactly("b", "c");
        assertThat(s.dropped()).isEqualTo(1);
        assertThat(dropped).hasValue(1);
    }

    @Test
    void filteredSignalsAreNotQueued() throws Exception {
        // ?asset= scopes a stream; values outside it must not use the client's queue.
        LiveSession s = new LiveSession(10, id -> id.startsWith("line1."), counters);
        s.accept(point("line2.x", 1, 1.0));
        s.accept(point("line1.y", 1, 1.0));

        assertThat(s.take(0)).extracting(Latest::signalId).containsExactly("line1.y");
    }

    @Test
    void takeReturnsEmptyOnTimeoutAndNullOnceClosed() throws Exception {
        // The writer loop relies on these two answers to send heartbeats and to stop.
        LiveSession s = new LiveSession(10, id -> true, counters);
        assertThat(s.take(1)).isEmpty();
        s.accept(point("a", 1, 1.0));
        s.close();
        assertThat(s.take(1000)).isNull();
        s.accept(point("a", 2, 1.0));
        assertThat(s.take(0)).isNull();
    }

    private static Latest point(String id, long micros, double v) {
        return new Latest(id, micros, Value.of(v), Quality.GOOD);
    }
}
