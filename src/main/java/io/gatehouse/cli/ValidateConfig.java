package io.gatehouse.cli;

import io.gatehouse.admin.AdminConfigExtension;
import io.gatehouse.auth.AuthConfigExtension;
import io.gatehouse.cache.CacheConfigExtension;
import io.gatehouse.config.ConfigException;
import io.gatehouse.edge.CorsConfigExtension;
import io.gatehouse.edge.EdgeConfigExtension;
import io.gatehouse.edge.ResponseHeadersConfigExtension;
import io.gatehouse.config.ConfigExtension;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.observe.AccessLogConfigExtension;
import io.gatehouse.ratelimit.RateLimitConfigExtension;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code bin/gatehouse-validate FILE…}: checks config files the way a reload does (the same parser, every feature's
 * section, the same key-path errors) for CI pipelines, like {@code nginx -t}. A plain {@code main}: no Quarkus, no
 * server, no port. Exit 0 when every file is valid, 1 when any is not, 2 on a usage error. {@code ${NAME}} in a file
 * comes from system properties, then the environment, as in the gateway; {@code cache.store: redis} needs
 * {@code quarkus.redis.hosts} (or {@code QUARKUS_REDIS_HOSTS}) as the gateway would.
 */
public final class ValidateConfig {
    private ValidateConfig() {
    }

    /**
     * Every feature's part of the config file, as the gateway's CDI container finds them (ValidateConfigTest checks
     * that no extension is missing here).
     */
    static List<ConfigExtension> extensions(Optional<String> redisHosts) {
        return List.of(new AuthConfigExtension(), new RateLimitConfigExtension(redisHosts),
                new CacheConfigExtension(redisHosts), new AdminConfigExtension(), new AccessLogConfigExtension(),
                new EdgeConfigExtension(), new CorsConfigExtension(), new ResponseHeadersConfigExtension());
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            err.println("usage: gatehouse-validate FILE...   (exit 0: all valid, 1: errors, 2: usage)");
            return 2;
        }
        Optional<String> redisHosts = Optional.ofNullable(System.getProperty("quarkus.redis.hosts"))
                .or(() -> Optional.ofNullable(System.getenv("QUARKUS_REDIS_HOSTS"))).filter(h -> !h.isBlank());
        List<ConfigExtension> extensions = extensions(redisHosts);
        int status = 0;
        for (String name : args) {
            Path file = Path.of(name);
            String yaml;
            try {
                yaml = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                err.println(name + ": cannot be read (" + e + ")");
                status = 1;
                continue;
            }
            try {
                GatehouseConfig config = ConfigParser.parse(name, yaml, extensions);
                out.println(name + ": ok (" + config.upstreams().size() + " upstreams, " + config.routes().size()
                        + " routes)");
            } catch (ConfigException e) {
                for (String problem : e.problems()) {
                    err.println(name + ": " + problem);
                }
                status = 1;
            }
        }
        return status;
    }
}
