package io.lathe.auth.internal;

import io.lathe.auth.Principal;
import io.lathe.auth.Role;
import io.lathe.auth.Session;
import io.lathe.auth.TestClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Sessions stay bounded in memory and ids are unguessable and unique. */
class SessionStoreTest {
    private final TestClock clock = new TestClock();
    private final Principal.User alice = new Principal.User("alice", Map.of("*", Role.VIEWER), false, Principal.Source.LOCAL);

    @Test
    void whenFullTheLeastRecentlyUsedSessionEnds() {
        SessionStore store = new SessionStore(clock, Duration.ofMinutes(30), Duration.ofHours(8), 3);
        Session a = store.create(alice, "a");
        clock.advance(Duration.ofSeconds(1));
        Session b = store.create(alice, "b");
        clock.advance(Duration.ofSeconds(1));
        Session c = store.create(alice, "c");
        clock.advance(Duration.ofSeconds(1));
        store.touch(a.id());
        Session d = store.create(alice, "d");
        assertThat(store.size()).isEqualTo(3);
        assertThat(store.touch(b.id())).isEmpty();
        assertThat(store.touch(a.id())).isPresent();
        assertThat(store.touch(c.id())).isPresent();
        assertThat(store.touch(d.id())).isPresent();
    }

    @Test
    void idsAndCsrfTokensAreDistinct256BitValues() {
        SessionStore store = new SessionStore(clock, Duration.ofMinutes(30), Duration.ofHours(8), 10_000);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            Session s = store.create(alice, "a");
            assertThat(seen.add(s.id())).isTrue();
            assertThat(seen.add(s.csrfToken())).isTrue();
            assertThat(java.util.Base64.getUrlDecoder().decode(s.id())).hasSize(32);
        }
    }

    @Test
    void removeUserEndsOnlyThatLocalUsersSessions() {
        SessionStore store = new SessionStore(clock, Duration.ofMinutes(30), Duration.ofHours(8), 100);
        Session local = store.create(alice, "a");
        Session sso = store.create(new Principal.User("alice", Map.of("*", Role.VIEWER), false, Principal.Source.OIDC), "a");
        Session bob = store.create(new Principal.User("bob", Map.of(), false, Principal.Source.LOCAL), "a");
        assertThat(store.removeUser("alice")).isEqualTo(1);
        assertThat(store.touch(local.id())).isEmpty();
        assertThat(store.touch(sso.id())).isPresent();
        assertThat(store.touch(bob.id())).isPresent();
    }

    @Test
    void unknownAndOversizedIdsFindNothing() {
        SessionStore store = new SessionStore(clock, Duration.ofMinutes(30), Duration.ofHours(8), 100);
        store.create(alice, "a");
        assertThat(store.touch(null)).isEmpty();
        assertThat(store.touch("")).isEmpty();
        assertThat(store.touch("x".repeat(10_000))).isEmpty();
    }
}
