package io.gatehouse.routing;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestPathTest {

    private static String normalized(String raw) {
        RequestPath p = RequestPath.of(raw);
        assertNull(p.refusal(), raw + " was refused: " + p.refusal());
        return p.path();
    }

    private static void refused(String raw) {
        RequestPath p = RequestPath.of(raw);
        assertNotNull(p.refusal(), raw + " passed as " + p.path());
        assertNull(p.path());
    }

    @Test
    void ordinaryPathsPassAsTheyCame() {
        for (String raw : new String[] {"/", "/api/users/42", "/a/b/", "/files/v1..v2", "/x/a-b_c~d!$&'()*+,=:@",
                "/files/a%20b.txt", "/.well-known/jwks.json"}) {
            assertEquals(raw, normalized(raw));
        }
    }

    @Test
    void unreservedEncodingsAreDecodedOthersUpperCased() {
        assertEquals("/admin", normalized("/%61dmin"));
        assertEquals("/a/b%3F", normalized("/a/b%3f"));
        assertEquals("/a/%C3%A9", normalized("/a/%c3%a9"));
    }

    @Test
    void emptyAndDotSegmentsAreResolved() {
        assertEquals("/a/c", normalized("/a//b/../c"));
        assertEquals("/b", normalized("/a/../b"));
        assertEquals("/b", normalized("/../../b"));
        assertEquals("/api/admin", normalized("/api/users/%2e%2e/admin"));
        assertEquals("/", normalized("/a/.."));
    }

    @Test
    void charactersOutsideRfc3986AreRefused() {
        for (String raw : new String[] {"/a b", "/a\u0000b", "/a\rb", "/a\nb", "/a\tb", "/a\"b", "/a<b", "/a>b",
                "/admin\\secret", "/a^b", "/a`b", "/a{b", "/a}b", "/a|b", "/n/admin#/secret", "/caf\u00e9", "relative",
                "", "*"}) {
            refused(raw);
        }
    }

    @Test
    void badDoubleAndControlEncodingsAreRefused() {
        for (String raw : new String[] {"/a%", "/a%4", "/a%zz", "/%2561dmin", "/a%00", "/a%0d%0a", "/a%7F", "/a%1b"}) {
            refused(raw);
        }
        assertEquals("/100%25", normalized("/100%25"), "a literal percent sign is not double encoding");
    }

    @Test
    void segmentsUpstreamsWouldTrimAreRefused() {
        refused("/j/admin./secret");
        refused("/j/admin.");
        refused("/j/admin%20");
        refused("/j/admin%20/x");
    }

    @Test
    void dotSegmentsBehindEncodedSeparatorsOrParametersAreRefused() {
        for (String raw : new String[] {"/api/users/..%2F..%2Fadmin", "/api/users/..%2f..%2fadmin", "/api/users/..%5Cadmin",
                "/api/users/%2E%2E%2Fadmin", "/api/users/.%2Fadmin", "/api/public/..;/admin/users",
                "/api/public/..;jsessionid=x/admin", "/api/public/.;/admin", "/api/public/..%3B/admin"}) {
            refused(raw);
        }
    }

    @Test
    void encodedSlashesAndPathParametersAreFlaggedForTheRouteToDecide() {
        RequestPath slash = RequestPath.of("/repos/group%2fproject/issues");
        assertEquals("/repos/group%2Fproject/issues", slash.path());
        assertEquals(RequestPath.ENCODED_SLASH, slash.flags());
        assertEquals(RequestPath.ENCODED_SLASH, RequestPath.of("/w/admin%5Csecret").flags());

        RequestPath params = RequestPath.of("/j/admin;/secret");
        assertEquals("/j/admin;/secret", params.path(), "forwarded as it came");
        assertEquals("/j/admin/secret", params.matchPath(), "matched as a servlet container reads it");
        assertEquals(RequestPath.PATH_PARAMS, params.flags());
        assertEquals("/items/list", RequestPath.of("/items;v=2/list").matchPath());
        assertEquals(0, RequestPath.of("/plain").flags());
        assertEquals(RequestPath.PATH_PARAMS, RequestPath.of("/admin%3Bx/secret").flags(), "an encoded ';' too");
    }

    @Test
    void queries() {
        assertTrue(RequestPath.isSafeQuery("a=1&b=%20x&c={\"k\":[1|2]}"));
        assertFalse(RequestPath.isSafeQuery("a=1 2"));
        assertFalse(RequestPath.isSafeQuery("a=1#x"));
        assertFalse(RequestPath.isSafeQuery("a=\u0000"));
        assertFalse(RequestPath.isSafeQuery("a=\u00e9"));
    }

    @Test
    void dotSegmentsHiddenInsideOneSegmentAreFoundByOneScan() {
        for (String hidden : new String[] {"..%2Fx", "x%2F..", ".%5Cx", "..;x", "x;.", "..%3Bx", "..%2f", ".."}) {
            assertTrue(RequestPath.hidesDotSegment(hidden), hidden);
        }
        for (String fine : new String[] {"...", "..x", "x..", "a%2Fb", "v1..v2", "%2F", ";x", "x%2", "x%"}) {
            assertFalse(RequestPath.hidesDotSegment(fine), fine);
        }
    }
}
