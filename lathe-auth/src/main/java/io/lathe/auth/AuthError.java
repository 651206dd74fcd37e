package io.lathe.auth;

/** Why an access-control operation failed; callers branch on this, never on message text. */
public enum AuthError {
    INVALID_USER_NAME(400),
    INVALID_ROLE(400),
    INVALID_SCOPE(400),
    INVALID_SITE(400),
    INVALID_TOKEN_NAME(400),
    PASSWORD_POLICY(400),
    USER_EXISTS(409),
    USER_NOT_FOUND(404),
    TOKEN_NOT_FOUND(404),
    /** The change would leave no user with the admin role on all sites. */
    LAST_ADMIN(409),
    /** The current password given to a password change was wrong. */
    WRONG_PASSWORD(403),
    /** A file under {@code <data-dir>/auth} cannot be read, parsed or written. */
    STORE(500),
    /** Single sign-on failed: provider unreachable, bad state, invalid ID token, no role mapped. */
    OIDC(401),
    INVALID_SETTINGS(400);

    private final int httpStatus;

    AuthError(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** The HTTP status the API answers for this error. */
    public int httpStatus() {
        return httpStatus;
    }
}
