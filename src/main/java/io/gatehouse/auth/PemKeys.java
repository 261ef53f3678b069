package io.gatehouse.auth;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
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

    /**
     * Reads the signing key of {@code auth.issuer.private-key}: an unencrypted PKCS#8 {@code PRIVATE KEY} holding an
     * RSA (2048 bits or more) or EC (P-256 or P-384) key, and derives its public key.
     *
     * @throws IllegalArgumentException with a message fit for a config error (never quoting the input)
     */
    public static KeyPair privateKey(String pem) {
        Matcher m = PEM.matcher(pem.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a PEM private key (-----BEGIN PRIVATE KEY----- ... "
                    + "-----END PRIVATE KEY-----)");
        }
        String type = m.group(1);
        if (type.equals("RSA PRIVATE KEY") || type.equals("EC PRIVATE KEY")) {
            throw new IllegalArgumentException("a PEM '" + type + "' is not supported; convert it to PKCS#8 "
                    + "(openssl pkcs8 -topk8 -nocrypt) and give the PRIVATE KEY");
        }
        if (!type.equals("PRIVATE KEY")) {
            throw new IllegalArgumentException("a PEM '" + type + "' is not supported; give an unencrypted PKCS#8 "
                    + "PRIVATE KEY (openssl pkcs8 -topk8 -nocrypt)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the PEM body is not valid base64");
        }
        PrivateKey key = null;
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                break;
            } catch (GeneralSecurityException | ClassCastException e) {
                // try the next type
            }
        }
        PublicKey publicKey;
        try {
            if (key instanceof RSAPrivateCrtKey rsa) {
                publicKey = KeyFactory.getInstance("RSA").generatePublic(
                        new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            } else if (key instanceof ECPrivateKey ec) {
                if (!(ec.getParams().getCurve().getField() instanceof ECFieldFp field)) {
                    throw new IllegalArgumentException("the EC key is not on a prime curve; P-256 or P-384 are supported");
                }
                ECPoint q = multiply(ec.getS(), ec.getParams().getGenerator(), ec.getParams().getCurve().getA(),
                        field.getP());
                publicKey = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(q, ec.getParams()));
            } else {
                throw new IllegalArgumentException("is not an RSA or EC private key");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("is not a usable RSA or EC private key");
        }
        check(publicKey);
        return new KeyPair(publicKey, key);
    }

    /** d·G on a prime curve (affine double-and-add; run once per config load). */
    private static ECPoint multiply(BigInteger d, ECPoint g, BigInteger a, BigInteger p) {
        ECPoint result = ECPoint.POINT_INFINITY;
        ECPoint addend = g;
        for (int i = 0; i < d.bitLength(); i++) {
            if (d.testBit(i)) {
                result = add(result, addend, a, p);
            }
            addend = add(addend, addend, a, p);
        }
        return result;
    }

    private static ECPoint add(ECPoint s, ECPoint t, BigInteger a, BigInteger p) {
        if (s.equals(ECPoint.POINT_INFINITY)) {
            return t;
        }
        if (t.equals(ECPoint.POINT_INFINITY)) {
            return s;
        }
        BigInteger lambda;
        if (s.getAffineX().equals(t.getAffineX())) {
            if (s.getAffineY().add(t.getAffineY()).mod(p).signum() == 0) {
                return ECPoint.POINT_INFINITY;
            }
            BigInteger x = s.getAffineX();
            lambda = x.multiply(x).multiply(BigInteger.valueOf(3)).add(a)
                    .multiply(s.getAffineY().shiftLeft(1).modInverse(p)).mod(p);
        } else {
            lambda = t.getAffineY().subtract(s.getAffineY())
                    .multiply(t.getAffineX().subtract(s.getAffineX()).modInverse(p)).mod(p);
        }
        BigInteger x3 = lambda.multiply(lambda).subtract(s.getAffineX()).subtract(t.getAffineX()).mod(p);
        BigInteger y3 = lambda.multiply(s.getAffineX().subtract(x3)).subtract(s.getAffineY()).mod(p);
        return new ECPoint(x3, y3);
    }

    /** The bit size of an EC key's curve (256 or 384 once checked). */
    static int curveBits(ECPublicKey key) {
        return key.getParams().getCurve().getField().getFieldSize();
    }
}
