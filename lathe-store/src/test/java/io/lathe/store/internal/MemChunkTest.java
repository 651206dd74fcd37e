package io.lathe.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MemChunkTest {

    private record P(int id, long ts, long bits, byte q, String text) {}

    @Test
    void sealingGroupsBySeriesKeepingArrivalOrderAndReadsAgreeBeforeAndAfter() {
        MemChunk.Scratch scratch = new MemChunk.Scratch();
        Random rnd = new Random(3);
        MemChunk c = new MemChunk(512);
        for (int round = 0; round < 3; round++) { // the same chunk and scratch reused: nothing of a round may leak into the next
            List<P> points = new ArrayList<>();
            while (!c.full()) {
                int id = rnd.nextInt(40) * 3; // sparse ids, some never used
                long ts = 1000 + rnd.nextInt(200); // out of order and repeated timestamps
                String text = id % 2 == 0 && rnd.nextBoolean() ? "t" + rnd.nextInt(1000) : null;
                P p = new P(id, ts, rnd.nextLong(), (byte) rnd.nextInt(3), text);
                points.add(p);
                c.add(p.id, p.ts, p.bits, p.q, p.text);
            }
            long[] openMin = new long[120];
            java.util.Arrays.fill(openMin, Long.MAX_VALUE);
            c.minTsInto(openMin);
            List<Columns> before = new ArrayList<>();
            for (int id = 0; id < 120; id++) before.add(read(c, id, 1050, 1150));
            c.seal(scratch, 120);
            assertThat(c.sealed()).isTrue();
            assertThat(c.minTs()).isEqualTo(points.stream().mapToLong(P::ts).min().orElseThrow());
            assertThat(c.maxTs()).isEqualTo(points.stream().mapToLong(P::ts).max().orElseThrow());
            int total = 0;
            int previous = -1;
            for (int pos = 0; pos < c.size(); pos = c.runEnd(pos)) {
                int id = c.idAt(pos);
                assertThat(id).isGreaterThan(previous);
                previous = id;
                List<P> expected = points.stream().filter(p -> p.id == id).toList();
                Columns got = new Columns(DataType.TEXT, 4);
                c.copyRun(pos, c.runEnd(pos), Long.MIN_VALUE, Long.MAX_VALUE, got);
                assertThat(got.size).isEqualTo(expected.size());
                for (int i = 0; i < got.size; i++) {
                    assertThat(got.ts[i]).isEqualTo(expected.get(i).ts);
                    assertThat(got.bits[i]).isEqualTo(expected.get(i).bits);
                    assertThat(got.quality[i]).isEqualTo(expected.get(i).q);
                    assertThat(got.text[i]).isEqualTo(expected.get(i).text);
                }
                total += got.size;
            }
            assertThat(total).isEqualTo(512);
            long[] sealedMin = new long[120];
            java.util.Arrays.fill(sealedMin, Long.MAX_VALUE);
            c.minTsInto(sealedMin);
            for (int id = 0; id < 120; id++) {
                final int sid = id;
                long expected = points.stream().filter(p -> p.id == sid).mapToLong(P::ts).min().orElse(Long.MAX_VALUE);
                assertThat(openMin[id]).isEqualTo(expected);
                assertThat(sealedMin[id]).isEqualTo(expected);
            }
            for (int id = 0; id < 120; id++) {
                Columns after = read(c, id, 1050, 1150);
                assertThat(after.size).as("series %d", id).isEqualTo(before.get(id).size);
                for (int i = 0; i < after.size; i++) {
                    assertThat(after.ts[i]).isEqualTo(before.get(id).ts[i]);
                    assertThat(after.bits[i]).isEqualTo(before.get(id).bits[i]);
                    assertThat(after.text[i]).isEqualTo(before.get(id).text[i]);
                }
            }
            c.reset();
            assertThat(c.size()).isZero();
            assertThat(c.sealed()).isFalse();
        }
    }

    @Test
    void aChunkAlreadyInSeriesOrderIsSealedInPlaceWithTheSameDirectory() {
        MemChunk c = new MemChunk(64);
        for (int i = 0; i < 64; i++) c.add(i < 10 ? 2 : i < 40 ? 5 : 9, 100 + i, i, (byte) 0, null);
        c.seal(new MemChunk.Scratch(), 10);
        assertThat(new int[] {c.runEnd(0), c.runEnd(10), c.runEnd(40)}).containsExactly(10, 40, 64);
        assertThat(new int[] {c.idAt(0), c.idAt(10), c.idAt(40)}).containsExactly(2, 5, 9);
        Columns five = read(c, 5, Long.MIN_VALUE, Long.MAX_VALUE);
        assertThat(five.size).isEqualTo(30);
        assertThat(five.bits[0]).isEqualTo(10);
        // the scratch's counts were cleared: a second chunk with other series seals right
        MemChunk d = new MemChunk(4);
        d.add(9, 1, 1, (byte) 0, null);
        d.add(2, 2, 2, (byte) 0, null);
        d.add(9, 3, 3, (byte) 0, null);
        d.add(2, 4, 4, (byte) 0, null);
        MemChunk.Scratch sc = new MemChunk.Scratch();
        c.reset();
        for (int i = 0; i < 64; i++) c.add(7, i, i, (byte) 0, null);
        c.seal(sc, 10);
        d.seal(sc, 10);
        assertThat(new int[] {d.idAt(0), d.idAt(1), d.idAt(2), d.idAt(3), d.runEnd(0), d.runEnd(2)}).containsExactly(2, 2, 9, 9, 2, 4);
        assertThat(read(d, 9, 0, 10).bits).startsWith(1, 3);
    }

    private static Columns read(MemChunk c, int id, long from, long to) {
        Columns out = new Columns(DataType.TEXT, 4);
        c.copyRange(id, from, to, out);
        return out;
    }

    @Test
    void gatherGivesEachSeriesItsPointsInRangeInChunkAndArrivalOrderWhateverTheRangeSize() throws Exception {
        Random rnd = new Random(11);
        MemChunk.Scratch scratch = new MemChunk.Scratch();
        MemChunk.Gather g = new MemChunk.Gather(); // reused: nothing of one run may leak into the next
        for (int round = 0; round < 6; round++) {
            int seriesCount = 50 + rnd.nextInt(200);
            boolean withText = round % 2 == 0;
            List<MemChunk> chunks = new ArrayList<>();
            List<P> points = new ArrayList<>(); // chunk order, then arrival order: the order a series must keep
            for (int k = 0, n = 1 + rnd.nextInt(9); k < n; k++) {
                MemChunk c = new MemChunk(64 + rnd.nextInt(400));
                List<P> mine = new ArrayList<>();
                int fill = rnd.nextInt(4) == 0 ? rnd.nextInt(c.capacity) : c.capacity;
                for (int i = 0; i < fill; i++) {
                    int id = rnd.nextInt(seriesCount / 3 + 1) * 3 % seriesCount; // sparse
                    String text = withText && id % 2 == 1 ? "v" + rnd.nextInt(100) : null;
                    P p = new P(id, 1000 + rnd.nextInt(300), rnd.nextLong(), (byte) rnd.nextInt(3), text);
                    mine.add(p);
                    c.add(p.id, p.ts, p.bits, p.q, p.text);
                }
                c.seal(scratch, seriesCount);
                chunks.add(c);
                points.addAll(mine);
            }
            long from = 1000 + rnd.nextInt(100), to = from + 50 + rnd.nextInt(300);
            int target = new int[] {1, 7, 100, 100_000}[round % 4];
            List<Integer> visited = new ArrayList<>();
            g.run(chunks, seriesCount, from, to, target, (id, a, b) -> {
                visited.add(id);
                List<P> expected = points.stream().filter(p -> p.id == id && p.ts >= from && p.ts < to).toList();
                assertThat(b - a).as("series %d", id).isEqualTo(expected.size());
                for (int i = a; i < b; i++) {
                    P e = expected.get(i - a);
                    assertThat(g.ts[i]).isEqualTo(e.ts);
                    assertThat(g.bits[i]).isEqualTo(e.bits);
                    assertThat(g.quality[i]).isEqualTo(e.q);
                    assertThat(g.text == null ? null : g.text[i]).isEqualTo(e.text);
                }
            });
            List<Integer> expectedIds = points.stream().filter(p -> p.ts >= from && p.ts < to).map(P::id).distinct().sorted().toList();
            assertThat(visited).isEqualTo(expectedIds);
        }
    }
}
