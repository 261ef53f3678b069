package io.gatehouse.auth;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the verification key of {@code auth.jwt.public-key}: a PEM {@code PUBLIC KEY} (SubjectPublicKeyInfo) or
 * {@code CERTIFICATE} holding an RSA (2048 bits or more) or EC (P-256 or P-384) key. Error messages never quote
 * the input: a private key pasted by mistake must not end up in a log.
 */
public final class PemKeys {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
    public static final int MIN_RSA_BITS = 2048;

    private PemKeys() {
    }

    /** @throws IllegalArgumentException with a message fit for a config error */
    public static PublicKey publicKey(String pem) {
        Matcher m = PEM.matcher(pem.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a PEM public key (-----BEGIN PUBLIC KEY----- ... "
                    + "-----END PUBLIC KEY-----) or certificate");
        }
        String type = m.group(1);
        if (type.contains("PRIVATE")) {
            throw new IllegalArgumentException("is a private key; give only the public key (openssl pkey -pubout)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the PEM body is not valid base64");
        }
        PublicKey key;
        if (type.equals("CERTIFICATE")) {
            try {
                key = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der))
                        .getPublicKey();
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("is not a readable X.509 certificate");
            }
        } else if (type.equals("PUBLIC KEY")) {
            key = spki(der);
        } else {
            throw new IllegalArgumentException("a PEM '" + type + "' is not supported; give a PUBLIC KEY "
                    + "(SubjectPublicKeyInfo, openssl pkey -pubout) or a CERTIFICATE");
        }
        check(key);
        return key;
    }

    private static PublicKey spki(byte[] der) {
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException | ClassCastException e) {
                // try the next type
            }
        }
        throw new IllegalArgumentException("is not an RSA or EC public key");
    }

    private static void check(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            if (rsa.getModulus().bitLength() < MIN_RSA_BITS) {
                throw new IllegalArgumentException("the RSA key has " + rsa.getModulus().bitLength()
                        + " bits; at least " + MIN_RSA_BITS + " are needed");
            }
        } else if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            if (bits != 256 && bits != 384) {
                throw new IllegalArgumentException("the EC key is on a " + bits + "-bit curve; P-256 (ES256) or "
                        + "P-384 (ES384) are supported");
            }
        } else {
            throw new IllegalArgumentException("is a " + key.getAlgorithm() + " key; RSA or EC are supported");
        }
    }

    /** The bit size of an EC key's curve (256 or 384 once checked). */
    static int curveBits(ECPublicKey key) {
        return key.getParams().getCurve().getField().getFieldSize();
    }
}
