package io.gatehouse.edge;

import io.gatehouse.testing.Chromium;
import io.gatehouse.testing.CorsBrowserTestResource;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.Scrape;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static io.gatehouse.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CORS as a real browser enforces it: a page in headless Chromium calls the gateway from another origin. From the
 * allowed origin a simple GET and a PUT that needs a preflight (JSON with a custom header, credentials included) both
 * succeed, the preflight answered by the gateway on a route without OPTIONS, and the script reads exactly the headers
 * the policy exposes. From another origin the browser refuses both: the GET reaches the upstream but its answer is
 * withheld from the script, and the PUT is never sent because its preflight is refused. A route without a policy is
 * closed to other origins, as before.
 */
@QuarkusTest
@QuarkusTestResource(value = CorsBrowserTestResource.class, restrictToAnnotatedClass = true)
class CorsBrowserTest {

    private static String gateway() {
        return "http://127.0.0.1:" + Ports.traffic();
    }

    private static double preflights(String outcome) {
        return Scrape.value("gatehouse_cors_preflights_total{outcome=\"" + outcome + "\",route=\"api\"}");
    }

    @Test
    void anAllowedOriginCallsTheGatewayAndAnotherOriginIsRefusedByTheBrowser() throws Exception {
        try (Chromium chromium = Chromium.launch()) {
            String page = chromium.newPage();
            chromium.send(page, "Runtime.enable", null);

            open(chromium, page, CorsBrowserTestResource.allowedOrigin());
            int before = CorsBrowserTestResource.echo().requests.get();
            JsonObject get = call(chromium, page, "fetch('" + gateway() + "/api/items?n=1', {credentials: 'include'})");
            assertEquals(200, get.getInteger("status"), get.encode());
            assertEquals("GET", get.getJsonObject("body").getString("method"));
            assertNotNull(get.getString("requestId"), "X-Request-ID is exposed: " + get.encode());
            assertNull(get.getString("instance"), "an upstream header the policy does not expose: " + get.encode());
            assertNull(get.getString("frame"), "nor the preset's: " + get.encode());
            assertEquals(before + 1, CorsBrowserTestResource.echo().requests.get());

            double allowedBefore = preflights("allowed");
            JsonObject put = call(chromium, page, "fetch('" + gateway() + "/api/items/7', {method: 'PUT', "
                    + "credentials: 'include', headers: {'Content-Type': 'application/json', 'X-Custom': 'yes'}, "
                    + "body: JSON.stringify({a: 1})})");
            assertEquals(200, put.getInteger("status"), put.encode());
            assertEquals("PUT", put.getJsonObject("body").getString("method"));
            assertEquals("yes", put.getJsonObject("body").getJsonObject("headers").getString("x-custom"));
            assertEquals(allowedBefore + 1, preflights("allowed"), "the browser sent a preflight, the gateway answered it");
            assertEquals(before + 2, CorsBrowserTestResource.echo().requests.get(), "only the PUT reached the upstream");

            JsonObject closed = call(chromium, page, "fetch('" + gateway() + "/closed/x')");
            assertEquals("TypeError", closed.getString("blocked"), "no policy on that route: " + closed.encode());

            open(chromium, page, CorsBrowserTestResource.otherOrigin());
            int otherBefore = CorsBrowserTestResource.echo().requests.get();
            JsonObject otherGet = call(chromium, page, "fetch('" + gateway() + "/api/items?n=2', {credentials: 'include'})");
            assertEquals("TypeError", otherGet.getString("blocked"), otherGet.encode());
            assertEquals(otherBefore + 1, CorsBrowserTestResource.echo().requests.get(),
                    "a simple request is sent; the browser withholds the answer");
            double refusedBefore = preflights("refused");
            JsonObject otherPut = call(chromium, page, "fetch('" + gateway() + "/api/items/8', {method: 'PUT', "
                    + "headers: {'Content-Type': 'application/json', 'X-Custom': 'yes'}, body: '{}'})");
            assertEquals("TypeError", otherPut.getString("blocked"), otherPut.encode());
            assertEquals(refusedBefore + 1, preflights("refused"));
            assertEquals(otherBefore + 1, CorsBrowserTestResource.echo().requests.get(),
                    "the refused preflight stopped the PUT in the browser");
        }
    }

    /** Navigates the tab to {@code origin}'s page and waits until it has loaded there. */
    private static void open(Chromium chromium, String page, String origin) throws Exception {
        chromium.send(page, "Page.navigate", new JsonObject().put("url", origin + "/"));
        eventually(() -> {
            try {
                return (origin).equals(chromium.evaluate(page, "location.origin"))
                        && "complete".equals(chromium.evaluate(page, "document.readyState"));
            } catch (Exception e) {
                return false; // the page is being replaced
            }
        }, "the page of " + origin + " loaded");
    }

    /**
     * Runs a fetch in the page: its status, JSON body and the two headers the script may or may not read, or
     * {@code {"blocked": error name}} when the browser refused it.
     */
    private static JsonObject call(Chromium chromium, String page, String fetch) throws Exception {
        Object result = chromium.evaluate(page, fetch + ".then(async r => JSON.stringify({status: r.status, "
                + "body: await r.json(), requestId: r.headers.get('X-Request-ID'), instance: r.headers.get('X-Instance'), "
                + "frame: r.headers.get('X-Frame-Options')}))"
                + ".catch(e => JSON.stringify({blocked: e.name, message: e.message}))");
        assertTrue(result instanceof String, String.valueOf(result));
        return new JsonObject((String) result);
    }
}
