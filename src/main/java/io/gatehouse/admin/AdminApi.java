package io.gatehouse.admin;

import io.gatehouse.pipeline.AdminEndpoint;
import io.gatehouse.pipeline.GatewaySnapshot;
import io.gatehouse.pipeline.Json;
import io.gatehouse.pipeline.LiveSnapshot;
import io.gatehouse.pipeline.RequestIds;
import io.gatehouse.pipeline.SnapshotInstalled;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * {@code /admin/*} on the management port: one credential (a token read from {@code admin.token-file}, sent as
 * {@code Bearer <token>} or, from a browser, as HTTP Basic with the token as the password) in front of every
 * {@link AdminEndpoint} bean, whichever feature contributed it. An endpoint's path may have parameters
 * ({@link AdminPath}). Without {@code admin.token-file}
 * the whole path answers 404, as if it did not exist. Order of checks: off → 404; no or wrong token → 401 (before
 * anything about the endpoints is revealed); no config yet → 503; unknown path → 404; wrong method → 405.
 *
 * <p>The token is read off the event loops: when a config is installed and, while configured, whenever its file
 * changes (a rotated Secret), checked every {@code gatehouse.reload-interval}. A file that can no longer be read
 * keeps the token in force and is logged, like a refused config.
 */
@Singleton
public class AdminApi {
    static final String PREFIX = "/admin/";
    static final String BASIC_CHALLENGE = "Basic realm=\"gatehouse-admin\", charset=\"UTF-8\"";
    private static final String PARAM = "gatehouse.admin.param.";
    private static final Logger LOG = Logger.getLogger(AdminApi.class);

    @Inject
    LiveSnapshot state;
    @Inject
    Vertx vertx;
    @Inject
    @Any
    Instance<AdminEndpoint> endpointBeans;
    @ConfigProperty(name = "gatehouse.reload-interval", defaultValue = "1s")
    Duration checkInterval;

    private volatile Map<String, AdminEndpoint> endpoints = Map.of();
    /** Endpoints whose path has parameters ({@code upstreams/{upstream}/targets/{target+}/drain}), in a fixed order. */
    private volatile List<AdminPath> patterns = List.of();
    private volatile AdminToken token;
    private Path tokenFile;
    private FileTime tokenStamp;
    private long timerId = -1;

    void routes(@Observes ManagementInterface management) {
        Map<String, AdminEndpoint> byPath = new HashMap<>();
        List<AdminPath> withParams = new ArrayList<>();
        for (AdminEndpoint endpoint : endpointBeans) {
            if (AdminPath.hasParameters(endpoint.path())) {
                withParams.add(AdminPath.of(endpoint));
                continue;
            }
            AdminEndpoint twin = byPath.put(endpoint.path(), endpoint);
            if (twin != null) {
                throw new IllegalStateException("two admin endpoints at /admin/" + endpoint.path() + ": "
                        + twin.getClass().getName() + " and " + endpoint.getClass().getName());
            }
        }
        withParams.sort(Comparator.comparing(AdminPath::pattern)); // a stable order, whatever the beans' order
        endpoints = Map.copyOf(byPath);
        patterns = List.copyOf(withParams);
        management.router().route("/admin").handler(this::handle);
        management.router().route(PREFIX + "*").handler(this::handle);
        long interval = Math.max(100, checkInterval.toMillis());
        timerId = vertx.setPeriodic(interval, id -> vertx.executeBlocking(() -> {
            refresh();
            return null;
        }, true));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** A config became live (on the thread that installed it, not an event loop): its token file applies now. */
    void installed(@Observes SnapshotInstalled event) {
        AdminSettings settings = event.snapshot().config().section(AdminConfigExtension.SECTION);
        synchronized (this) {
            Path file = settings == null ? null : settings.tokenFile();
            if (!Objects.equals(file, tokenFile)) {
                tokenFile = file;
                tokenStamp = null;
                if (file == null) {
                    token = null;
                    LOG.info("admin API off (no admin.token-file)");
                }
            }
        }
        refresh();
    }

    /** Reads the token file again when it changed. Blocking: never on an event loop. */
    synchronized void refresh() {
        Path file = tokenFile;
        if (file == null) {
            return;
        }
        FileTime stamp;
        try {
            stamp = Files.getLastModifiedTime(file);
        } catch (IOException e) {
            stamp = null;
        }
        if (stamp != null && stamp.equals(tokenStamp)) {
            return;
        }
        try {
            AdminToken next = AdminToken.read(file);
            boolean first = token == null;
            token = next;
            tokenStamp = stamp;
            LOG.infof("admin API %s: token from %s", first ? "on" : "token renewed", file);
        } catch (IllegalArgumentException e) {
            if (!Objects.equals(stamp, tokenStamp)) {
                LOG.errorf("admin.token-file: %s; keeping the token in force", e.getMessage());
                tokenStamp = stamp; // logged once per change, not on every check
            }
        }
    }

    /**
     * Cross-site request forgery: a browser that holds the token as Basic credentials (the status page) sends them
     * with any request to this origin, including a form another site posts. So a request that is not a read must
     * carry the token as Bearer (which no browser adds by itself), and a browser's own word that it comes from
     * elsewhere ({@code Sec-Fetch-Site}, {@code Origin}) refuses it too.
     */
    static boolean crossSiteWrite(RoutingContext ctx) {
        io.vertx.core.http.HttpMethod method = ctx.request().method();
        if (method == io.vertx.core.http.HttpMethod.GET || method == io.vertx.core.http.HttpMethod.HEAD) {
            return false;
        }
        String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return true;
        }
        String site = ctx.request().getHeader("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return true;
        }
        String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
        if (origin != null) {
            String host = ctx.request().getHeader(HttpHeaders.HOST);
            return host == null || !(origin.equals("http://" + host) || origin.equals("https://" + host));
        }
        return false;
    }

    private void handle(RoutingContext ctx) {
        AdminToken current = token;
        if (current == null) {
            error(ctx, 404, "not_found", "the admin API is off: set admin.token-file in the config");
            return;
        }
        if (!current.admits(ctx.request().getHeader(HttpHeaders.AUTHORIZATION))) {
            // Basic too, so that a browser asks for the token (as the password, any user name) on the status page
            ctx.response().putHeader("WWW-Authenticate", ctx.request().path().startsWith(PREFIX + StatusPage.PATH)
                    ? BASIC_CHALLENGE : "Bearer realm=\"gatehouse-admin\", " + BASIC_CHALLENGE);
            error(ctx, 401, "unauthorized", "the admin API needs the admin token (Authorization: Bearer <token>, "
                    + "or Basic with the token as the password)");
            return;
        }
        if (crossSiteWrite(ctx)) {
            error(ctx, 403, "forbidden", "admin requests that change something take the token as "
                    + "Authorization: Bearer, and never come from another site");
            return;
        }
        GatewaySnapshot snapshot = state.current();
        if (snapshot == null) {
            error(ctx, 503, "not_ready", "no configuration is loaded yet");
            return;
        }
        String path = ctx.request().path();
        String name = path.length() <= PREFIX.length() ? "" : path.substring(PREFIX.length());
        if (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        AdminEndpoint endpoint = endpoints.get(name);
        if (endpoint == null) {
            try {
                for (AdminPath pattern : patterns) {
                    Map<String, String> params = pattern.match(name);
                    if (params != null) {
                        endpoint = pattern.endpoint();
                        params.forEach((key, value) -> ctx.put(PARAM + key, value));
                        break;
                    }
                }
            } catch (IllegalArgumentException badEncoding) {
                error(ctx, 400, "bad_request", "the path is not validly percent-encoded");
                return;
            }
        }
        if (endpoint == null) {
            error(ctx, 404, "no_endpoint", "no admin endpoint at " + path + "; there are: "
                    + java.util.stream.Stream.concat(endpoints.keySet().stream(), patterns.stream().map(AdminPath::pattern))
                    .sorted().map(p -> PREFIX + p).collect(Collectors.joining(", ")));
            return;
        }
        if (!endpoint.methods().contains(ctx.request().method())) {
            ctx.response().putHeader("Allow", endpoint.methods().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", ")));
            error(ctx, 405, "method_not_allowed", "method " + ctx.request().method() + " is not allowed here");
            return;
        }
        try {
            endpoint.handle(ctx, snapshot);
        } catch (RuntimeException e) {
            LOG.errorf(e, "admin endpoint %s failed", path);
            if (!ctx.response().headWritten()) {
                error(ctx, 500, "internal_error", "the admin endpoint failed");
            }
        }
    }

    /** A path parameter of the endpoint answering ({@code {target}} of its path), percent-decoded; null if none. */
    public static String param(RoutingContext ctx, String name) {
        return ctx.get(PARAM + name);
    }

    static void error(RoutingContext ctx, int status, String code, String message) {
        HttpServerResponse response = ctx.response();
        String id = RequestIds.fromOrNew(ctx.request().getHeader(RequestIds.HEADER));
        response.setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .putHeader(RequestIds.HEADER, id)
                .end(Json.error(status, code, message, id));
    }
}
