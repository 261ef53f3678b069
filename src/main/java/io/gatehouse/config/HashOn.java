package io.gatehouse.config;

/**
 * Where a consistent-hash upstream takes a request's key: {@code ip}, or {@code header:NAME},
 * {@code cookie:NAME}, {@code query:NAME}, {@code claim:NAME} (the last once authentication exists).
 */
public record HashOn(String source, String name) {
    public static final HashOn IP = new HashOn("ip", null);

    @Override
    public String toString() {
        return name == null ? source : source + ":" + name;
    }
}
