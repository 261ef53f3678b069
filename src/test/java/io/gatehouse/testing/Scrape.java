package io.gatehouse.testing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;

/** Reads the gateway's Prometheus metrics the way a scraper does: from the management port. */
public final class Scrape {
    private Scrape() {
    }

    /** The whole /q/metrics text. */
    public static String metrics() {
        return given().port(Ports.management()).get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The value of one series, written exactly as exposed ({@code name{label="v",…}}); 0 when absent. */
    public static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.E+-]+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** The value of one series, scraped now. */
    public static double value(String series) {
        return value(metrics(), series);
    }
}
