package io.lathe.broker.internal;

import io.lathe.broker.BrokerTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Turns the configured key and certificate chain (PEM or PKCS#12) into the PKCS#12 file HiveMQ's TLS listener reads.
 * Problems name the file and say how to fix them.
 */
public final class TlsMaterial {
    private TlsMaterial() {}

    private static final Pattern PEM_BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    static final String ALIAS = "lathe-broker";

    /** A private key with its certificate chain, server certificate first. */
    public record KeyAndChain(PrivateKey key, X509Certificate[] chain) {}

    /** Reads and checks the key and chain {@code tls} names. */
    public static KeyAndChain load(BrokerTls tls) {
        return switch (tls) {
            case BrokerTls.Pem p -> loadPem(p);
            case BrokerTls.Pkcs12 p -> loadPkcs12(p);
        };
    }

    /** Writes {@code m} to a new PKCS#12 file {@code out} readable only by the owner, protected by {@code password}. */
    public static void writePkcs12(KeyAndChain m, Path out, char[] password) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(ALIAS, m.key(), password, m.chain());
            Files.deleteIfExists(out);
            Files.createFile(out);
            OwnerOnly.restrict(out);
            try (OutputStream o = Files.newOutputStream(out)) {
                ks.store(o, password);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write the broker's TLS key store [file=" + out + "]: " + e.getMessage(), e);
        }
    }

    private static KeyAndChain loadPem(BrokerTls.Pem p) {
        X509Certificate[] chain = readCertificates(p.certificateChain());
        PrivateKey key = readPrivateKey(p.privateKey(), p.privateKeyPassword(), chain[0].getPublicKey().getAlgorithm());
        checkPair(key, chain[0], "[certificate=" + p.certificateChain() + ", key=" + p.privateKey() + "]");
        return new KeyAndChain(key, chain);
    }

    private static KeyAndChain loadPkcs12(BrokerTls.Pkcs12 p) {
        String where = "[file=" + p.keyStore() + "]";
        char[] pw = p.password().toCharArray();
        KeyStore ks;
        try (InputStream in = Files.newInputStream(p.keyStore())) {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(in, pw);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("MQTT TLS key store cannot be read " + where + ": " + e.getMessage()
                    + ". Check the path and the password (mqtt.embedded.tls.pkcs12-password).", e);
        }
        try {
            for (String alias : Collections.list(ks.aliases())) {
                if (!ks.isKeyEntry(alias)) continue;
                Key k = ks.getKey(alias, pw);
                Certificate[] certs = ks.getCertificateChain(alias);
                if (!(k instanceof PrivateKey key) || certs == null || certs.length == 0) continue;
                X509Certificate[] chain = new X509Certificate[certs.length];
                for (int i = 0; i < certs.length; i++) chain[i] = (X509Certificate) certs[i];
                checkPair(key, chain[0], where);
                return new KeyAndChain(key, chain);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("MQTT TLS key store has an unreadable key " + where + ": " + e.getMessage()
                    + ". The key entry must use the same password as the file.", e);
        }
        throw new IllegalArgumentException("MQTT TLS key store has no private key with a certificate chain " + where
                + ". Export the server key together with its certificate, for example `openssl pkcs12 -export -inkey key.pem -in cert.pem -out server.p12`.");
    }

    private static X509Certificate[] readCertificates(Path file) {
        String where = "[file=" + file + "]";
        String text = readText(file, "certificate");
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            Matcher m = PEM_BLOCK.matcher(text);
            while (m.find()) {
                if (!m.group(1).equals("CERTIFICATE")) continue;
                certs.add((X509Certificate) cf.generateCertificate(new java.io.ByteArrayInputStream(base64(m.group(2), file))));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("MQTT TLS certificate cannot be read " + where + ": " + e.getMessage() + ". The file must hold PEM certificates.", e);
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException("MQTT TLS certificate file has no certificate " + where
                    + ": expected '-----BEGIN CERTIFICATE-----' blocks, the server certificate first.");
        }
        return certs.toArray(X509Certificate[]::new);
    }

    private static PrivateKey readPrivateKey(Path file, String password, String algorithm) {
        String where = "[file=" + file + "]";
        String text = readText(file, "private key");
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            if (!type.endsWith("PRIVATE KEY")) continue;
            byte[] der = base64(m.group(2), file);
            try {
                byte[] pkcs8 = switch (type) {
                    case "PRIVATE KEY" -> der;
                    case "RSA PRIVATE KEY" -> wrapPkcs1Rsa(der);
                    case "ENCRYPTED PRIVATE KEY" -> decrypt(der, password, where);
                    default -> throw new IllegalArgumentException("MQTT TLS private key of type '" + type + "' is not supported " + where
                            + ". Convert it to PKCS#8: `openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName() + " -out key-pkcs8.pem`.");
                };
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("MQTT TLS private key cannot be read " + where + ": " + e.getMessage()
                        + ". It must be the " + algorithm + " key of the certificate, in PEM.", e);
            }
        }
        throw new IllegalArgumentException("MQTT TLS private key file has no private key " + where
                + ": expected a '-----BEGIN PRIVATE KEY-----' block (PKCS#8).");
    }

    private static byte[] decrypt(byte[] der, String password, String where) throws GeneralSecurityException {
        if (password == null) {
            throw new IllegalArgumentException("MQTT TLS private key is encrypted " + where + ": set its password (mqtt.embedded.tls.key-password).");
        }
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            SecretKeyFactory f = SecretKeyFactory.getInstance(info.getAlgName());
            Cipher c = Cipher.getInstance(info.getAlgName());
            c.init(Cipher.DECRYPT_MODE, f.generateSecret(new PBEKeySpec(password.toCharArray())), info.getAlgParameters());
            return info.getKeySpec(c).getEncoded();
        } catch (IOException e) {
            throw new IllegalArgumentException("MQTT TLS private key is not valid encrypted PKCS#8 " + where + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("MQTT TLS private key cannot be decrypted " + where + ": " + e.getMessage()
                    + ". Check mqtt.embedded.tls.key-password, or store the key unencrypted and readable only by Lathe's user.", e);
        }
    }

    /** PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (RFC 5208): version 0, rsaEncryption with NULL parameters. */
    static byte[] wrapPkcs1Rsa(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = der(0x04, pkcs1);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(version);
        body.writeBytes(algorithm);
        body.writeBytes(octets);
        return der(0x30, body.toByteArray());
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(tag);
        int n = content.length;
        if (n < 0x80) {
            o.write(n);
        } else {
            int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
            o.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) o.write(n >>> (8 * i));
        }
        o.writeBytes(content);
        return o.toByteArray();
    }

    /** A key that does not belong to the certificate makes every handshake fail later, far from the cause: check now. */
    private static void checkPair(PrivateKey key, X509Certificate cert, String where) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null) return;
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            if (v.verify(sig)) return;
        } catch (GeneralSecurityException e) {
            // Falls through to the mismatch message.
        }
        throw new IllegalArgumentException("MQTT TLS private key does not belong to the certificate " + where
                + " (certificate subject " + cert.getSubjectX500Principal().getName() + "). Use the key the certificate was issued for.");
    }

    private static String readText(Path file, String what) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new IllegalArgumentException("MQTT TLS " + what + " file cannot be read [file=" + file + "]: " + e
                    + ". Check the path and that Lathe's user may read it.", e);
        }
    }

    private static byte[] base64(String body, Path file) {
        try {
            return Base64.getMimeDecoder().decode(body.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("MQTT TLS file has a damaged PEM block [file=" + file + "]: " + e.getMessage(), e);
        }
    }
}
