package io.gatehouse.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A config mounted the way Kubernetes mounts a ConfigMap: {@code dir/gatehouse.yaml -> ..data/gatehouse.yaml},
 * {@code ..data -> ..<version>}; an update writes a new version directory and swaps {@code ..data} atomically.
 * Two upstreams, a and b, for the reload tests to switch between.
 */
public class ReloadTestResource implements QuarkusTestResourceLifecycleManager {
    private Vertx vertx;
    private TestUpstream a;
    private TestUpstream b;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        a = TestUpstream.start(vertx, "a");
        b = TestUpstream.start(vertx, "b");
        try {
            Path dir = TempDirs.create("gatehouse-configmap");
            Path version = dir.resolve("..v0");
            Files.createDirectory(version);
            Files.writeString(version.resolve("gatehouse.yaml"), config("a", a.url(), b.url()));
            Files.createSymbolicLink(dir.resolve("..data"), Path.of("..v0"));
            Files.createSymbolicLink(dir.resolve("gatehouse.yaml"), Path.of("..data/gatehouse.yaml"));
            return Map.of("gatehouse.config", dir.resolve("gatehouse.yaml").toString(),
                    "test.upstream.a", a.url(), "test.upstream.b", b.url());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A config whose route {@code /svc/**} goes to the upstream named by {@code target} (a or b). */
    public static String config(String target, String aUrl, String bUrl) {
        return """
                upstreams:
                  a:
                    targets: [{url: %s}]
                  b:
                    targets: [{url: %s}]
                routes:
                  - id: svc
                    path: /svc/**
                    upstream: %s
                    strip-prefix: /svc
                """.formatted(aUrl, bUrl, target);
    }

    /** Publishes new content the ConfigMap way: a new version directory, then an atomic swap of ..data. */
    public static void publish(Path configLink, String content, String versionName) throws IOException {
        Path dir = configLink.getParent();
        Path version = dir.resolve(".." + versionName);
        Files.createDirectory(version);
        Files.writeString(version.resolve("gatehouse.yaml"), content);
        Path tmp = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of(".." + versionName));
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void stop() {
        a.close();
        b.close();
        vertx.close();
    }
}
