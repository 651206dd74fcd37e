package io.lathe.alarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.subethamail.smtp.helper.SimpleMessageListener;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;
import org.subethamail.smtp.server.SessionHandler;

/**
 * Notifications against a real HTTP receiver (JDK HttpServer) and real SMTP servers in the test: GreenMail (plain SMTP,
 * no STARTTLS) and SubEtha SMTP (STARTTLS with a self-signed certificate made by keytool).
 */
class NotifierTest {
    static final long T0 = Instant.parse("2026-01-05T06:00:00Z").toEpochMilli(); // a Monday
    final AtomicLong now = new AtomicLong(T0);
    final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    Notifier notifier;
    HttpServer http;
    GreenMail mail;

    @AfterEach
    void tearDown() {
        if (notifier != null) notifier.close();
        if (http != null) http.stop(0);
        if (mail != null) mail.stop();
    }

    static Alarm alarm(String id, Priority p, AlarmState state, long since) {
        return new Alarm(id, "Temperature high", "acme.north.press-shop.line-1.press-3", "Press 3", "limit", p, state, true, false, false,
                Long.MIN_VALUE, false, false, false, "Temperature high: 91 degC above h limit 80 degC", 91, "degC", since, since, "Check the cooling");
    }

    static Transition annunciation(Alarm a) {
        return new Transition(1, a.id(), a.asset(), a.activeSinceMicros(), "activate", AlarmState.NORMAL, AlarmState.UNACK, "system", null, 91,
                new Transition.Status(AlarmState.UNACK, true, false, Long.MIN_VALUE, false, false, false, a.activeSinceMicros(), a.activeSinceMicros(), 91));
    }

    static NotifySettings.Route route(List<String> channels, Set<Priority> priorities) {
        return new NotifySettings.Route(channels, priorities, List.of(), List.of(), null, null);
    }

    double count(String channel, String outcome) {
        var c = metrics.find("lathe.alarm.notifications").tag("channel", channel).tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    List<Map<String, Object>> waitFor(int n) throws InterruptedException {
        for (int i = 0; i < 200 && notifier.attempts().size() < n; i++) Thread.sleep(50);
        return notifier.attempts();
    }

    @Test
    void webhookIsSignedAndRetriedAfterAFailure() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        List<String> signatures = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            bodies.add(new String(body, java.nio.charset.StandardCharsets.UTF_8));
            signatures.add(ex.getRequestHeaders().getFirst(Notifier.SIGNATURE_HEADER));
            int status = calls.incrementAndGet() == 1 ? 503 : 204; // the first attempt fails
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        http.start();
        NotifySettings s = new NotifySettings(List.of(new NotifySettings.Webhook("ops", URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/hook"),
                "s3cret", 3, Duration.ofMillis(50))), List.of(route(List.of("ops"), Set.of(Priority.URGENT, Priority.HIGH))), Duration.ofMinutes(10), ZoneId.of("UTC"));
        Alarm a = alarm("press.alarm.t", Priority.HIGH, AlarmState.UNACK, T0 * 1000);
        notifier = new Notifier(s, clock, List::of, metrics, Duration.ofHours(1));
        notifier.onTransition(annunciation(a), a);
        List<Map<String, Object>> attempts = waitFor(2);
        assertThat(attempts).extracting(m -> m.get("outcome")).containsExactly("retry", "sent");
        assertThat(attempts.get(0).get("error")).isEqualTo("HTTP 503");
        assertThat(bodies).hasSize(2);
        assertThat(bodies.get(1)).contains("\"id\":\"press.alarm.t\"", "\"priority\":\"high\"", "\"reason\":\"activation\"");
        // the receiver recomputes the HMAC with the shared secret
        assertThat(signatures.get(1)).isEqualTo("sha256=" + Notifier.hmac("s3cret", bodies.get(1).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(count("ops", "sent")).isEqualTo(1);
        assertThat(count("ops", "retry")).isEqualTo(1);

        // low priority is not routed; a second annunciation within the silent period is silenced
        Alarm low = alarm("press.alarm.low", Priority.LOW, AlarmState.UNACK, T0 * 1000);
        notifier.onTransition(annunciation(low), low);
        now.addAndGet(60_000);
        notifier.onTransition(annunciation(a), a);
        assertThat(notifier.attempts()).extracting(m -> m.get("outcome")).containsExactly("retry", "sent", "silenced");
        now.addAndGet(10 * 60_000);
        notifier.onTransition(annunciation(a), a);
        assertThat(waitFor(4)).extracting(m -> m.get("outcome")).containsExactly("retry", "sent", "silenced", "sent");
        assertThat(bodies).hasSize(3);
    }

    @Test
    void webhookGivesUpAfterMaxAttempts() throws Exception {
        NotifySettings s = new NotifySettings(List.of(new NotifySettings.Webhook("dead", URI.create("http://127.0.0.1:9/nothing"), null, 2, Duration.ofMillis(20))),
                List.of(route(List.of("dead"), Set.of())), null, null);
        notifier = new Notifier(s, clock, List::of, metrics, Duration.ofHours(1));
        Alarm a = alarm("x", Priority.LOW, AlarmState.UNACK, T0 * 1000);
        notifier.onTransition(annunciation(a), a);
        assertThat(waitFor(2)).extracting(m -> m.get("outcome")).containsExactly("retry", "failed");
        assertThat(count("dead", "failed")).isEqualTo(1);
    }

    @Test
    void emailThroughARealSmtpServerAndEscalation() throws Exception {
        mail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        mail.start();
        int port = mail.getSmtp().getPort();
        NotifySettings.Email email = new NotifySettings.Email("shift", "127.0.0.1", port, false, null, null, "lathe@plant.example",
                List.of("shift-lead@plant.example"), 1);
        NotifySettings.Email boss = new NotifySettings.Email("boss", "127.0.0.1", port, false, null, null, "lathe@plant.example",
                List.of("maintenance-manager@plant.example"), 1);
        // routed only on weekdays 06:00-14:00; escalated after 15 min unacknowledged
        NotifySettings.Route r = new NotifySettings.Route(List.of("shift"), Set.of(), List.of("acme.north"),
                List.of(new NotifySettings.Window(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), LocalTime.of(6, 0), LocalTime.of(14, 0))),
                Duration.ofMinutes(15), List.of("boss"));
        Alarm a = alarm("press.alarm.t", Priority.URGENT, AlarmState.UNACK, T0 * 1000);
        notifier = new Notifier(new NotifySettings(List.of(email, boss), List.of(r), null, null), clock, () -> List.of(a), metrics, Duration.ofHours(1));
        notifier.onTransition(annunciation(a), a);
        assertThat(mail.waitForIncomingEmail(10_000, 1)).isTrue();
        MimeMessage m = mail.getReceivedMessages()[0];
        assertThat(m.getSubject()).isEqualTo("[URGENT] Temperature high - Press 3");
        assertThat(m.getAllRecipients()[0].toString()).isEqualTo("shift-lead@plant.example");
        assertThat(com.icegreen.greenmail.util.GreenMailUtil.getBody(m)).contains("Temperature high: 91 degC above h limit 80 degC", "Check the cooling");

        notifier.escalate(T0 * 1000 + 14 * 60_000_000L);
        notifier.escalate(T0 * 1000 + 16 * 60_000_000L);
        notifier.escalate(T0 * 1000 + 17 * 60_000_000L); // once per activation
        assertThat(mail.waitForIncomingEmail(10_000, 2)).isTrue();
        Thread.sleep(300);
        assertThat(mail.getReceivedMessages()).hasSize(2);
        assertThat(mail.getReceivedMessages()[1].getSubject()).startsWith("[ESCALATION] [URGENT]");
        assertThat(mail.getReceivedMessages()[1].getAllRecipients()[0].toString()).isEqualTo("maintenance-manager@plant.example");

        // outside the schedule (Saturday) nothing is routed
        now.set(Instant.parse("2026-01-10T08:00:00Z").toEpochMilli());
        Alarm b = alarm("press.alarm.u", Priority.URGENT, AlarmState.UNACK, now.get() * 1000);
        notifier.onTransition(annunciation(b), b);
        assertThat(notifier.attempts()).hasSize(2);
    }

    /**
     * A self-signed certificate for 127.0.0.1 made by the JDK's keytool: the server's key store and the PEM the
     * channel's {@code caFile} trusts.
     */
    static Path[] selfSigned(Path dir) throws Exception {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Path store = dir.resolve("smtp.p12"), pem = dir.resolve("smtp-ca.pem");
        run(List.of(keytool, "-genkeypair", "-alias", "smtp", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", "changeit", "-keypass", "changeit"));
        run(List.of(keytool, "-exportcert", "-rfc", "-alias", "smtp", "-keystore", store.toString(), "-storepass", "changeit", "-file", pem.toString()));
        return new Path[] {store, pem};
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("keytool: %s", out).isZero();
    }

    static SSLContext serverContext(Path store) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    @Test
    void emailOverStarttlsToAServerWithASelfSignedCertificate(@TempDir Path dir) throws Exception {
        Path[] cert = selfSigned(dir);
        List<String> received = new CopyOnWriteArrayList<>();
        List<Boolean> sessionsTls = new CopyOnWriteArrayList<>();
        // SubEtha SMTP offering STARTTLS and refusing MAIL before it (requireTLS), reporting per session whether TLS started
        SMTPServer smtp = SMTPServer.port(0).bindAddress(java.net.InetAddress.getLoopbackAddress()).hostName("127.0.0.1")
                .enableTLS().requireTLS().startTlsSocketFactory(serverContext(cert[0]))
                .sessionHandler(new SessionHandler() {
                    @Override
                    public SessionAcceptance accept(Session session) {
                        return SessionAcceptance.success();
                    }

                    @Override
                    public void onSessionEnd(Session session) {
                        sessionsTls.add(session.isTLSStarted());
                    }
                })
                .simpleMessageListener(new SimpleMessageListener() {
                    @Override
                    public boolean accept(String from, String recipient) {
                        return true;
                    }

                    @Override
                    public void deliver(String from, String recipient, java.io.InputStream data) throws java.io.IOException {
                        received.add(recipient + "\n" + new String(data.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                    }
                }).build();
        smtp.start();
        try {
            int port = smtp.getPortAllocated();
            NotifySettings.Email tls = new NotifySettings.Email("tls", "127.0.0.1", port, true, null, null, "lathe@plant.example",
                    List.of("shift-lead@plant.example"), 1, cert[1]);
            // the same server without trusting its certificate: the upgrade fails on the certificate, nothing is sent
            NotifySettings.Email untrusted = new NotifySettings.Email("untrusted", "127.0.0.1", port, true, null, null, "lathe@plant.example",
                    List.of("other@plant.example"), 1);
            notifier = new Notifier(new NotifySettings(List.of(tls, untrusted), List.of(route(List.of("tls"), Set.of(Priority.URGENT)),
                    route(List.of("untrusted"), Set.of(Priority.LOW))), null, null), clock, List::of, metrics, Duration.ofHours(1));
            Alarm a = alarm("press.alarm.t", Priority.URGENT, AlarmState.UNACK, T0 * 1000);
            notifier.onTransition(annunciation(a), a);
            assertThat(waitFor(1)).extracting(m -> m.get("outcome")).containsExactly("sent");
            assertThat(received).hasSize(1);
            assertThat(received.get(0)).startsWith("shift-lead@plant.example\n").contains("Subject: [URGENT] Temperature high - Press 3",
                    "Temperature high: 91 degC above h limit 80 degC");
            for (int i = 0; i < 100 && sessionsTls.isEmpty(); i++) Thread.sleep(50);
            assertThat(sessionsTls).containsExactly(true); // the server saw the session upgraded before the mail

            Alarm b = alarm("press.alarm.low", Priority.LOW, AlarmState.UNACK, T0 * 1000);
            notifier.onTransition(annunciation(b), b);
            List<Map<String, Object>> attempts = waitFor(2);
            assertThat(attempts.get(1).get("outcome")).isEqualTo("failed");
            assertThat(String.valueOf(attempts.get(1).get("error"))).contains("convert socket to TLS", "certification path");
            assertThat(received).hasSize(1);
            assertThat(count("tls", "sent")).isEqualTo(1);
            assertThat(count("untrusted", "failed")).isEqualTo(1);
        } finally {
            smtp.stop();
        }
    }

    @Test
    void starttlsRequiredRefusesAServerWithoutIt() throws Exception {
        mail = new GreenMail(ServerSetupTest.SMTP.dynamicPort()); // GreenMail's SMTP offers no STARTTLS
        mail.start();
        NotifySettings.Email email = new NotifySettings.Email("tls", "127.0.0.1", mail.getSmtp().getPort(), true, null, null, "lathe@plant.example",
                List.of("a@plant.example"), 1);
        notifier = new Notifier(new NotifySettings(List.of(email), List.of(route(List.of("tls"), Set.of())), null, null), clock, List::of, metrics, Duration.ofHours(1));
        Alarm a = alarm("x", Priority.LOW, AlarmState.UNACK, T0 * 1000);
        notifier.onTransition(annunciation(a), a);
        List<Map<String, Object>> attempts = waitFor(1);
        assertThat(attempts.get(0).get("outcome")).isEqualTo("failed");
        assertThat(String.valueOf(attempts.get(0).get("error"))).containsIgnoringCase("STARTTLS");
        assertThat(mail.getReceivedMessages()).isEmpty();
    }
}
