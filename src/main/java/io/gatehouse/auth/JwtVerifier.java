package io.gatehouse.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.eclipse.microprofile.jwt.JsonWebToken;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.jose4j.json.JsonUtil;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.lang.JoseException;
import org.jose4j.jwt.consumer.ErrorCodeValidator;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;

import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Verifies bearer tokens against {@code auth.jwt}, compiled once per config. SmallRye JWT does the checks: the
 * signature with the one configured key (so {@code jwk}, {@code jku}, {@code x5u} and {@code kid} headers are never
 * followed and nothing is fetched), the algorithm against the set the key type fixes (RSA: RS256/384/512, PS256;
 * EC: ES256 or ES384 by curve; secret: HS256 — so {@code alg: none} and a public key used as an HMAC secret fail),
 * {@code iss}, {@code aud}, and {@code exp}/{@code nbf}/{@code iat} within the clock skew.
 *
 * <p>Verification is CPU only and runs on the event loop. Accepted tokens are cached by their SHA-256 (bounded;
 * an entry is used until the token's {@code exp} and kept at most {@link #MAX_CACHE_TIME}), so a client reusing its
 * token is not verified on every request. Rejections are
 * not cached: they are cheap to produce again and an attacker's garbage must not evict good entries.
 */
public final class JwtVerifier {
    /** Roles travel upstream comma-joined in X-User-Role: a token's role that could not is dropped. */
    private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}");
    private static final int MAX_SUBJECT = 256;
    public static final int DEFAULT_CACHE_SIZE = 10_000;
    /** How long a verified token is trusted without verifying it again, at most (never past its exp). */
    static final Duration MAX_CACHE_TIME = Duration.ofMinutes(5);
    /** Why a token was refused; the metric outcome and the {@code error_description} follow from it. */
    public enum Failure {
        EXPIRED("the token has expired"),
        BAD_SIGNATURE("the token signature is not valid"),
        INVALID("the token is not valid");

        private final String description;

        Failure(String description) {
            this.description = description;
        }
    }

    /** The outcome of one verification: a principal, or a failure with a description safe to send to the client. */
    public record Result(Principal principal, Failure failure, String description) {
        static Result ok(Principal principal) {
            return new Result(principal, null, null);
        }

        static Result failed(Failure failure, String description) {
            return new Result(null, failure, description);
        }

        public boolean ok() {
            return principal != null;
        }
    }

    private record Verified(Principal principal, long expiresAtMillis) {
    }

    /** The configured public key or secret, or null with jwks-url. */
    private final JWTParser parser;
    /** The keys of jwks-url, or null. */
    private final JwksKeys<JWTParser> jwks;
    private final String rolesClaim;
    /** The kid of the tokens Gatehouse issues itself (auth.issuer), and their parser; or null. */
    private final String issuerKid;
    private final JWTParser issuerParser;
    private final Cache<ByteBuffer, Verified> cache;
    private final Clock clock;

    private JwtVerifier(JWTParser parser, JwksKeys<JWTParser> jwks, String rolesClaim, int cacheSize, Clock clock) {
        this(parser, jwks, rolesClaim, null, 0, cacheSize, clock);
    }

    private JwtVerifier(JWTParser parser, JwksKeys<JWTParser> jwks, String rolesClaim, IssuerConfig issuer,
                        int skewSeconds, int cacheSize, Clock clock) {
        this.parser = parser;
        this.jwks = jwks;
        this.issuerKid = issuer != null ? issuer.kid() : null;
        this.issuerParser = issuer != null ? issuerParser(issuer, skewSeconds) : null;
        this.rolesClaim = rolesClaim;
        this.clock = clock;
        // A fixed write expiry plus the exp check on every hit (in verify): an entry is never used past its token's
        // exp. Not Caffeine's variable expiry, whose generated cache/node classes the Quarkus native-image support
        // does not register (this combination, strong keys/values + maximum size + expire-after-write, it does).
        this.cache = Caffeine.newBuilder()
                .maximumSize(cacheSize)
                .expireAfterWrite(MAX_CACHE_TIME)
                .executor(Runnable::run) // maintenance inline: no pool thread per config
                .build();
    }

    /** Compiles the {@code auth.jwt} section (already validated by the config parser). */
    public static JwtVerifier from(JwtConfig config) {
        return from(config, DEFAULT_CACHE_SIZE, Clock.systemUTC());
    }

    static JwtVerifier from(JwtConfig config, int cacheSize, Clock clock) {
        if (config.jwksUrl() != null) {
            throw new IllegalArgumentException("auth.jwt.jwks-url needs Vert.x: use from(config, vertx, settings)");
        }
        return new JwtVerifier(new DefaultJWTParser(context(config)), null, config.rolesClaim(), cacheSize, clock);
    }

    /**
     * Compiles {@code auth.jwt}; with {@code jwks-url} the key set is fetched on {@code vertx} (started here,
     * asynchronously: this returns at once). {@link #close()} stops the refresh.
     */
    public static JwtVerifier from(JwtConfig config, Vertx vertx, JwksKeys.Settings settings) {
        return from(config, null, vertx, settings);
    }

    /**
     * Compiles {@code auth.jwt} (or null) and {@code auth.issuer} (or null; then the tokens Gatehouse issues, told
     * apart by their kid, are verified with the issuer's own public key, its iss and aud).
     */
    public static JwtVerifier from(JwtConfig config, IssuerConfig issuer, Vertx vertx, JwksKeys.Settings settings) {
        if (config == null && issuer == null) {
            throw new IllegalArgumentException("neither auth.jwt nor auth.issuer");
        }
        String rolesClaim = config != null ? config.rolesClaim() : TokenIssuer.ROLES_CLAIM;
        if (config == null || config.jwksUrl() == null) {
            JWTParser parser = config != null ? new DefaultJWTParser(context(config)) : null;
            return new JwtVerifier(parser, null, rolesClaim, issuer, clockSkewOf(config), DEFAULT_CACHE_SIZE,
                    Clock.systemUTC());
        }
        JwksKeys<JWTParser> keys = new JwksKeys<>(vertx, config.jwksUrl(), settings, jwk -> parserFor(config, jwk));
        JwtVerifier verifier = new JwtVerifier(null, keys, rolesClaim, issuer, clockSkewOf(config), DEFAULT_CACHE_SIZE,
                Clock.systemUTC());
        // tokens verified with a key the issuer has since withdrawn must not live on in the cache
        keys.onKeysRemoved(verifier.cache::invalidateAll);
        keys.start();
        return verifier;
    }

    private static JWTParser issuerParser(IssuerConfig issuer, int skew) {
        JWTAuthContextInfo info = new JWTAuthContextInfo();
        info.setIssuedBy(issuer.issuer());
        if (issuer.audience() != null) {
            info.setExpectedAudience(Set.of(issuer.audience()));
        }
        info.setClockSkew(skew);
        info.setExpGracePeriodSecs(skew);
        info.setRequireNamedPrincipal(true);
        info.setPublicKeyLocation(null);
        info.setPublicKeyContent(null);
        if (!withKey(info, issuer.keys().getPublic(), null)) {
            throw new IllegalArgumentException("auth.issuer has no usable key");
        }
        return new DefaultJWTParser(info);
    }

    private static int clockSkewOf(JwtConfig config) {
        java.time.Duration skew = config != null ? config.clockSkew()
                : java.time.Duration.ofSeconds(JwtConfig.DEFAULT_CLOCK_SKEW_SECONDS);
        return (int) Math.min(Integer.MAX_VALUE, (skew.toMillis() + 999) / 1000);
    }

    /**
     * Whether two configs verify tokens the same way, so a reload can keep the verifier — its fetched JWKS keys
     * and its cache — instead of starting again with no keys (a window of 401s for tokens without a kid, and a
     * fetch per reload for the others).
     */
    public static boolean sameVerification(JwtConfig a, IssuerConfig issuerA, JwtConfig b, IssuerConfig issuerB) {
        if (!java.util.Objects.equals(issuerA, issuerB)) {
            return false;
        }
        if (a == null || b == null) {
            return a == b;
        }
        return a.issuer().equals(b.issuer()) && a.audiences().equals(b.audiences())
                && java.util.Objects.equals(a.publicKey(), b.publicKey())
                && java.util.Arrays.equals(a.secret(), b.secret()) && a.clockSkew().equals(b.clockSkew())
                && a.rolesClaim().equals(b.rolesClaim()) && java.util.Objects.equals(a.jwksUrl(), b.jwksUrl());
    }

    /** Stops what runs in the background (the JWKS refresh); requests still verify with the keys held. */
    public void close() {
        if (jwks != null) {
            jwks.close();
        }
    }

    /** The JWKS keys, or null when a key is configured directly. */
    JwksKeys<JWTParser> jwks() {
        return jwks;
    }

    static JWTAuthContextInfo context(JwtConfig config) {
        JWTAuthContextInfo info = baseContext(config);
        if (config.secret() != null) {
            info.setSecretVerificationKey(new SecretKeySpec(config.secret(), "HmacSHA256"));
            info.setSignatureAlgorithm(EnumSet.of(SignatureAlgorithm.HS256));
        } else if (!withKey(info, config.publicKey(), null)) {
            throw new IllegalArgumentException("auth.jwt has no usable verification key");
        }
        return info;
    }

    /** Iss, aud and clock skew; no key yet. */
    private static JWTAuthContextInfo baseContext(JwtConfig config) {
        JWTAuthContextInfo info = new JWTAuthContextInfo();
        info.setIssuedBy(config.issuer());
        if (!config.audiences().isEmpty()) {
            info.setExpectedAudience(config.audiences());
        }
        int skew = (int) Math.min(Integer.MAX_VALUE, (config.clockSkew().toMillis() + 999) / 1000);
        info.setClockSkew(skew);
        info.setExpGracePeriodSecs(skew);
        info.setRequireNamedPrincipal(true);
        // No key location and no JWKS for SmallRye: it uses the one key set here and never resolves one over the
        // network (jwks-url is fetched by JwksKeys, and each of its keys gets a context of its own).
        info.setPublicKeyLocation(null);
        info.setPublicKeyContent(null);
        return info;
    }

    private static final Set<SignatureAlgorithm> RSA_ALGORITHMS = EnumSet.of(SignatureAlgorithm.RS256,
            SignatureAlgorithm.RS384, SignatureAlgorithm.RS512, SignatureAlgorithm.PS256);
    private static final Set<SignatureAlgorithm> RSA_JWK_ALGORITHMS = EnumSet.of(SignatureAlgorithm.RS256,
            SignatureAlgorithm.RS384, SignatureAlgorithm.RS512, SignatureAlgorithm.PS256, SignatureAlgorithm.PS384,
            SignatureAlgorithm.PS512);

    /**
     * Puts the key and the algorithms its type fixes into the context (RSA of 2048 bits or more: RS256/384/512,
     * PS256, or only {@code alg} when the JWK names one; EC P-256: ES256, P-384: ES384).
     *
     * @return false when the key (or its alg) is not usable
     */
    private static boolean withKey(JWTAuthContextInfo info, java.security.Key key, String alg) {
        SignatureAlgorithm named = null;
        if (alg != null) {
            try {
                named = SignatureAlgorithm.fromAlgorithm(alg);
            } catch (RuntimeException e) {
                return false;
            }
        }
        if (key instanceof RSAPublicKey rsa) {
            if (rsa.getModulus().bitLength() < PemKeys.MIN_RSA_BITS) {
                return false;
            }
            if (named != null && !RSA_JWK_ALGORITHMS.contains(named)) {
                return false;
            }
            info.setPublicVerificationKey(rsa);
            info.setSignatureAlgorithm(named != null ? EnumSet.of(named) : RSA_ALGORITHMS);
            return true;
        }
        if (key instanceof ECPublicKey ec) {
            int bits = PemKeys.curveBits(ec);
            SignatureAlgorithm byCurve = bits == 256 ? SignatureAlgorithm.ES256
                    : bits == 384 ? SignatureAlgorithm.ES384 : null;
            if (byCurve == null || (named != null && named != byCurve)) {
                return false;
            }
            info.setPublicVerificationKey(ec);
            info.setSignatureAlgorithm(EnumSet.of(byCurve));
            return true;
        }
        return false;
    }

    /** The parser for one key of the JWKS, or null when the key is not for signatures or not usable. */
    static JWTParser parserFor(JwtConfig config, JsonWebKey jwk) {
        if (!(jwk instanceof PublicJsonWebKey pub) || "enc".equals(jwk.getUse())) {
            return null;
        }
        JWTAuthContextInfo info = baseContext(config);
        return withKey(info, pub.getPublicKey(), jwk.getAlgorithm()) ? new DefaultJWTParser(info) : null;
    }

    /**
     * Verifies a presented bearer token (the part after {@code Bearer }) with the keys held now: a token naming a
     * kid the JWKS does not have is refused without a refetch (see {@link #verifyAsync}).
     */
    public Result verify(String token) {
        ByteBuffer key = ByteBuffer.wrap(Sha256.of(token));
        Result hit = cached(key);
        if (hit != null) {
            return hit;
        }
        if (parser != null && issuerKid == null) {
            return verify(token, key, parser, rolesClaim);
        }
        String kid;
        try {
            kid = kid(token);
        } catch (IllegalArgumentException e) {
            return Result.failed(Failure.INVALID, Failure.INVALID.description);
        }
        if (issuerKid != null && issuerKid.equals(kid)) {
            return verify(token, key, issuerParser, TokenIssuer.ROLES_CLAIM);
        }
        if (parser != null) {
            return verify(token, key, parser, rolesClaim);
        }
        JWTParser found = jwks != null ? jwks.find(kid) : null;
        return found != null ? verify(token, key, found, rolesClaim) : unknownKey(kid);
    }

    /**
     * Verifies a presented bearer token; with a JWKS, a token whose kid is not among the keys held waits for one
     * refetch of the set (rate-limited; shared by concurrent misses). The future completes on any thread.
     */
    public Future<Result> verifyAsync(String token) {
        ByteBuffer key = ByteBuffer.wrap(Sha256.of(token));
        Result hit = cached(key);
        if (hit != null) {
            return Future.succeededFuture(hit);
        }
        if (parser != null || jwks == null) {
            return Future.succeededFuture(verify(token)); // nothing to fetch
        }
        String kid;
        try {
            kid = kid(token);
        } catch (IllegalArgumentException e) {
            return Future.succeededFuture(Result.failed(Failure.INVALID, Failure.INVALID.description));
        }
        if (issuerKid != null && issuerKid.equals(kid)) {
            return Future.succeededFuture(verify(token, key, issuerParser, TokenIssuer.ROLES_CLAIM));
        }
        JWTParser found = jwks.find(kid);
        if (found != null) {
            return Future.succeededFuture(verify(token, key, found, rolesClaim));
        }
        if (kid == null) {
            return Future.succeededFuture(unknownKey(null)); // a refetch would not give a kid-less token a key
        }
        Future<Void> refetch = jwks.refetchForUnknownKid();
        if (refetch == null) {
            return Future.succeededFuture(unknownKey(kid));
        }
        return refetch.transform(ar -> {
            JWTParser now = jwks.find(kid);
            return Future.succeededFuture(now != null ? verify(token, key, now, rolesClaim) : unknownKey(kid));
        });
    }

    private Result unknownKey(String kid) {
        if (jwks != null && !jwks.loaded()) {
            return Result.failed(Failure.INVALID, "the token signing keys are not available yet");
        }
        return Result.failed(Failure.BAD_SIGNATURE, kid == null
                ? (jwks != null ? "the token has no kid and the key set has more than one key" : "the token has no kid")
                : "the token signing key (kid) is not known");
    }

    private Result cached(ByteBuffer key) {
        Verified hit = cache.getIfPresent(key);
        if (hit != null) {
            if (hit.expiresAtMillis() > clock.millis()) {
                return Result.ok(hit.principal());
            }
            cache.invalidate(key); // past exp: verified again (and refused once beyond the clock skew)
        }
        return null;
    }

    /** The kid of the token's JOSE header, or null; IllegalArgumentException when the header is not readable. */
    static String kid(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0 || dot > 8192) {
            throw new IllegalArgumentException("no JOSE header");
        }
        try {
            byte[] json = Base64.getUrlDecoder().decode(token.substring(0, dot));
            Object kid = JsonUtil.parseJson(new String(json, StandardCharsets.UTF_8)).get("kid");
            if (kid != null && !(kid instanceof String)) {
                throw new IllegalArgumentException("kid is not a string");
            }
            return (String) kid;
        } catch (JoseException | RuntimeException e) {
            throw new IllegalArgumentException("the JOSE header is not readable");
        }
    }

    private Result verify(String token, ByteBuffer key, JWTParser parser, String rolesClaim) {
        JsonWebToken jwt;
        try {
            jwt = parser.parse(token);
        } catch (ParseException e) {
            return classify(e);
        } catch (RuntimeException e) {
            // a malformed token can surface as an unchecked exception from the JSON layer
            return Result.failed(Failure.INVALID, Failure.INVALID.description);
        }
        String subject = jwt.getSubject();
        if (subject == null || subject.isEmpty() || subject.length() > MAX_SUBJECT || !printable(subject)) {
            return Result.failed(Failure.INVALID, "the token has no usable sub claim");
        }
        Principal principal = new Principal(subject, roles(jwt.getClaim(rolesClaim)), tier(jwt.getClaim("tier")),
                textClaims(jwt));
        long exp = jwt.getExpirationTime() * 1000L;
        if (exp > clock.millis()) {
            cache.put(key, new Verified(principal, exp));
        }
        return Result.ok(principal);
    }

    long cachedEntries() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    private static Result classify(ParseException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidJwtException invalid) {
                if (invalid.hasExpired()) {
                    return Result.failed(Failure.EXPIRED, Failure.EXPIRED.description);
                }
                if (invalid.hasErrorCode(ErrorCodes.SIGNATURE_INVALID)) {
                    return Result.failed(Failure.BAD_SIGNATURE, Failure.BAD_SIGNATURE.description);
                }
                if (invalid.hasErrorCode(ErrorCodes.NOT_YET_VALID)) {
                    return Result.failed(Failure.INVALID, "the token is not yet valid");
                }
                if (invalid.hasErrorCode(ErrorCodes.ISSUER_INVALID) || invalid.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
                    return Result.failed(Failure.INVALID, "the token is not from the accepted issuer");
                }
                if (invalid.hasErrorCode(ErrorCodes.AUDIENCE_INVALID) || invalid.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
                    return Result.failed(Failure.INVALID, "the token is not for an accepted audience");
                }
                if (invalid.hasErrorCode(ErrorCodes.EXPIRATION_MISSING)) {
                    return Result.failed(Failure.INVALID, "the token has no exp claim");
                }
                for (ErrorCodeValidator.Error error : invalid.getErrorDetails()) {
                    if (error.getErrorCode() == ErrorCodes.SIGNATURE_INVALID) {
                        return Result.failed(Failure.BAD_SIGNATURE, Failure.BAD_SIGNATURE.description);
                    }
                }
                break;
            }
        }
        return Result.failed(Failure.INVALID, Failure.INVALID.description);
    }

    /**
     * Roles from an array claim (in token order; the {@code groups} claim, which SmallRye gives as a set, sorted) or a
     * space/comma separated string; repeats and names unfit for the X-User-Role header are dropped.
     */
    static List<String> roles(Object claim) {
        List<String> raw = new ArrayList<>();
        if (claim instanceof JsonArray array) {
            for (JsonValue v : array) {
                if (v instanceof JsonString s) {
                    raw.add(s.getString());
                }
            }
        } else if (claim instanceof Collection<?> collection) {
            // SmallRye hands the groups claim over as an unordered Set: sort it so X-User-Role is stable
            for (Object v : collection) {
                if (v instanceof String s) {
                    raw.add(s);
                } else if (v instanceof JsonString s) {
                    raw.add(s.getString());
                }
            }
            if (claim instanceof Set<?>) {
                Collections.sort(raw);
            }
        } else {
            String text = claim instanceof JsonString s ? s.getString() : claim instanceof String s ? s : null;
            if (text != null) {
                for (String part : text.split("[\\s,]+")) {
                    raw.add(part);
                }
            }
        }
        List<String> roles = new ArrayList<>(raw.size());
        for (String role : raw) {
            if (ROLE.matcher(role).matches() && !roles.contains(role)) {
                roles.add(role);
            }
        }
        return roles;
    }

    /**
     * The token's top-level claims whose values are short text or numbers (a tier, a plan, an org id), at most
     * {@value #MAX_CLAIMS} of them: what policies may key or tier by, bounded whatever the token carries.
     */
    private static Map<String, String> textClaims(JsonWebToken jwt) {
        Map<String, String> claims = new java.util.HashMap<>();
        for (String name : jwt.getClaimNames()) {
            if (claims.size() == MAX_CLAIMS || name.length() > 64) {
                continue;
            }
            Object value = jwt.getClaim(name);
            String text = value instanceof JsonString s ? s.getString()
                    : value instanceof String s ? s
                    : value instanceof jakarta.json.JsonNumber || value instanceof Number ? value.toString() : null;
            if (text != null && !text.isEmpty() && text.length() <= 256 && printable(text)) {
                claims.put(name, text);
            }
        }
        return claims;
    }

    private static final int MAX_CLAIMS = 32;

    private static String tier(Object claim) {
        String text = claim instanceof JsonString s ? s.getString() : claim instanceof String s ? s : null;
        return text != null && ROLE.matcher(text).matches() ? text : null;
    }

    private static boolean printable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

}
