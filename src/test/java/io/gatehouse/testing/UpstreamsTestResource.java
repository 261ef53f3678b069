package io.gatehouse.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the gateway test resources share: start named real upstreams on free ports, write a config file that
 * routes to them, hand it to the gateway as {@code gatehouse.config}, and close the upstreams afterwards. Tests
 * find each upstream's URL as {@code test.upstream.NAME}.
 */
public abstract class UpstreamsTestResource implements QuarkusTestResourceLifecycleManager {
    protected Vertx vertx;
    protected final Map<String, TestUpstream> upstreams = new LinkedHashMap<>();

    /** The names of the upstreams to start, in order. */
    protected abstract String[] upstreamNames();

    /**
     * The config file's text, once the upstreams listen. May add properties of its own to {@code props} (which
     * already holds {@code test.upstream.NAME}).
     */
    protected abstract String config(Map<String, String> props) throws IOException;

    protected String url(String upstream) {
        return upstreams.get(upstream).url();
    }

    @Override
    public final Map<String, String> start() {
        vertx = Vertx.vertx();
        for (String name : upstreamNames()) {
            upstreams.put(name, TestUpstream.start(vertx, name));
        }
        Map<String, String> props = new HashMap<>();
        upstreams.forEach((name, u) -> props.put("test.upstream." + name, u.url()));
        try {
            Path file = TempDirs.file("gatehouse-" + getClass().getSimpleName(), "gatehouse.yaml");
            Files.writeString(file, config(props));
            props.put("gatehouse.config", file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }

    @Override
    public void stop() {
        upstreams.values().forEach(u -> {
            try {
                u.close();
            } catch (RuntimeException alreadyClosed) {
                // some tests kill an upstream on purpose
            }
        });
        if (vertx != null) {
            vertx.close();
        }
    }
}
