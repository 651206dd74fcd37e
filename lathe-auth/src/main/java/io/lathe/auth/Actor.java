package io.lathe.auth;

import java.util.Objects;

/**
 * Who does something and from where, as the audit log records it.
 *
 * @param name    {@link Principal#actorName()}, or {@code cli:<os user>} for the command line
 * @param address the remote address of the request, {@code local} for the command line, null if unknown
 */
public record Actor(String name, String address) {
    public Actor {
        Objects.requireNonNull(name, "name");
    }

    public static Actor of(Principal principal, String address) {
        return new Actor((principal == null ? Principal.ANONYMOUS : principal).actorName(), address);
    }

    /** The operating-system user running {@code lathe user …} on this machine. */
    public static Actor commandLine() {
        return new Actor("cli:" + System.getProperty("user.name", "unknown"), "local");
    }

    /** Lathe itself, for changes made at start-up (first admin, imported legacy token). */
    public static Actor system() {
        return new Actor("system", "local");
    }
}
