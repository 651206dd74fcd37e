package io.lathe.broker;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A TLS listener of the embedded broker (MQTT over TLS, usually port 8883), beside the plain TCP one. Its key and
 * certificate chain come from PEM files or a PKCS#12 file; Lathe copies them at start into a PKCS#12 file of the
 * broker's configuration folder (readable only by the owner), which HiveMQ reads. TLS 1.2 and 1.3, no client
 * certificates.
 *
 * <p>To accept devices only over TLS, bind the plain listener to {@code 127.0.0.1} (Lathe's own connections use it)
 * and this one to the network address.
 */
public sealed interface BrokerTls {

    /** Address to listen on, for example {@code 0.0.0.0}. */
    String bindAddress();

    /** TCP port in [0, 65535]; 0 takes a free port. */
    int port();

    /**
     * @param certificateChain PEM file with the server certificate first, then any intermediate certificates
     * @param privateKey       PEM file with the private key: PKCS#8 ({@code BEGIN PRIVATE KEY}), encrypted PKCS#8
     *                         ({@code BEGIN ENCRYPTED PRIVATE KEY}, needs {@code privateKeyPassword}) or PKCS#1 RSA
     *                         ({@code BEGIN RSA PRIVATE KEY})
     * @param privateKeyPassword password of an encrypted key, or null
     */
    record Pem(String bindAddress, int port, Path certificateChain, Path privateKey, String privateKeyPassword) implements BrokerTls {
        public Pem {
            checkListener(bindAddress, port);
            Objects.requireNonNull(certificateChain, "certificateChain");
            Objects.requireNonNull(privateKey, "privateKey");
        }

        @Override
        public String toString() {
            return "Pem[bindAddress=" + bindAddress + ", port=" + port + ", certificateChain=" + certificateChain + ", privateKey=" + privateKey
                    + ", privateKeyPassword=" + (privateKeyPassword == null ? null : "****") + "]";
        }
    }

    /**
     * @param keyStore PKCS#12 file ({@code .p12}/{@code .pfx}) with one private key entry and its certificate chain
     * @param password password of the file and of the key entry
     */
    record Pkcs12(String bindAddress, int port, Path keyStore, String password) implements BrokerTls {
        public Pkcs12 {
            checkListener(bindAddress, port);
            Objects.requireNonNull(keyStore, "keyStore");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Pkcs12[bindAddress=" + bindAddress + ", port=" + port + ", keyStore=" + keyStore + ", password=****]";
        }
    }

    private static void checkListener(String bindAddress, int port) {
        Objects.requireNonNull(bindAddress, "bindAddress");
        if (bindAddress.isBlank()) throw new IllegalArgumentException("TLS bindAddress must not be blank, but was '" + bindAddress + "'");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("TLS port must be in [0, 65535], but was " + port);
    }
}
