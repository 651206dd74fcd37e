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
