package io.lathe.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 10 "Defaults and audit": append-only audit log of every change, readable with filters, secrets never written. */
class AuditLogTest {
    @TempDir Path dir;
    private final TestClock clock = new TestClock();

    @Test
    void entriesAreAppendedAsJsonLinesAndReadBackNewestFirstWithFilters() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.record(new Actor("user:olga", "10.0.0.8"), AuditKind.DOWNTIME_REASON, "press-7", AuditEvent.Outcome.SUCCESS, Map.of("code", "M12"));
            clock.advance(Duration.ofMinutes(1));
            log.record(new Actor("user:olga", "10.0.0.8"), AuditKind.ACKNOWLEDGEMENT, "alarm-17", AuditEvent.Outcome.SUCCESS, Map.of());
            clock.advance(Duration.ofMinutes(1));
            log.record(new Actor("user:erik", "10.0.0.9"), AuditKind.CONFIG_CHANGED, "kpi.raw-retention", AuditEvent.Outcome.SUCCESS, Map.of("old", "P7D", "new", "P14D"));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readAllLines(file)).hasSize(3).first().asString()
                .isEqualTo("{\"time\":\"2026-12-04T08:00:00Z\",\"actor\":\"user:olga\",\"address\":\"10.0.0.8\",\"kind\":\"downtime.reason\","
                        + "\"target\":\"press-7\",\"outcome\":\"success\",\"details\":{\"code\":\"M12\"}}");

        try (AuditLog log = AuditLog.open(file, clock)) {
            assertThat(log.query(AuditQuery.all())).extracting(AuditEvent::kind)
                    .containsExactly(AuditKind.CONFIG_CHANGED, AuditKind.ACKNOWLEDGEMENT, AuditKind.DOWNTIME_REASON);
            assertThat(log.query(new AuditQuery(null, null, "user:olga", null, 100))).hasSize(2);
            assertThat(log.query(new AuditQuery(null, null, null, Set.of(AuditKind.CONFIG_CHANGED), 100)).getFirst().details())
                    .isEqualTo(Map.of("old", "P7D", "new", "P14D"));
            Instant t0 = Instant.parse("2026-12-04T08:00:00Z");
            assertThat(log.query(new AuditQuery(t0.plusSeconds(60), t0.plusSeconds(120), null, null, 100)))
                    .extracting(AuditEvent::kind).containsExactly(AuditKind.ACKNOWLEDGEMENT);
            assertThat(log.query(new AuditQuery(null, null, null, null, 1))).extracting(AuditEvent::kind).containsExactly(AuditKind.CONFIG_CHANGED);
        }
    }

    @Test
    void reopeningAppendsAndNeverRewrites() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.record(Actor.system(), AuditKind.USER_ADDED, "admin", AuditEvent.Outcome.SUCCESS, Map.of());
        }
        String before = Files.readString(file);
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.record(Actor.system(), AuditKind.USER_REMOVED, "admin", AuditEvent.Outcome.SUCCESS, Map.of());
        }
        assertThat(Files.readString(file)).startsWith(before).hasLineCount(2);
    }

    @Test
    void aLineCutShortByACrashIsSkippedAndTheNextEntryStartsOnItsOwnLine() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        Files.writeString(file, "{\"time\":\"2026-12-04T07:00:00Z\",\"actor\":\"user:a\",\"kind\":\"login\",\"outcome\":\"success\"}\n{\"time\":\"2026-12-04T07:0",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.record(Actor.system(), AuditKind.LOGOUT, "a", AuditEvent.Outcome.SUCCESS, Map.of());
            assertThat(log.query(AuditQuery.all())).extracting(AuditEvent::kind).containsExactly(AuditKind.LOGOUT, AuditKind.LOGIN);
            assertThat(log.malformedLines()).isEqualTo(1);
        }
    }

    @Test
    void secretsAreMaskedAndLongValuesCut() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        String token = "lathe_abcd2345_QWERTYUIOPasdfghjklzxcvbnm1234567890_-abcdefg";
        try (AuditLog log = AuditLog.open(file, clock)) {
            log.record(new Actor("user:x", "10.0.0.1"), AuditKind.CONFIG_CHANGED, "connections.plc7", AuditEvent.Outcome.SUCCESS,
                    Map.of("password", "hunter2-hunter2", "clientSecret", "s3cr3t-value", "note", "used " + token, "code", "X".repeat(65_536)));
        }
        String text = Files.readString(file);
        assertThat(text).doesNotContain("hunter2").doesNotContain("s3cr3t").doesNotContain("QWERTYUIOP")
                .contains("\"password\":\"***\"").contains("lathe_abcd2345_***").contains("(65536 chars)");
        assertThat(text.length()).isLessThan(1000);
    }
}
