package io.gatehouse.pipeline;

/**
 * Who a request was authenticated as, as every feature may read it ({@link Exchange#CALLER}): the access log's user,
 * a limiter's {@code user} key and tier, {@code hash-on: claim:…}. Authentication puts it on the exchange; the rest
 * of the gateway reads it through this interface and never depends on how it was established.
 */
public interface Caller {
    /** The user or key id ({@code sub} of a token, the id of an API key). */
    String id();

    /** The caller's tier, or null. */
    String tier();

    /**
     * The caller's tier as a rate-limit policy reads it: a token's claim {@code claim}, or an API key's own tier;
     * null when it has none.
     */
    default String tier(String claim) {
        return tier();
    }

    /** The id of the API key the caller presented, or null when it presented something else (a token). */
    default String apiKeyId() {
        return null;
    }

    /** A claim of the caller's token as text ({@code sub} and {@code tier} for API keys), or null. */
    default String claim(String name) {
        return switch (name) {
            case "sub" -> id();
            case "tier" -> tier();
            default -> null;
        };
    }
}
