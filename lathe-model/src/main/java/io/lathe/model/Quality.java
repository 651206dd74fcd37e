package io.lathe.model;

/**
 * Quality of a point, kept as one byte next to every value in the store.
 * STALE is what Sparkplug's NDEATH/DDEATH and a lost connection leave behind: the last value is kept but no longer trusted.
 */
public enum Quality {
    GOOD((byte) 0),
    UNCERTAIN((byte) 1),
    BAD((byte) 2),
    STALE((byte) 3);

    private static final Quality[] BY_CODE = values();
    private final byte code;

    Quality(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    public static Quality ofCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("quality code must be in [0, " + (BY_CODE.length - 1) + "], but was " + code);
        }
        return BY_CODE[code];
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
