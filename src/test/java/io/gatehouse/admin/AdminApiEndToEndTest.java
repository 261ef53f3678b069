package io.gatehouse.admin;

import io.gatehouse.testing.PipelineTestResource;
import io.gatehouse.testing.Ports;
import io.gatehouse.testing.TempDirs;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.gatehouse.testing.Await.eventually;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

/**
 * The admin API on the management port, switched on, used, rotated and switched off through the config file as an
 * operator would: one bearer token from {@code admin.token-file} in front of the built-in endpoints and a test
 * feature's own.
 */
@QuarkusTest
@QuarkusTestResource(value = PipelineTestResource.class, restrictToAnnotatedClass = true)
class AdminApiEndToEndTest {
    private static final String TOKEN = "first-admin-token-0123456789";
    private static final String ROTATED = "second-admin-token-9876543210";

    private static RequestSpecification admin() {
        return given().port(Ports.management());
    }

    private static RequestSpecification admin(String token) {
        return admin().header("Authorization", "Bearer " + token);
    }

    @Test
    void theAdminApiIsOffUntilATokenFileIsConfiguredThenGuardsEveryEndpoint() throws Exception {
        admin().get("/admin/routes").then().statusCode(404).body("error", equalTo("not_found"));

        Path tokenFile = TempDirs.create("gatehouse-admin").resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n"); // as a Secret mounts it, trailing newline included
        String withAdmin = PipelineTestResource.config("") + "admin:\n  token-file: " + tokenFile + "\n";
        PipelineTestResource.publish(withAdmin);
        eventually(() -> admin().get("/admin/routes").statusCode() == 401, "the admin API is on");
        admin().get("/admin/routes").then().statusCode(401)
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body("error", equalTo("unauthorized"));
        admin("wrong-token-wrong-token").get("/admin/routes").then().statusCode(401);

        admin(TOKEN).get("/admin/routes").then().statusCode(200)
                .body("id", hasItem("filtered"))
                .body("find { it.id == 'filtered' }.filters", hasItem("observe/TrafficObserver.Recorder"))
                .body("find { it.id == 'filtered' }.filters", hasItem("pipeline/TestFilters.RouteFilter"));
        admin(TOKEN).get("/admin/upstreams").then().statusCode(200)
                .body("find { it.name == 'pair' }.targets.size()", equalTo(2));
        admin(TOKEN).get("/admin/config").then().statusCode(200).body("source", containsString("gatehouse"));
        admin(TOKEN).get("/admin/nothing-here").then().statusCode(404).body("error", equalTo("no_endpoint"));
        admin(TOKEN).post("/admin/routes").then().statusCode(405).header("Allow", "GET");
        // a feature's own endpoint, behind the same credential
        admin().get("/admin/test/snapshot").then().statusCode(401);
        admin(TOKEN).get("/admin/test/snapshot").then().statusCode(200);
        // and its detail in the readiness report
        admin().get("/q/health/ready").then().statusCode(200).body(containsString("test.routes"));

        // a rotated Secret: the new token works within the check interval, the old one no longer does
        Files.writeString(tokenFile, ROTATED + "\n");
        eventually(() -> admin(ROTATED).get("/admin/config").statusCode() == 200, "the rotated token is in force");
        admin(TOKEN).get("/admin/config").then().statusCode(401);

        // a config whose token file is missing is refused: the running one (and its token) stays
        PipelineTestResource.publish(withAdmin.replace(tokenFile.toString(), tokenFile + ".missing"));
        eventually(() -> admin(ROTATED).get("/admin/config").body().asString().contains("admin.token-file"),
                "the refused reload is reported");
        admin(ROTATED).get("/admin/routes").then().statusCode(200);

        // switched off again (and for the other tests of this application)
        PipelineTestResource.publish(PipelineTestResource.config(""));
        eventually(() -> admin(ROTATED).get("/admin/routes").statusCode() == 404, "the admin API is off again");
    }
}
