package io.gatehouse.auth;


import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The accepted API keys of one config, compiled when the config is loaded. Only SHA-256 hashes are held: a
 * presented key is hashed, its hash looked up, and the stored hash compared in constant time
 * ({@link MessageDigest#isEqual}). Plain keys are never stored and never logged.
 */
public final class ApiKeyStore {
    private record Entry(byte[] hash, Principal principal) {
    }

    private final String header;
    private final String challenge;
    private final Map<ByteBuffer, Entry> byHash;

    private ApiKeyStore(String header, Map<ByteBuffer, Entry> byHash) {
        this.header = header;
        this.challenge = "ApiKey header=\"" + header + "\"";
        this.byHash = byHash;
    }

    /** Compiles the {@code auth.api-keys} section (already validated by the config parser). */
    public static ApiKeyStore from(ApiKeysConfig config) {
        Map<ByteBuffer, Entry> byHash = new HashMap<>();
        for (ApiKeyConfig key : config.keys()) {
            byte[] hash = HexFormat.of().parseHex(key.hash());
            byHash.put(ByteBuffer.wrap(hash), new Entry(hash, new Principal(key.id(), key.roles(), key.tier())));
        }
        return new ApiKeyStore(config.header(), Map.copyOf(byHash));
    }

    /** The request header that carries the key. */
    public String header() {
        return header;
    }

    /** The {@code WWW-Authenticate} value of a 401: {@code ApiKey header="X-API-Key"}. */
    public String challenge() {
        return challenge;
    }

    public int size() {
        return byHash.size();
    }

    /** The principal of a presented key, or null when no configured key has its hash. */
    public Principal find(String presented) {
        byte[] hash = Sha256.of(presented);
        Entry entry = byHash.get(ByteBuffer.wrap(hash));
        return entry != null && MessageDigest.isEqual(entry.hash(), hash) ? entry.principal() : null;
    }


    /** The config form of a key's hash: {@code sha256:} and 64 lower-case hex digits. */
    public static String hashOf(String key) {
        return "sha256:" + HexFormat.of().formatHex(Sha256.of(key));
    }
}
