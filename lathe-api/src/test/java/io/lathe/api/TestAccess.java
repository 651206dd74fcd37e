package io.lathe.api;

import io.lathe.auth.AccessControl;
import io.lathe.auth.Actor;
import io.lathe.auth.AuthSettings;
import io.lathe.auth.Scope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.EnumSet;
import java.util.List;

/**
 * Access control for tests of the API: a real {@link AccessControl} on a folder of the test, and API tokens made
 * through its admin facade (the same way an admin creates them).
 */
public final class TestAccess {
    private TestAccess() {}

    /** Access control on {@code dir/access} (created). */
    public static AccessControl control(Path dir) {
        return control(dir, AuthSettings.defaults());
    }

    public static AccessControl control(Path dir, AuthSettings settings) {
        try {
            return AccessControl.open(Files.createDirectories(dir.resolve("access")), settings, InstantSource.system());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * As {@code lathe demo}: anyone may read, changes need credentials. For tests about something else than access;
     * their changes send a token from {@link #token}.
     */
    public static ApiAccess readOpen(Path dir) {
        return new ApiAccess(control(dir), true, false, List.of());
    }

    /** A fresh API token secret with these scopes on every site. */
    public static String token(AccessControl control, Scope first, Scope... more) {
        return control.tokens().create(Actor.system(), "test-" + first.id(), EnumSet.of(first, more), null).secret();
    }

    /** A fresh admin token. */
    public static String adminToken(AccessControl control) {
        return token(control, Scope.ADMIN);
    }

    /** Adds {@code Authorization: Bearer <token>}. */
    public static HttpRequest.Builder bearer(HttpRequest.Builder b, String token) {
        return b.header("Authorization", "Bearer " + token);
    }
}
