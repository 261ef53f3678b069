package io.gatehouse.observe;

import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.Json;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Singleton;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Instant;

/**
 * One JSON line per request on the log category {@value #CATEGORY} (its own handler in
 * application.properties prints the bare line). Off with {@code gatehouse.access-log.enabled=false}.
 */
@Singleton
public class AccessLog {
    public static final String CATEGORY = "gatehouse.access";
    private static final Logger LOG = Logger.getLogger(CATEGORY);
    private static final int MAX_PATH = 2048;

    private final boolean enabled;

    @Inject
    public AccessLog(@ConfigProperty(name = "gatehouse.access-log.enabled", defaultValue = "true") boolean enabled) {
        this.enabled = enabled;
    }

    public void log(Exchange ex, String routeId, int status, long durationNanos) {
        if (!enabled || !LOG.isInfoEnabled()) {
            return;
        }
        HttpServerRequest req = ex.request();
        StringBuilder sb = new StringBuilder(320);
        sb.append("{\"time\":\"").append(Instant.now()).append("\",\"requestId\":");
        Json.quote(sb, ex.requestId()).append(",\"client\":");
        Json.quote(sb, ex.clientIp()).append(",\"method\":");
        Json.quote(sb, req.method().name()).append(",\"path\":");
        String path = req.path();
        Json.quote(sb, path != null && path.length() > MAX_PATH ? path.substring(0, MAX_PATH) + "…" : path)
                .append(",\"status\":").append(status).append(",\"route\":");
        Json.quote(sb, routeId).append(",\"upstream\":");
        Json.quote(sb, ex.target() == null ? null : ex.target().url())
                .append(",\"durationMs\":").append(durationNanos / 100_000 / 10.0)
                .append(",\"upstreamMs\":").append(ex.upstreamNanos() < 0 ? "null" : String.valueOf(ex.upstreamNanos() / 100_000 / 10.0))
                .append(",\"bytesOut\":").append(ex.response().bytesWritten())
                .append(",\"error\":");
        Json.quote(sb, ex.error());
        java.util.List<String> fields = ex.logFields();
        for (int i = 0; i < fields.size(); i += 2) {
            Json.quote(sb.append(','), fields.get(i)).append(':');
            Json.quote(sb, fields.get(i + 1));
        }
        sb.append('}');
        LOG.info(sb);
    }
}
