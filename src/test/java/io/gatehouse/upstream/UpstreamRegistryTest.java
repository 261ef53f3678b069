package io.gatehouse.upstream;

import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.GatehouseConfig;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a reload keeps: target state (health, load) for targets that stay, and warm pools when settings stay. */
class UpstreamRegistryTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close();
    }

    private static GatehouseConfig config(String targets, String extra) throws Exception {
        return ConfigParser.parse("test", """
                upstreams:
                  users:
                    targets: [%s]
                %s
                routes:
                  - {id: a, path: /a, upstream: users}
                """.formatted(targets, extra), name -> null);
    }

    @Test
    void aTargetThatStaysKeepsItsHealthAndItsPoolAcrossAReload() throws Exception {
        UpstreamRegistry registry = new UpstreamRegistry(vertx, Optional.of(2));
        String check = "    health-check: {path: /health, interval: 1h}";
        Map<String, Upstream> first = registry.build(config("{url: http://127.0.0.1:1}, {url: http://127.0.0.1:2}", check));
        registry.retainOnly(first);
        Target down = first.get("users").targets().get(0);
        down.state().checkResult(false, 1, 1);
        assertFalse(down.available());

        // a reload that changes the other target's weight only
        Map<String, Upstream> second = registry.build(config("{url: http://127.0.0.1:1}, {url: http://127.0.0.1:2, weight: 3}", check));
        registry.retainOnly(second);
        Target same = second.get("users").targets().get(0);
        assertNotSame(down, same, "a new snapshot has new Target objects");
        assertSame(down.state(), same.state(), "but the same state");
        assertFalse(same.available(), "still down after the reload");
        assertSame(first.get("users").client(), second.get("users").client(), "unchanged settings keep the warm pool");

        // a reload that drops the health check brings the target back: nothing else could
        Map<String, Upstream> third = registry.build(config("{url: http://127.0.0.1:1}, {url: http://127.0.0.1:2}", ""));
        registry.retainOnly(third);
        assertTrue(third.get("users").targets().get(0).available());
    }

    @Test
    void changedConnectionSettingsGetANewPool() throws Exception {
        UpstreamRegistry registry = new UpstreamRegistry(vertx, Optional.of(2));
        Map<String, Upstream> first = registry.build(config("{url: http://127.0.0.1:1}", ""));
        registry.retainOnly(first);
        Map<String, Upstream> second = registry.build(config("{url: http://127.0.0.1:1}", "    max-connections: 8"));
        registry.retainOnly(second);
        assertNotSame(first.get("users").client(), second.get("users").client());
    }
}
