package io.gatehouse.admin;

import io.gatehouse.testing.Chromium;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.TestUpstream;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatehouse.testing.Await.eventually;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status page in a real headless Chromium, as an operator opens it: the browser is challenged and answers with
 * the token as the Basic password (as typed into its prompt), the page polls with that same credential, shows the
 * routes and targets, fits a 375 px phone screen, logs no error, and shows a target down a few polls after its server
 * stopped. Screenshots: target/status-page.png, target/status-page-phone.png, target/status-page-down.png.
 */
@QuarkusTest
@QuarkusTestResource(value = AdminOpsTestResource.class, restrictToAnnotatedClass = true)
class StatusPageBrowserTest {
    private static final String TOKEN = AdminOpsTestResource.TOKEN;

    @Test
    void theStatusPageShowsRoutesAndTargetsWithoutErrorsAndATargetGoingDown() throws Exception {
        // some traffic, a drained target and a refused reload, so that every part of the page has something to show
        for (int i = 0; i < 20; i++) {
            given().port(Ports.traffic()).get("/pair/x").then().statusCode(200);
            given().port(Ports.traffic()).get("/watched/x").then().statusCode(200);
        }
        given().port(Ports.traffic()).get("/pair/status/503").then().statusCode(503);
        TestUpstream b = AdminOpsTestResource.upstream("b");
        given().port(Ports.management()).header("Authorization", "Bearer " + TOKEN)
                .post("/admin/upstreams/pair/targets/" + b.url().substring(7) + "/drain").then().statusCode(200);
        AdminOpsTestResource.publish(AdminOpsTestResource.config("").replace("upstream: checked,", "upstream: nosuch,"));
        eventually(() -> given().port(Ports.management()).header("Authorization", "Bearer " + TOKEN)
                .get("/admin/config").jsonPath().getString("lastReloadError") != null, "the bad reload is refused");

        List<String> errors = new CopyOnWriteArrayList<>();
        AtomicInteger challenges = new AtomicInteger();
        List<String> schemes = new CopyOnWriteArrayList<>();
        try (Chromium chromium = Chromium.launch()) {
            String page = chromium.newPage();
            chromium.onEvent(event -> {
                String method = event.getString("method");
                JsonObject params = event.getJsonObject("params", new JsonObject());
                switch (method) {
                    case "Runtime.consoleAPICalled" -> {
                        if (List.of("error", "assert", "warning").contains(params.getString("type"))) {
                            errors.add("console." + params.getString("type") + ": " + params.getJsonArray("args").encode());
                        }
                    }
                    case "Runtime.exceptionThrown" -> errors.add("exception: " + params.getJsonObject("exceptionDetails").encode());
                    case "Log.entryAdded" -> {
                        JsonObject entry = params.getJsonObject("entry");
                        if ("error".equals(entry.getString("level")) || "warning".equals(entry.getString("level"))) {
                            errors.add("log." + entry.getString("level") + ": " + entry.getString("text") + " " + entry.getString("url", ""));
                        }
                    }
                    case "Fetch.requestPaused" -> chromium.sendAsync(page, "Fetch.continueRequest",
                            new JsonObject().put("requestId", params.getString("requestId")));
                    case "Fetch.authRequired" -> {
                        // what a person does at the browser's prompt: any user name, the token as the password
                        challenges.incrementAndGet();
                        schemes.add(params.getJsonObject("authChallenge").getString("scheme"));
                        chromium.sendAsync(page, "Fetch.continueWithAuth", new JsonObject()
                                .put("requestId", params.getString("requestId"))
                                .put("authChallengeResponse", new JsonObject().put("response", "ProvideCredentials")
                                        .put("username", "operator").put("password", TOKEN)));
                    }
                    default -> {
                    }
                }
            });
            chromium.send(page, "Runtime.enable", null);
            chromium.send(page, "Log.enable", null);
            chromium.send(page, "Page.enable", null);
            chromium.send(page, "Fetch.enable", new JsonObject().put("handleAuthRequests", true)
                    .put("patterns", new JsonArray().add(new JsonObject().put("urlPattern", "*"))));
            chromium.send(page, "Emulation.setDeviceMetricsOverride", new JsonObject().put("width", 1280)
                    .put("height", 1000).put("deviceScaleFactor", 1).put("mobile", false));
            chromium.send(page, "Page.navigate", new JsonObject()
                    .put("url", "http://127.0.0.1:" + Ports.management() + "/admin/status"));

            eventually(() -> number(chromium, page, "document.querySelectorAll('[data-target]').length") == 6,
                    "the page shows the six targets");
            assertEquals(1, challenges.get(), "the browser was asked once, then reused the credential for every poll");
            assertEquals(List.of("basic"), schemes.stream().map(String::toLowerCase).toList());
            assertEquals(List.of("pair", "checked", "watched"), new JsonArray(text(chromium, page,
                    "JSON.stringify([...document.querySelectorAll('[data-route]')].map(e => e.dataset.route))")).getList());
            String body = text(chromium, page, "document.body.innerText");
            assertTrue(body.contains("ONE replica"), body);
            assertTrue(body.contains("FAILED") && body.contains("no upstream named 'nosuch'"), body);
            assertEquals("drained", state(chromium, page, b.url()));
            TestUpstream f = AdminOpsTestResource.upstream("f");
            assertEquals("up", state(chromium, page, f.url()));
            eventually(() -> !text(chromium, page, "document.querySelector('[data-route=pair] td.num').textContent").equals("0.0"),
                    "the pair route's requests/s shows");
            screenshot(chromium, page, "target/status-page.png");

            // a phone: nothing wider than the screen
            chromium.send(page, "Emulation.setDeviceMetricsOverride", new JsonObject().put("width", 375)
                    .put("height", 812).put("deviceScaleFactor", 2).put("mobile", true));
            Thread.sleep(300);
            assertTrue(number(chromium, page, "document.documentElement.scrollWidth") <= 375,
                    "no horizontal scrolling at 375 px: " + number(chromium, page, "document.documentElement.scrollWidth"));
            screenshot(chromium, page, "target/status-page-phone.png");

            // a target's server stops: within a few polls the page shows it down
            long polled = System.nanoTime();
            f.close();
            eventually(() -> "down".equals(state(chromium, page, f.url())), "the page shows f down");
            assertTrue(System.nanoTime() - polled < 15_000_000_000L, "shown within a few polls");
            chromium.send(page, "Emulation.setDeviceMetricsOverride", new JsonObject().put("width", 1280)
                    .put("height", 1000).put("deviceScaleFactor", 1).put("mobile", false));
            Thread.sleep(300);
            screenshot(chromium, page, "target/status-page-down.png");
            assertEquals(1, challenges.get(), "no further prompt while polling");
        }
        assertEquals(List.of(), errors, "console errors");
    }

    private static String state(Chromium chromium, String page, String url) {
        return text(chromium, page, "(document.querySelector('[data-target=\"" + url + "\"]') || {dataset: {}}).dataset.state || ''");
    }

    private static String text(Chromium chromium, String page, String expression) {
        try {
            Object value = chromium.evaluate(page, expression);
            return value == null ? "" : value.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long number(Chromium chromium, String page, String expression) {
        try {
            Object value = chromium.evaluate(page, expression);
            return value instanceof Number n ? n.longValue() : -1;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void screenshot(Chromium chromium, String page, String file) throws Exception {
        String png = chromium.send(page, "Page.captureScreenshot", new JsonObject().put("format", "png")
                .put("captureBeyondViewport", true)).getString("data");
        Files.write(Path.of(file), Base64.getDecoder().decode(png));
    }
}
