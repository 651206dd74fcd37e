package io.lathe.modbus.internal;

import io.lathe.modbus.ModbusPoint;
import io.lathe.model.Signal;
import java.util.List;

/**
 * One request of a unit's poll plan and what was learned about it. A request the device refuses with an exception
 * that concerns addresses is {@link #split() split} in two, recursively, down to single points; the split is kept, so
 * later polls read the parts that work without asking again. A single point the device refuses is {@link #bad} and
 * only retried when {@link #nextRetryMillis} is due.
 *
 * <p>Not thread-safe: owned by the connection's polling thread. {@link #requests()} may be read from other threads
 * and sees a recent plan.
 */
public final class PlannedRead {
    public final ReadBlock block;
    /** The signals of {@code block.points()}, index for index. */
    public final Signal[] signals;
    /** Non-null once split: these are read instead of this one. */
    private volatile PlannedRead[] parts;
    /** Its signals were marked stale and have had no good value since. */
    public boolean stale;
    /** A single point the device refused; read again only from {@link #nextRetryMillis}. */
    public boolean bad;
    public long nextRetryMillis;

    public PlannedRead(ReadBlock block, Signal[] signals) {
        if (block.points().size() != signals.length) {
            throw new IllegalArgumentException("one signal per point, but " + signals.length + " for " + block.points().size());
        }
        this.block = block;
        this.signals = signals;
    }

    /** The parts read instead of this request, or null when it is read whole. */
    public PlannedRead[] parts() {
        return parts;
    }

    /** True for a request of one point (or of several views of the same registers): it cannot be split further. */
    public boolean single() {
        List<ModbusPoint> ps = block.points();
        for (int i = 1; i < ps.size(); i++) {
            if (ps.get(i).address() != ps.get(0).address()) return false;
        }
        return true;
    }

    /**
     * Splits in two halves by point (points are sorted by address), each reading only the registers from its first
     * point to its last; the halves are read instead of this request from now on.
     *
     * @return the halves
     * @throws IllegalStateException for a {@link #single()} request
     */
    public PlannedRead[] split() {
        if (single()) throw new IllegalStateException("a request of one point cannot be split: " + block);
        List<ModbusPoint> ps = block.points();
        // Views of the same first register stay together, so the halves never read the same register twice.
        int mid = ps.size() / 2;
        while (mid > 0 && ps.get(mid).address() == ps.get(mid - 1).address()) mid--;
        if (mid == 0) {
            mid = ps.size() / 2;
            while (mid < ps.size() && ps.get(mid).address() == ps.get(mid - 1).address()) mid++;
        }
        PlannedRead[] halves = {part(0, mid), part(mid, ps.size())};
        parts = halves;
        return halves;
    }

    /** Reads this request whole again from the next poll on. */
    public void merge() {
        boolean anyStale = false;
        for (PlannedRead p : parts) anyStale |= p.anyStale();
        stale = anyStale;
        parts = null;
    }

    /** True when this request or one of its parts holds a {@link #bad} point. */
    public boolean anyBad() {
        PlannedRead[] p = parts;
        if (p == null) return bad;
        for (PlannedRead x : p) {
            if (x.anyBad()) return true;
        }
        return false;
    }

    private boolean anyStale() {
        PlannedRead[] p = parts;
        if (p == null) return stale;
        for (PlannedRead x : p) {
            if (x.anyStale()) return true;
        }
        return false;
    }

    /** Requests one poll of this plan entry sends, with bad points counted as one each. */
    public int requests() {
        PlannedRead[] p = parts;
        if (p == null) return 1;
        int n = 0;
        for (PlannedRead x : p) n += x.requests();
        return n;
    }

    private PlannedRead part(int from, int to) {
        List<ModbusPoint> ps = block.points().subList(from, to);
        int start = Integer.MAX_VALUE;
        int end = Integer.MIN_VALUE;
        for (ModbusPoint p : ps) {
            start = Math.min(start, p.address());
            end = Math.max(end, p.address() + p.width());
        }
        Signal[] s = new Signal[to - from];
        System.arraycopy(signals, from, s, 0, s.length);
        return new PlannedRead(new ReadBlock(block.table(), start, end - start, ps), s);
    }
}
