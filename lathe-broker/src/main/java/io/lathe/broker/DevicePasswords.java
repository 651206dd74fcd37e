package io.lathe.broker;

import com.password4j.Argon2Function;
import com.password4j.BcryptFunction;
import com.password4j.Password;
import com.password4j.types.Argon2;
import java.util.Objects;

/**
 * Hashes and checks MQTT client passwords. New hashes are Argon2id with OWASP's parameters (19 MiB, 2 iterations,
 * 1 lane, 32-byte output) in PHC string form, the same form Lathe keeps user passwords in; bcrypt hashes made
 * elsewhere (for example by {@code htpasswd -B}) are accepted too. Thread-safe.
 */
public final class DevicePasswords {
    private DevicePasswords() {}

    /** Where an operator gets a hash; quoted in error messages. */
    public static final String HASH_HINT = "Make one with `lathe mqtt-client hash-password` (Argon2id) or `htpasswd -nbB x password | cut -d: -f2` (bcrypt).";

    static final int MEMORY_KIB = 19 * 1024;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    static final int OUTPUT_BYTES = 32;
    private static final Argon2Function ARGON2ID = Argon2Function.getInstance(MEMORY_KIB, ITERATIONS, PARALLELISM, OUTPUT_BYTES, Argon2.ID, 0x13);

    /** A new Argon2id hash of {@code password} with a random salt, for example {@code $argon2id$v=19$m=19456,t=2,p=1$…}. */
    public static String hash(CharSequence password) {
        Objects.requireNonNull(password, "password");
        if (password.isEmpty()) throw new IllegalArgumentException("password must not be empty");
        return Password.hash(password).addRandomSalt(16).with(ARGON2ID).getResult();
    }

    /**
     * True when {@code password} matches {@code hash}. Takes tens of milliseconds for the default Argon2id parameters:
     * call it off the network threads. A malformed hash answers false.
     */
    public static boolean verify(CharSequence password, String hash) {
        if (password == null || hash == null) return false;
        try {
            if (hash.startsWith("$argon2id$")) return Password.check(password, hash).with(Argon2Function.getInstanceFromHash(hash));
            if (isBcrypt(hash)) return Password.check(password, hash).with(BcryptFunction.getInstanceFromHash(hash));
        } catch (RuntimeException e) {
            // A hash that parses as neither is simply no match; BrokerIdentity refuses such hashes up front.
            return false;
        }
        return false;
    }

    /** True for the hash forms {@link #verify} understands. */
    public static boolean isSupportedHash(String hash) {
        if (hash == null) return false;
        if (hash.startsWith("$argon2id$")) {
            try {
                Argon2Function.getInstanceFromHash(hash);
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }
        return isBcrypt(hash) && hash.length() == 60;
    }

    private static boolean isBcrypt(String hash) {
        return hash.startsWith("$2a$") || hash.startsWith("$2b$") || hash.startsWith("$2y$");
    }

    /** The hash's algorithm and parameters without salt or digest, for logs and {@code toString}. */
    static String describe(String hash) {
        if (hash == null) return "null";
        int cut = hash.startsWith("$argon2") ? nthIndexOf(hash, '$', 4) : isBcrypt(hash) ? nthIndexOf(hash, '$', 3) : -1;
        return cut < 0 ? "<" + hash.length() + " characters, not a supported hash>" : hash.substring(0, cut) + "$****";
    }

    private static int nthIndexOf(String s, char c, int n) {
        int at = -1;
        for (int i = 0; i < n; i++) {
            at = s.indexOf(c, at + 1);
            if (at < 0) return -1;
        }
        return at;
    }
}
