package io.lathe.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * HTTPS for the API and dashboard: the server's key and certificate from PEM files, from a PKCS#12 key store, or a
 * self-signed certificate that Lathe generates on first start into the data folder and reuses afterwards. With TLS on,
 * the HTTP port serves HTTPS only and the session cookie is {@code Secure}.
 */
public sealed interface HttpTls permits HttpTls.Pem, HttpTls.Pkcs12, HttpTls.SelfSigned {

    /**
     * @param certFile PEM with the certificate, then any intermediate certificates
     * @param keyFile  PEM with the private key: PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 RSA ({@code BEGIN RSA
     *                 PRIVATE KEY}), unencrypted; keep it readable only by the user running Lathe
     */
    record Pem(Path certFile, Path keyFile) implements HttpTls {
        public Pem {
            Objects.requireNonNull(certFile, "certFile");
            Objects.requireNonNull(keyFile, "keyFile");
        }
    }

    /** A PKCS#12 file ({@code .p12}, {@code .pfx}) holding one private key with its certificate chain. */
    record Pkcs12(Path file, String password) implements HttpTls {
        public Pkcs12 {
            Objects.requireNonNull(file, "file");
        }

        @Override
        public String toString() {
            return "Pkcs12[file=" + file + ", password=" + (password == null ? "none" : "***") + "]";
        }
    }

    /**
     * A self-signed certificate kept in {@code dir} ({@code self-signed-cert.pem}, {@code self-signed-key.pem}, owner
     * only), generated when missing, valid for {@code localhost}, {@code 127.0.0.1}, {@code ::1} and {@code names}.
     * Browsers warn about it; import the certificate into clients that should trust it.
     */
    record SelfSigned(Path dir, List<String> names) implements HttpTls {
        public SelfSigned {
            Objects.requireNonNull(dir, "dir");
            names = names == null ? List.of() : List.copyOf(names);
        }
    }
}
