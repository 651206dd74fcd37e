package io.lathe.auth;

import java.time.Duration;

/** The outcome of a password (or single sign-on) login. */
public sealed interface LoginResult permits LoginResult.Success, LoginResult.Failure {

    /** Logged in: set the session cookie from {@code session.id()}. */
    record Success(Session session) implements LoginResult {}

    /**
     * Refused. {@link Reason#BAD_CREDENTIALS} does not say whether the user exists; answer 401. For {@link
     * Reason#LOCKED} answer 429 with a {@code Retry-After} header of {@code retryAfter} seconds.
     *
     * @param message a sentence safe to show on the login page
     */
    record Failure(Reason reason, Duration retryAfter, String message) implements LoginResult {}

    enum Reason { BAD_CREDENTIALS, LOCKED, SSO_FAILED }
}
