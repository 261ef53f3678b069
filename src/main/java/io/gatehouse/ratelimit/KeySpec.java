package io.gatehouse.ratelimit;

/**
 * What a policy counts by: {@code ip}, {@code user}, {@code api-key}, {@code route}, {@code header:NAME} or
 * {@code global}.
 *
 * @param header the header's name for {@code header:NAME}, else null
 */
public record KeySpec(Kind kind, String header) {
    public enum Kind {
        /** The client address the pipeline resolved (trusted proxies honoured, nothing else). */
        IP,
        /** The caller's id (JWT {@code sub}, API-key id); anonymous callers are counted by address. */
        USER,
        /** The API key's id; callers without one are counted by address. */
        API_KEY,
        /** The route: one bucket per route that names the policy. */
        ROUTE,
        /** A request header's value; requests without it are counted by address. */
        HEADER,
        /** One bucket for every request. */
        GLOBAL
    }

    /** Whether the key needs to know who the caller is (so it cannot run before authentication). */
    boolean needsCaller() {
        return kind == Kind.USER || kind == Kind.API_KEY;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case IP -> "ip";
            case USER -> "user";
            case API_KEY -> "api-key";
            case ROUTE -> "route";
            case HEADER -> "header:" + header;
            case GLOBAL -> "global";
        };
    }
}
