package io.lathe.broker.internal;

import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.PublishAuthorizer;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.SubscriptionAuthorizer;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerOutput;
import com.hivemq.extension.sdk.api.client.parameter.ConnectionAttributeStore;
import com.hivemq.extension.sdk.api.events.client.ClientLifecycleEventListener;
import com.hivemq.extension.sdk.api.events.client.parameters.AuthenticationSuccessfulInput;
import com.hivemq.extension.sdk.api.events.client.parameters.ConnectionStartInput;
import com.hivemq.extension.sdk.api.events.client.parameters.DisconnectEventInput;
import com.hivemq.extension.sdk.api.events.client.parameters.ServerInitiatedDisconnectInput;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.general.DisconnectedReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.ModifiablePublishPacket;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.packets.subscribe.SubackReasonCode;
import com.hivemq.extension.sdk.api.parameter.ClientBasedInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import io.lathe.broker.BrokerAccess;
import io.lathe.broker.BrokerCounter;
import io.lathe.broker.BrokerCredential;
import io.lathe.broker.BrokerIdentity;
import io.lathe.broker.BrokerLimits;
import io.lathe.broker.DevicePasswords;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lathe's access control inside HiveMQ, as an embedded extension: a {@link SimpleAuthenticator} decides who a
 * connection is (its {@link Principal}, kept in the connection's attribute store), an authorizer checks every
 * PUBLISH, Will and SUBSCRIBE against the principal's {@link Rights}, and a publish interceptor keeps retained
 * messages within the {@link BrokerLimits}. With open access no authenticator is registered (HiveMQ then lets every
 * client in), but the limits still apply.
 *
 * <p>Every HiveMQ service is taken in {@link #extensionStart}: {@code Services} is static, and tests run several
 * brokers in one JVM one after the other.
 */
public final class AccessExtension implements ExtensionMain {

    private static final Logger LOG = LoggerFactory.getLogger("io.lathe.broker.access");
    private static final String PRINCIPAL_ATTRIBUTE = "io.lathe.principal";
    private static final String SESSION_ATTRIBUTE = "io.lathe.session";
    private static final Duration AUTH_TIMEOUT = Duration.ofSeconds(30);
    /** Argon2id with OWASP's parameters takes tens of ms and 19 MiB per check: two at a time bound CPU and memory. */
    private static final int AUTH_THREADS = 2;
    private static final int AUTH_QUEUE = 1024;

    private final BrokerAccess access;
    private final BrokerLimits limits;
    private final BrokerCredential internalCredential;
    private final byte[] internalPassword;
    private final Counters counters = new Counters(LOG);
    private final RetainedLedger retained;
    private final Principal internal;
    private final Principal anonymous;
    private final Principal open;
    private final Map<String, Principal> byKey = new HashMap<>();
    private final Map<String, BrokerIdentity> identities = new HashMap<>();
    private final Set<String> reservedClientIds;
    private final LoginThrottle throttle = new LoginThrottle(5, TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(60), System::nanoTime);
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong sessionSeq = new AtomicLong();
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();
    private final byte[] verifiedKey = new byte[32];
    private final String dummyHash;
    private final ThreadPoolExecutor authPool;
    private final Authorizer authorizerForOpen;
    private final Authorizer denyAll;
    private final Map<Principal, Authorizer> authorizers = new ConcurrentHashMap<>();
    private final Map<Principal, RetainedInterceptor> interceptors = new ConcurrentHashMap<>();

    private record Session(String principalKey, long seq) {}

    public AccessExtension(BrokerAccess access, BrokerLimits limits, BrokerCredential internalCredential) {
        this.access = access;
        this.limits = limits;
        this.internalCredential = internalCredential;
        this.internalPassword = internalCredential.password().getBytes(StandardCharsets.UTF_8);
        this.retained = new RetainedLedger(limits);
        this.internal = new Principal(Principal.Kind.INTERNAL, BrokerIdentity.INTERNAL_USERNAME, "I", Rights.everything());
        this.open = new Principal(Principal.Kind.OPEN, "(open access)", "O", Rights.everything());
        byKey.put(internal.key(), internal);
        if (access instanceof BrokerAccess.Controlled c) {
            this.anonymous = c.anonymous() == null ? null
                    : new Principal(Principal.Kind.ANONYMOUS, "(anonymous)", "A", Rights.of(c.anonymous(), "an anonymous client"));
            if (anonymous != null) byKey.put(anonymous.key(), anonymous);
            for (BrokerIdentity i : c.identities()) {
                Rights rights = switch (i) {
                    case BrokerIdentity.EdgeNode n -> Rights.of(n);
                    case BrokerIdentity.Device d -> Rights.of(d.rights(), "device '" + d.username() + "'");
                };
                Principal p = new Principal(Principal.Kind.IDENTITY, i.username(), "U:" + i.username(), rights);
                byKey.put(p.key(), p);
                identities.put(i.username(), i);
            }
            this.reservedClientIds = c.reservedClientIds();
        } else {
            this.anonymous = null;
            this.reservedClientIds = Set.of();
        }
        new SecureRandom().nextBytes(verifiedKey);
        // Unknown user names are checked against this, so that a refusal takes as long whether the name exists or not.
        this.dummyHash = access instanceof BrokerAccess.Controlled ? DevicePasswords.hash(randomToken()) : null;
        AtomicInteger threadNo = new AtomicInteger();
        this.authPool = new ThreadPoolExecutor(AUTH_THREADS, AUTH_THREADS, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(AUTH_QUEUE), r -> {
            Thread t = new Thread(r, "lathe-broker-auth-" + threadNo.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.authorizerForOpen = new Authorizer(open);
        this.denyAll = new Authorizer(new Principal(Principal.Kind.IDENTITY, "(unauthenticated)", "-", Rights.none()));
    }

    /** A random 32-byte token, URL-safe Base64. */
    public static String randomToken() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    public long count(BrokerCounter c) {
        return counters.get(c);
    }

    public int retainedMessages() {
        return retained.messages();
    }

    public long retainedBytes() {
        return retained.bytes();
    }

    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
        if (access instanceof BrokerAccess.Controlled) {
            Authenticator authenticator = new Authenticator();
            Services.securityRegistry().setAuthenticatorProvider(in -> authenticator);
        }
        Services.securityRegistry().setAuthorizerProvider(in -> authorizerFor(principalOf(in)));
        Services.initializerRegistry().setClientInitializer((in, context) -> {
            Principal p = principalOf(in);
            // Lathe's own clients are exempt from the retained limits: no interceptor on their (busiest) path.
            if (p != null && !p.internal()) context.addPublishInboundInterceptor(interceptors.computeIfAbsent(p, RetainedInterceptor::new));
        });
        Lifecycle lifecycle = new Lifecycle();
        Services.eventRegistry().setClientLifecycleEventListener(in -> lifecycle);
    }

    @Override
    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
        authPool.shutdownNow();
    }

    /** Stops the password-check threads; the broker calls it on close. */
    public void close() {
        authPool.shutdownNow();
    }

    private Authorizer authorizerFor(Principal p) {
        if (p == null) return denyAll;
        if (p == open) return authorizerForOpen;
        return authorizers.computeIfAbsent(p, Authorizer::new);
    }

    /** The connection's principal; null when a controlled broker somehow lets in a connection it did not authenticate. */
    private Principal principalOf(ClientBasedInput in) {
        Optional<String> key = in.getConnectionInformation().getConnectionAttributeStore().getAsString(PRINCIPAL_ATTRIBUTE);
        if (key.isEmpty()) return access instanceof BrokerAccess.Open ? open : null;
        return byKey.get(key.get());
    }

    private boolean reserved(String clientId) {
        return clientId.startsWith(BrokerAccess.RESERVED_CLIENT_ID_PREFIX) || reservedClientIds.contains(clientId);
    }

    private static String who(String clientId, String user, ClientBasedInput in) {
        String address = in.getConnectionInformation().getInetAddress().map(a -> a.getHostAddress()).orElse("unknown");
        return "[client=" + clientId + ", user=" + (user == null ? "(none)" : user) + ", address=" + address + "]";
    }

    private final class Authenticator implements SimpleAuthenticator {
        @Override
        public void onConnect(SimpleAuthInput in, SimpleAuthOutput out) {
            String clientId = in.getClientInformation().getClientId();
            Optional<String> user = in.getConnectPacket().getUserName();
            Optional<ByteBuffer> password = in.getConnectPacket().getPassword();
            if (user.isPresent() && user.get().equals(BrokerIdentity.INTERNAL_USERNAME)) {
                if (password.isPresent() && MessageDigest.isEqual(bytes(password.get()), internalPassword)) {
                    admit(in, out, clientId, internal);
                } else {
                    refuse(out, BrokerCounter.CONNECT_REFUSED_CREDENTIALS, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
                            "MQTT connect refused " + who(clientId, user.get(), in) + ": wrong password for Lathe's internal user name. "
                                    + "That user name is Lathe's own; give the client its own identity in the MQTT client list.");
                }
                return;
            }
            if (reserved(clientId)) {
                refuse(out, BrokerCounter.CONNECT_REFUSED_CLIENT_ID, ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                        "MQTT connect refused " + who(clientId, user.orElse(null), in) + ": the client id is reserved for Lathe's own connections"
                                + " (prefix '" + BrokerAccess.RESERVED_CLIENT_ID_PREFIX + "' and the client ids of Lathe's MQTT connections). Give the client another client id.");
                return;
            }
            if (user.isEmpty()) {
                if (anonymous == null) {
                    refuse(out, BrokerCounter.CONNECT_REFUSED_ANONYMOUS, ConnackReasonCode.NOT_AUTHORIZED,
                            "MQTT connect refused " + who(clientId, null, in) + ": anonymous access is off. "
                                    + "Give the client a user name and password from the MQTT client list, or allow anonymous clients (mqtt.embedded.anonymous).");
                } else {
                    admit(in, out, clientId, anonymous);
                }
                return;
            }
            String name = user.get();
            BrokerIdentity identity = identities.get(name);
            long locked = identity == null ? 0 : throttle.lockedNanos(name);
            if (locked > 0) {
                refuse(out, BrokerCounter.CONNECT_REFUSED_THROTTLED, ConnackReasonCode.NOT_AUTHORIZED,
                        "MQTT connect refused " + who(clientId, name, in) + ": too many wrong passwords for this user name; locked for another "
                                + Math.max(1, TimeUnit.NANOSECONDS.toSeconds(locked)) + " s. Check the client's password.");
                return;
            }
            String given = password.map(AccessExtension::utf8).orElse(null);
            Async<SimpleAuthOutput> async = out.async(AUTH_TIMEOUT, TimeoutFallback.FAILURE, ConnackReasonCode.SERVER_BUSY, "password check timed out");
            try {
                authPool.execute(() -> {
                    try {
                        check(in, out, clientId, name, identity, given);
                    } finally {
                        async.resume();
                    }
                });
            } catch (RejectedExecutionException e) {
                refuse(out, BrokerCounter.CONNECT_REFUSED_THROTTLED, ConnackReasonCode.SERVER_BUSY,
                        "MQTT connect refused " + who(clientId, name, in) + ": " + AUTH_QUEUE + " password checks are already waiting. The client should retry later.");
                async.resume();
            }
        }

        private void check(SimpleAuthInput in, SimpleAuthOutput out, String clientId, String name, BrokerIdentity identity, String given) {
            boolean ok;
            if (identity == null || given == null) {
                DevicePasswords.verify(given == null ? "" : given, identity == null ? dummyHash : identity.passwordHash());
                ok = false;
            } else {
                byte[] mac = mac(name, given);
                byte[] last = verified.get(name);
                // A device that reconnects with the password it used last is let in without another Argon2id run.
                ok = (last != null && MessageDigest.isEqual(last, mac)) || DevicePasswords.verify(given, identity.passwordHash());
                if (ok) verified.put(name, mac);
            }
            if (!ok) {
                if (identity != null) throttle.failed(name);
                refuse(out, BrokerCounter.CONNECT_REFUSED_CREDENTIALS, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
                        "MQTT connect refused " + who(clientId, name, in) + ": " + (identity == null ? "unknown user name" : given == null ? "no password" : "wrong password")
                                + ". Check the client's credentials against the MQTT client list.");
                return;
            }
            throttle.succeeded(name);
            admit(in, out, clientId, byKey.get("U:" + name));
        }

        private void admit(SimpleAuthInput in, SimpleAuthOutput out, String clientId, Principal p) {
            Session mine = new Session(p.key(), sessionSeq.incrementAndGet());
            Session now = sessions.compute(clientId, (id, cur) -> cur == null || cur.principalKey().equals(p.key()) || p.internal() ? mine : cur);
            if (now != mine) {
                refuse(out, BrokerCounter.CONNECT_REFUSED_CLIENT_ID, ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                        "MQTT connect refused " + who(clientId, p.name(), in) + ": a client of another identity is connected with this client id. "
                                + "Give each client its own client id.");
                return;
            }
            ConnectionAttributeStore attributes = in.getConnectionInformation().getConnectionAttributeStore();
            attributes.putAsString(PRINCIPAL_ATTRIBUTE, p.key());
            attributes.putAsString(SESSION_ATTRIBUTE, Long.toString(mine.seq()));
            out.authenticateSuccessfully();
        }

        private void refuse(SimpleAuthOutput out, BrokerCounter c, ConnackReasonCode code, String message) {
            counters.count(c, message);
            // The client sees only the reason code and a short reason: the log line has the details.
            out.failAuthentication(code, c.reason().equals("client-id") ? "client id not allowed" : "not authorized");
        }
    }

    private byte[] mac(String user, String password) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(verifiedKey, "HmacSHA256"));
            m.update(user.getBytes(StandardCharsets.UTF_8));
            m.update((byte) 0);
            return m.doFinal(password.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] a = new byte[d.remaining()];
        d.get(a);
        return a;
    }

    /** The password as text; null when it is not UTF-8, which no stored hash can match. */
    private static String utf8(ByteBuffer b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(b.duplicate()).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Checks PUBLISH (and Will) and SUBSCRIBE packets of one principal's connections. */
    private final class Authorizer implements PublishAuthorizer, SubscriptionAuthorizer {
        private final Principal principal;

        Authorizer(Principal principal) {
            this.principal = principal;
        }

        @Override
        public void authorizePublish(PublishAuthorizerInput in, PublishAuthorizerOutput out) {
            PublishPacket packet = in.getPublishPacket();
            String topic = packet.getTopic();
            String clientId = in.getClientInformation().getClientId();
            if (Topics.levels(topic) > limits.maxTopicLevels()) {
                counters.count(BrokerCounter.PUBLISH_DENIED_TOPIC_LEVELS, "MQTT publish denied [client=" + clientId + ", user=" + principal.name() + ", topic=" + topic
                        + "]: " + Topics.levels(topic) + " topic levels, at most " + limits.maxTopicLevels() + " allowed. Use a shorter topic or raise mqtt.embedded.max-topic-levels.");
                out.failAuthorization(AckReasonCode.TOPIC_NAME_INVALID, "too many topic levels");
                return;
            }
            if (principal.internal()) {
                out.authorizeSuccessfully();
                return;
            }
            if (principal != open && Topics.isSparkplugState(topic)) {
                counters.count(BrokerCounter.PUBLISH_DENIED_STATE, "MQTT publish denied [client=" + clientId + ", user=" + principal.name() + ", topic=" + topic
                        + "]: only Lathe's own Sparkplug host may publish STATE topics; a forged STATE message stops the edge nodes that wait for their primary host.");
                out.failAuthorization(AckReasonCode.NOT_AUTHORIZED, "not authorized");
                return;
            }
            if (!principal.rights().mayPublish(topic)) {
                counters.count(BrokerCounter.PUBLISH_DENIED_RIGHTS, "MQTT publish denied [client=" + clientId + ", user=" + principal.name() + ", topic=" + topic
                        + "]: " + principal.rights().description() + ". Fix the client's topic or its rights in the MQTT client list.");
                out.failAuthorization(AckReasonCode.NOT_AUTHORIZED, "not authorized");
                return;
            }
            if (packet.getRetain()) {
                // Reached with the retain flag only for Wills and for PUBLISHes the interceptor found within the limits.
                RetainedLedger.Verdict v = retained.admit(topic, payloadSize(packet));
                if (v != RetainedLedger.Verdict.STORE) {
                    counters.count(BrokerCounter.CONNECT_REFUSED_WILL, "MQTT retained Will refused [client=" + clientId + ", user=" + principal.name()
                            + ", topic=" + topic + "]: " + retainedReason(v, payloadSize(packet)));
                    out.failAuthorization(AckReasonCode.QUOTA_EXCEEDED, "retained message limit");
                    return;
                }
            }
            out.authorizeSuccessfully();
        }

        @Override
        public void authorizeSubscribe(SubscriptionAuthorizerInput in, SubscriptionAuthorizerOutput out) {
            String filter = Topics.unshared(in.getSubscription().getTopicFilter());
            String clientId = in.getClientInformation().getClientId();
            if (Topics.levels(filter) > limits.maxTopicLevels()) {
                counters.count(BrokerCounter.SUBSCRIBE_DENIED_TOPIC_LEVELS, "MQTT subscribe denied [client=" + clientId + ", user=" + principal.name() + ", filter=" + filter
                        + "]: " + Topics.levels(filter) + " topic levels, at most " + limits.maxTopicLevels() + " allowed. Use a shorter filter or raise mqtt.embedded.max-topic-levels.");
                out.failAuthorization(SubackReasonCode.TOPIC_FILTER_INVALID, "too many topic levels");
                return;
            }
            if (principal.rights().maySubscribe(filter)) {
                out.authorizeSuccessfully();
                return;
            }
            counters.count(BrokerCounter.SUBSCRIBE_DENIED_RIGHTS, "MQTT subscribe denied [client=" + clientId + ", user=" + principal.name() + ", filter=" + filter
                    + "]: " + principal.rights().description() + ". Fix the client's subscription or its rights in the MQTT client list.");
            out.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, "not authorized");
        }
    }

    private String retainedReason(RetainedLedger.Verdict v, int size) {
        return switch (v) {
            case PAYLOAD_TOO_LARGE -> "payload of " + size + " bytes, at most " + limits.maxRetainedPayloadBytes()
                    + " bytes are kept as a retained message. Send it without the retain flag or raise mqtt.embedded.max-retained-payload-bytes.";
            case TOO_MANY -> "the broker keeps at most " + limits.maxRetainedMessages()
                    + " retained messages. Clear unused ones (an empty retained PUBLISH) or raise mqtt.embedded.max-retained-messages.";
            case TOO_MANY_BYTES -> "the broker keeps at most " + limits.maxRetainedTotalBytes()
                    + " bytes of retained messages. Clear unused ones (an empty retained PUBLISH) or raise mqtt.embedded.max-retained-bytes.";
            case STORE -> "stored";
        };
    }

    private static int payloadSize(PublishPacket p) {
        return p.getPayload().map(ByteBuffer::remaining).orElse(0);
    }

    /**
     * Keeps retained PUBLISHes within the limits: one over a limit is still delivered to subscribers but not stored
     * (its retain flag is dropped), so a device's live data keeps flowing.
     */
    private final class RetainedInterceptor implements PublishInboundInterceptor {
        private final Principal principal;

        RetainedInterceptor(Principal principal) {
            this.principal = principal;
        }

        @Override
        public void onInboundPublish(PublishInboundInput in, PublishInboundOutput out) {
            ModifiablePublishPacket packet = out.getPublishPacket();
            if (!packet.getRetain()) return;
            String topic = packet.getTopic();
            // Interceptors run before the authorizer: leave a PUBLISH the authorizer will deny alone, so it is not booked.
            if ((principal != open && Topics.isSparkplugState(topic)) || !principal.rights().mayPublish(topic)) return;
            int size = payloadSize(packet);
            RetainedLedger.Verdict v = retained.admit(topic, size);
            if (v == RetainedLedger.Verdict.STORE) return;
            packet.setRetain(false);
            BrokerCounter c = switch (v) {
                case PAYLOAD_TOO_LARGE -> BrokerCounter.RETAINED_DROPPED_PAYLOAD;
                case TOO_MANY -> BrokerCounter.RETAINED_DROPPED_COUNT;
                default -> BrokerCounter.RETAINED_DROPPED_BYTES;
            };
            counters.count(c, "MQTT retained message not stored, delivered live only [client=" + in.getClientInformation().getClientId()
                    + ", user=" + principal.name() + ", topic=" + topic + "]: " + retainedReason(v, size));
        }
    }

    /** Frees a client id when its connection ends, and counts disconnects for oversized packets. */
    private final class Lifecycle implements ClientLifecycleEventListener {
        @Override
        public void onMqttConnectionStart(ConnectionStartInput in) {}

        @Override
        public void onAuthenticationSuccessful(AuthenticationSuccessfulInput in) {}

        @Override
        public void onServerInitiatedDisconnect(ServerInitiatedDisconnectInput in) {
            if (in.getReasonCode().orElse(null) == DisconnectedReasonCode.PACKET_TOO_LARGE) {
                String clientId = in.getClientInformation().getClientId();
                counters.count(BrokerCounter.PACKET_TOO_LARGE, "MQTT client disconnected " + who(clientId, null, in) + ": it sent a packet larger than "
                        + limits.maxPacketBytes() + " bytes. Send smaller messages or raise mqtt.embedded.max-packet-bytes.");
            }
            onDisconnect(in);
        }

        @Override
        public void onDisconnect(DisconnectEventInput in) {
            Optional<String> seq = in.getConnectionInformation().getConnectionAttributeStore().getAsString(SESSION_ATTRIBUTE);
            if (seq.isEmpty()) return;
            long mine = Long.parseLong(seq.get());
            sessions.computeIfPresent(in.getClientInformation().getClientId(), (id, cur) -> cur.seq() == mine ? null : cur);
        }
    }
}
