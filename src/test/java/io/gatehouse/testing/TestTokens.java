package io.gatehouse.testing;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

/** Real keys and signed tokens for the JWT tests (jose4j, which comes with SmallRye JWT). */
public final class TestTokens {
    public static final String ISSUER = "https://id.example.com";
    public static final String AUDIENCE = "gatehouse";

    private TestTokens() {
    }

    public static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyPair ec(String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String pem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    /** The PKCS#8 PEM of a private key (what auth.issuer.private-key takes). */
    public static String privatePem(java.security.PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** Claims of a good token: the test issuer and audience, sub, groups, issued now, expiring in 5 minutes. */
    public static JwtClaims claims(String subject, String... groups) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setAudience(AUDIENCE);
        claims.setSubject(subject);
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(5);
        if (groups.length > 0) {
            claims.setStringListClaim("groups", List.of(groups));
        }
        return claims;
    }

    /** Seconds from now as a NumericDate (negative: in the past). */
    public static NumericDate inSeconds(long seconds) {
        NumericDate d = NumericDate.now();
        d.addSeconds(seconds);
        return d;
    }

    public static String sign(JwtClaims claims, Key key, String alg) {
        return sign(claims, key, alg, jws -> { });
    }

    public static String sign(JwtClaims claims, Key key, String alg, Consumer<JsonWebSignature> headers) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(alg);
        jws.setAlgorithmConstraints(AlgorithmConstraints.NO_CONSTRAINTS);
        jws.setDoKeyValidation(false);
        if (key != null) {
            jws.setKey(key);
        }
        headers.accept(jws);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An unsigned token: {"alg":"none"} and an empty signature. */
    public static String unsigned(JwtClaims claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes()) + "."
                + b64.encodeToString(claims.toJson().getBytes()) + ".";
    }

    /** The token with its payload replaced (the original signature kept). */
    public static String withPayload(String token, JwtClaims claims) {
        String[] parts = token.split("\\.");
        return parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.toJson().getBytes())
                + "." + parts[2];
    }

    /** The token with one character of its signature changed. */
    public static String flipSignature(String token) {
        int at = token.lastIndexOf('.') + 5;
        char c = token.charAt(at);
        return token.substring(0, at) + (c == 'A' ? 'B' : 'A') + token.substring(at + 1);
    }
}
