package io.lathe.alarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ISA-18.2 state machine, by example and against an independent table model with random event sequences. */
class LifecycleTest {

    @Test
    void activateAcknowledgeClear() {
        Lifecycle lc = new Lifecycle(false);
        assertThat(lc.condition(true, 1, 5).to()).isEqualTo(AlarmState.UNACK);
        assertThat(lc.ack(2).to()).isEqualTo(AlarmState.ACK);
        assertThat(lc.condition(false, 3, 1).to()).isEqualTo(AlarmState.NORMAL);
        assertThatThrownBy(() -> lc.ack(4)).isInstanceOf(AlarmException.class).hasMessageContaining("nothing to acknowledge");
    }

    @Test
    void returnToNormalUnacknowledgedThenAck() {
        Lifecycle lc = new Lifecycle(false);
        lc.condition(true, 1, 5);
        assertThat(lc.condition(false, 2, 1).to()).isEqualTo(AlarmState.RTN_UNACK);
        assertThat(lc.acknowledged()).isFalse();
        assertThat(lc.ack(3).to()).isEqualTo(AlarmState.NORMAL);
    }

    @Test
    void latchedNeedsReset() {
        Lifecycle lc = new Lifecycle(true);
        lc.condition(true, 1, 5);
        lc.ack(2);
        assertThat(lc.condition(false, 3, 1).to()).isEqualTo(AlarmState.LATCHED);
        assertThat(lc.acknowledged()).isTrue();
        assertThat(lc.reset(4).to()).isEqualTo(AlarmState.NORMAL);
        assertThatThrownBy(() -> lc.reset(5)).hasMessageContaining("only a latched alarm");
    }

    @Test
    void shelvedActiveAlarmComesBackUnacknowledgedWhenUnshelved() {
        Lifecycle lc = new Lifecycle(false);
        lc.condition(true, 1, 5);
        assertThat(lc.shelve(2, 100, false).to()).isEqualTo(AlarmState.NORMAL);
        assertThat(lc.active()).isTrue();
        assertThat(lc.unshelve(3).to()).isEqualTo(AlarmState.UNACK);
    }

    @Test
    void oneShotShelveEndsWhenTheConditionClears() {
        Lifecycle lc = new Lifecycle(false);
        lc.condition(true, 1, 5);
        lc.shelve(2, Long.MAX_VALUE, true);
        assertThat(lc.oneShotDone()).isFalse();
        lc.condition(false, 3, 1);
        assertThat(lc.oneShotDone()).isTrue();
    }

    @Test
    void outOfServiceCannotBeShelvedAndEndsAShelve() {
        Lifecycle lc = new Lifecycle(false);
        lc.shelve(1, 100, false);
        lc.outOfService(2);
        assertThat(lc.shelved()).isFalse();
        assertThatThrownBy(() -> lc.shelve(3, 100, false)).hasMessageContaining("out of service");
    }

    // ---- property test ----

    /**
     * An independent model of the ISA-18.2 state table: written as a lookup on (state, event) rather than as the
     * implementation's branches, plus the three "not annunciated" flags.
     */
    private static final class Model {
        final boolean latching;
        String state = "normal";
        boolean active, acked = true, shelved, oneShot, oos, suppressed;

        Model(boolean latching) {
            this.latching = latching;
        }

        boolean silent() {
            return shelved || oos || suppressed;
        }

        /** @return false when the event is refused */
        boolean apply(String event) {
            switch (event) {
                case "on" -> {
                    if (active) return true;
                    active = true;
                    if (!silent()) { state = "unack"; acked = false; }
                }
                case "off" -> {
                    if (!active) return true;
                    active = false;
                    if (!silent()) {
                        String next = switch (state) {
                            case "unack" -> latching ? "latched" : "rtn_unack";
                            case "ack" -> latching ? "latched" : "normal";
                            default -> state;
                        };
                        boolean nextAck = switch (state) {
                            case "unack" -> false;
                            case "ack" -> true;
                            default -> acked;
                        };
                        state = next;
                        acked = nextAck;
                    } else if (shelved && oneShot) {
                        shelved = false; oneShot = false; state = "normal"; acked = true;
                    }
                }
                case "ack" -> {
                    switch (state) {
                        case "unack" -> { state = "ack"; acked = true; }
                        case "rtn_unack" -> { state = "normal"; acked = true; }
                        case "latched" -> { if (acked) return false; acked = true; }
                        default -> { return false; }
                    }
                }
                case "reset" -> {
                    if (!state.equals("latched")) return false;
                    state = "normal"; acked = true;
                }
                case "shelve", "shelve1" -> {
                    if (oos || suppressed) return false;
                    shelved = true; oneShot = event.equals("shelve1"); state = "normal"; acked = true;
                }
                case "unshelve" -> {
                    if (!shelved) return false;
                    shelved = false; oneShot = false; back();
                }
                case "oos" -> {
                    if (oos) return false;
                    oos = true; shelved = false; oneShot = false; state = "normal"; acked = true;
                }
                case "ins" -> {
                    if (!oos) return false;
                    oos = false; back();
                }
                case "supp" -> {
                    if (!suppressed) { suppressed = true; state = "normal"; acked = true; }
                }
                case "unsupp" -> {
                    if (suppressed) { suppressed = false; back(); }
                }
                default -> throw new IllegalArgumentException(event);
            }
            return true;
        }

        private void back() {
            if (silent()) return;
            if (active) { state = "unack"; acked = false; } else { state = "normal"; acked = true; }
        }
    }

    private static final String[] EVENTS = {"on", "off", "on", "off", "ack", "reset", "shelve", "shelve1", "unshelve", "oos", "ins", "supp", "unsupp", "restart"};

    @Test
    void randomSequencesAgreeWithTheTableModel() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        for (int run = 0; run < 2000; run++) {
            boolean latching = rnd.nextBoolean();
            Model m = new Model(latching);
            Lifecycle lc = new Lifecycle(latching);
            StringBuilder trail = new StringBuilder();
            for (int step = 0; step < 40; step++) {
                String e = EVENTS[rnd.nextInt(EVENTS.length)];
                trail.append(e).append(' ');
                long t = step;
                if (e.equals("restart")) { // what the engine does after a crash: restore the last journaled status
                    Lifecycle again = new Lifecycle(latching);
                    again.restore(lc.status());
                    lc = again;
                    continue;
                }
                boolean allowed = m.apply(e);
                boolean done;
                try {
                    final Lifecycle l = lc;
                    switch (e) {
                        case "on" -> l.condition(true, t, 1);
                        case "off" -> {
                            // as the engine does: a one-shot shelve ends when the condition clears
                            if (l.condition(false, t, 0) != null && l.oneShotDone()) l.unshelve(t);
                        }
                        case "ack" -> l.ack(t);
                        case "reset" -> l.reset(t);
                        case "shelve" -> l.shelve(t, 1000, false);
                        case "shelve1" -> l.shelve(t, Long.MAX_VALUE, true);
                        case "unshelve" -> l.unshelve(t);
                        case "oos" -> l.outOfService(t);
                        case "ins" -> l.inService(t);
                        case "supp" -> l.suppress(true, t);
                        case "unsupp" -> l.suppress(false, t);
                        default -> throw new IllegalStateException(e);
                    }
                    done = true;
                } catch (AlarmException ex) {
                    done = false;
                }
                String where = "seed " + seed + ", run " + run + (latching ? " (latching)" : "") + ": " + trail;
                assertThat(done).as("accepted? " + where).isEqualTo(allowed);
                assertThat(lc.state().id()).as("state " + where).isEqualTo(m.state);
                assertThat(lc.active()).as("active " + where).isEqualTo(m.active);
                assertThat(lc.acknowledged()).as("acked " + where).isEqualTo(m.acked);
                assertThat(lc.shelved()).as("shelved " + where).isEqualTo(m.shelved);
                assertThat(lc.outOfService()).as("oos " + where).isEqualTo(m.oos);
                assertThat(lc.suppressed()).as("suppressed " + where).isEqualTo(m.suppressed);
            }
        }
    }
}
