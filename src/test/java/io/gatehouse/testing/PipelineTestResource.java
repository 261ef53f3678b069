package io.gatehouse.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Real upstreams a, b (a retrying pair) and c, behind routes whose ids start with "filtered", so the test-only
 * filters of the pipeline tests apply. The config is mounted the ConfigMap way, so a test can publish a new
 * version ({@link #publish}); the upstreams are reachable from the test ({@link #upstream}).
 */
public class PipelineTestResource implements QuarkusTestResourceLifecycleManager {
    private static Vertx vertx;
    private static TestUpstream a;
    private static TestUpstream b;
    private static TestUpstream c;
    private static int closedPort;
    private static Path configLink;
    private static int versions;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        a = TestUpstream.start(vertx, "a");
        b = TestUpstream.start(vertx, "b");
        c = TestUpstream.start(vertx, "c");
        try {
            closedPort = GatewayTestResource.closedPort();
            Path dir = TempDirs.create("gatehouse-pipeline");
            Path version = dir.resolve("..v0");
            Files.createDirectory(version);
            Files.writeString(version.resolve("gatehouse.yaml"), config(""));
            Files.createSymbolicLink(dir.resolve("..data"), Path.of("..v0"));
            configLink = dir.resolve("gatehouse.yaml");
            Files.createSymbolicLink(configLink, Path.of("..data/gatehouse.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("gatehouse.config", configLink.toString());
    }

    /** The config, with {@code extraRoutes} (YAML list items) after the fixed ones. */
    public static String config(String extraRoutes) {
        return """
                upstreams:
                  single:
                    targets: [{url: "%3$s"}]
                  pair:
                    targets: [{url: "%1$s"}, {url: "%2$s"}]
                    retry: {attempts: 1, on: [503], backoff: 1ms}
                  dead:
                    targets: [{url: "http://127.0.0.1:%4$d"}]
                    connect-timeout: 500ms
                  slow:
                    targets: [{url: "%3$s"}]
                    timeout: 300ms
                routes:
                  - {id: filtered, path: /filtered/**, upstream: single, strip-prefix: /filtered}
                  - {id: filtered-retry, path: /filtered-retry/**, upstream: pair, strip-prefix: /filtered-retry}
                  - {id: filtered-dead, path: /filtered-dead, upstream: dead}
                  - {id: filtered-slow, path: /filtered-slow, upstream: slow, rewrite: /slow}
                  - {id: plain, path: /plain/**, upstream: single, strip-prefix: /plain}
                  - {id: filtered-short, path: /filtered-short/**, upstream: single, strip-prefix: /filtered-short, timeout: 300ms}
                  - {id: filtered-preflight, path: /filtered-preflight/**, methods: [GET], upstream: single}
                  - {id: filtered-get, path: /filtered-get/**, methods: [GET], upstream: single}
                %5$s""".formatted(a.url(), b.url(), c.url(), closedPort, extraRoutes);
    }

    /** Publishes a new config version (an atomic swap, as a ConfigMap update does). */
    public static synchronized void publish(String content) throws IOException {
        ReloadTestResource.publish(configLink, content, "v" + (++versions));
    }

    public static TestUpstream upstream(String name) {
        return switch (name) {
            case "a" -> a;
            case "b" -> b;
            default -> c;
        };
    }

    @Override
    public void stop() {
        a.close();
        b.close();
        c.close();
        vertx.close();
    }
}
