package io.lathe.server.config;

import io.lathe.server.config.ConfigKey.Type;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every setting Lathe reads, declared in one place. Sections {@code plant} and {@code connections} are structural. */
public final class Keys {
    private Keys() {}

    public static final ConfigKey HTTP_HOST = key("server.http-host", Type.STRING, "127.0.0.1",
            "Address the HTTP server binds to: 127.0.0.1 serves this machine only; 0.0.0.0 every network interface (put TLS and logins in place first). Command-line option --http-host.");
    public static final ConfigKey HTTP_PORT = key("server.http-port", Type.PORT, "8080", "HTTP port of the API, dashboard and /metrics. 0 picks a free port. Command-line option --http-port.");
    public static final ConfigKey DATA_DIR = key("server.data-dir", Type.STRING, "./lathe-data", "Folder for stored history and state. Command-line option --data-dir.");

    public static final ConfigKey INGEST_TOKEN = secret("server.ingest-token",
            "Deprecated: imported at start as an API token with scope ingest (a warning is logged at every start); removing the setting revokes it. Create ingest tokens per sender instead (POST /api/tokens).");
    public static final ConfigKey INGEST_MAX_BODY_BYTES = key("server.ingest.max-body-bytes", Type.LONG, "67108864",
            "Largest body of one POST /api/ingest request, in bytes (64 MiB). Counted while streaming: a larger body is answered 413 (before reading when Content-Length announces it; else the lines before the limit are stored and the answer says up to which line).");
    public static final ConfigKey INGEST_MAX_LINE_BYTES = key("server.ingest.max-line-bytes", Type.INT, "1114112",
            "Longest line of a POST /api/ingest body, in bytes (1 MiB + 64 KiB: a 1 MiB text value with room for name, timestamp and escapes). A longer line is rejected as too-large (413) without being buffered. From 1024.");
    public static final ConfigKey INGEST_MAX_NEW_SERIES = key("server.ingest.max-new-series", Type.INT, "1000",
            "Series one POST /api/ingest request may create; lines naming further new series are rejected (reason new-series-limit, 400) while existing series are stored. 0 allows writes to existing series only.");
    public static final ConfigKey METRICS_PUBLIC = key("server.metrics-public", Type.BOOLEAN, "false",
            "Serve /metrics without credentials, for a Prometheus that cannot send a token. Otherwise it needs a login or an API token with scope read.");
    public static final ConfigKey TRUSTED_ORIGINS = key("server.trusted-origins", Type.LIST, "",
            "Further origins (https://portal.plant.example) whose pages may send changes to the API with a login; Lathe's own origin always may.");
    public static final ConfigKey TLS_CERT_FILE = key("server.tls.cert-file", Type.STRING, null,
            "PEM file with the HTTPS certificate (then its intermediates); with server.tls.key-file the HTTP port serves HTTPS only.");
    public static final ConfigKey TLS_KEY_FILE = key("server.tls.key-file", Type.STRING, null,
            "PEM file with the HTTPS private key (PKCS#8 or PKCS#1 RSA, unencrypted, mode 600).");
    public static final ConfigKey TLS_KEYSTORE = key("server.tls.keystore", Type.STRING, null,
            "PKCS#12 file (.p12, .pfx) with the HTTPS key and certificate chain, instead of the PEM files.");
    public static final ConfigKey TLS_KEYSTORE_PASSWORD = secret("server.tls.keystore-password", "Password of server.tls.keystore.");
    public static final ConfigKey TLS_SELF_SIGNED = key("server.tls.self-signed", Type.BOOLEAN, "false",
            "Serve HTTPS with a self-signed certificate generated on first start into <data-dir>/tls (for trials; browsers warn).");

    public static final ConfigKey AUTH_ANONYMOUS_READ = key("auth.anonymous-read", Type.BOOLEAN, null,
            "Let requests without credentials read data, KPIs and metrics (changes always need a login or token). Default false for `lathe serve`, true for `lathe demo`.");
    public static final ConfigKey AUTH_SESSION_IDLE = key("auth.session-idle-timeout", Type.DURATION, "30m", "A login session ends after this long without a request.");
    public static final ConfigKey AUTH_SESSION_ABSOLUTE = key("auth.session-absolute-timeout", Type.DURATION, "8h", "A login session ends this long after the login, used or not.");
    public static final ConfigKey AUTH_MAX_SESSIONS = key("auth.max-sessions", Type.INT, "10000", "Live sessions kept at most; beyond, the least recently used ends.");
    public static final ConfigKey AUTH_LOCKOUT_FAILURES = key("auth.lockout-failures", Type.INT, "5",
            "Failed logins in a row, per user name and per address, before further attempts are refused (HTTP 429 with Retry-After).");
    public static final ConfigKey AUTH_LOCKOUT_FIRST = key("auth.lockout-first", Type.DURATION, "1m", "First lock-out; each further failure doubles it.");
    public static final ConfigKey AUTH_LOCKOUT_MAX = key("auth.lockout-max", Type.DURATION, "15m", "Longest lock-out.");
    public static final ConfigKey OIDC_ISSUER = key("auth.oidc.issuer", Type.STRING, null,
            "Single sign-on: the OpenID Connect provider's issuer URL (its /.well-known/openid-configuration is read on first use). Unset: off.");
    public static final ConfigKey OIDC_CLIENT_ID = key("auth.oidc.client-id", Type.STRING, null, "Single sign-on: Lathe's client id at the provider.");
    public static final ConfigKey OIDC_CLIENT_SECRET = secret("auth.oidc.client-secret", "Single sign-on: the client secret; unset for a public client (PKCE alone).");
    public static final ConfigKey OIDC_REDIRECT_URI = key("auth.oidc.redirect-uri", Type.STRING, null,
            "Single sign-on: Lathe's callback as registered at the provider, https://<lathe>/login/oidc/callback.");
    public static final ConfigKey OIDC_SCOPES = key("auth.oidc.scopes", Type.LIST, "openid,profile,email", "Single sign-on: scopes requested.");
    public static final ConfigKey OIDC_USERNAME_CLAIM = key("auth.oidc.username-claim", Type.STRING, "preferred_username", "Single sign-on: the ID-token claim that names the person.");
    public static final ConfigKey OIDC_ROLE_MAPPINGS = key("auth.oidc.role-mappings", Type.LIST, "",
            "Single sign-on: claim=value -> role[@site] rules, e.g. groups=lathe-admins -> admin; a person matching none is refused.");

    public static final ConfigKey MQTT_BROKER = key("mqtt.broker", Type.STRING, "embedded",
            "`embedded` starts Lathe's own MQTT broker; otherwise the URL of an external one, tcp://host:1883 or ssl://host:8883.");
    public static final ConfigKey MQTT_EMBEDDED_HOST = key("mqtt.embedded.host", Type.STRING, "127.0.0.1",
            "Address the embedded broker binds to: 127.0.0.1 serves this machine only; 0.0.0.0 every network interface (set up device credentials first).");
    public static final ConfigKey MQTT_EMBEDDED_PORT = key("mqtt.embedded.port", Type.PORT, "1883",
            "Port of the embedded broker. Command-line option --mqtt-port. `lathe demo` falls back to a free port when it is taken.");
    public static final ConfigKey MQTT_EMBEDDED_CLIENTS_FILE = key("mqtt.embedded.clients-file", Type.STRING, null,
            "YAML list of the edge nodes and devices allowed on the embedded broker: user name, Argon2id or bcrypt password hash, and a Sparkplug group and edge node or publish/subscribe topic filters. Unset: only Lathe's own clients (and anonymous ones if allowed). Relative to the configuration file's folder.");
    public static final ConfigKey MQTT_EMBEDDED_ANONYMOUS = key("mqtt.embedded.anonymous", Type.BOOLEAN, "false",
            "Let clients without user name connect to the embedded broker, with the rights of mqtt.embedded.anonymous-publish and -subscribe. They never may publish Sparkplug STATE or use Lathe's client ids.");
    public static final ConfigKey MQTT_EMBEDDED_ANONYMOUS_PUBLISH = key("mqtt.embedded.anonymous-publish", Type.LIST, "#",
            "Topic filters anonymous clients may publish to, comma-separated (only with mqtt.embedded.anonymous).");
    public static final ConfigKey MQTT_EMBEDDED_ANONYMOUS_SUBSCRIBE = key("mqtt.embedded.anonymous-subscribe", Type.LIST, "#",
            "Topic filters anonymous clients may subscribe to, comma-separated (only with mqtt.embedded.anonymous).");
    public static final ConfigKey MQTT_EMBEDDED_MAX_PACKET_BYTES = key("mqtt.embedded.max-packet-bytes", Type.INT, "1048576",
            "Largest MQTT packet the embedded broker accepts, in bytes (1024 to 268435460); a client sending a larger one is disconnected. 1 MiB holds a Sparkplug birth of about 10,000 metrics.");
    public static final ConfigKey MQTT_EMBEDDED_MAX_TOPIC_LENGTH = key("mqtt.embedded.max-topic-length", Type.INT, "1024",
            "Longest topic name or filter the embedded broker accepts, in characters (1 to 65535).");
    public static final ConfigKey MQTT_EMBEDDED_MAX_TOPIC_LEVELS = key("mqtt.embedded.max-topic-levels", Type.INT, "32",
            "Most levels (parts between '/') in a topic the embedded broker accepts for PUBLISH and SUBSCRIBE (1 to 1024).");
    public static final ConfigKey MQTT_EMBEDDED_MAX_RETAINED_PAYLOAD = key("mqtt.embedded.max-retained-payload-bytes", Type.INT, "65536",
            "Largest payload the embedded broker stores as a retained message, in bytes; a larger retained PUBLISH is delivered live but not stored, and counted. Lathe's own clients are exempt.");
    public static final ConfigKey MQTT_EMBEDDED_MAX_RETAINED_MESSAGES = key("mqtt.embedded.max-retained-messages", Type.INT, "10000",
            "Most retained messages the embedded broker stores for clients other than Lathe's own.");
    public static final ConfigKey MQTT_EMBEDDED_MAX_RETAINED_BYTES = key("mqtt.embedded.max-retained-bytes", Type.LONG, "16777216",
            "Most bytes (payloads and topic names) of retained messages the embedded broker stores for clients other than Lathe's own.");
    public static final ConfigKey MQTT_EMBEDDED_TLS_HOST = key("mqtt.embedded.tls.host", Type.STRING, null,
            "Address the embedded broker's TLS listener binds to; unset: mqtt.embedded.host. To take devices only over TLS, set mqtt.embedded.host to 127.0.0.1 and this to 0.0.0.0.");
    public static final ConfigKey MQTT_EMBEDDED_TLS_PORT = key("mqtt.embedded.tls.port", Type.PORT, "8883",
            "Port of the embedded broker's TLS listener, open when a certificate is configured.");
    public static final ConfigKey MQTT_EMBEDDED_TLS_CERT = key("mqtt.embedded.tls.cert-file", Type.STRING, null,
            "PEM file with the embedded broker's certificate, then its intermediate certificates; with mqtt.embedded.tls.key-file it opens the TLS listener.");
    public static final ConfigKey MQTT_EMBEDDED_TLS_KEY = key("mqtt.embedded.tls.key-file", Type.STRING, null,
            "PEM file with the private key of mqtt.embedded.tls.cert-file: PKCS#8, encrypted PKCS#8 or PKCS#1 RSA.");
    public static final ConfigKey MQTT_EMBEDDED_TLS_KEY_PASSWORD = secret("mqtt.embedded.tls.key-password",
            "Password of an encrypted mqtt.embedded.tls.key-file.");
    public static final ConfigKey MQTT_EMBEDDED_TLS_PKCS12 = key("mqtt.embedded.tls.pkcs12-file", Type.STRING, null,
            "PKCS#12 file (.p12/.pfx) with the embedded broker's key and certificate chain, instead of the PEM files.");
    public static final ConfigKey MQTT_EMBEDDED_TLS_PKCS12_PASSWORD = secret("mqtt.embedded.tls.pkcs12-password",
            "Password of mqtt.embedded.tls.pkcs12-file and of its key.");
    public static final ConfigKey MQTT_USERNAME = key("mqtt.username", Type.STRING, null, "User name for an external broker.");
    public static final ConfigKey MQTT_PASSWORD = secret("mqtt.password", "Password for an external broker.");
    public static final ConfigKey MQTT_TLS_CA = key("mqtt.tls.ca-file", Type.STRING, null,
            "PEM file with the CA certificate(s) that signed an ssl:// broker's certificate; the JVM's trust store when unset.");
    public static final ConfigKey MQTT_TLS_VERIFY_HOSTNAME = key("mqtt.tls.verify-hostname", Type.BOOLEAN, "true",
            "Check that an ssl:// broker's certificate names its host.");

    public static final ConfigKey SPARKPLUG_ENABLED = key("sparkplug.enabled", Type.BOOLEAN, "true", "Run the Sparkplug B primary host application.");
    public static final ConfigKey SPARKPLUG_HOST_ID = key("sparkplug.host-id", Type.STRING, "lathe",
            "Sparkplug host application id: Lathe publishes its state on spBv1.0/STATE/<host-id>. Edge nodes configured with this primary host wait for it.");
    public static final ConfigKey SPARKPLUG_GROUPS = key("sparkplug.groups", Type.LIST, "",
            "Sparkplug group ids to subscribe to, comma-separated; empty means all groups.");
    public static final ConfigKey SPARKPLUG_REORDER_TIMEOUT = key("sparkplug.reorder-timeout", Type.DURATION, "2s",
            "How long an out-of-order message waits for the missing seq before Lathe requests a rebirth.");
    public static final ConfigKey DISCOVERY_SITE = key("sparkplug.discovery.site", Type.STRING, "Discovered",
            "Site under which devices that match no declared machine are added.");
    public static final ConfigKey DISCOVERY_AREA = key("sparkplug.discovery.area", Type.STRING, "Sparkplug",
            "Area (under the discovery site) for devices that match no declared machine; each edge node becomes a line.");
    public static final ConfigKey DISCOVERY_ENABLED = key("sparkplug.discovery.enabled", Type.BOOLEAN, "true",
            "Add Sparkplug edge nodes, devices and metrics that match no declared machine or signal to the plant model. Off: only declared ones receive data; births with other names are dropped and counted (lathe_sparkplug_discovery_rejected_total).");
    public static final ConfigKey DISCOVERY_MAX_NODES = key("sparkplug.discovery.max-new-nodes-per-hour", Type.INT, "100",
            "Most edge nodes discovery adds per clock hour; further births of new edge nodes add nothing and are counted (lathe_sparkplug_discovery_rejected_total{kind=edge_node}).");
    public static final ConfigKey DISCOVERY_MAX_DEVICES = key("sparkplug.discovery.max-new-devices-per-hour", Type.INT, "1000",
            "Most machines (an edge node's own metrics, or one device) discovery adds per clock hour; further ones are counted (kind=device).");
    public static final ConfigKey DISCOVERY_MAX_SIGNALS = key("sparkplug.discovery.max-new-signals-per-hour", Type.INT, "10000",
            "Most signals discovery adds per clock hour, also undeclared metrics of declared machines; further ones are counted (kind=signal) and their values dropped.");

    public static final ConfigKey STORE_MEMORY_MB = key("store.memory-budget-mb", Type.INT, "0",
            "Megabytes of in-memory column buffers; the store flushes to files early when they fill. 0 (the default) takes a sixteenth of the JVM's maximum heap, at least 64 and at most 512 (64 under -Xmx1g, 384 under the 6 GB heap Java gives itself on a 24 GB machine). Larger buffers flush into larger files, which compaction merges fewer times: less CPU per point at high ingest rates. A quarter of this again caches file indexes (the rest stays on disk), so the heap does not grow with the history kept.");
    public static final ConfigKey STORE_FLUSH_INTERVAL = key("store.flush-interval", Type.DURATION, "10m",
            "Buffers are written to compressed files at least this often; until then the write-ahead log keeps them safe.");
    public static final ConfigKey STORE_RETENTION = key("store.retention", Type.DURATION, "0s",
            "Drop whole partitions (see store.partition) that end before now minus this; 0s keeps everything.");
    public static final ConfigKey STORE_PARTITION = key("store.partition", Type.DURATION, "7d",
            "Time span of one store partition (folder of files), aligned to Mondays 00:00 UTC. Longer partitions store slow signals in fewer, larger blocks; retention drops a partition as a whole.");
    public static final ConfigKey STORE_LATE_WINDOW = key("store.late-window", Type.DURATION, "1d",
            "Points older than their series' newest point by more than this are rejected and counted.");
    public static final ConfigKey STORE_WAL_SYNC = key("store.wal-sync-interval", Type.DURATION, "10ms",
            "Durability bound of the write-ahead log (group commit), 0s to 1s: every accepted point, from any source, is forced to disk at most this long after it arrived (plus one write and fsync), whatever the rate and without a flush; a longer window means fewer fsyncs.");

    public static final ConfigKey INGEST_QUEUE_CAPACITY = key("ingest.queue-capacity", Type.INT, "65536",
            "Points each connection's ingest queue holds between its network threads and the store (in batches, about 25 bytes a point, kept for reuse once filled). When it is full a hand-off waits up to ingest.max-block, then its points are rejected and counted (lathe_ingest_queue_rejected_total).");
    public static final ConfigKey INGEST_MAX_BLOCK = key("ingest.max-block", Type.DURATION, "2s",
            "Longest a connection's network thread waits for room in a full ingest queue before rejecting the points. Keep it well under the MQTT keep-alive (30 s) so a slow disk cannot drop the broker connection.");
    public static final ConfigKey INGEST_MAX_CLOCK_SKEW = key("ingest.max-clock-skew", Type.DURATION, "5m",
            "Points stamped more than this ahead of the server clock are rejected and counted (lathe_ingest_rejected_total, reason future-timestamp), from every connection and HTTP ingest. 0s disables the check; `lathe demo` with simulator.speed above 1 disables it for its simulated devices.");

    public static final ConfigKey SIM_SEED = key("simulator.seed", Type.LONG, "42", "`lathe demo`: random seed of the virtual factory.");
    public static final ConfigKey ALARMS_MAX_SHELVE = key("alarms.max-shelve", Type.DURATION, "8h",
            "The longest an operator may shelve an alarm (ISA-18.2 asks for a limit); a timed shelve ends by itself.");
    public static final ConfigKey ALARMS_SILENT_PERIOD = key("alarms.silent-period", Type.DURATION, "10m",
            "After a notification about an alarm, further activations of the same alarm within this time send nothing (counted as silenced), so a chattering alarm cannot flood the channels.");
    public static final ConfigKey ALARMS_MAX_PER_10_MIN = key("alarms.max-per-10-min", Type.INT, "2",
            "Alarm KPIs: the most annunciated alarms per 10 minutes an operator can manage (ISA-18.2: 1-2); intervals above count as over the limit.");
    public static final ConfigKey SIM_SPEED = key("simulator.speed", Type.DOUBLE, "1", "`lathe demo`: simulated seconds per real second.");
    public static final ConfigKey SIM_LINES = key("simulator.lines", Type.INT, "2", "`lathe demo`: number of production lines.");
    public static final ConfigKey SIM_MACHINES = key("simulator.machines-per-line", Type.INT, "4", "`lathe demo`: machines per line.");
    public static final ConfigKey SIM_PUBLISH_INTERVAL = key("simulator.publish-interval", Type.DURATION, "1s",
            "`lathe demo`: real time between two publications of the virtual factory (with simulator.speed: simulated time between two samples).");

    public static final ConfigKey PREDICT_ENABLED = key("predict.enabled", Type.BOOLEAN, "true",
            "Machine health: an anomaly score per machine (and a remaining useful life once a wear-out failure was seen), computed while the machine runs and stored as its signals Anomaly Score, RUL, RUL Lower, RUL Upper. Models are saved in <data-dir>/models.");
    public static final ConfigKey PREDICT_TRAINING = key("predict.anomaly.training", Type.DURATION, "2h",
            "Running time (data time; the demo's simulated time) a machine's anomaly model learns from when none is saved: its first hours of running after start and again after a wear-out repair. POST /api/models/fit or lathe model fit learns from a period you mark as normal instead.");
    public static final ConfigKey PREDICT_VIBRATION_ZONES = key("predict.vibration-zones", Type.LIST, "",
            "Absolute vibration severity limits (ISO 10816-1 zones of velocity RMS) as a floor under the anomaly score, so wear a machine already had when its model learned still shows: rules MACHINES[@SIGNAL]=ZONES, the last matching one wins. MACHINES: a machine id or a glob (*, *.band-saw); SIGNAL: a signal name, else every signal of the machine with unit mm/s whose name contains 'vibration'; ZONES: an ISO 10816-1 class I (up to 15 kW), II (15-75 kW), III or IV (large machines on rigid or soft foundations), or B/C:C/D limits in mm/s (1.8:4.5). Scored while running from the first minute, also while the model learns: 0 below B/C, 1 (the threshold) at B/C, 2 at C/D. Empty (default): off.");

    public static final List<ConfigKey> ALL = List.of(HTTP_HOST, HTTP_PORT, DATA_DIR, INGEST_TOKEN, INGEST_MAX_BODY_BYTES, INGEST_MAX_LINE_BYTES, INGEST_MAX_NEW_SERIES, METRICS_PUBLIC, TRUSTED_ORIGINS,
            TLS_CERT_FILE, TLS_KEY_FILE, TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD, TLS_SELF_SIGNED, AUTH_ANONYMOUS_READ, AUTH_SESSION_IDLE,
            AUTH_SESSION_ABSOLUTE, AUTH_MAX_SESSIONS, AUTH_LOCKOUT_FAILURES, AUTH_LOCKOUT_FIRST, AUTH_LOCKOUT_MAX, OIDC_ISSUER,
            OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI, OIDC_SCOPES, OIDC_USERNAME_CLAIM, OIDC_ROLE_MAPPINGS, MQTT_BROKER, MQTT_EMBEDDED_HOST,
            MQTT_EMBEDDED_PORT, MQTT_EMBEDDED_CLIENTS_FILE, MQTT_EMBEDDED_ANONYMOUS, MQTT_EMBEDDED_ANONYMOUS_PUBLISH,
            MQTT_EMBEDDED_ANONYMOUS_SUBSCRIBE, MQTT_EMBEDDED_MAX_PACKET_BYTES, MQTT_EMBEDDED_MAX_TOPIC_LENGTH, MQTT_EMBEDDED_MAX_TOPIC_LEVELS,
            MQTT_EMBEDDED_MAX_RETAINED_PAYLOAD, MQTT_EMBEDDED_MAX_RETAINED_MESSAGES, MQTT_EMBEDDED_MAX_RETAINED_BYTES, MQTT_EMBEDDED_TLS_HOST,
            MQTT_EMBEDDED_TLS_PORT, MQTT_EMBEDDED_TLS_CERT, MQTT_EMBEDDED_TLS_KEY, MQTT_EMBEDDED_TLS_KEY_PASSWORD, MQTT_EMBEDDED_TLS_PKCS12,
            MQTT_EMBEDDED_TLS_PKCS12_PASSWORD, MQTT_USERNAME, MQTT_PASSWORD, MQTT_TLS_CA, MQTT_TLS_VERIFY_HOSTNAME, SPARKPLUG_ENABLED,
            SPARKPLUG_HOST_ID, SPARKPLUG_GROUPS, SPARKPLUG_REORDER_TIMEOUT, DISCOVERY_SITE, DISCOVERY_AREA, DISCOVERY_ENABLED,
            DISCOVERY_MAX_NODES, DISCOVERY_MAX_DEVICES, DISCOVERY_MAX_SIGNALS, STORE_MEMORY_MB,
            STORE_FLUSH_INTERVAL, STORE_RETENTION, STORE_LATE_WINDOW, STORE_WAL_SYNC, STORE_PARTITION, INGEST_QUEUE_CAPACITY,
            INGEST_MAX_BLOCK, INGEST_MAX_CLOCK_SKEW, ALARMS_MAX_SHELVE, ALARMS_SILENT_PERIOD, ALARMS_MAX_PER_10_MIN, SIM_SEED,
            SIM_SPEED, SIM_LINES, SIM_MACHINES, SIM_PUBLISH_INTERVAL, PREDICT_ENABLED, PREDICT_TRAINING,
            PREDICT_VIBRATION_ZONES);

    public static final Map<String, ConfigKey> BY_NAME;

    static {
        Map<String, ConfigKey> m = new LinkedHashMap<>();
        for (ConfigKey k : ALL) m.put(k.name(), k);
        BY_NAME = java.util.Collections.unmodifiableMap(m);
    }

    private static ConfigKey key(String name, Type type, String def, String doc) {
        return new ConfigKey(name, type, def, doc, false);
    }

    private static ConfigKey secret(String name, String doc) {
        return new ConfigKey(name, Type.STRING, null, doc, true);
    }
}
