package io.gatehouse.routing;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RouteTableTest {
    private static final Function<String, String> NO_HEADERS = name -> null;

    /** Builds tables in file order: each route's index is its position. */
    private static final class Routes {
        private final List<RouteTable.Entry<String>> entries = new ArrayList<>();

        Routes add(String id, String pattern) {
            return add(id, pattern, Set.of(), null, Map.of());
        }

        Routes add(String id, String pattern, Set<String> methods) {
            return add(id, pattern, methods, null, Map.of());
        }

        Routes add(String id, String pattern, Set<String> methods, String host, Map<String, String> headers) {
            entries.add(new RouteTable.Entry<>(PathPattern.parse(pattern), methods, host, headers, entries.size(), id));
            return this;
        }

        RouteTable<String> compile() {
            return RouteTable.compile(entries);
        }
    }

    private static Function<String, String> headers(Map<String, String> values) {
        Map<String, String> ci = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        ci.putAll(values);
        return ci::get;
    }

    private static String route(RouteTable<String> table, String path) {
        return route(table, "GET", null, path, NO_HEADERS);
    }

    private static String route(RouteTable<String> table, String method, String host, String path,
                                Function<String, String> headers) {
        RouteMatch<String> m = table.match(method, host, path, headers);
        return m.kind() == RouteMatch.Kind.FOUND ? m.value() : m.kind().name();
    }

    @Test
    void exactPathMatchesOnlyItself() {
        RouteTable<String> t = new Routes().add("users", "/api/users").add("root", "/").compile();
        assertEquals("users", route(t, "/api/users"));
        assertEquals("root", route(t, "/"));
        assertEquals("NOT_FOUND", route(t, "/api"));
        assertEquals("NOT_FOUND", route(t, "/api/users/1"));
        assertEquals("NOT_FOUND", route(t, "/api/usersx"));
    }

    @Test
    void literalSegmentsMatchWhateverTheirCaseSoAWiderRouteCannotCatchThem() {
        RouteTable<String> t = new Routes().add("admin", "/j/admin/**").add("open", "/j/**").add("user", "/u/{id}/Profile")
                .compile();
        assertEquals("admin", route(t, "/j/Admin/secret"));
        assertEquals("admin", route(t, "/J/ADMIN"));
        assertEquals("open", route(t, "/j/adminx"));
        assertEquals("user", route(t, "/u/7/profile"));
    }

    @Test
    void trailingAndDoubledSlashesDoNotChangeTheMatch() {
        RouteTable<String> t = new Routes().add("users", "/api/users/").compile();
        assertEquals("users", route(t, "/api/users"));
        assertEquals("users", route(t, "/api/users/"));
        assertEquals("users", route(t, "//api//users//"));
    }

    @Test
    void paramMatchesExactlyOneSegmentAndCapturesItRaw() {
        RouteTable<String> t = new Routes().add("item", "/orders/{order}/items/{item}").compile();
        RouteMatch<String> m = t.match("GET", null, "/orders/42/items/a%2Fb", NO_HEADERS);
        assertEquals(RouteMatch.Kind.FOUND, m.kind());
        assertEquals("item", m.value());
        assertArrayEquals(new String[] {"42", "a%2Fb"}, m.params());
        assertNull(m.rest(), "no /** in the pattern: rest is null");
        assertEquals("NOT_FOUND", route(t, "/orders/42/items"));
        assertEquals("NOT_FOUND", route(t, "/orders/42/items/1/2"));
    }

    @Test
    void restMatchesThePrefixItselfAndAnythingBelowIt() {
        RouteTable<String> t = new Routes().add("files", "/files/**").compile();
        RouteMatch<String> self = t.match("GET", null, "/files", NO_HEADERS);
        assertEquals("files", self.value());
        assertEquals("", self.rest());
        assertEquals("", t.match("GET", null, "/files/", NO_HEADERS).rest());
        assertEquals("a/b/c.txt", t.match("GET", null, "/files/a/b/c.txt", NO_HEADERS).rest());
        assertEquals("NOT_FOUND", route(t, "/filesystem"));
        assertEquals("NOT_FOUND", route(t, "/"));
    }

    @Test
    void rootRestMatchesEverything() {
        RouteTable<String> t = new Routes().add("all", "/**").compile();
        assertEquals("", t.match("GET", null, "/", NO_HEADERS).rest());
        assertEquals("x/y", t.match("GET", null, "/x/y", NO_HEADERS).rest());
    }

    @Test
    void paramsAndRestTogether() {
        RouteTable<String> t = new Routes().add("tenant", "/t/{tenant}/**").compile();
        RouteMatch<String> m = t.match("GET", null, "/t/acme/docs/1", NO_HEADERS);
        assertArrayEquals(new String[] {"acme"}, m.params());
        assertEquals("docs/1", m.rest());
        RouteMatch<String> bare = t.match("GET", null, "/t/acme", NO_HEADERS);
        assertArrayEquals(new String[] {"acme"}, bare.params());
        assertEquals("", bare.rest());
    }

    @Test
    void literalBeatsParamBeatsRestWhateverTheFileOrder() {
        RouteTable<String> t = new Routes()
                .add("rest", "/users/**")
                .add("param", "/users/{id}")
                .add("literal", "/users/me")
                .compile();
        assertEquals("literal", route(t, "/users/me"));
        assertEquals("param", route(t, "/users/42"));
        assertEquals("rest", route(t, "/users/42/orders"));
        assertEquals("rest", route(t, "/users"));
    }

    @Test
    void specificityIsComparedFromTheLeftAndBacktracks() {
        RouteTable<String> t = new Routes()
                .add("param-then-literal", "/{a}/b")
                .add("literal-then-rest", "/x/**")
                .add("literal-then-literal", "/x/y/z")
                .compile();
        assertEquals("literal-then-rest", route(t, "/x/b"), "a literal first segment beats a param there");
        assertEquals("param-then-literal", route(t, "/q/b"));
        assertEquals("literal-then-rest", route(t, "/x/y"), "/x/y/z does not match /x/y: fall back to /x/**");
        assertEquals("literal-then-literal", route(t, "/x/y/z"));
    }

    @Test
    void backtracksFromADeadLiteralBranchToAParam() {
        RouteTable<String> t = new Routes()
                .add("literal", "/users/me/settings")
                .add("param", "/users/{id}/orders")
                .compile();
        RouteMatch<String> m = t.match("GET", null, "/users/me/orders", NO_HEADERS);
        assertEquals("param", m.value());
        assertArrayEquals(new String[] {"me"}, m.params());
    }

    @Test
    void samePatternHostConditionWinsThenMoreHeadersThenFileOrder() {
        RouteTable<String> t = new Routes()
                .add("plain-first", "/api/{x}")
                .add("plain-second", "/api/{y}")
                .add("one-header", "/api/{x}", Set.of(), null, Map.of("X-Api-Version", "2"))
                .add("two-headers", "/api/{x}", Set.of(), null, Map.of("X-Api-Version", "2", "X-Beta", "on"))
                .add("host", "/api/{x}", Set.of(), "api.example.com", Map.of())
                .compile();
        Map<String, String> v2beta = Map.of("X-Api-Version", "2", "X-Beta", "on");
        assertEquals("host", route(t, "GET", "api.example.com", "/api/1", headers(v2beta)),
                "a host condition beats header conditions");
        assertEquals("two-headers", route(t, "GET", "other.example.com", "/api/1", headers(v2beta)));
        assertEquals("one-header", route(t, "GET", null, "/api/1", headers(Map.of("x-api-version", "2"))),
                "header names are looked up as the request gives them (case-insensitively in Vert.x)");
        assertEquals("plain-first", route(t, "GET", null, "/api/1", headers(Map.of("X-Api-Version", "3"))),
                "header values match exactly; then file order");
    }

    @Test
    void hostConditionRestrictsTheRoute() {
        RouteTable<String> t = new Routes()
                .add("on-host", "/only", Set.of(), "api.example.com", Map.of())
                .compile();
        assertEquals("on-host", route(t, "GET", "api.example.com", "/only", NO_HEADERS));
        assertEquals("NOT_FOUND", route(t, "GET", "www.example.com", "/only", NO_HEADERS));
        assertEquals("NOT_FOUND", route(t, "GET", null, "/only", NO_HEADERS));
    }

    @Test
    void headerConditionsMustAllMatch() {
        RouteTable<String> t = new Routes()
                .add("both", "/h", Set.of(), null, Map.of("A", "1", "B", "2"))
                .compile();
        assertEquals("both", route(t, "GET", null, "/h", headers(Map.of("A", "1", "B", "2", "C", "3"))));
        assertEquals("NOT_FOUND", route(t, "GET", null, "/h", headers(Map.of("A", "1"))));
        assertEquals("NOT_FOUND", route(t, "GET", null, "/h", headers(Map.of("A", "1", "B", "22"))));
    }

    @Test
    void wrongMethodIsMethodNotAllowedWithTheAllowedSet() {
        RouteTable<String> t = new Routes()
                .add("read", "/users/{id}", Set.of("GET", "HEAD"))
                .add("write", "/users/{id}", Set.of("PUT", "DELETE"))
                .add("other-host", "/users/{id}", Set.of("PATCH"), "admin.example.com", Map.of())
                .compile();
        assertEquals("read", route(t, "HEAD", null, "/users/1", NO_HEADERS));
        assertEquals("write", route(t, "DELETE", null, "/users/1", NO_HEADERS));
        RouteMatch<String> m = t.match("POST", null, "/users/1", NO_HEADERS);
        assertEquals(RouteMatch.Kind.METHOD_NOT_ALLOWED, m.kind());
        assertNull(m.value());
        assertEquals(List.of("DELETE", "GET", "HEAD", "PUT"), m.allowed().stream().sorted().toList(),
                "a route whose host does not match does not add its methods");
        assertEquals("NOT_FOUND", route(t, "POST", null, "/people/1", NO_HEADERS), "no path match: 404, not 405");
    }

    @Test
    void aBroaderRouteAllowingTheMethodIsPreferredOverMethodNotAllowed() {
        RouteTable<String> t = new Routes()
                .add("read-one", "/users/{id}", Set.of("GET"))
                .add("anything", "/users/**")
                .compile();
        assertEquals("anything", route(t, "POST", null, "/users/1", NO_HEADERS));
        assertEquals("read-one", route(t, "GET", null, "/users/1", NO_HEADERS));
    }

    @Test
    void emptyMethodSetAllowsEveryMethod() {
        RouteTable<String> t = new Routes().add("any", "/any").compile();
        for (String method : List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE")) {
            assertEquals("any", route(t, method, null, "/any", NO_HEADERS), method);
        }
    }

    @Test
    void pathsDeeperThanMaxSegmentsAreNotMatched() {
        RouteTable<String> t = new Routes().add("all", "/**").compile();
        String deepest = "/s".repeat(RouteTable.MAX_SEGMENTS);
        String tooDeep = "/s".repeat(RouteTable.MAX_SEGMENTS + 1);
        assertEquals("all", route(t, deepest));
        assertEquals("all", route(t, deepest + "/"), "a trailing slash is not a segment");
        assertEquals("NOT_FOUND", route(t, tooDeep));
    }

    @Test
    void emptyTableFindsNothing() {
        RouteTable<String> t = new Routes().compile();
        assertEquals("NOT_FOUND", route(t, "/"));
        assertEquals("NOT_FOUND", route(t, "/x"));
    }

    @Test
    void eachOfAThousandGeneratedRoutesFindsItsOwnPaths() {
        int n = 1000;
        Routes routes = new Routes();
        for (int i = 0; i < n; i++) {
            routes.add("item-" + i, "/svc" + i + "/items/{id}", Set.of("GET"));
            routes.add("rest-" + i, "/svc" + i + "/**");
            routes.add("exact-" + i, "/svc" + i + "/health");
        }
        RouteTable<String> t = routes.compile();
        for (int i = 0; i < n; i++) {
            RouteMatch<String> item = t.match("GET", null, "/svc" + i + "/items/" + (i * 7), NO_HEADERS);
            assertEquals("item-" + i, item.value());
            assertArrayEquals(new String[] {String.valueOf(i * 7)}, item.params());

            RouteMatch<String> post = t.match("POST", null, "/svc" + i + "/items/" + i, NO_HEADERS);
            assertEquals("rest-" + i, post.value(), "POST falls through to the service's /**");
            assertEquals("items/" + i, post.rest());

            RouteMatch<String> rest = t.match("GET", null, "/svc" + i + "/other/" + i, NO_HEADERS);
            assertEquals("rest-" + i, rest.value());
            assertEquals("other/" + i, rest.rest());

            assertEquals("exact-" + i, route(t, "/svc" + i + "/health"));
        }
        assertEquals("NOT_FOUND", route(t, "/svc" + n + "/items/1"));
        assertEquals("NOT_FOUND", route(t, "/svc/items/1"));
    }
}
