package io.lathe.auth;

import io.lathe.auth.internal.Secrets;

import java.time.Instant;
import java.util.Objects;

/**
 * A browser session, as seen at one lookup. The id goes into the session cookie; the CSRF token goes into pages
 * (a meta tag) and must come back in the {@code X-CSRF-Token} header (or a {@code _csrf} form field) of every
 * state-changing request made with the cookie. Both are 256-bit random values, never logged: {@link #toString()}
 * masks them.
 *
 * @param id            session id (secret)
 * @param csrfToken     synchronizer token of this session (secret)
 * @param user          the person, with the roles they had at login
 * @param remoteAddress where the login came from
 * @param created       login time
 * @param expires       when the session ends unless used again (idle expiry), never after the absolute expiry
 */
public record Session(String id, String csrfToken, Principal.User user, String remoteAddress, Instant created, Instant expires) {
    public Session {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(csrfToken, "csrfToken");
        Objects.requireNonNull(user, "user");
    }

    /** Constant-time check of a CSRF token sent with a request; null or blank never matches. */
    public boolean csrfMatches(String presented) {
        return presented != null && !presented.isBlank() && Secrets.constantTimeEquals(csrfToken, presented);
    }

    @Override
    public String toString() {
        return "Session[id=***, csrfToken=***, user=" + user.actorName() + ", remoteAddress=" + remoteAddress
                + ", created=" + created + ", expires=" + expires + "]";
    }
}
