package io.lathe.ingest;

import java.time.Instant;

/**
 * A snapshot of one connection's health for {@code GET /api/connections} and {@code /metrics}.
 *
 * @param lastError   the last error message, or null when there was none
 * @param lastMessage when the last message arrived, or null when none has
 * @param stateSince  since when the connection is in {@code state} (the dashboard shows "failed since 07:42"), or null
 *                    when not known
 * @param lastErrorAt when {@code lastError} happened, or null; an error before {@code stateSince} of a connected
 *                    connection is over (it recovered)
 */
public record ConnectionStatus(String name, String protocol, String endpoint, ConnectionState state, String lastError,
                               Instant lastMessage, long messages, long errors, double messagesPerSecond,
                               Instant stateSince, Instant lastErrorAt) {
    /** A status without the times of its state and last error (connections that do not track them). */
    public ConnectionStatus(String name, String protocol, String endpoint, ConnectionState state, String lastError,
                            Instant lastMessage, long messages, long errors, double messagesPerSecond) {
        this(name, protocol, endpoint, state, lastError, lastMessage, messages, errors, messagesPerSecond, null, null);
    }
}
