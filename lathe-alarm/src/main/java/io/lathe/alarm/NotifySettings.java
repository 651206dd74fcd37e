package io.lathe.alarm;

import java.net.URI;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Where alarm notifications go ({@code alarms.notify} in the YAML).
 *
 * @param channels      named webhook and e-mail channels
 * @param routes        which annunciations go to which channels; an alarm matching several routes goes to each once
 * @param silentPeriod  after a notification about an alarm, further annunciations of the same alarm within this time are
 *                      not sent (counted as {@code silenced}): a chattering alarm cannot send 100 messages
 * @param zone          the time zone of the routes' schedules
 */
public record NotifySettings(List<Channel> channels, List<Route> routes, Duration silentPeriod, ZoneId zone) {
    public NotifySettings {
        channels = List.copyOf(channels);
        routes = List.copyOf(routes);
        silentPeriod = silentPeriod == null ? Duration.ofMinutes(10) : silentPeriod;
        zone = zone == null ? ZoneId.of("UTC") : zone;
    }

    /** A destination. */
    public sealed interface Channel permits Webhook, Email {
        String name();
    }

    /**
     * A JSON POST signed with HMAC-SHA256 of the body under {@code secret} (header {@code X-Lathe-Signature: sha256=<hex>}),
     * retried with exponential backoff (1 s, 2 s, 4 s, ...) up to {@code maxAttempts} times on errors and non-2xx answers.
     */
    public record Webhook(String name, URI url, String secret, int maxAttempts, Duration firstBackoff) implements Channel {
        public Webhook {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(url, "url");
            if (maxAttempts < 1 || maxAttempts > 20) throw new IllegalArgumentException("max-attempts must be in [1, 20], but was " + maxAttempts);
            firstBackoff = firstBackoff == null ? Duration.ofSeconds(1) : firstBackoff;
        }
    }

    /**
     * E-mail over SMTP; {@code starttls} upgrades the connection with STARTTLS and refuses to send without it.
     *
     * @param caFile a PEM file with the certificate(s) that may sign the SMTP server's certificate (a private CA or the
     *               server's own self-signed certificate); null to trust the JVM's default CAs. The server's host name
     *               is checked against its certificate either way.
     */
    public record Email(String name, String host, int port, boolean starttls, String username, String password, String from,
                        List<String> to, int maxAttempts, java.nio.file.Path caFile) implements Channel {
        /** Without a CA file: the server's certificate must chain to one of the JVM's default CAs. */
        public Email(String name, String host, int port, boolean starttls, String username, String password, String from, List<String> to, int maxAttempts) {
            this(name, host, port, starttls, username, password, from, to, maxAttempts, null);
        }


        public Email {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(from, "from");
            to = List.copyOf(to);
            if (to.isEmpty()) throw new IllegalArgumentException("to must list at least one address");
            if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be in [1, 65535], but was " + port);
            if (maxAttempts < 1 || maxAttempts > 20) throw new IllegalArgumentException("max-attempts must be in [1, 20], but was " + maxAttempts);
        }

        @Override
        public String toString() { // never the password
            return "Email[name=" + name + ", host=" + host + ", port=" + port + ", starttls=" + starttls + ", to=" + to
                    + (caFile == null ? "" : ", caFile=" + caFile) + "]";
        }
    }

    /**
     * @param channels       channel names
     * @param priorities     priorities routed; empty for all
     * @param assets         asset ids (an area, a line, a machine) whose alarms are routed, with everything below; empty for all
     * @param schedule       when the route applies; empty for always
     * @param escalateAfter  an alarm still unacknowledged this long after it was annunciated goes to {@code escalateTo}; null for none
     * @param escalateTo     channel names for escalation
     */
    public record Route(List<String> channels, Set<Priority> priorities, List<String> assets, List<Window> schedule,
                        Duration escalateAfter, List<String> escalateTo) {
        public Route {
            channels = List.copyOf(channels);
            priorities = Set.copyOf(priorities);
            assets = List.copyOf(assets);
            schedule = List.copyOf(schedule);
            escalateTo = escalateTo == null ? List.of() : List.copyOf(escalateTo);
        }

        public boolean matches(Alarm a, ZonedDateTime at) {
            if (!priorities.isEmpty() && !priorities.contains(a.priority())) return false;
            if (!assets.isEmpty() && assets.stream().noneMatch(x -> a.asset().equals(x) || a.asset().startsWith(x + "."))) return false;
            return schedule.isEmpty() || schedule.stream().anyMatch(w -> w.contains(at));
        }
    }

    /** Days of the week and a time of day, {@code start} inclusive, {@code end} exclusive; end before start spans midnight. */
    public record Window(Set<DayOfWeek> days, LocalTime start, LocalTime end) {
        public Window {
            days = Set.copyOf(days);
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(end, "end");
        }

        public boolean contains(ZonedDateTime at) {
            LocalTime t = at.toLocalTime();
            if (!start.isAfter(end)) return days.contains(at.getDayOfWeek()) && !t.isBefore(start) && t.isBefore(end);
            // over midnight: the part after midnight belongs to the previous day's window
            if (!t.isBefore(start)) return days.contains(at.getDayOfWeek());
            return t.isBefore(end) && days.contains(at.getDayOfWeek().minus(1));
        }
    }
}
