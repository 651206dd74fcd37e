package io.lathe.auth.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Random secrets, hashes and constant-time comparison. Thread-safe. */
public final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALNUM_LOWER = "abcdefghijkmnopqrstuvwxyz23456789".toCharArray(); // no l, 0, 1: read aloud without confusion
    private static final char[] PASSWORD = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();

    private Secrets() {}

    /** {@code bytes} random bytes as unpadded base64url (a 32-byte value gives 43 characters). */
    public static String randomUrlSafe(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** A random lower-case id of {@code length} characters from 33 unambiguous letters and digits. */
    public static String randomId(int length) {
        return random(ALNUM_LOWER, length);
    }

    /** A random password of {@code length} characters from 57 unambiguous letters and digits (≈5.8 bits each). */
    public static String randomPassword(int length) {
        return random(PASSWORD, length);
    }

    private static String random(char[] alphabet, int length) {
        char[] out = new char[length];
        for (int i = 0; i < length; i++) out[i] = alphabet[RANDOM.nextInt(alphabet.length)];
        return new String(out);
    }

    /** SHA-256 of the UTF-8 bytes, lower-case hex. */
    public static String sha256Hex(String value) {
        return HexFormat.of().formatHex(sha256(value));
    }

    static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /**
     * Compares two secrets in time independent of where they differ. Both sides are hashed first, so the time does
     * not reveal the length either. Null on either side is never equal.
     */
    public static boolean constantTimeEquals(String a, String b) {
        if (a == null || b == null) return false;
        return MessageDigest.isEqual(sha256(a), sha256(b));
    }
}
