package io.lathe.sparkplug.internal;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Locale;
import javax.net.ssl.TrustManagerFactory;

/** TLS settings for the MQTT client from a CA PEM file or a trust store. */
public final class TlsSupport {
    private TlsSupport() {}

    /**
     * @param trust          PEM of CA certificates, a PKCS#12/JKS trust store without password, or null for the JDK's CAs
     * @param verifyHostname false accepts a certificate for any host name (test brokers with self-made certificates)
     */
    public static MqttClientSslConfig sslConfig(Path trust, boolean verifyHostname) {
        MqttClientSslConfigBuilder b = MqttClientSslConfig.builder();
        if (trust != null) b = b.trustManagerFactory(trustManagers(trust));
        if (!verifyHostname) b = b.hostnameVerifier((host, session) -> true);
        return b.build();
    }

    /**
     * Why a connection failed, in words that lead to the TLS setting at fault when the TLS handshake failed (an untrusted
     * certificate, a certificate for another host name); otherwise the failure's own message.
     *
     * @param host           the broker host the client connected to
     * @param trust          the configured CA file or trust store, null for the JDK's CAs
     */
    public static String describe(Throwable failure, String host, Path trust, boolean verifyHostname) {
        StringBuilder chain = new StringBuilder();
        boolean tls = false;
        for (Throwable t = failure; t != null && chain.length() < 4000; t = t.getCause() == t ? null : t.getCause()) {
            tls |= t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException;
            chain.append(' ').append(t.getMessage());
        }
        String own = failure == null ? "unknown failure" : String.valueOf(failure.getMessage());
        if (!tls) return own;
        String text = chain.toString().toLowerCase(Locale.ROOT);
        String ca = trust == null ? "the JDK's CAs" : trust.toString();
        if (text.contains("subject alternative name") || text.contains("no name matching") || text.contains("hostname")) {
            return "TLS handshake failed: the broker's certificate does not name the host [host=" + host
                    + ", mqtt.tls.verify-hostname=" + verifyHostname + "]: connect by a name the certificate holds (its subject"
                    + " alternative names), or set mqtt.tls.verify-hostname to false for a test broker. (" + own + ")";
        }
        if (text.contains("pkix") || text.contains("certification path") || text.contains("unknown_ca")
                || text.contains("unknown ca") || text.contains("certificate_unknown") || text.contains("trust anchor")) {
            return "TLS handshake failed: the broker's certificate is not signed by a trusted CA [host=" + host
                    + ", mqtt.tls.ca-file=" + ca + "]: set mqtt.tls.ca-file to the PEM of the CA that signed the broker's"
                    + " certificate. (" + own + ")";
        }
        return "TLS handshake failed [host=" + host + ", mqtt.tls.ca-file=" + ca + "]: " + own
                + ". Check that the port speaks TLS and that mqtt.tls.ca-file holds the CA of the broker's certificate.";
    }

    static TrustManagerFactory trustManagers(Path trust) {
        try {
            KeyStore ks;
            String name = trust.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".pem") || name.endsWith(".crt") || name.endsWith(".cer")) {
                ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                CertificateFactory cf = CertificateFactory.getInstance("X.509");
                try (InputStream in = Files.newInputStream(trust)) {
                    int i = 0;
                    for (Certificate c : cf.generateCertificates(in)) ks.setCertificateEntry("ca-" + i++, c);
                    if (i == 0) throw new GeneralSecurityException("no certificate in the file");
                }
            } else {
                ks = KeyStore.getInstance(trust.toFile(), new char[0]);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("Sparkplug TLS trust cannot be loaded [trustStoreOrCaPem=" + trust + "]: " + e.getMessage()
                    + ". Give a PEM file of CA certificates or a PKCS#12 trust store without password.", e);
        }
    }
}
