package io.gatehouse.routing;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class PathRewriterTest {
    /** Matches the path against the pattern with a real RouteTable, then rewrites it as the proxy does. */
    private static String forward(String pattern, PathRewriter rewriter, String path) {
        RouteTable<String> table = RouteTable.compile(List.of(
                new RouteTable.Entry<>(PathPattern.parse(pattern), Set.of(), null, Map.of(), 0, "r")));
        RouteMatch<String> m = table.match("GET", null, path, name -> null);
        assertEquals(RouteMatch.Kind.FOUND, m.kind(), path + " should match " + pattern);
        return rewriter.apply(path, m.params(), m.rest());
    }

    private static String template(String pattern, String template, String path) {
        PathPattern p = PathPattern.parse(pattern);
        p.checkTemplate(template);
        return forward(pattern, PathRewriter.template(template, p), path);
    }

    @Test
    void identityForwardsThePathUnchanged() {
        assertSame(PathRewriter.identity(), PathRewriter.identity());
        assertEquals("/api/users/1", forward("/api/**", PathRewriter.identity(), "/api/users/1"));
    }

    @Test
    void stripPrefixRemovesTheLeadingSegments() {
        PathRewriter strip = PathRewriter.stripPrefix("/api");
        assertEquals("/users/1", forward("/api/**", strip, "/api/users/1"));
        assertEquals("/users/", forward("/api/**", strip, "/api/users/"), "a trailing slash is kept");
        assertEquals("/", forward("/api/**", strip, "/api"), "the prefix itself becomes /");
        assertEquals("/", forward("/api/**", strip, "/api/"));
    }

    @Test
    void stripPrefixOnlyStripsWholeSegments() {
        PathRewriter strip = PathRewriter.stripPrefix("/api");
        assertEquals("/apiary/x", forward("/**", strip, "/apiary/x"));
        assertEquals("/other", forward("/**", strip, "/other"));
    }

    @Test
    void stripMultiSegmentPrefix() {
        assertEquals("/users", forward("/api/v1/**", PathRewriter.stripPrefix("/api/v1"), "/api/v1/users"));
    }

    @Test
    void templateSubstitutesNamedParams() {
        assertEquals("/v2/users/42/orders/7",
                template("/users/{user}/o/{order}", "/v2/users/{user}/orders/{order}", "/users/42/o/7"));
        assertEquals("/v2/orders/7/users/42",
                template("/users/{user}/o/{order}", "/v2/orders/{order}/users/{user}", "/users/42/o/7"),
                "params can be reordered");
        assertEquals("/id-42", template("/users/{id}", "/id-{id}", "/users/42"), "a param can sit inside a segment");
    }

    @Test
    void templateKeepsParamValuesRaw() {
        assertEquals("/v2/a%2Fb", template("/x/{id}", "/v2/{id}", "/x/a%2Fb"));
    }

    @Test
    void templateSubstitutesTheRest() {
        assertEquals("/v2/a/b/c", template("/files/**", "/v2/{**}", "/files/a/b/c"));
        assertEquals("/store/acme/docs/1", template("/t/{tenant}/**", "/store/{tenant}/{**}", "/t/acme/docs/1"));
    }

    @Test
    void emptyRestLeavesNoTrailingSlash() {
        assertEquals("/v2", template("/files/**", "/v2/{**}", "/files"));
        assertEquals("/v2", template("/files/**", "/v2/{**}", "/files/"));
        assertEquals("/", template("/files/**", "/{**}", "/files"), "the root stays /");
        assertEquals("/a/b", template("/files/**", "/{**}", "/files/a/b"));
    }

    @Test
    void fixedTemplateIgnoresThePath() {
        assertEquals("/status", template("/health/**", "/status", "/health/deep/check"));
    }
}
