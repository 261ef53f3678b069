package io.gatehouse.observe;

import io.gatehouse.pipeline.Caller;
import io.gatehouse.pipeline.CompiledRoute;
import io.gatehouse.pipeline.Exchange;
import io.gatehouse.pipeline.Json;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * One JSON line per request (the schema is in the README), built on the event loop that finished the request and
 * written by {@link AccessLogWriter}'s thread, never by the event loop. {@code gatehouse.access-log.enabled=false}
 * turns it off; {@code gatehouse.access-log.output} is {@code stdout} (the default), {@code stderr} or a file path;
 * {@code gatehouse.access-log.queue-size} bounds the lines waiting to be written. Routes choose with
 * {@code access-log: false | {sample: …}}.
 */
@Singleton
public class AccessLog {
    private static final int MAX_PATH = 2048;
    private static final int MAX_USER_AGENT = 512;
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

    /** Null when the log is off. */
    private final AccessLogWriter writer;
    /** The timestamp's text up to the second, computed once a second (by whichever thread gets there first). */
    private volatile Second second = new Second(-1, "");

    private record Second(long epochSecond, String text) {
    }

    @Inject
    public AccessLog(@ConfigProperty(name = "gatehouse.access-log.enabled", defaultValue = "true") boolean enabled,
                     @ConfigProperty(name = "gatehouse.access-log.output", defaultValue = "stdout") String output,
                     @ConfigProperty(name = "gatehouse.access-log.queue-size", defaultValue = "16384") int queueSize,
                     MeterRegistry registry) {
        Counter dropped = Counter.builder("gatehouse.access.log.dropped")
                .description("Access-log lines dropped: the queue was full or the output failed")
                .register(registry);
        this.writer = enabled ? new AccessLogWriter(open(output), Math.max(16, queueSize), dropped,
                regularFile(output) ? AccessLogWriter.FILE_CHUNK : AccessLogWriter.CHUNK) : null;
    }

    /** Whether the output is a regular file (a file path, or stdout redirected to one), not a pipe or a terminal. */
    private static boolean regularFile(String output) {
        Path path = switch (output) {
            case "stdout" -> Path.of("/proc/self/fd/1");
            case "stderr" -> Path.of("/proc/self/fd/2");
            default -> Path.of(output);
        };
        try {
            return Files.isRegularFile(path); // (follows the /proc link: a pipe or a tty is not one)
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static OutputStream open(String output) {
        return switch (output) {
            case "stdout" -> new FileOutputStream(FileDescriptor.out);
            case "stderr" -> new FileOutputStream(FileDescriptor.err);
            default -> {
                try {
                    Path file = Path.of(output);
                    if (file.getParent() != null) {
                        Files.createDirectories(file.getParent());
                    }
                    yield Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                            StandardOpenOption.WRITE);
                } catch (IOException e) {
                    throw new UncheckedIOException("gatehouse.access-log.output: cannot open " + output, e);
                }
            }
        };
    }

    /** After the traffic server's drain (observers run by ascending priority): the last requests' lines go out too. */
    void stop(@Observes @jakarta.annotation.Priority(jakarta.interceptor.Interceptor.Priority.PLATFORM_AFTER) ShutdownEvent event) {
        if (writer != null) {
            writer.close(2000);
        }
    }

    /** Queues the line of a finished request. */
    void log(Exchange ex, String routeId, int status, long durationNanos) {
        if (writer == null) {
            return;
        }
        writer.offer(line(ex, routeId, status, durationNanos, System.currentTimeMillis()));
    }

    /** One builder per event loop, reused: a line is about 500 characters, and there is one per request. */
    private static final io.netty.util.concurrent.FastThreadLocal<StringBuilder> BUILDERS =
            new io.netty.util.concurrent.FastThreadLocal<>() {
                @Override
                protected StringBuilder initialValue() {
                    return new StringBuilder(1024);
                }
            };

    String line(Exchange ex, String routeId, int status, long durationNanos, long nowMillis) {
        HttpServerRequest req = ex.request();
        StringBuilder sb = BUILDERS.get();
        if (sb.capacity() > 16 * 1024) {
            sb = new StringBuilder(1024); // a hostile request's long line: not kept
            BUILDERS.set(sb);
        }
        sb.setLength(0);
        sb.append("{\"timestamp\":\"");
        timestamp(sb, nowMillis);
        sb.append("\",\"level\":\"").append(status >= 500 ? "ERROR" : status >= 400 ? "WARN" : "INFO")
                .append("\",\"request_id\":");
        Json.quote(sb, ex.requestId()).append(",\"trace_id\":");
        Json.quote(sb, ex.traceId()).append(",\"method\":");
        Json.quote(sb, req.method().name()).append(",\"path\":");
        Json.quote(sb, clip(req.path(), MAX_PATH)).append(",\"status\":").append(status).append(",\"duration_ms\":");
        millis(sb, durationNanos).append(",\"client_ip\":");
        Json.quote(sb, ex.clientIp()).append(",\"user_id\":");
        Caller caller = ex.caller();
        Json.quote(sb, caller == null ? null : caller.id()).append(",\"user_agent\":");
        Json.quote(sb, clip(req.getHeader("User-Agent"), MAX_USER_AGENT))
                .append(",\"bytes_received\":").append(req.bytesRead())
                .append(",\"bytes_sent\":").append(ex.response().bytesWritten())
                .append(",\"route\":");
        Json.quote(sb, routeId).append(",\"upstream_service\":");
        CompiledRoute route = ex.route();
        Json.quote(sb, route == null ? null : route.upstream().name())
                .append(",\"upstream_target\":");
        Json.quote(sb, ex.target() == null ? null : ex.target().url()).append(",\"upstream_duration_ms\":");
        if (ex.upstreamNanos() < 0) {
            sb.append("null");
        } else {
            millis(sb, ex.upstreamNanos());
        }
        sb.append(",\"attempts\":").append(ex.attempts());
        List<String> fields = ex.logFields();
        // the fields filters report are always there (null when the route has no such filter): one schema
        sb.append(",\"cache\":");
        Json.quote(sb, field(fields, "cache")).append(",\"rate_limit\":");
        Json.quote(sb, field(fields, "rate_limit")).append(",\"error\":");
        Json.quote(sb, ex.error());
        for (int i = 0; i < fields.size(); i += 2) {
            String name = fields.get(i);
            if (!name.equals("cache") && !name.equals("rate_limit")) {
                Json.quote(sb.append(','), name).append(':');
                Json.quote(sb, fields.get(i + 1));
            }
        }
        return sb.append('}').toString();
    }

    private static String field(List<String> fields, String name) {
        for (int i = 0; i < fields.size(); i += 2) {
            if (fields.get(i).equals(name)) {
                return fields.get(i + 1);
            }
        }
        return null;
    }

    private static String clip(String s, int max) {
        return s != null && s.length() > max ? s.substring(0, max) + "…" : s;
    }

    /** Milliseconds with three decimals (microseconds), without going through a double's text. */
    private static StringBuilder millis(StringBuilder sb, long nanos) {
        long micros = nanos / 1000;
        sb.append(micros / 1000).append('.');
        long fraction = micros % 1000;
        if (fraction < 100) {
            sb.append('0');
        }
        if (fraction < 10) {
            sb.append('0');
        }
        return sb.append(fraction);
    }

    /** RFC 3339 in UTC with milliseconds, always the same width ({@code 2026-11-29T19:45:01.007Z}). */
    void timestamp(StringBuilder sb, long epochMillis) {
        long epochSecond = Math.floorDiv(epochMillis, 1000);
        Second s = second;
        if (s.epochSecond != epochSecond) {
            s = new Second(epochSecond, LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC).format(SECONDS));
            second = s;
        }
        int ms = (int) Math.floorMod(epochMillis, 1000);
        sb.append(s.text).append('.');
        if (ms < 100) {
            sb.append('0');
        }
        if (ms < 10) {
            sb.append('0');
        }
        sb.append(ms).append('Z');
    }
}
