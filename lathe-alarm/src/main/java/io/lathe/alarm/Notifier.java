package io.lathe.alarm;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends alarm notifications: on each annunciation (an alarm becoming {@code unack}) to the channels of every matching
 * route, and again to a route's escalation channels when the alarm is still unacknowledged after its
 * {@code escalateAfter}. Delivery runs off the ingest path on a small scheduler; failed attempts are retried with
 * exponential backoff. Every attempt is kept (the newest {@value #KEEP} for {@code GET /api/alarms/notifications}) and
 * counted in {@code lathe_alarm_notifications_total{channel,outcome}} (outcome: sent, failed, retry, silenced).
 */
public final class Notifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);
    static final int KEEP = 1000;
    /** Header with {@code sha256=<hex HMAC-SHA256 of the body>}. */
    public static final String SIGNATURE_HEADER = "X-Lathe-Signature";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NotifySettings settings;
    private final Map<String, NotifySettings.Channel> channels = new HashMap<>();
    private final InstantSource clock;
    private final Supplier<List<Alarm>> alarms;
    private final MeterRegistry metrics;
    private final ScheduledExecutorService executor;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ArrayDeque<Map<String, Object>> attempts = new ArrayDeque<>();
    private final Map<String, Long> lastSent = new ConcurrentHashMap<>();
    /** alarm id + route index -> activation time already escalated */
    private final Map<String, Long> escalated = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    /**
     * @param alarms the current alarms, read by the escalation check every few seconds
     */
    public Notifier(NotifySettings settings, InstantSource clock, Supplier<List<Alarm>> alarms, MeterRegistry metrics, Duration escalationCheck) {
        this.settings = settings;
        this.clock = clock;
        this.alarms = alarms;
        this.metrics = metrics;
        for (NotifySettings.Channel c : settings.channels()) channels.put(c.name(), c);
        for (NotifySettings.Route r : settings.routes()) {
            for (String c : r.channels()) if (!channels.containsKey(c)) throw new IllegalArgumentException("route names unknown channel '" + c + "'");
            for (String c : r.escalateTo()) if (!channels.containsKey(c)) throw new IllegalArgumentException("escalation names unknown channel '" + c + "'");
        }
        executor = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "lathe-alarm-notify");
            t.setDaemon(true);
            return t;
        });
        long ms = escalationCheck.toMillis();
        executor.scheduleWithFixedDelay(this::escalateSafely, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Called by the engine for every transition; sends only for annunciations. */
    public void onTransition(Transition t, Alarm a) {
        if (!t.annunciated()) return;
        long now = clock.millis();
        Long last = lastSent.get(a.id());
        java.time.ZonedDateTime at = Instant.ofEpochMilli(now).atZone(settings.zone());
        Set<String> targets = new java.util.LinkedHashSet<>();
        for (NotifySettings.Route r : settings.routes()) if (r.matches(a, at)) targets.addAll(r.channels());
        if (targets.isEmpty()) return;
        if (last != null && now - last < settings.silentPeriod().toMillis()) {
            for (String c : targets) record(c, a, "activation", 0, "silenced", "within the silent period of " + settings.silentPeriod().toSeconds() + " s after the last notification");
            return;
        }
        lastSent.put(a.id(), now);
        for (String c : targets) send(channels.get(c), a, "activation", 1);
    }

    private void escalateSafely() {
        try {
            escalate(clock.millis() * 1000);
        } catch (RuntimeException e) {
            log.warn("alarm escalation check failed; it runs again", e);
        }
    }

    /** Escalates alarms unacknowledged for longer than a route's {@code escalateAfter} (tests call it directly). */
    public void escalate(long nowMicros) {
        List<NotifySettings.Route> routes = settings.routes();
        java.time.ZonedDateTime at = Instant.ofEpochMilli(nowMicros / 1000).atZone(settings.zone());
        for (Alarm a : alarms.get()) {
            if (a.state() != AlarmState.UNACK || a.activeSinceMicros() == Long.MIN_VALUE) continue;
            for (int i = 0; i < routes.size(); i++) {
                NotifySettings.Route r = routes.get(i);
                if (r.escalateAfter() == null || r.escalateTo().isEmpty() || !r.matches(a, at)) continue;
                if (nowMicros - a.activeSinceMicros() < r.escalateAfter().toNanos() / 1000) continue;
                String key = a.id() + "#" + i;
                Long done = escalated.get(key);
                if (done != null && done == a.activeSinceMicros()) continue;
                escalated.put(key, a.activeSinceMicros());
                for (String c : r.escalateTo()) send(channels.get(c), a, "escalation", 1);
            }
        }
    }

    private void send(NotifySettings.Channel c, Alarm a, String reason, int attempt) {
        executor.execute(() -> deliver(c, a, reason, attempt));
    }

    private void deliver(NotifySettings.Channel c, Alarm a, String reason, int attempt) {
        int max;
        Duration backoff;
        String error;
        try {
            switch (c) {
                case NotifySettings.Webhook w -> {
                    max = w.maxAttempts();
                    backoff = w.firstBackoff();
                    error = webhook(w, a, reason);
                }
                case NotifySettings.Email e -> {
                    max = e.maxAttempts();
                    backoff = Duration.ofSeconds(2);
                    error = email(e, a, reason);
                }
            }
        } catch (RuntimeException e) {
            log.warn("alarm notification failed unexpectedly [channel={}, alarm={}]", c.name(), a.id(), e);
            record(c.name(), a, reason, attempt, "failed", e.toString());
            return;
        }
        if (error == null) {
            record(c.name(), a, reason, attempt, "sent", null);
        } else if (attempt < max) {
            record(c.name(), a, reason, attempt, "retry", error);
            long delay = backoff.toMillis() << Math.min(attempt - 1, 16);
            executor.schedule(() -> deliver(c, a, reason, attempt + 1), delay, TimeUnit.MILLISECONDS);
        } else {
            record(c.name(), a, reason, attempt, "failed", error);
            log.warn("alarm notification gave up after {} attempts [channel={}, alarm={}]: {}", attempt, c.name(), a.id(), error);
        }
    }

    /** The JSON a webhook receives. */
    static Map<String, Object> payload(Alarm a, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", reason);
        m.put("id", a.id());
        m.put("name", a.name());
        m.put("asset", a.asset());
        m.put("assetName", a.assetName());
        m.put("priority", a.priority().id());
        m.put("state", a.state().id());
        m.put("message", a.message());
        m.put("value", Double.isNaN(a.value()) ? null : a.value());
        m.put("unit", a.unit());
        m.put("activeSince", a.activeSinceMicros() == Long.MIN_VALUE ? null : AlarmKpis.iso(a.activeSinceMicros()));
        m.put("response", a.response());
        return m;
    }

    /** @return null when sent, else why not */
    private String webhook(NotifySettings.Webhook w, Alarm a, String reason) {
        try {
            byte[] body = JSON.writeValueAsBytes(payload(a, reason));
            HttpRequest.Builder b = HttpRequest.newBuilder(w.url()).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            if (w.secret() != null) b.header(SIGNATURE_HEADER, "sha256=" + hmac(w.secret(), body));
            HttpResponse<Void> r = http.send(b.build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() / 100 == 2 ? null : "HTTP " + r.statusCode();
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Hex HMAC-SHA256 of {@code body} under {@code secret}, as the webhook header carries it. */
    public static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable in this JVM", e);
        }
    }

    private String email(NotifySettings.Email e, Alarm a, String reason) {
        Properties p = new Properties();
        p.put("mail.smtp.host", e.host());
        p.put("mail.smtp.port", Integer.toString(e.port()));
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        if (e.starttls()) {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
        }
        if (e.username() != null) p.put("mail.smtp.auth", "true");
        // Check the host name against the certificate: trusting a CA is not enough to know it is this server.
        p.put("mail.smtp.ssl.checkserveridentity", "true");
        if (e.caFile() != null) {
            try {
                // used for the STARTTLS upgrade as well
                p.put("mail.smtp.ssl.socketFactory", trusting(e.caFile()).getSocketFactory());
            } catch (IOException | java.security.GeneralSecurityException ex) {
                return "cannot read the CA file " + e.caFile() + " of e-mail channel '" + e.name() + "': " + ex.getMessage();
            }
        }
        Session session = Session.getInstance(p);
        try {
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress(e.from()));
            for (String to : e.to()) m.addRecipient(Message.RecipientType.TO, new InternetAddress(to));
            m.setSubject((reason.equals("escalation") ? "[ESCALATION] " : "") + "[" + a.priority().id().toUpperCase(java.util.Locale.ROOT) + "] "
                    + a.name() + " - " + a.assetName(), "UTF-8");
            StringBuilder text = new StringBuilder();
            text.append(a.message()).append("\n\nAsset: ").append(a.assetName()).append(" (").append(a.asset()).append(")\nPriority: ")
                    .append(a.priority().id()).append("\nState: ").append(a.state().id());
            if (a.activeSinceMicros() != Long.MIN_VALUE) text.append("\nActive since: ").append(AlarmKpis.iso(a.activeSinceMicros()));
            if (a.response() != null) text.append("\n\nResponse: ").append(a.response());
            text.append("\n\nAlarm id: ").append(a.id()).append('\n');
            m.setText(text.toString(), "UTF-8");
            if (e.username() != null) Transport.send(m, e.username(), e.password());
            else Transport.send(m);
            return null;
        } catch (MessagingException ex) {
            return ex.toString();
        }
    }

    /** A TLS context that trusts exactly the certificates in the PEM file (read on each send, so a renewed file is picked up). */
    static javax.net.ssl.SSLContext trusting(java.nio.file.Path pem) throws IOException, java.security.GeneralSecurityException {
        java.util.Collection<? extends java.security.cert.Certificate> certs;
        try (var in = java.nio.file.Files.newInputStream(pem)) {
            certs = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certs.isEmpty()) throw new java.security.cert.CertificateException("no PEM certificate in the file");
        java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (var c : certs) ks.setCertificateEntry("ca-" + i++, c);
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private void record(String channel, Alarm a, String reason, int attempt, String outcome, String error) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", ids.incrementAndGet());
        m.put("at", Instant.ofEpochMilli(clock.millis()).toString());
        m.put("alarm", a.id());
        m.put("asset", a.asset());
        m.put("channel", channel);
        m.put("reason", reason);
        m.put("attempt", attempt);
        m.put("outcome", outcome);
        m.put("error", error);
        synchronized (attempts) {
            attempts.addLast(m);
            while (attempts.size() > KEEP) attempts.removeFirst();
        }
        if (metrics != null) {
            Counter.builder("lathe.alarm.notifications").tag("channel", channel).tag("outcome", outcome)
                    .description("Alarm notification attempts by channel and outcome").register(metrics).increment();
        }
    }

    /** Delivery attempts, newest last. */
    public List<Map<String, Object>> attempts() {
        synchronized (attempts) {
            return new ArrayList<>(attempts);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
