package io.gatehouse.pipeline;

import io.gatehouse.config.ConfigException;
import io.gatehouse.config.ConfigFile;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.ConfigWatcher;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.demo.DemoUpstreams;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Loads the config at start (the file {@code gatehouse.config} / {@code GATEHOUSE_CONFIG} names, or the bundled
 * demo with its in-process upstreams when none is named) and watches the file for changes afterwards.
 * A bad file at start stops the process with every problem listed; a bad file later is refused and logged,
 * and the running config stays.
 */
@ApplicationScoped
public class GatewayLifecycle {
    private static final Logger LOG = Logger.getLogger(GatewayLifecycle.class);
    static final String DEMO_CONFIG = "gatehouse-demo.yaml";

    @Inject
    GatewayState state;
    @Inject
    Vertx vertx;
    @Inject
    DemoUpstreams demo;
    /** Each feature's part of the config file (its sections and route keys). */
    @Inject
    @jakarta.enterprise.inject.Any
    jakarta.enterprise.inject.Instance<io.gatehouse.config.ConfigExtension> extensionBeans;
    @ConfigProperty(name = "gatehouse.config")
    Optional<String> configPath;
    @ConfigProperty(name = "gatehouse.reload-interval", defaultValue = "1s")
    Duration reloadInterval;

    private long timerId = -1;

    void start(@Observes @jakarta.annotation.Priority(100) StartupEvent event) {
        if (configPath.isEmpty() || configPath.get().isBlank()) {
            startDemo();
            return;
        }
        Path path = Path.of(configPath.get());
        String text;
        GatehouseConfig config;
        try {
            text = ConfigFile.read(path);
            config = ConfigParser.parse(path.toString(), text, extensions());
        } catch (ConfigException e) {
            for (String problem : e.problems()) {
                LOG.errorf("config %s: %s", path, problem);
            }
            throw new InvalidConfigAtStartup("refusing to start: config " + path + " has " + e.problems().size()
                    + " problem(s), listed above");
        }
        GatewaySnapshot snapshot = state.install(path.toString(), config);
        LOG.infof("config %s loaded: %d routes, %d upstreams", path, config.routes().size(), config.upstreams().size());
        ConfigWatcher watcher = new ConfigWatcher(path, text, extensions(), new ConfigWatcher.Listener() {
            @Override
            public void changed(GatehouseConfig next) {
                try {
                    GatewaySnapshot installed = state.install(path.toString(), next);
                    LOG.infof("config %s reloaded (version %d): %d routes, %d upstreams", path, installed.version(),
                            next.routes().size(), next.upstreams().size());
                } catch (RuntimeException e) {
                    LOG.errorf(e, "config %s: reload failed, keeping the running config", path);
                    state.reloadRefused(e.toString());
                }
            }

            @Override
            public void refused(ConfigException e) {
                for (String problem : e.problems()) {
                    LOG.errorf("config %s: %s", path, problem);
                }
                LOG.errorf("config %s: reload refused (%d problem(s)); keeping version %d", path, e.problems().size(),
                        state.current().version());
                state.reloadRefused(String.join("; ", e.problems()));
            }
        });
        long interval = Math.max(50, reloadInterval.toMillis());
        // The check reads a file: run it on a worker thread, never an event loop; one at a time (ordered).
        timerId = vertx.setPeriodic(interval, id -> vertx.executeBlocking(() -> {
            watcher.check();
            return null;
        }, true));
        LOG.debugf("watching %s every %d ms (version %d)", path, interval, snapshot.version());
    }

    private void startDemo() {
        demo.start();
        try (InputStream in = GatewayLifecycle.class.getClassLoader().getResourceAsStream(DEMO_CONFIG)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            GatehouseConfig config = ConfigParser.parse("demo", text, demo::variable, extensions());
            state.install("demo", config);
            LOG.infof("no gatehouse.config given: running the demo config with in-process upstreams (%s)", demo.describe());
            LOG.infof("demo admin API and status page: http://localhost:9000/admin/status (any user name, password %s)",
                    demo.adminTokenValue());
        } catch (IOException | ConfigException e) {
            throw new IllegalStateException("the bundled demo config is broken", e);
        }
    }

    private java.util.List<io.gatehouse.config.ConfigExtension> extensions() {
        return extensionBeans.stream().toList();
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** Thrown to stop the start-up; the problems were logged one per line just before, so no stack trace. */
    static final class InvalidConfigAtStartup extends RuntimeException {
        InvalidConfigAtStartup(String message) {
            super(message, null, false, false);
        }
    }
}
