package io.gatehouse.ratelimit;

import io.gatehouse.testing.Ipv6RateLimitTestResource;
import io.gatehouse.testing.Ports;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * IPv6 clients counted by their prefix, over real IPv6 loopback connections: stepping through a /64 does not escape
 * a per-address limit, another /64 is another client, {@code ipv6-prefix: 128} counts each address, a policy keyed
 * by user counts anonymous callers by their (wider) prefix, and IPv4 is counted as before.
 */
@QuarkusTest
@QuarkusTestResource(value = Ipv6RateLimitTestResource.class, restrictToAnnotatedClass = true)
class Ipv6RateLimitTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void thisMachineHasIpv6Loopback() throws Exception {
        NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
        assumeTrue(lo != null && lo.inetAddresses().anyMatch(a -> a.getHostAddress().startsWith("0:0:0:0:0:0:0:1")),
                "no ::1 on this machine");
    }

    private static HttpResponse<String> get(String host, String client, String path) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + Ports.traffic() + path))
                .timeout(Duration.ofSeconds(10));
        if (client != null) {
            request.header("X-Forwarded-For", client);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<Integer> statuses(String path, String... clients) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (String client : clients) {
            statuses.add(get("[::1]", client, path).statusCode());
        }
        return statuses;
    }

    @Test
    void steppingThroughA64DoesNotEscapeTheLimitButAnother64IsAnotherClient() throws Exception {
        assertEquals(List.of(200, 200, 200, 429, 429, 429), statuses("/by-prefix/echo", "2001:db8:1:2::1",
                "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::4", "2001:DB8:1:2:0::5",
                "2001:db8:1:2:aaaa::6"));
        assertEquals(List.of(200, 200), statuses("/by-prefix/echo", "2001:db8:1:3::1", "2001:db8:1:3::2"));
        // the status endpoint says what the caller is counted as
        JsonObject status = new JsonObject(get("[::1]", "2001:db8:1:2::99", "/ratelimit/status").body());
        assertEquals("2001:db8:1:2::99", status.getJsonObject("caller").getString("address"));
        assertEquals("ip:2001:db8:1:2::/64", policy(status, "per-ip").getString("counted-as"));
        assertEquals(0, policy(status, "per-ip").getJsonArray("windows").getJsonObject(0).getInteger("remaining"));
        assertEquals("ip:2001:db8:1:2::99", policy(status, "per-address").getString("counted-as"));
        assertEquals("ip:2001:db8:1::/48", policy(status, "per-user").getString("counted-as"));
    }

    @Test
    void aPrefixOf128CountsEachAddress() throws Exception {
        assertEquals(List.of(200, 200, 200, 200, 200, 200), statuses("/by-address/echo", "2001:db8:2:2::1",
                "2001:db8:2:2::2", "2001:db8:2:2::3", "2001:db8:2:2::4", "2001:db8:2:2::5", "2001:db8:2:2::6"));
        // one address however it is written
        assertEquals(List.of(200, 200, 429), statuses("/by-address/echo", "2001:db8:2:2:0:0:0:1", "2001:DB8:2:2::1",
                "2001:0db8:0002:0002::0001"));
    }

    @Test
    void anonymousCallersOfAUserPolicyAreCountedByTheirPrefix() throws Exception {
        assertEquals(List.of(200, 200, 200, 429), statuses("/by-site/echo", "2001:db8:5:1::1", "2001:db8:5:2::1",
                "2001:db8:5:ff00::1", "2001:db8:5:ffff::1"));
        assertEquals(200, statuses("/by-site/echo", "2001:db8:6::1").get(0), "another /48");
    }

    @Test
    void theConnectionsOwnIpv6AddressIsCountedByItsPrefix() throws Exception {
        // no forwarding header: the client is the [::1] connection itself
        JsonObject status = new JsonObject(get("[::1]", null, "/ratelimit/status").body());
        assertEquals("ip:::/64", policy(status, "per-ip").getString("counted-as"), status.encode());
        assertEquals("ip:::1", policy(status, "per-address").getString("counted-as"), status.encode());
    }

    @Test
    void ipv4IsCountedAsBeforeUnlessAPrefixIsAskedFor() throws Exception {
        List<Integer> own = new ArrayList<>();
        for (String client : new String[] {"198.51.100.1", "198.51.100.1", "198.51.100.2", "198.51.100.2"}) {
            own.add(get("127.0.0.1", client, "/by-prefix/echo").statusCode());
        }
        assertEquals(List.of(200, 200, 200, 200), own, "per address");
        JsonObject status = new JsonObject(get("127.0.0.1", "198.51.100.1", "/ratelimit/status").body());
        assertEquals("ip:198.51.100.1", policy(status, "per-ip").getString("counted-as"));
        assertEquals("ip:198.51.100.0/24", policy(status, "per-v4-net").getString("counted-as"));
        List<Integer> net = new ArrayList<>();
        for (String client : new String[] {"198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"}) {
            net.add(get("127.0.0.1", client, "/by-v4-net/echo").statusCode());
        }
        assertEquals(List.of(200, 200, 200, 429), net, "one /24");
    }

    private static JsonObject policy(JsonObject status, String name) {
        JsonArray policies = status.getJsonArray("policies");
        for (int i = 0; i < policies.size(); i++) {
            if (name.equals(policies.getJsonObject(i).getString("policy"))) {
                return policies.getJsonObject(i);
            }
        }
        throw new AssertionError("no " + name + " in " + status.encode());
    }
}
