package io.lathe.model;

import java.util.Locale;

/** ISA-95 equipment hierarchy levels (IEC 62264-1): a line is a work centre, a machine a work unit. */
public enum AssetLevel {
    ENTERPRISE, SITE, AREA, LINE, MACHINE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public AssetLevel child() {
        return this == MACHINE ? null : values()[ordinal() + 1];
    }
}
