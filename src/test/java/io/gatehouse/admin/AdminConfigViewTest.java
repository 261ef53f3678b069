package io.gatehouse.admin;

import io.gatehouse.testing.Ports;
import io.gatehouse.testing.RateLimitTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@code GET /admin/config}: which file a replica runs (its hash) and what it says, with its secrets redacted. */
@QuarkusTest
@QuarkusTestResource(value = RateLimitTestResource.class, restrictToAnnotatedClass = true)
class AdminConfigViewTest {

    @Test
    void theRunningConfigIsShownWithItsHashAndWithoutItsSecrets() throws Exception {
        Response r = given().port(Ports.management()).header("Authorization", "Bearer " + RateLimitTestResource.adminToken())
                .get("/admin/config");
        assertEquals(200, r.statusCode(), r.asString());
        Path file = Path.of(ConfigProvider.getConfig().getValue("gatehouse.config", String.class));
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readString(file).getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, r.jsonPath().getString("sha256"));
        assertEquals("<redacted>", r.jsonPath().getString("config.auth.issuer.private-key"));
        assertEquals("premium-app", r.jsonPath().getString("config.auth.api-keys.keys[0].id"));
        assertEquals("<redacted>", r.jsonPath().getString("config.auth.api-keys.keys[0].hash"));
        assertEquals("ip", r.jsonPath().getString("config.rate-limits.per-ip.key"), "not every 'key' is a secret");
        assertEquals("/open/**", r.jsonPath().getString("config.routes[0].path"));
        String body = r.asString();
        assertFalse(body.contains("BEGIN") || body.contains("PRIVATE"), body);
    }
}
