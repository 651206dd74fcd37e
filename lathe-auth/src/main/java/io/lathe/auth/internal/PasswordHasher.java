package io.lathe.auth.internal;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import io.lathe.auth.AuthError;
import io.lathe.auth.AuthException;

import java.util.concurrent.Semaphore;

/**
 * Argon2id at OWASP's first recommended setting: 19 MiB of memory, 2 passes, 1 lane, 16-byte salt, 32-byte hash,
 * stored as a PHC string ({@code $argon2id$v=19$m=19456,t=2,p=1$salt$hash}). Verification reads the parameters
 * from the stored string, so raising them later keeps old hashes valid. Thread-safe.
 */
public final class PasswordHasher {
    public static final int MIN_LENGTH = 12;
    /** Bounds the work one login request can cause; no passphrase needs more. */
    public static final int MAX_LENGTH = 1024;
    static final int MEMORY_KIB = 19 * 1024;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    private static final Argon2Function ARGON2 = Argon2Function.getInstance(MEMORY_KIB, ITERATIONS, PARALLELISM, 32, Argon2.ID, Argon2Function.ARGON2_VERSION_13);

    // Each hash holds 19 MiB: cap concurrent hashes so a burst of logins cannot exhaust the heap or every core.
    private final Semaphore permits = new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()), true);
    private volatile String dummyHash;

    /**
     * Checks the password policy: at least {@value #MIN_LENGTH} characters, at most {@value #MAX_LENGTH}.
     *
     * @throws AuthException {@link AuthError#PASSWORD_POLICY}
     */
    public static void checkPolicy(String user, String password) {
        int length = password == null ? 0 : password.codePointCount(0, password.length());
        if (length < MIN_LENGTH) throw new AuthException(AuthError.PASSWORD_POLICY, "Password too short [user=" + user + ", length=" + length
                + "]: must have at least " + MIN_LENGTH + " characters. Use a passphrase of several words.");
        if (length > MAX_LENGTH) throw new AuthException(AuthError.PASSWORD_POLICY, "Password too long [user=" + user + ", length=" + length
                + "]: must have at most " + MAX_LENGTH + " characters.");
    }

    /** Hashes a password that passed {@link #checkPolicy}. */
    public String hash(String password) {
        acquire();
        try {
            return Password.hash(password).addRandomSalt(16).with(ARGON2).getResult();
        } finally {
            permits.release();
        }
    }

    /**
     * True when {@code password} matches {@code storedHash}; the final comparison is constant-time
     * (password4j's {@code slowEquals}). A null stored hash (unknown user) still costs one full Argon2 run against a
     * dummy hash, so response time does not tell whether a user exists.
     */
    public boolean verify(String password, String storedHash) {
        if (password == null || password.length() > MAX_LENGTH * 2) return false;
        String hash = storedHash != null ? storedHash : dummyHash();
        acquire();
        try {
            boolean ok = Password.check(password, hash).with(Argon2Function.getInstanceFromHash(hash));
            return ok && storedHash != null;
        } catch (RuntimeException malformed) {
            return false;
        } finally {
            permits.release();
        }
    }

    private String dummyHash() {
        String d = dummyHash;
        if (d == null) dummyHash = d = hash(Secrets.randomPassword(20));
        return d;
    }

    private void acquire() {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuthException(AuthError.STORE, "Password hashing interrupted: the server is shutting down.");
        }
    }
}
