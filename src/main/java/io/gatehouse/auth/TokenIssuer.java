package io.gatehouse.auth;

import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.UUID;

/**
 * Signs the access tokens of {@code auth.issuer} (compiled once per config): {@code iss}, {@code sub} = the API key's
 * id, {@code groups} = its roles, {@code tier}, {@code aud} when configured, {@code iat}, {@code exp}, {@code jti};
 * RS256 with an RSA key, ES256/ES384 with an EC key by curve; the configured (or thumbprint) {@code kid} in the
 * header, which is how the verifier knows to check such a token with the issuer's own public key.
 */
public final class TokenIssuer {
    /** The claim issued tokens carry the roles in. */
    public static final String ROLES_CLAIM = "groups";

    private final IssuerConfig config;
    private final String algorithm;

    private TokenIssuer(IssuerConfig config) {
        this.config = config;
        PublicKey key = config.keys().getPublic();
        this.algorithm = key instanceof ECPublicKey ec
                ? (PemKeys.curveBits(ec) == 384 ? AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384
                : AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256)
                : AlgorithmIdentifiers.RSA_USING_SHA256;
    }

    public static TokenIssuer from(IssuerConfig config) {
        return new TokenIssuer(config);
    }

    public IssuerConfig config() {
        return config;
    }

    /** Seconds an issued token is valid. */
    public long expiresInSeconds() {
        return config.expiresIn().toSeconds();
    }

    /** A signed access token for the principal (an API key's). */
    public String issue(Principal principal) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(config.issuer());
        if (config.audience() != null) {
            claims.setAudience(config.audience());
        }
        claims.setSubject(principal.id());
        // the key the token was issued for: a policy counting by api-key counts the token under the same key, so
        // trading a key for a token is no way around its limit
        claims.setClaim(Principal.API_KEY_CLAIM, principal.id());
        NumericDate now = NumericDate.now();
        claims.setIssuedAt(now);
        NumericDate exp = NumericDate.fromSeconds(now.getValue() + expiresInSeconds());
        claims.setExpirationTime(exp);
        claims.setJwtId(UUID.randomUUID().toString());
        claims.setStringListClaim(ROLES_CLAIM, principal.roles());
        if (principal.tier() != null) {
            claims.setClaim("tier", principal.tier());
        }
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(algorithm);
        jws.setKeyIdHeaderValue(config.kid());
        jws.setHeader("typ", "JWT");
        jws.setKey(config.keys().getPrivate());
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("signing an access token failed", e);
        }
    }

    /** The RFC 7638 SHA-256 thumbprint of the key (base64url): the default kid. */
    public static String thumbprint(PublicKey key) {
        try {
            return PublicJsonWebKey.Factory.newPublicJwk(key).calculateBase64urlEncodedThumbprint("SHA-256");
        } catch (JoseException e) {
            throw new IllegalArgumentException("the key has no JWK form", e);
        }
    }
}
