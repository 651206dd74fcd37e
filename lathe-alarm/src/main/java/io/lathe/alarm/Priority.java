package io.lathe.alarm;

import java.util.Locale;

/** Alarm priority after ISA-18.2 (four levels; the console sorts by it, notifications route by it). */
public enum Priority {
    URGENT, HIGH, MEDIUM, LOW;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code urgent}, {@code high}, {@code medium} or {@code low}; null when it is none of them. */
    public static Priority parse(String text) {
        if (text == null) return null;
        for (Priority p : values()) if (p.id().equalsIgnoreCase(text.strip())) return p;
        return null;
    }
}
