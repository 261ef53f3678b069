package io.gatehouse.routing;

import java.util.Set;

/** The outcome of {@link RouteTable#match}: a route with its path parameters, "method not allowed", or nothing. */
public final class RouteMatch<T> {
    public enum Kind { FOUND, METHOD_NOT_ALLOWED, NOT_FOUND }

    @SuppressWarnings("rawtypes")
    private static final RouteMatch NOT_FOUND = new RouteMatch<>(Kind.NOT_FOUND, null, null, null, Set.of());

    private final Kind kind;
    private final T value;
    private final String[] params;
    private final String rest;
    private final Set<String> allowed;

    private RouteMatch(Kind kind, T value, String[] params, String rest, Set<String> allowed) {
        this.kind = kind;
        this.value = value;
        this.params = params;
        this.rest = rest;
        this.allowed = allowed;
    }

    static <T> RouteMatch<T> found(T value, String[] params, String rest) {
        return new RouteMatch<>(Kind.FOUND, value, params, rest, Set.of());
    }

    static <T> RouteMatch<T> methodNotAllowed(Set<String> allowed) {
        // sorted, so the Allow header is stable
        return new RouteMatch<>(Kind.METHOD_NOT_ALLOWED, null, null, null,
                java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(allowed)));
    }

    @SuppressWarnings("unchecked")
    static <T> RouteMatch<T> notFound() {
        return NOT_FOUND;
    }

    public Kind kind() {
        return kind;
    }

    public T value() {
        return value;
    }

    /** Path parameter values, raw (still percent-encoded), in the order the pattern names them. */
    public String[] params() {
        return params;
    }

    /** What /** matched (no leading slash; "" for nothing), or null when the route has no /**. */
    public String rest() {
        return rest;
    }

    /** With {@link Kind#METHOD_NOT_ALLOWED}: the methods the matching path allows, sorted. */
    public Set<String> allowed() {
        return allowed;
    }
}
