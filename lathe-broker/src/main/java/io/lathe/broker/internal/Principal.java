package io.lathe.broker.internal;

/**
 * Who is behind a connection, decided once at CONNECT.
 *
 * @param kind  what kind of client
 * @param name  user name, or a fixed name for internal, anonymous and open clients
 * @param key   value kept in the connection's attribute store to find this principal again
 */
public record Principal(Kind kind, String name, String key, Rights rights) {

    public enum Kind {
        /** Lathe's own connection (internal credential): every right, no retained limits. */
        INTERNAL,
        /** A configured edge node or device. */
        IDENTITY,
        /** A client without user name while anonymous access is on. */
        ANONYMOUS,
        /** Any client of a broker with open access: every right, but the limits apply. */
        OPEN
    }

    public boolean internal() {
        return kind == Kind.INTERNAL;
    }
}
