package io.lathe.auth;

/**
 * Counters since start, for metrics.
 *
 * @param logins          successful logins (password and single sign-on)
 * @param loginFailures   wrong user name or password
 * @param lockedAttempts  attempts refused because of a brute-force lock
 * @param tokenRejections bearer tokens that matched no live token
 * @param sessions        live sessions now
 */
public record AuthStats(long logins, long loginFailures, long lockedAttempts, long tokenRejections, int sessions) {}
