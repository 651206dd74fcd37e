package io.lathe.auth;

import java.nio.file.Path;

/**
 * The first administrator, created on the first start when no user exists. The start-up block prints {@link
 * #startupMessage()} once; {@link #toString()} masks the password so it never reaches a log line by accident.
 *
 * @param user      the user name, {@code admin}
 * @param password  the one-time password (generated) or the one from {@code LATHE_ADMIN_PASSWORD}
 * @param file      where a generated password is also kept, owner-only (600), until it is changed; null when the
 *                  password came from the environment
 * @param generated true when Lathe generated the password; then the admin must change it at first login
 * @param created   true on the start that created the user, false on later starts while the one-time password is
 *                  still unchanged
 */
public record InitialAdmin(String user, String password, Path file, boolean generated, boolean created) {
    /** Lines for the start-up block, with the password in clear: print to the console, not to a log file. */
    public String startupMessage() {
        if (!generated) return "Administrator '" + user + "' " + (created ? "created" : "exists") + " with the password from LATHE_ADMIN_PASSWORD.";
        return "Administrator '" + user + "' one-time password: " + password + "\n"
                + "  (also in " + file + ", readable only by this user; it must be changed at the first login, which deletes the file)";
    }

    @Override
    public String toString() {
        return "InitialAdmin[user=" + user + ", password=***, file=" + file + ", generated=" + generated + ", created=" + created + "]";
    }
}
