package io.lathe.alarm;

import java.util.Locale;

/**
 * The annunciation state of an alarm after ISA-18.2 (IEC 62682) figure 7. OPC UA Part 9 spells the same states as
 * combinations of {@code ActiveState}, {@code AckedState} and {@code LatchedState}:
 * <ul>
 *   <li>{@link #NORMAL}: ActiveState=False, AckedState=True (ISA-18.2 state A)</li>
 *   <li>{@link #UNACK}: ActiveState=True, AckedState=False (state B, "active unacknowledged")</li>
 *   <li>{@link #ACK}: ActiveState=True, AckedState=True (state C, "active acknowledged")</li>
 *   <li>{@link #RTN_UNACK}: ActiveState=False, AckedState=False (state D, "returned to normal unacknowledged")</li>
 *   <li>{@link #LATCHED}: ActiveState=False, LatchedState=True (state E/F, "latched": needs a reset)</li>
 * </ul>
 * Shelved, out of service and suppressed by design (ISA-18.2 states G, H, I; OPC UA {@code ShelvingState},
 * {@code OutOfServiceState}, {@code SuppressedState}) are flags beside this state: while any holds, the alarm is not
 * annunciated and its state stays {@link #NORMAL}.
 */
public enum AlarmState {
    NORMAL, UNACK, ACK, RTN_UNACK, LATCHED;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AlarmState parse(String text) {
        if (text == null) return null;
        for (AlarmState s : values()) if (s.id().equalsIgnoreCase(text.strip())) return s;
        return null;
    }
}
