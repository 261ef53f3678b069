package io.gatehouse.routing;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PathSafetyTest {

    @Test
    void ordinaryPathsAndEncodedSlashesInsideASegmentPass() {
        assertTrue(PathSafety.isSafe("/api/users/42"));
        assertTrue(PathSafety.isSafe("/repos/group%2Fproject/issues"));
        assertTrue(PathSafety.isSafe("/files/a%20b.txt"));
        assertTrue(PathSafety.isSafe("/files/v1..v2"));
        assertTrue(PathSafety.isSafe("/files/..hidden"));
    }

    @Test
    void dotSegmentsBehindEncodedOrBackslashSeparatorsAreRefused() {
        assertFalse(PathSafety.isSafe("/api/users/..%2F..%2Fadmin"));
        assertFalse(PathSafety.isSafe("/api/users/..%2f..%2fadmin"));
        assertFalse(PathSafety.isSafe("/api/users/..%5Cadmin"));
        assertFalse(PathSafety.isSafe("/api/users/..\\..\\admin"));
        assertFalse(PathSafety.isSafe("/api/users/%2E%2E%2Fadmin"));
        assertFalse(PathSafety.isSafe("/api/users/.%2Fadmin"));
    }

    @Test
    void dotSegmentsWithPathParametersAreRefusedAsServletContainersResolveThem() {
        assertFalse(PathSafety.isSafe("/api/public/..;/admin/users"));
        assertFalse(PathSafety.isSafe("/api/public/..;jsessionid=x/admin"));
        assertFalse(PathSafety.isSafe("/api/public/.;/admin"));
        assertFalse(PathSafety.isSafe("/api/public/..%3B/admin"));
        assertTrue(PathSafety.isSafe("/api/items;v=2/list"));
        assertTrue(PathSafety.isSafe("/api/items/a;b"));
    }

    @Test
    void anEncodedNulIsRefused() {
        assertFalse(PathSafety.isSafe("/api/users/42%00.json"));
    }
}
