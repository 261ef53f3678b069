package io.gatehouse.admin;

import io.gatehouse.testing.Ports;
import io.gatehouse.testing.TestUpstream;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static io.gatehouse.testing.Await.eventually;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin API's operating endpoints, used as an operator would, against real upstream servers: target states with
 * their recent traffic, drain and enable (traffic really moves, and the override outlives a reload), health checks
 * on demand, config validation, this replica's metrics, and the one credential (Bearer, or Basic from a browser) in
 * front of all of them.
 */
@QuarkusTest
@QuarkusTestResource(value = AdminOpsTestResource.class, restrictToAnnotatedClass = true)
class AdminOperationsEndToEndTest {
    private static final String TOKEN = AdminOpsTestResource.TOKEN;

    private static RequestSpecification anonymous() {
        return given().port(Ports.management()).urlEncodingEnabled(false); // the paths here are encoded as meant
    }

    private static RequestSpecification admin() {
        return anonymous().header("Authorization", "Bearer " + TOKEN);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static Response traffic(String path) {
        return given().port(Ports.traffic()).get(path);
    }

    /** Which instances answered {@code n} requests to {@code path}. */
    private static Set<String> answering(String path, int n) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Response r = traffic(path);
            assertEquals(200, r.statusCode(), r.asString());
            seen.add(r.header("X-Instance"));
        }
        return seen;
    }

    @Test
    void everyNewEndpointNeedsTheAdminCredentialAndABrowserMayGiveItAsBasicAuth() {
        String target = AdminOpsTestResource.upstream("a").url().substring("http://".length());
        List<String[]> endpoints = List.of(
                new String[] {"GET", "/admin/upstreams"},
                new String[] {"POST", "/admin/upstreams/pair/targets/" + target + "/drain"},
                new String[] {"POST", "/admin/upstreams/pair/targets/" + target + "/enable"},
                new String[] {"POST", "/admin/health/check"},
                new String[] {"POST", "/admin/config/validate"},
                new String[] {"GET", "/admin/metrics"},
                new String[] {"GET", "/admin/status"},
                new String[] {"GET", "/admin/status.json"});
        for (String[] e : endpoints) {
            anonymous().request(e[0], e[1]).then().statusCode(401).body("error", equalTo("unauthorized"))
                    .header("WWW-Authenticate", containsString("Basic realm=\"gatehouse-admin\""));
            anonymous().header("Authorization", "Bearer not-the-token-not-the-token").request(e[0], e[1]).then().statusCode(401);
            anonymous().header("Authorization", basic("admin", "not-the-token-not-the-token")).request(e[0], e[1]).then().statusCode(401);
            anonymous().header("Authorization", "Basic %%%not-base64").request(e[0], e[1]).then().statusCode(401);
            anonymous().header("Authorization", basic(TOKEN, "")).request(e[0], e[1]).then().statusCode(401);
        }
        // the status page challenges with Basic alone, so that every browser asks for it
        anonymous().get("/admin/status").then().statusCode(401).header("WWW-Authenticate", startsWith("Basic realm=\"gatehouse-admin\""));
        anonymous().get("/admin/routes").then().statusCode(401).header("WWW-Authenticate", startsWith("Bearer"));
        // the token as the password, any user name (none too)
        for (String user : new String[] {"admin", "", "ops team"}) {
            anonymous().header("Authorization", basic(user, TOKEN)).get("/admin/metrics").then().statusCode(200);
        }
        anonymous().header("Authorization", basic("x", TOKEN)).get("/admin/status").then().statusCode(200)
                .contentType(containsString("text/html"))
                .header("Cache-Control", "no-store")
                .header("Content-Security-Policy", containsString("script-src 'nonce-"))
                .header("Content-Security-Policy", containsString("default-src 'self'"))
                .body(containsString("ONE replica"));
        // order of checks: a wrong method is 405 only with the credential, an unknown path 404
        admin().get("/admin/health/check").then().statusCode(405).header("Allow", "POST");
        admin().get("/admin/upstreams/pair/targets/" + target + "/drain").then().statusCode(405);
        admin().post("/admin/upstreams/pair/targets/" + target + "/explode").then().statusCode(404).body("error", equalTo("no_endpoint"));
    }

    @Test
    void upstreamsShowEachTargetsHealthCircuitEjectionLoadAndRecentTraffic() {
        for (int i = 0; i < 10; i++) {
            traffic("/watched/x").then().statusCode(200);
        }
        JsonPath upstreams = admin().get("/admin/upstreams").then().statusCode(200).extract().jsonPath();
        String e = AdminOpsTestResource.upstream("e").url();
        String target = "find { it.name == 'watched' }.targets.find { it.url == '" + e + "' }.";
        assertEquals("up", upstreams.getString(target + "state"));
        assertEquals("healthy", upstreams.getString(target + "health"));
        assertEquals(true, upstreams.getBoolean(target + "lastCheck.ok"));
        assertEquals("closed", upstreams.getString(target + "circuit"));
        assertEquals(false, upstreams.getBoolean(target + "ejected"));
        assertEquals(false, upstreams.getBoolean(target + "drained"));
        assertEquals(0, upstreams.getInt(target + "inFlight"));
        assertTrue(upstreams.getInt(target + "recent.requests") >= 4, upstreams.prettify());
        assertEquals(0, upstreams.getInt(target + "recent.errors"));
        assertTrue(upstreams.getDouble(target + "recent.latencyMs.p50") > 0, upstreams.prettify());
        assertTrue(upstreams.getDouble(target + "recent.latencyMs.p99") >= upstreams.getDouble(target + "recent.latencyMs.p50"));
        // an upstream without checks or breaker says so
        assertEquals("unchecked", upstreams.getString("find { it.name == 'pair' }.targets[0].health"));
        assertEquals("none", upstreams.getString("find { it.name == 'pair' }.targets[0].circuit"));
    }

    @Test
    void aDrainedTargetGetsNoNewRequestsFinishesItsInFlightOnesKeepsTheOverrideAcrossAReloadAndComesBackWhenEnabled()
            throws Exception {
        TestUpstream a = AdminOpsTestResource.upstream("a");
        String aHostPort = a.url().substring("http://".length());
        assertEquals(Set.of("a", "b"), answering("/pair/x", 10));

        // a request in flight on a when it is drained still gets its answer
        CompletableFuture<Response> held = new CompletableFuture<>();
        Thread client = new Thread(() -> {
            for (int i = 0; i < 4 && !held.isDone(); i++) {
                Response r = traffic("/pair/hold");
                if ("a".equals(r.header("X-Instance"))) {
                    held.complete(r);
                }
            }
        });
        // round robin: of two consecutive requests one goes to a; b's /hold answers only when released too
        TestUpstream b = AdminOpsTestResource.upstream("b");
        client.start();
        eventually(() -> a.held() == 1 || b.held() == 1, "a request is held upstream");
        if (b.held() == 1) {
            b.release();
            eventually(() -> a.held() == 1, "the next request is held on a");
        }

        admin().post("/admin/upstreams/pair/targets/" + aHostPort + "/drain").then().statusCode(200)
                .body("drained", equalTo(true))
                .body("changed", equalTo(true))
                .body("target", equalTo(a.url()))
                .body("inFlight", equalTo(1))
                .body("note", containsString("lost when the process restarts"));
        assertEquals(Set.of("b"), answering("/pair/x", 12));
        a.release();
        client.join(10_000);
        assertEquals(200, held.get().statusCode());
        admin().get("/admin/upstreams").then()
                .body("find { it.name == 'pair' }.targets.find { it.url == '" + a.url() + "' }.state", equalTo("drained"))
                .body("find { it.name == 'pair' }.targets.find { it.url == '" + a.url() + "' }.available", equalTo(false));

        // a reload keeps the override: the target is the same (upstream name and URL)
        long version = admin().get("/admin/config").jsonPath().getLong("version");
        AdminOpsTestResource.publish(AdminOpsTestResource.config("  - {id: extra, path: /extra/**, upstream: pair}"));
        eventually(() -> admin().get("/admin/config").jsonPath().getLong("version") > version, "the reload is live");
        assertEquals(Set.of("b"), answering("/pair/x", 12));
        assertEquals(Set.of("b"), answering("/extra/x", 6));

        // enable, naming the target by its URL-encoded URL
        admin().post("/admin/upstreams/pair/targets/" + URLEncoder.encode(a.url(), StandardCharsets.UTF_8) + "/enable")
                .then().statusCode(200).body("drained", equalTo(false)).body("available", equalTo(true));
        assertEquals(Set.of("a", "b"), answering("/pair/x", 10));
        // the unencoded URL works as well (and repeating an override changes nothing)
        admin().post("/admin/upstreams/pair/targets/" + a.url() + "/enable").then().statusCode(200)
                .body("changed", equalTo(false));

        admin().post("/admin/upstreams/nosuch/targets/" + aHostPort + "/drain").then().statusCode(404)
                .contentType(containsString("application/json")).body("error", equalTo("no_upstream"));
        admin().post("/admin/upstreams/pair/targets/127.0.0.1:1/drain").then().statusCode(404)
                .body("error", equalTo("no_target")).body("message", containsString(a.url()));
        AdminOpsTestResource.publish(AdminOpsTestResource.config(""));
    }

    @Test
    void aChangeCannotBeForgedByAnotherSiteThroughTheBrowsersBasicCredentials() {
        String target = AdminOpsTestResource.upstream("a").url().substring("http://".length());
        String drain = "/admin/upstreams/pair/targets/" + target + "/drain";
        // what a form another site posts would carry: the browser's cached Basic credentials
        anonymous().header("Authorization", basic("admin", TOKEN)).post(drain).then().statusCode(403)
                .body("error", equalTo("forbidden"));
        anonymous().header("Authorization", basic("admin", TOKEN)).post("/admin/cache/purge").then().statusCode(403);
        admin().header("Sec-Fetch-Site", "cross-site").post(drain).then().statusCode(403);
        admin().header("Origin", "https://evil.example").post(drain).then().statusCode(403);
        admin().get("/admin/upstreams").then().statusCode(200)
                .body("find { it.name == 'pair' }.targets.find { it.hostPort == '" + target + "' }.drained", equalTo(false));
        // reads stay open to the browser, and a same-origin write with Bearer passes
        anonymous().header("Authorization", basic("admin", TOKEN)).header("Sec-Fetch-Site", "same-origin")
                .get("/admin/status.json").then().statusCode(200);
        admin().header("Origin", "http://localhost:" + Ports.management()).header("Sec-Fetch-Site", "same-origin")
                .post("/admin/upstreams/pair/targets/" + target + "/enable").then().statusCode(200);
    }

    @Test
    void aHealthCheckOnDemandReportsATargetThatWentDown() throws Exception {
        // checks run every hour here: only on demand
        JsonPath all = admin().post("/admin/health/check").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("checked", "watched"), all.getList("upstreams.name"));
        assertEquals(List.of("pair"), all.getList("unchecked"));

        TestUpstream c = AdminOpsTestResource.upstream("c");
        TestUpstream d = AdminOpsTestResource.upstream("d");
        admin().post("/admin/health/check?upstream=checked").then().statusCode(200)
                .body("upstreams[0].targets.find { it.url == '" + d.url() + "' }.ok", equalTo(true))
                .body("upstreams[0].targets.find { it.url == '" + d.url() + "' }.status", equalTo(200))
                .body("upstreams[0].targets.find { it.url == '" + d.url() + "' }.healthy", equalTo(true));

        d.close(); // the instance went away
        admin().post("/admin/health/check?upstream=checked").then().statusCode(200)
                .body("upstreams.size()", equalTo(1))
                .body("upstreams[0].targets.find { it.url == '" + d.url() + "' }.ok", equalTo(false))
                .body("upstreams[0].targets.find { it.url == '" + d.url() + "' }.healthy", equalTo(false))
                .body("upstreams[0].targets.find { it.url == '" + d.url() + "' }.error", notNullValue())
                .body("upstreams[0].targets.find { it.url == '" + c.url() + "' }.healthy", equalTo(true));
        admin().get("/admin/upstreams").then()
                .body("find { it.name == 'checked' }.targets.find { it.url == '" + d.url() + "' }.state", equalTo("down"))
                .body("find { it.name == 'checked' }.targets.find { it.url == '" + d.url() + "' }.lastCheck.ok", equalTo(false))
                .body("find { it.name == 'checked' }.available", equalTo(1));
        // and the traffic goes to c alone
        for (int i = 0; i < 6; i++) {
            traffic("/checked/x").then().statusCode(200).header("X-Instance", "c");
        }

        admin().post("/admin/health/check?upstream=nosuch").then().statusCode(404).body("error", equalTo("no_upstream"));
        admin().post("/admin/health/check?upstream=pair").then().statusCode(409).body("error", equalTo("no_health_check"));
    }

    @Test
    void validateAnswersWhatAReloadWouldSayWithoutApplyingAnything() throws Exception {
        String good = AdminOpsTestResource.config("");
        admin().body(good.getBytes(StandardCharsets.UTF_8)).post("/admin/config/validate").then().statusCode(200).body("valid", equalTo(true));
        long version = admin().get("/admin/config").jsonPath().getLong("version");

        String bad = good.replace("upstream: checked, strip-prefix", "upstream: nosuch, strip-prefix")
                .replace("interval: 1h", "interval: soon")
                .replace("admin:\n", "admin:\n  token-fil: x\n");
        JsonPath answer = admin().contentType("application/yaml").body(bad.getBytes(StandardCharsets.UTF_8)).post("/admin/config/validate").then()
                .statusCode(422).body("valid", equalTo(false))
                .body("errors", hasItem("routes[1].upstream: no upstream named 'nosuch'"))
                .body("errors", hasItem(startsWith("upstreams.checked.health-check.interval: 'soon'")))
                .body("errors", hasItem(containsString("admin.token-fil")))
                .extract().jsonPath();
        // nothing applied
        assertEquals(version, admin().get("/admin/config").jsonPath().getLong("version"));

        // exactly what the reload of the same file says
        AdminOpsTestResource.publish(bad);
        eventually(() -> admin().get("/admin/config").jsonPath().getString("lastReloadError") != null, "the reload is refused");
        assertEquals(String.join("; ", answer.getList("errors", String.class)),
                admin().get("/admin/config").jsonPath().getString("lastReloadError"));
        // and the status page's history shows the refusal
        admin().get("/admin/status.json").then().body("reloads[0].ok", equalTo(false))
                .body("reloads[0].error", containsString("no upstream named 'nosuch'"));
        AdminOpsTestResource.publish(good.replace("strip-prefix: /pair}", "strip-prefix: /pair }"));
        eventually(() -> admin().get("/admin/config").jsonPath().getString("lastReloadError") == null, "a good reload");
        admin().get("/admin/status.json").then().body("reloads[0].ok", equalTo(true)).body("reloads[1].ok", equalTo(false));

        admin().body("routes: [".getBytes(StandardCharsets.UTF_8)).post("/admin/config/validate").then().statusCode(422)
                .body("errors[0]", startsWith("not valid YAML"));
        byte[] huge = new byte[4 * 1024 * 1024 + 1];
        java.util.Arrays.fill(huge, (byte) '#');
        admin().body(huge).post("/admin/config/validate").then().statusCode(413);
    }

    @Test
    void metricsSummariseThisReplicasTrafficByRouteAndTarget() {
        for (int i = 0; i < 8; i++) {
            traffic("/pair/x").then().statusCode(200);
        }
        for (int i = 0; i < 2; i++) {
            traffic("/pair/status/500").then().statusCode(500);
        }
        JsonPath m = admin().get("/admin/metrics?window=60").then().statusCode(200)
                .body("note", containsString("this replica"))
                .body("totals.requests", greaterThan(9))
                .body("totals.byStatusClass.5xx", greaterThan(1))
                .extract().jsonPath();
        String route = "routes.find { it.id == 'pair' }.";
        assertTrue(m.getInt(route + "requests") >= 10, m.prettify());
        assertTrue(m.getDouble(route + "requestsPerSecond") > 0, m.prettify());
        assertTrue(m.getDouble(route + "errorRate") > 0 && m.getDouble(route + "errorRate") < 1, m.prettify());
        assertTrue(m.getDouble(route + "latencyMs.p50") > 0, m.prettify());
        assertTrue(m.getDouble(route + "latencyMs.p90") <= m.getDouble(route + "latencyMs.p99"), m.prettify());
        assertTrue(m.getDouble("totals.latencyMs.p99") > 0, m.prettify());
        List<Map<String, Object>> targets = m.getList("targets.findAll { it.upstream == 'pair' }");
        assertEquals(2, targets.size());
        List<Integer> requests = new ArrayList<>();
        targets.forEach(t -> requests.add((Integer) t.get("requests")));
        assertTrue(requests.stream().mapToInt(Integer::intValue).sum() >= 10, m.prettify());
        admin().get("/admin/metrics?window=0").then().statusCode(400);
        admin().get("/admin/metrics?window=10s").then().statusCode(200).body("windowSeconds", notNullValue());
    }
}
