package io.lathe.alarm;

/**
 * The ISA-18.2 state machine of one alarm (see {@link AlarmState}); pure, with no clock, journal or locking of its own.
 * Each method applies one event and returns the change, or null when the event changes nothing. Operator actions that
 * do not apply throw {@link AlarmException} with {@link AlarmException.Code#INVALID_STATE}.
 *
 * <p>Rules beyond the plain table: while shelved, out of service or suppressed the alarm is not annunciated and its
 * state is {@code normal}; the process condition is still tracked ({@code active}), and when the alarm comes back into
 * annunciation while its condition holds it becomes {@code unack} again. A one-shot shelve ends when the condition
 * clears (the caller unshelves when {@link #oneShotDone()}). Out of service ends a shelve. A latching alarm whose condition clears goes to {@code latched} (acknowledged or
 * not), and only a reset brings it back to {@code normal}; a reset also acknowledges.
 */
public final class Lifecycle {
    /** One applied event. */
    public record Change(String event, AlarmState from, AlarmState to) {}

    private final boolean latching;
    private AlarmState state = AlarmState.NORMAL;
    private boolean active;
    private boolean acked = true;
    private long shelvedUntil = Long.MIN_VALUE;
    private boolean oneShot;
    private boolean outOfService;
    private boolean suppressed;
    private long activeSince = Long.MIN_VALUE;
    private long lastChange = Long.MIN_VALUE;
    private double value = Double.NaN;

    public Lifecycle(boolean latching) {
        this.latching = latching;
    }

    /** Restores a journaled status. */
    public void restore(Transition.Status s) {
        state = s.state();
        active = s.active();
        acked = s.acknowledged();
        shelvedUntil = s.shelvedUntilMicros();
        oneShot = s.oneShot();
        outOfService = s.outOfService();
        suppressed = s.suppressed();
        activeSince = s.activeSinceMicros();
        lastChange = s.lastChangeMicros();
        value = s.value();
    }

    public Transition.Status status() {
        return new Transition.Status(state, active, acked, shelvedUntil, oneShot, outOfService, suppressed, activeSince, lastChange, value);
    }

    public AlarmState state() { return state; }
    public boolean active() { return active; }
    public boolean acknowledged() { return acked; }
    public boolean shelved() { return shelvedUntil != Long.MIN_VALUE; }
    public long shelvedUntil() { return shelvedUntil; }
    public boolean oneShot() { return oneShot; }
    public boolean outOfService() { return outOfService; }
    public boolean suppressed() { return suppressed; }
    public long activeSince() { return activeSince; }
    public long lastChange() { return lastChange; }
    public double value() { return value; }

    /** True while the alarm reaches the operator: not shelved, out of service or suppressed. */
    public boolean annunciating() {
        return !shelved() && !outOfService && !suppressed;
    }

    /** The process condition after delays: activates or clears the alarm. */
    public Change condition(boolean on, long t, double v) {
        value = v;
        if (on == active) return null;
        AlarmState from = state;
        active = on;
        lastChange = t;
        if (on) {
            activeSince = t;
            if (annunciating()) set(AlarmState.UNACK, false);
            return new Change("activate", from, state);
        }
        activeSince = Long.MIN_VALUE;
        if (annunciating()) {
            if (latching) set(AlarmState.LATCHED, acked && state == AlarmState.ACK);
            else if (state == AlarmState.UNACK) set(AlarmState.RTN_UNACK, false);
            else if (state == AlarmState.ACK) set(AlarmState.NORMAL, true);
        }
        return new Change("clear", from, state);
    }

    /** A one-shot shelve whose activation is over: the caller unshelves (ISA-18.2: one-shot lasts one activation). */
    public boolean oneShotDone() {
        return shelved() && oneShot && !active;
    }

    public Change ack(long t) {
        AlarmState from = state;
        switch (state) {
            case UNACK -> set(AlarmState.ACK, true);
            case RTN_UNACK -> set(AlarmState.NORMAL, true);
            case LATCHED -> {
                if (acked) throw invalid("the alarm is latched and already acknowledged: reset it");
                acked = true;
            }
            default -> throw invalid("the alarm is " + state.id() + " and has nothing to acknowledge");
        }
        lastChange = t;
        return new Change("ack", from, state);
    }

    public Change reset(long t) {
        if (state != AlarmState.LATCHED) throw invalid("only a latched alarm can be reset; this one is " + state.id());
        AlarmState from = state;
        set(AlarmState.NORMAL, true);
        lastChange = t;
        return new Change("reset", from, state);
    }

    /** @param untilMicros end of the shelve, {@link Long#MAX_VALUE} with {@code oneShotShelve} */
    public Change shelve(long t, long untilMicros, boolean oneShotShelve) {
        if (outOfService) throw invalid("the alarm is out of service; it cannot be shelved");
        if (suppressed) throw invalid("the alarm is suppressed by design; shelving it has no effect");
        AlarmState from = state;
        shelvedUntil = untilMicros;
        oneShot = oneShotShelve;
        set(AlarmState.NORMAL, true);
        lastChange = t;
        return new Change("shelve", from, state);
    }

    public Change unshelve(long t) {
        if (!shelved()) throw invalid("the alarm is not shelved");
        AlarmState from = state;
        shelvedUntil = Long.MIN_VALUE;
        oneShot = false;
        reannunciate();
        lastChange = t;
        return new Change("unshelve", from, state);
    }

    public Change outOfService(long t) {
        if (outOfService) throw invalid("the alarm is already out of service");
        AlarmState from = state;
        outOfService = true;
        shelvedUntil = Long.MIN_VALUE;
        oneShot = false;
        set(AlarmState.NORMAL, true);
        lastChange = t;
        return new Change("out-of-service", from, state);
    }

    public Change inService(long t) {
        if (!outOfService) throw invalid("the alarm is in service");
        AlarmState from = state;
        outOfService = false;
        reannunciate();
        lastChange = t;
        return new Change("in-service", from, state);
    }

    /** Suppression by design (the machine's planned stop); null when it was already so. */
    public Change suppress(boolean on, long t) {
        if (on == suppressed) return null;
        AlarmState from = state;
        suppressed = on;
        if (on) set(AlarmState.NORMAL, true);
        else reannunciate();
        lastChange = t;
        return new Change(on ? "suppress" : "unsuppress", from, state);
    }

    public Change comment(long t) {
        return new Change("comment", state, state);
    }

    private void reannunciate() {
        if (!annunciating()) return;
        if (active) set(AlarmState.UNACK, false);
        else set(AlarmState.NORMAL, true);
    }

    private void set(AlarmState s, boolean ack) {
        state = s;
        acked = ack;
    }

    private static AlarmException invalid(String message) {
        return new AlarmException(AlarmException.Code.INVALID_STATE, message);
    }
}
