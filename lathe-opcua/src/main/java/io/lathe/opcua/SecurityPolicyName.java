package io.lathe.opcua;

import java.util.Locale;

/** The OPC UA security policies Lathe offers (OPC 10000-7 security policy profiles). */
public enum SecurityPolicyName {
    /** No signing, no encryption: only on a trusted network or for testing. */
    NONE,
    /** RSA 2048-4096, SHA-256, AES-256-CBC; always used with sign and encrypt. */
    BASIC256SHA256;

    /** Parses {@code none} or {@code basic256sha256} (case-insensitive); null when unknown. */
    public static SecurityPolicyName parse(String label) {
        return switch (label.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "")) {
            case "none" -> NONE;
            case "basic256sha256" -> BASIC256SHA256;
            default -> null;
        };
    }
}
