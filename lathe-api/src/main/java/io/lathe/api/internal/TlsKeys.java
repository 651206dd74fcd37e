package io.lathe.api.internal;

import io.lathe.api.HttpTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns {@link HttpTls} settings into an in-memory key store for Jetty: reads PEM or PKCS#12 files, and generates the
 * self-signed certificate (EC P-256, SHA256withECDSA, 10 years) with the JDK alone: the certificate is a few DER
 * structures, encoded here, so no extra library is needed.
 */
public final class TlsKeys {
    /** The key store password of the in-memory store handed to Jetty; it never leaves the process. */
    public static final char[] STORE_PASSWORD = "lathe-in-memory".toCharArray();
    public static final String ALIAS = "lathe";
    static final String SELF_SIGNED_CERT = "self-signed-cert.pem";
    static final String SELF_SIGNED_KEY = "self-signed-key.pem";
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private TlsKeys() {}

    /** The loaded key and chain, and a line for the start-up log saying where they came from. */
    public record Loaded(KeyStore keyStore, X509Certificate certificate, String description) {}

    /**
     * @throws IllegalArgumentException naming the file and what is wrong with it, and how to fix it
     */
    public static Loaded load(HttpTls tls) {
        return switch (tls) {
            case HttpTls.Pem p -> pem(p.certFile(), p.keyFile(), "PEM " + p.certFile());
            case HttpTls.Pkcs12 p -> pkcs12(p);
            case HttpTls.SelfSigned s -> selfSigned(s);
        };
    }

    private static Loaded pem(Path certFile, Path keyFile, String description) {
        List<X509Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(certFile)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) chain.add((X509Certificate) c);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot read the TLS certificate [file=" + certFile + "]: " + e.getMessage()
                    + ". Give a PEM file with the server certificate first, then its intermediates (server.tls.cert-file).", e);
        }
        if (chain.isEmpty()) throw new IllegalArgumentException("No certificate in [file=" + certFile + "]: expected -----BEGIN CERTIFICATE----- blocks (server.tls.cert-file).");
        PrivateKey key = privateKey(keyFile);
        return new Loaded(store(key, chain.toArray(Certificate[]::new)), chain.getFirst(), description);
    }

    private static PrivateKey privateKey(Path keyFile) {
        String text;
        try {
            text = Files.readString(keyFile, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the TLS private key [file=" + keyFile + "]: " + e.getMessage()
                    + ". Check the path and that Lathe's user may read it (server.tls.key-file).", e);
        }
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            try {
                switch (type) {
                    case "PRIVATE KEY" -> {
                        for (String alg : List.of("EC", "RSA", "Ed25519", "RSASSA-PSS")) {
                            try {
                                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                            } catch (GeneralSecurityException tryNext) {
                                // the PKCS#8 header names the algorithm; trying the usual ones is simpler than parsing it
                            }
                        }
                    }
                    case "RSA PRIVATE KEY" -> {
                        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs1ToPkcs8(der)));
                    }
                    case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException("The TLS private key is encrypted [file=" + keyFile
                            + "]: give it unencrypted (openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-plain.pem, mode 600), or use a PKCS#12 file with server.tls.keystore and its password.");
                    default -> { }
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("Cannot read the TLS private key [file=" + keyFile + ", type=" + type + "]: " + e.getMessage() + ".", e);
            }
        }
        throw new IllegalArgumentException("No usable private key in [file=" + keyFile + "]: expected -----BEGIN PRIVATE KEY----- (PKCS#8: RSA, EC or Ed25519) "
                + "or -----BEGIN RSA PRIVATE KEY-----. Convert others with openssl pkcs8 -topk8 -nocrypt.");
    }

    private static Loaded pkcs12(HttpTls.Pkcs12 p) {
        char[] pw = p.password() == null ? new char[0] : p.password().toCharArray();
        KeyStore ks;
        try (InputStream in = Files.newInputStream(p.file())) {
            ks = KeyStore.getInstance("PKCS12");
            ks.load(in, pw);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot open the TLS key store [file=" + p.file() + "]: " + e.getMessage()
                    + ". Check server.tls.keystore and server.tls.keystore-password.", e);
        }
        try {
            for (String alias : java.util.Collections.list(ks.aliases())) {
                if (!ks.isKeyEntry(alias)) continue;
                PrivateKey key = (PrivateKey) ks.getKey(alias, pw);
                Certificate[] chain = ks.getCertificateChain(alias);
                if (key != null && chain != null && chain.length > 0) {
                    return new Loaded(store(key, chain), (X509Certificate) chain[0], "PKCS#12 " + p.file() + " (entry " + alias + ")");
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot read the key in [file=" + p.file() + "]: " + e.getMessage()
                    + ". The key's password must equal the store's (server.tls.keystore-password).", e);
        }
        throw new IllegalArgumentException("No private key with a certificate in [file=" + p.file() + "]: the PKCS#12 file must hold the server's key and certificate chain.");
    }

    private static Loaded selfSigned(HttpTls.SelfSigned s) {
        Path cert = s.dir().resolve(SELF_SIGNED_CERT);
        Path key = s.dir().resolve(SELF_SIGNED_KEY);
        if (!Files.exists(cert) || !Files.exists(key)) generate(s.dir(), names(s.names()), Instant.now());
        return pem(cert, key, "self-signed " + cert);
    }

    private static List<String> names(List<String> extra) {
        Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        for (String n : extra) if (n != null && !n.isBlank() && !n.equals("0.0.0.0") && !n.equals("::")) names.add(n.strip());
        try {
            names.add(InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            // no host name: localhost and the addresses above still work
        }
        return List.copyOf(names);
    }

    /** Writes a fresh key (600) and certificate into {@code dir}. */
    static void generate(Path dir, List<String> names, Instant now) {
        try {
            Files.createDirectories(dir);
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            byte[] der = certificate(kp, names, now);
            write(dir.resolve(SELF_SIGNED_KEY), pemText("PRIVATE KEY", kp.getPrivate().getEncoded()));
            write(dir.resolve(SELF_SIGNED_CERT), pemText("CERTIFICATE", der));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot create the self-signed TLS certificate [dir=" + dir + "]: " + e.getMessage()
                    + ". Check that the data folder is writable, or give server.tls.cert-file and key-file.", e);
        }
    }

    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException | FileAlreadyExistsException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String pemText(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static KeyStore store(PrivateKey key, Certificate[] chain) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry(ALIAS, key, STORE_PASSWORD, chain);
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("The TLS key does not fit its certificate: " + e.getMessage() + ". Check that key-file belongs to cert-file.", e);
        }
    }

    // ---- a minimal DER writer: just what an X.509 v3 certificate needs ----------------------------------------------

    private static final byte[] ECDSA_SHA256 = oid(1, 2, 840, 10045, 4, 3, 2);

    /** An X.509 v3 certificate, self-signed by {@code kp}, with the names as subject alternative names (DNS or IP). */
    static byte[] certificate(KeyPair kp, List<String> names, Instant now) throws GeneralSecurityException, IOException {
        byte[] algorithm = seq(ECDSA_SHA256);
        byte[] name = seq(set(seq(oid(2, 5, 4, 3), tlv(0x0C, ("Lathe self-signed " + names.getFirst()).getBytes(StandardCharsets.UTF_8)))));
        byte[] serial = tlv(0x02, new BigInteger(63, new SecureRandom()).add(BigInteger.ONE).toByteArray());
        byte[] validity = seq(time(now.minus(Duration.ofDays(1))), time(now.plus(Duration.ofDays(3650))));
        ByteArrayOutputStream san = new ByteArrayOutputStream();
        for (String n : names) {
            if (n.matches("[0-9.]+") || n.contains(":")) san.write(tlv(0x87, InetAddress.getByName(n).getAddress()));
            else san.write(tlv(0x82, n.getBytes(StandardCharsets.US_ASCII)));
        }
        byte[] extensions = tlv(0xA3, seq(
                seq(oid(2, 5, 29, 17), tlv(0x04, seq(san.toByteArray()))),
                seq(oid(2, 5, 29, 19), tlv(0x01, new byte[]{(byte) 0xFF}), tlv(0x04, seq())), // basic constraints, critical: not a CA
                seq(oid(2, 5, 29, 37), tlv(0x04, seq(oid(1, 3, 6, 1, 5, 5, 7, 3, 1)))))); // extended key usage: TLS server
        byte[] tbs = seq(tlv(0xA0, tlv(0x02, new byte[]{2})), serial, algorithm, name, validity, name, kp.getPublic().getEncoded(), extensions);
        Signature sig = Signature.getInstance("SHA256withECDSA");
        sig.initSign(kp.getPrivate());
        sig.update(tbs);
        byte[] s = sig.sign();
        byte[] bits = new byte[s.length + 1];
        System.arraycopy(s, 0, bits, 1, s.length);
        return seq(tbs, algorithm, tlv(0x03, bits));
    }

    private static byte[] time(Instant t) {
        int year = t.atOffset(ZoneOffset.UTC).getYear();
        // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050
        return year < 2050
                ? tlv(0x17, DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(t).getBytes(StandardCharsets.US_ASCII))
                : tlv(0x18, DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(t).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] oid(int... arcs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(40 * arcs[0] + arcs[1]);
        for (int i = 2; i < arcs.length; i++) {
            int v = arcs[i];
            int n = 0;
            byte[] tmp = new byte[5];
            do {
                tmp[n++] = (byte) (v & 0x7F);
                v >>>= 7;
            } while (v != 0);
            for (int j = n - 1; j >= 0; j--) b.write(tmp[j] | (j > 0 ? 0x80 : 0));
        }
        return tlv(0x06, b.toByteArray());
    }

    private static byte[] seq(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    private static byte[] set(byte[]... parts) {
        return tlv(0x31, concat(parts));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) b.writeBytes(p);
        return b.toByteArray();
    }

    static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(value.length + 6);
        b.write(tag);
        int len = value.length;
        if (len < 0x80) {
            b.write(len);
        } else {
            int bytes = len > 0xFFFFFF ? 4 : len > 0xFFFF ? 3 : len > 0xFF ? 2 : 1;
            b.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) b.write(len >>> (8 * i));
        }
        b.writeBytes(value);
        return b.toByteArray();
    }

    /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, NULL). */
    private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
        return seq(tlv(0x02, new byte[]{0}), seq(oid(1, 2, 840, 113549, 1, 1, 1), new byte[]{0x05, 0x00}), tlv(0x04, pkcs1));
    }
}
