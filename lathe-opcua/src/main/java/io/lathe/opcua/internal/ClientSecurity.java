package io.lathe.opcua.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Period;
import org.eclipse.milo.opcua.stack.core.security.CertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.DefaultClientCertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.FileBasedCertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.FileBasedTrustListManager;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lathe's OPC UA application instance certificate and trust store, under {@code <data-dir>/opcua}:
 * {@code client.p12} (created on first use: RSA 2048, self-signed, valid 5 years, application URI
 * {@link #APPLICATION_URI}), {@code pki/trusted/certs} (server certificates the operator trusts) and
 * {@code pki/rejected} (server certificates seen but not trusted, to be moved to trusted by the operator).
 */
public final class ClientSecurity {
    private static final Logger LOG = LoggerFactory.getLogger(ClientSecurity.class);
    public static final String APPLICATION_URI = "urn:lathe:opcua:client";
    private static final String ALIAS = "lathe-opcua-client";
    /** PKCS12 needs a password; the file's owner-only permissions are what protect the key. */
    private static final char[] STORE_PASSWORD = "lathe".toCharArray();

    private final KeyPair keyPair;
    private final X509Certificate certificate;
    private final Path pkiDir;
    private final CertificateValidator validator;

    private ClientSecurity(KeyPair keyPair, X509Certificate certificate, Path pkiDir, CertificateValidator validator) {
        this.keyPair = keyPair;
        this.certificate = certificate;
        this.pkiDir = pkiDir;
        this.validator = validator;
    }

    /** Loads the certificate and trust store, creating them on first use. */
    public static synchronized ClientSecurity load(Path dataDir) throws Exception {
        Path dir = dataDir.resolve("opcua");
        Files.createDirectories(dir);
        Path store = dir.resolve("client.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        KeyPair keyPair;
        X509Certificate cert;
        if (Files.exists(store)) {
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, STORE_PASSWORD);
            }
            Key key = ks.getKey(ALIAS, STORE_PASSWORD);
            cert = (X509Certificate) ks.getCertificate(ALIAS);
            if (!(key instanceof PrivateKey pk) || cert == null) {
                throw new IOException("OPC UA client key store is unusable [file=" + store + "]: no entry " + ALIAS
                        + ". Delete the file to let Lathe create a new certificate, then trust it on the servers again.");
            }
            keyPair = new KeyPair(cert.getPublicKey(), pk);
        } else {
            keyPair = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
            String host = hostName();
            cert = new SelfSignedCertificateBuilder(keyPair)
                    .setCommonName("Lathe OPC UA client")
                    .setOrganization("Lathe")
                    .setApplicationUri(APPLICATION_URI)
                    .addDnsName(host)
                    .setValidityPeriod(Period.ofYears(5))
                    .build();
            ks.load(null, null);
            ks.setKeyEntry(ALIAS, keyPair.getPrivate(), STORE_PASSWORD, new X509Certificate[] {cert});
            Path tmp = dir.resolve("client.p12.tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                ks.store(out, STORE_PASSWORD);
            }
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // Not a POSIX file system: rely on the folder's permissions.
            }
            Files.move(tmp, store, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("OPC UA client certificate created [file={}, application-uri={}]; trust it on servers that use security",
                    store, APPLICATION_URI);
        }
        Path pki = dir.resolve("pki");
        FileBasedTrustListManager trust = FileBasedTrustListManager.createAndInitialize(pki);
        FileBasedCertificateQuarantine quarantine = FileBasedCertificateQuarantine.create(pki.resolve("rejected"));
        return new ClientSecurity(keyPair, cert, pki, new DefaultClientCertificateValidator(trust, quarantine));
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public CertificateValidator validator() {
        return validator;
    }

    /** Where an operator puts trusted server certificates (DER or PEM files). */
    public Path trustedDir() {
        return pkiDir.resolve("trusted").resolve("certs");
    }

    /** Where server certificates that failed validation are kept for the operator to review. */
    public Path rejectedDir() {
        return pkiDir.resolve("rejected");
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
