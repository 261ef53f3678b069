package io.gatehouse.tls;

import io.gatehouse.config.TlsConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * The PEM files of {@code server.tls}, read once, checked, and held as the bytes that were checked: what Vert.x gets
 * is exactly what was validated, even if a file changes again a moment later (cert-manager writes the certificate and
 * the key one after the other, so a read can catch a new certificate with the old key).
 *
 * <p>Reading files blocks: call {@link #load} off the event loops.
 */
public final class TlsMaterial {
    /** One served certificate, for logs, the expiry metric and the admin view. */
    public record Served(String file, String subject, List<String> names, Instant notAfter) {
    }

    private static final java.util.concurrent.atomic.AtomicLong GENERATIONS = new java.util.concurrent.atomic.AtomicLong();

    private final String fingerprint;
    private final List<Served> served;
    private final long generation = GENERATIONS.incrementAndGet();
    private final X509KeyManager defaultManager;
    private final java.util.function.Function<String, KeyManagerFactory> byName;
    private final X509TrustManager clientCaManager;

    private TlsMaterial(Vertx vertx, PemKeyCertOptions keyCert, PemTrustOptions clientCa, String fingerprint,
                        List<Served> served) {
        this.fingerprint = fingerprint;
        this.served = List.copyOf(served);
        try {
            // Vert.x' own managers over the checked bytes: its SNI matching (exact and *.wildcard names) as it is
            // no SNI name, or one no certificate holds: the first certificate, whatever key type the client prefers
            PemKeyCertOptions first = new PemKeyCertOptions().setCertValue(keyCert.getCertValues().get(0))
                    .setKeyValue(keyCert.getKeyValues().get(0));
            this.defaultManager = (X509KeyManager) first.getKeyManagerFactory(vertx).getKeyManagers()[0];
            this.byName = keyCert.keyManagerFactoryMapper(vertx);
            this.clientCaManager = clientCa == null ? null
                    : (X509TrustManager) clientCa.getTrustManagerFactory(vertx).getTrustManagers()[0];
        } catch (Exception e) {
            throw new TlsException("the TLS files cannot be used: " + e.getMessage());
        }
    }

    /** Which load this is: key aliases are tagged with it, so a handshake never mixes two loads. */
    long generation() {
        return generation;
    }

    /** The key manager for a client that sent no SNI name or one no certificate holds. */
    X509KeyManager defaultManager() {
        return defaultManager;
    }

    /** The key manager of the certificate that holds {@code serverName}, or null. */
    X509KeyManager managerFor(String serverName) {
        KeyManagerFactory factory = byName.apply(serverName);
        return factory == null ? null : (X509KeyManager) factory.getKeyManagers()[0];
    }

    /** The client CAs' trust manager, or null when clients are not asked for certificates. */
    X509TrustManager clientCaManager() {
        return clientCaManager;
    }

    /**
     * Reads and checks every file of {@code config}: each certificate chain parses, its key parses and is the key of
     * its first (leaf) certificate, and the client CA bundle holds at least one certificate.
     *
     * @throws TlsException naming the file and what is wrong with it
     */
    public static TlsMaterial load(Vertx vertx, TlsConfig config) {
        return load(vertx, config, null);
    }

    /**
     * As {@link #load(Vertx, TlsConfig)}, but null when the files hold exactly the bytes {@code unchanged} was made
     * from (the periodic check: files are read, not parsed again).
     */
    public static TlsMaterial load(Vertx vertx, TlsConfig config, TlsMaterial unchanged) {
        MessageDigest digest = sha256();
        List<byte[]> contents = new ArrayList<>();
        for (TlsConfig.CertificateFiles files : config.certificates()) {
            contents.add(read(files.cert()));
            contents.add(read(files.key()));
        }
        byte[] ca = config.clientCa() == null ? null : read(config.clientCa());
        for (byte[] content : contents) {
            digest.update(content);
            digest.update((byte) 0);
        }
        if (ca != null) {
            digest.update(ca);
        }
        String fingerprint = HexFormat.of().formatHex(digest.digest());
        if (unchanged != null && unchanged.fingerprint.equals(fingerprint)) {
            return null;
        }
        PemKeyCertOptions keyCert = new PemKeyCertOptions();
        List<Served> served = new ArrayList<>();
        for (int i = 0; i < config.certificates().size(); i++) {
            byte[] cert = contents.get(2 * i);
            byte[] key = contents.get(2 * i + 1);
            served.add(check(vertx, config.certificates().get(i), cert, key));
            keyCert.addCertValue(Buffer.buffer(cert)).addKeyValue(Buffer.buffer(key));
        }
        PemTrustOptions trust = null;
        if (ca != null) {
            if (certificates(config.clientCa(), ca).isEmpty()) {
                throw new TlsException(config.clientCa() + ": no PEM certificate in the client CA bundle");
            }
            trust = new PemTrustOptions().addCertValue(Buffer.buffer(ca));
        }
        return new TlsMaterial(vertx, keyCert, trust, fingerprint, served);
    }

    /** A hash of every byte read: the same files give the same fingerprint. */
    public String fingerprint() {
        return fingerprint;
    }

    public List<Served> served() {
        return served;
    }

    private static Served check(Vertx vertx, TlsConfig.CertificateFiles files, byte[] cert, byte[] key) {
        List<X509Certificate> chain = certificates(files.cert(), cert);
        if (chain.isEmpty()) {
            throw new TlsException(files.cert() + ": no PEM certificate in the file");
        }
        PrivateKey privateKey;
        try {
            // Vert.x' own PEM reader (PKCS#8, PKCS#1 RSA and SEC1 EC keys), so what is checked is read as it will be
            KeyStore store = new PemKeyCertOptions().setCertValue(Buffer.buffer(cert)).setKeyValue(Buffer.buffer(key))
                    .loadKeyStore(vertx);
            Enumeration<String> aliases = store.aliases();
            String alias = aliases.nextElement();
            privateKey = (PrivateKey) store.getKey(alias,
                    io.vertx.core.net.impl.KeyStoreHelper.DUMMY_PASSWORD.toCharArray());
        } catch (Exception e) {
            if (String.valueOf(e.getMessage()).contains("does not match")) {
                // the key store refuses a key of another algorithm than the certificate's (an EC key for an RSA one)
                throw new TlsException(files.key() + " is not the private key of the certificate in " + files.cert()
                        + " (" + chain.get(0).getSubjectX500Principal().getName() + ")");
            }
            throw new TlsException(files.key() + ": not a PEM private key (PKCS#8, PKCS#1 or SEC1): " + e.getMessage());
        }
        X509Certificate leaf = chain.get(0);
        if (!belongTogether(privateKey, leaf.getPublicKey())) {
            throw new TlsException(files.key() + " is not the private key of the certificate in " + files.cert()
                    + " (" + leaf.getSubjectX500Principal().getName() + ")");
        }
        return new Served(files.cert(), leaf.getSubjectX500Principal().getName(), names(leaf),
                leaf.getNotAfter().toInstant());
    }

    /** Whether {@code key} signs what {@code publicKey} verifies: the one check that works for every key type. */
    static boolean belongTogether(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> throw new TlsException("unsupported key algorithm " + key.getAlgorithm());
        };
        try {
            byte[] challenge = "gatehouse key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The DNS names SNI can choose this certificate by: its subjectAltName DNS entries, else its CN. */
    private static List<String> names(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = cert.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> entry : alternatives) {
                    if (entry.size() >= 2 && Integer.valueOf(2).equals(entry.get(0))) {
                        names.add(String.valueOf(entry.get(1)));
                    }
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            // no usable subjectAltName: the CN below
        }
        if (names.isEmpty()) {
            for (String part : cert.getSubjectX500Principal().getName().split(",")) {
                if (part.startsWith("CN=")) {
                    names.add(part.substring(3));
                }
            }
        }
        return names;
    }

    static List<X509Certificate> certificates(String file, byte[] pem) {
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (Exception e) {
            throw new TlsException(file + ": not a PEM certificate: " + e.getMessage());
        }
    }

    private static byte[] read(String file) {
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException e) {
            throw new TlsException(file + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
