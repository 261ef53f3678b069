package io.gatehouse.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Upstreams for the retry tests: one with a dead target, one whose target answers 503, one to kill mid-load. */
public class RetryTestResource implements QuarkusTestResourceLifecycleManager {
    private Vertx vertx;
    private final Map<String, TestUpstream> upstreams = new HashMap<>();

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        for (String name : new String[] {"live", "busy", "spare", "doomed", "survivor"}) {
            upstreams.put(name, TestUpstream.start(vertx, name));
        }
        try {
            int dead = GatewayTestResource.closedPort();
            Path config = TempDirs.create("gatehouse-retry").resolve("gatehouse.yaml");
            Files.writeString(config, """
                    upstreams:
                      flaky:
                        targets: [{url: "http://127.0.0.1:%1$d"}, {url: %2$s}]
                        retry: {attempts: 2, backoff: 10ms}
                        outlier: {consecutive-failures: 2, eject-for: 30s}
                      replay:
                        targets: [{url: "http://127.0.0.1:%1$d"}, {url: %2$s}]
                        retry: {attempts: 2, backoff: 10ms}
                      postretry:
                        targets: [{url: "http://127.0.0.1:%1$d"}, {url: %2$s}]
                        retry: {attempts: 2, backoff: 10ms}
                      statuses:
                        targets: [{url: %3$s}, {url: %4$s}]
                        retry: {attempts: 2, on: [503], backoff: 10ms}
                        # the retry budget (20%% of traffic) cannot carry a target that always fails: ejection does
                        outlier: {consecutive-failures: 3, eject-for: 30s}
                      norretry:
                        targets: [{url: "http://127.0.0.1:%1$d"}, {url: %2$s}]
                      killable:
                        targets: [{url: %5$s}, {url: %6$s}]
                        retry: {attempts: 2, backoff: 5ms}
                        outlier: {consecutive-failures: 2, eject-for: 30s}
                    routes:
                      - {id: flaky, path: /flaky/**, upstream: flaky, strip-prefix: /flaky}
                      - {id: statuses, path: /statuses/**, upstream: statuses, strip-prefix: /statuses}
                      - {id: noretry, path: /noretry/**, upstream: norretry, strip-prefix: /noretry}
                      - {id: killable, path: /killable/**, upstream: killable, strip-prefix: /killable}
                      - {id: replay, path: /replay/**, upstream: replay, strip-prefix: /replay}
                      - {id: postretry, path: /postretry/**, upstream: postretry, strip-prefix: /postretry}
                    """.formatted(dead, upstreams.get("live").url(), upstreams.get("busy").url(), upstreams.get("spare").url(),
                    upstreams.get("doomed").url(), upstreams.get("survivor").url()));
            Map<String, String> props = new HashMap<>();
            props.put("gatehouse.config", config.toString());
            upstreams.forEach((name, u) -> props.put("test.upstream." + name, u.url()));
            return props;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        upstreams.values().forEach(u -> {
            try {
                u.close();
            } catch (RuntimeException alreadyClosed) {
                // the doomed one was killed by its test
            }
        });
        vertx.close();
    }
}
