package io.lathe.auth;

/** The outcome of {@link Authorizer#check}, with the HTTP status the API answers for it. */
public enum Decision {
    ALLOW(200),
    /** No or unknown credentials: 401, the client should log in or present a token. */
    UNAUTHENTICATED(401),
    /** Known principal without the permission (or not at that site): 403. */
    FORBIDDEN(403),
    /**
     * A person who logged in with a one-time password must change it first; everything but {@link
     * Permission#ACCOUNT} is refused with 403 until then.
     */
    PASSWORD_CHANGE_REQUIRED(403);

    private final int httpStatus;

    Decision(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** 200 for {@link #ALLOW} (the route's own status applies), 401 or 403 otherwise. */
    public int httpStatus() {
        return httpStatus;
    }

    public boolean allowed() {
        return this == ALLOW;
    }
}
