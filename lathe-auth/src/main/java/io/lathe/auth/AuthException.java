package io.lathe.auth;

/** An access-control operation failed; {@link #error()} says why. Messages never contain secrets. */
public final class AuthException extends RuntimeException {
    private final AuthError error;

    public AuthException(AuthError error, String message) {
        super(message);
        this.error = error;
    }

    public AuthException(AuthError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    public AuthError error() {
        return error;
    }
}
