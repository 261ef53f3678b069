package io.gatehouse.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Compiled route matching: a trie over path segments, built once per config snapshot and never changed after.
 * Matching walks the request's segments, so its cost follows the depth of the path, not the number of routes.
 *
 * <p>Literal segments match without regard to case: {@code /Admin} must not slip past a route on {@code /admin}
 * to a wider one, since many upstreams (Windows servers, case-insensitive frameworks) read them alike. The path
 * still goes upstream as the client wrote it.
 *
 * <p>Specificity, compared segment by segment from the left: a literal segment beats a {param}, which beats
 * a trailing /**. Among routes with the same path pattern, one with a host condition beats one without,
 * then more header conditions beat fewer, then the earlier route in the file wins. The first route (in
 * that order) whose path, host, headers and method all match is chosen. When the path matches somewhere
 * but no such route allows the method, the result is "method not allowed" with the methods that would be.
 *
 * @param <T> what a route carries (the compiled route of a snapshot)
 */
public final class RouteTable<T> {
    /** Paths deeper than this are not matched at all (and so answered 404): no route is that deep. */
    public static final int MAX_SEGMENTS = 128;

    private final Node<T> root;
    private final int maxParams;

    private RouteTable(Node<T> root, int maxParams) {
        this.root = root;
        this.maxParams = maxParams;
    }

    /** One route to compile into the table. */
    public record Entry<T>(PathPattern pattern, Set<String> methods, String host, Map<String, String> headers, int index,
                           T value) {
    }

    public static <T> RouteTable<T> compile(List<Entry<T>> entries) {
        Node<T> root = new Node<>();
        int maxParams = 0;
        for (Entry<T> e : entries) {
            Node<T> node = root;
            PathPattern p = e.pattern();
            for (int i = 0; i < p.segmentCount(); i++) {
                String literal = p.literal(i);
                if (literal == null) {
                    if (node.param == null) {
                        node.param = new Node<>();
                    }
                    node = node.param;
                } else {
                    node = node.literals.computeIfAbsent(literal.toLowerCase(Locale.ROOT), k -> new Node<>());
                }
            }
            (p.hasRest() ? node.restRoutes : node.exactRoutes).add(new Candidate<>(e));
            maxParams = Math.max(maxParams, p.paramNames().size());
        }
        root.freeze();
        return new RouteTable<>(root, maxParams);
    }

    /**
     * Finds the route for a request.
     *
     * @param path    the normalized request path (no query)
     * @param host    the request's host, lower case, without port (may be null)
     * @param headers looks up a request header by name (first value), for header conditions
     */
    public RouteMatch<T> match(String method, String host, String path, Function<String, String> headers) {
        Search<T> s = new Search<>(method, host, headers, path, maxParams);
        if (s.segmentCount < 0) {
            return RouteMatch.notFound();
        }
        if (search(root, 0, s)) {
            String[] params = new String[s.paramCount];
            for (int i = 0; i < s.paramCount; i++) {
                params[i] = path.substring(s.paramStart[i], s.paramEnd[i]);
            }
            String rest = s.restFrom < 0 ? null
                    : (s.restFrom >= s.segmentCount ? "" : path.substring(s.segmentStart[s.restFrom]));
            return RouteMatch.found(s.found.value, params, rest);
        }
        if (s.allowed != null) {
            return RouteMatch.methodNotAllowed(s.allowed);
        }
        return RouteMatch.notFound();
    }

    private boolean search(Node<T> node, int i, Search<T> s) {
        if (i == s.segmentCount) {
            if (tryCandidates(node.exactRoutes, s)) {
                return true;
            }
        } else {
            Node<T> literal = node.literals.get(s.segment(i));
            if (literal != null && search(literal, i + 1, s)) {
                return true;
            }
            if (node.param != null) {
                int p = s.paramCount++;
                s.paramStart[p] = s.segmentStart[i];
                s.paramEnd[p] = s.segmentEnd[i];
                if (search(node.param, i + 1, s)) {
                    return true;
                }
                s.paramCount--;
            }
        }
        if (!node.restRoutes.isEmpty() && tryCandidates(node.restRoutes, s)) {
            s.restFrom = i;
            return true;
        }
        return false;
    }

    private boolean tryCandidates(List<Candidate<T>> candidates, Search<T> s) {
        for (int c = 0; c < candidates.size(); c++) {
            Candidate<T> candidate = candidates.get(c);
            if (!candidate.matchesHostAndHeaders(s.host, s.headers)) {
                continue;
            }
            if (candidate.methods.isEmpty() || candidate.methods.contains(s.method)) {
                s.found = candidate;
                return true;
            }
            if (s.allowed == null) {
                s.allowed = new TreeSet<>();
            }
            s.allowed.addAll(candidate.methods);
        }
        return false;
    }

    private static final class Node<T> {
        Map<String, Node<T>> literals = new HashMap<>();
        Node<T> param;
        final List<Candidate<T>> exactRoutes = new ArrayList<>();
        final List<Candidate<T>> restRoutes = new ArrayList<>();

        void freeze() {
            Comparator<Candidate<T>> specificity = Comparator
                    .comparing((Candidate<T> c) -> c.host == null)
                    .thenComparing(c -> -c.headerNames.length)
                    .thenComparingInt(c -> c.index);
            exactRoutes.sort(specificity);
            restRoutes.sort(specificity);
            literals = Map.copyOf(literals);
            literals.values().forEach(Node::freeze);
            if (param != null) {
                param.freeze();
            }
        }
    }

    private static final class Candidate<T> {
        final Set<String> methods;
        final String host;
        final String[] headerNames;
        final String[] headerValues;
        final int index;
        final T value;

        Candidate(Entry<T> e) {
            this.methods = Set.copyOf(e.methods());
            this.host = e.host();
            this.headerNames = e.headers().keySet().toArray(String[]::new);
            this.headerValues = e.headers().values().toArray(String[]::new);
            this.index = e.index();
            this.value = e.value();
        }

        boolean matchesHostAndHeaders(String requestHost, Function<String, String> headers) {
            if (host != null && !host.equals(requestHost)) {
                return false;
            }
            for (int i = 0; i < headerNames.length; i++) {
                if (!headerValues[i].equals(headers.apply(headerNames[i]))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Per-request search state: segment boundaries are offsets into the path, so no substring until needed. */
    private static final class Search<T> {
        final String method;
        final String host;
        final Function<String, String> headers;
        final String path;
        final int[] segmentStart;
        final int[] segmentEnd;
        int segmentCount;
        final int[] paramStart;
        final int[] paramEnd;
        int paramCount;
        int restFrom = -1;
        Candidate<T> found;
        Set<String> allowed;

        Search(String method, String host, Function<String, String> headers, String path, int maxParams) {
            this.method = method;
            this.host = host;
            this.headers = headers;
            this.path = path;
            this.paramStart = new int[maxParams];
            this.paramEnd = new int[maxParams];
            int len = path.length();
            int bound = 1;
            for (int i = 0; i < len; i++) {
                if (path.charAt(i) == '/') {
                    bound++;
                }
            }
            bound = Math.min(bound, MAX_SEGMENTS);
            this.segmentStart = new int[bound];
            this.segmentEnd = new int[bound];
            int n = 0;
            int i = 0;
            while (i < len) {
                while (i < len && path.charAt(i) == '/') {
                    i++;
                }
                if (i >= len) {
                    break;
                }
                int start = i;
                while (i < len && path.charAt(i) != '/') {
                    i++;
                }
                if (n == bound) {
                    n = -1;
                    break;
                }
                segmentStart[n] = start;
                segmentEnd[n] = i;
                n++;
            }
            this.segmentCount = n;
        }

        /** Lower-cased: literal segments match without regard to case (see the class comment). */
        String segment(int i) {
            return path.substring(segmentStart[i], segmentEnd[i]).toLowerCase(Locale.ROOT);
        }
    }
}
