package io.lathe.ingest;

import java.time.Instant;

/**
 * A snapshot of one connection's health for {@code GET /api/connections} and {@code /metrics}.
 *
 * @param lastError   the last error message, or null when there was none
 * @param lastMessage when the last message arrived, or null when none has
 */
public record ConnectionStatus(String name, String protocol, String endpoint, ConnectionState state, String lastError,
                               Instant lastMessage, long messages, long errors, double messagesPerSecond) {}
