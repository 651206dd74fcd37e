package io.lathe.auth;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of access control. Build with {@link #builder()}; {@link Builder#build()} reports every problem at once.
 *
 * @param sessionIdleTimeout     a session ends after this long without a request (default 30 min)
 * @param sessionAbsoluteTimeout a session ends this long after login whatever happens (default 8 h)
 * @param maxSessions            live sessions kept at most; beyond, the least recently used ends (default 10,000)
 * @param lockoutFailures        failed logins in a row, per user and per address, before a lock (default 5)
 * @param lockoutFirst           the first lock; each further failure doubles it (default 1 min)
 * @param lockoutMax             the longest lock (default 15 min)
 * @param lockoutForgetAfter     failures are forgotten this long after the last one (default 1 h)
 * @param tokenLastUsedResolution a token's last-use time is written at most once per this interval (default 1 min)
 * @param oidc                   single sign-on, or null when off
 */
public record AuthSettings(Duration sessionIdleTimeout, Duration sessionAbsoluteTimeout, int maxSessions, int lockoutFailures,
                           Duration lockoutFirst, Duration lockoutMax, Duration lockoutForgetAfter, Duration tokenLastUsedResolution,
                           OidcSettings oidc) {

    public static AuthSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private Duration sessionIdleTimeout = Duration.ofMinutes(30);
        private Duration sessionAbsoluteTimeout = Duration.ofHours(8);
        private int maxSessions = 10_000;
        private int lockoutFailures = 5;
        private Duration lockoutFirst = Duration.ofMinutes(1);
        private Duration lockoutMax = Duration.ofMinutes(15);
        private Duration lockoutForgetAfter = Duration.ofHours(1);
        private Duration tokenLastUsedResolution = Duration.ofMinutes(1);
        private OidcSettings oidc;

        public Builder sessionIdleTimeout(Duration d) { sessionIdleTimeout = d; return this; }
        public Builder sessionAbsoluteTimeout(Duration d) { sessionAbsoluteTimeout = d; return this; }
        public Builder maxSessions(int n) { maxSessions = n; return this; }
        public Builder lockoutFailures(int n) { lockoutFailures = n; return this; }
        public Builder lockoutFirst(Duration d) { lockoutFirst = d; return this; }
        public Builder lockoutMax(Duration d) { lockoutMax = d; return this; }
        public Builder lockoutForgetAfter(Duration d) { lockoutForgetAfter = d; return this; }
        public Builder tokenLastUsedResolution(Duration d) { tokenLastUsedResolution = d; return this; }
        public Builder oidc(OidcSettings o) { oidc = o; return this; }

        /** @throws AuthException {@link AuthError#INVALID_SETTINGS} listing every problem */
        public AuthSettings build() {
            List<String> problems = new ArrayList<>();
            positive(problems, "sessionIdleTimeout", sessionIdleTimeout);
            positive(problems, "sessionAbsoluteTimeout", sessionAbsoluteTimeout);
            positive(problems, "lockoutFirst", lockoutFirst);
            positive(problems, "lockoutMax", lockoutMax);
            positive(problems, "lockoutForgetAfter", lockoutForgetAfter);
            positive(problems, "tokenLastUsedResolution", tokenLastUsedResolution);
            if (maxSessions < 1) problems.add("maxSessions must be at least 1, but was " + maxSessions);
            if (lockoutFailures < 1) problems.add("lockoutFailures must be at least 1, but was " + lockoutFailures);
            if (lockoutFirst != null && lockoutMax != null && lockoutMax.compareTo(lockoutFirst) < 0)
                problems.add("lockoutMax must be at least lockoutFirst (" + lockoutFirst + "), but was " + lockoutMax);
            if (!problems.isEmpty()) throw new AuthException(AuthError.INVALID_SETTINGS,
                    "Invalid access-control settings [problems=" + problems.size() + "]: " + String.join("; ", problems) + ".");
            return new AuthSettings(sessionIdleTimeout, sessionAbsoluteTimeout, maxSessions, lockoutFailures, lockoutFirst, lockoutMax,
                    lockoutForgetAfter, tokenLastUsedResolution, oidc);
        }

        private static void positive(List<String> problems, String name, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) problems.add(name + " must be positive, but was " + d);
        }
    }
}
