package io.gatehouse.admin;

import io.gatehouse.testing.ReloadTestResource;
import io.gatehouse.testing.TempDirs;
import io.gatehouse.testing.TestUpstream;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Six real upstream instances behind three upstreams, with the admin API on: {@code pair} (a, b; no checks) for
 * drain/enable, {@code checked} (c, d; checks every hour, so only on demand) and {@code watched} (e, f; checked every
 * 200 ms). The config is mounted the ConfigMap way so tests can publish reloads ({@link #publish}).
 */
public class AdminOpsTestResource implements QuarkusTestResourceLifecycleManager {
    static final String TOKEN = "ops-admin-token-0123456789abcdef";
    private static Vertx vertx;
    private static final Map<String, TestUpstream> UPSTREAMS = new LinkedHashMap<>();
    private static Path configLink;
    private static String tokenFile;
    private static int versions;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        UPSTREAMS.clear();
        for (String name : new String[] {"a", "b", "c", "d", "e", "f"}) {
            UPSTREAMS.put(name, TestUpstream.start(vertx, name));
        }
        tokenFile = TempDirs.fileWith("gatehouse-admin-ops", "token", TOKEN + "\n");
        try {
            Path dir = TempDirs.create("gatehouse-admin-ops");
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

    static TestUpstream upstream(String name) {
        return UPSTREAMS.get(name);
    }

    /** The config, with {@code extraRoutes} (YAML list items) after the fixed routes. */
    static String config(String extraRoutes) {
        return """
                upstreams:
                  pair:
                    targets: [{url: "%s"}, {url: "%s"}]
                  checked:
                    targets: [{url: "%s"}, {url: "%s"}]
                    health-check: {path: /health, interval: 1h, timeout: 1s, unhealthy-after: 1, healthy-after: 1}
                  watched:
                    targets: [{url: "%s"}, {url: "%s"}]
                    health-check: {path: /health, interval: 500ms, timeout: 500ms, unhealthy-after: 2, healthy-after: 1}
                    circuit-breaker: {failure-ratio: 0.5, request-volume: 10, delay: 5s}
                routes:
                  - {id: pair, path: /pair/**, upstream: pair, strip-prefix: /pair}
                  - {id: checked, path: /checked/**, upstream: checked, strip-prefix: /checked}
                  - {id: watched, path: /watched/**, upstream: watched, strip-prefix: /watched}
                %s
                admin:
                  token-file: %s
                """.formatted(url("a"), url("b"), url("c"), url("d"), url("e"), url("f"), extraRoutes, tokenFile);
    }

    private static String url(String name) {
        return UPSTREAMS.get(name).url();
    }

    /** Publishes a new config version (an atomic swap, as a ConfigMap update does). */
    static synchronized void publish(String content) throws IOException {
        ReloadTestResource.publish(configLink, content, "v" + (++versions));
    }

    @Override
    public void stop() {
        UPSTREAMS.values().forEach(u -> {
            try {
                u.close();
            } catch (RuntimeException alreadyClosed) {
                // the tests stop some on purpose
            }
        });
        vertx.close();
    }
}
