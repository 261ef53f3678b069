package io.gatehouse.observe;

import io.gatehouse.pipeline.Caller;
import io.gatehouse.pipeline.CompiledRoute;
import io.gatehouse.pipeline.Exchange;
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
    // Bytes a value may take in the line (a longer one is cut, with an ellipsis): what a client controls is bounded,
    // so that a line stays within a 4 KB batch and a pipe's atomic write, and a stuck log's queue within its bytes.
    private static final int MAX_PATH = 2048;
    private static final int MAX_USER_AGENT = 512;
    private static final int MAX_METHOD = 64;
    private static final int MAX_USER_ID = 256;
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");

    /** Null when the log is off. */
    private final AccessLogWriter writer;
    /** Each thread's lines on their way to the writer; every batch is listed so the last lines go out at shutdown. */
    private final io.netty.util.concurrent.FastThreadLocal<LineBatch> batches = new io.netty.util.concurrent.FastThreadLocal<>() {
        @Override
        protected LineBatch initialValue() {
            LineBatch batch = new LineBatch(writer, io.netty.util.internal.ThreadExecutorMap.currentExecutor());
            if (batch.loop() != null) { // (only an event loop's batch holds lines: the others need no flush)
                allBatches.add(batch);
            }
            return batch;
        }
    };
    private final java.util.Queue<LineBatch> allBatches = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** The timestamp's text up to the second, computed once a second (by whichever thread gets there first). */
    private volatile Second second = new Second(-1, new byte[0]);

    private record Second(long epochSecond, byte[] text) {
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
            for (LineBatch batch : allBatches) {
                flush(batch);
            }
            writer.close(2000);
        }
    }

    /** A batch's last lines, handed over on its own event loop (or here, once that loop has ended). */
    private static void flush(LineBatch batch) {
        io.netty.util.concurrent.EventExecutor loop = batch.loop();
        try {
            if (!loop.isShuttingDown() && loop.submit(batch).await(500)) {
                return;
            }
            // stopping (its scheduled flush dropped): once it has ended, nothing else touches the batch
            if (loop.terminationFuture().await(500)) {
                batch.run();
            }
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            if (loop.terminationFuture().awaitUninterruptibly(500)) {
                batch.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Queues the line of a finished request. */
    void log(Exchange ex, String routeId, int status, long durationNanos) {
        if (writer == null) {
            return;
        }
        LineBatch batch = batches.get();
        JsonBytes line = batch.line();
        write(line, ex, routeId, status, durationNanos, System.currentTimeMillis());
        batch.add(line);
    }

    private static final byte[] TIMESTAMP = JsonBytes.ascii("{\"timestamp\":\"");
    private static final byte[] LEVEL = JsonBytes.ascii("\",\"level\":\"");
    private static final byte[] ERROR = JsonBytes.ascii("ERROR");
    private static final byte[] WARN = JsonBytes.ascii("WARN");
    private static final byte[] INFO = JsonBytes.ascii("INFO");
    private static final byte[] REQUEST_ID = JsonBytes.ascii("\",\"request_id\":");
    private static final byte[] TRACE_ID = JsonBytes.ascii(",\"trace_id\":");
    private static final byte[] METHOD = JsonBytes.ascii(",\"method\":");
    private static final byte[] PATH = JsonBytes.ascii(",\"path\":");
    private static final byte[] STATUS = JsonBytes.ascii(",\"status\":");
    private static final byte[] DURATION = JsonBytes.ascii(",\"duration_ms\":");
    private static final byte[] CLIENT_IP = JsonBytes.ascii(",\"client_ip\":");
    private static final byte[] USER_ID = JsonBytes.ascii(",\"user_id\":");
    private static final byte[] USER_AGENT = JsonBytes.ascii(",\"user_agent\":");
    private static final byte[] BYTES_RECEIVED = JsonBytes.ascii(",\"bytes_received\":");
    private static final byte[] BYTES_SENT = JsonBytes.ascii(",\"bytes_sent\":");
    private static final byte[] ROUTE = JsonBytes.ascii(",\"route\":");
    private static final byte[] UPSTREAM_SERVICE = JsonBytes.ascii(",\"upstream_service\":");
    private static final byte[] UPSTREAM_TARGET = JsonBytes.ascii(",\"upstream_target\":");
    private static final byte[] UPSTREAM_DURATION = JsonBytes.ascii(",\"upstream_duration_ms\":");
    private static final byte[] ATTEMPTS = JsonBytes.ascii(",\"attempts\":");
    private static final byte[] CACHE = JsonBytes.ascii(",\"cache\":");
    private static final byte[] RATE_LIMIT = JsonBytes.ascii(",\"rate_limit\":");
    private static final byte[] ERROR_FIELD = JsonBytes.ascii(",\"error\":");

    private void write(JsonBytes line, Exchange ex, String routeId, int status, long durationNanos, long nowMillis) {
        HttpServerRequest req = ex.request();
        line.raw(TIMESTAMP);
        timestamp(line, nowMillis);
        line.raw(LEVEL).raw(status >= 500 ? ERROR : status >= 400 ? WARN : INFO)
                .raw(REQUEST_ID).quote(ex.requestId())
                .raw(TRACE_ID).quote(ex.traceId())
                .raw(METHOD).quote(req.method().name(), MAX_METHOD)
                .raw(PATH).quote(req.path(), MAX_PATH)
                .raw(STATUS).number(status)
                .raw(DURATION);
        millis(line, durationNanos);
        Caller caller = ex.caller();
        CompiledRoute route = ex.route();
        line.raw(CLIENT_IP).quote(ex.clientIp())
                .raw(USER_ID).quote(caller == null ? null : caller.id(), MAX_USER_ID)
                .raw(USER_AGENT).quote(req.getHeader("User-Agent"), MAX_USER_AGENT)
                .raw(BYTES_RECEIVED).number(req.bytesRead())
                .raw(BYTES_SENT).number(ex.response().bytesWritten())
                .raw(ROUTE).quote(routeId)
                .raw(UPSTREAM_SERVICE).quote(route == null ? null : route.upstream().name())
                .raw(UPSTREAM_TARGET).quote(ex.target() == null ? null : ex.target().url())
                .raw(UPSTREAM_DURATION);
        if (ex.upstreamNanos() < 0) {
            line.quote(null);
        } else {
            millis(line, ex.upstreamNanos());
        }
        line.raw(ATTEMPTS).number(ex.attempts());
        List<String> fields = ex.logFields();
        // the fields filters report are always there (null when the route has no such filter): one schema
        line.raw(CACHE).quote(field(fields, "cache"))
                .raw(RATE_LIMIT).quote(field(fields, "rate_limit"))
                .raw(ERROR_FIELD).quote(ex.error());
        for (int i = 0; i < fields.size(); i += 2) {
            String name = fields.get(i);
            if (!name.equals("cache") && !name.equals("rate_limit")) {
                line.raw(',').quote(name).raw(':').quote(fields.get(i + 1));
            }
        }
        line.raw('}');
    }

    private static String field(List<String> fields, String name) {
        for (int i = 0; i < fields.size(); i += 2) {
            if (fields.get(i).equals(name)) {
                return fields.get(i + 1);
            }
        }
        return null;
    }

    /** Milliseconds with three decimals (microseconds), without going through a double's text. */
    private static void millis(JsonBytes line, long nanos) {
        long micros = nanos / 1000;
        line.number(micros / 1000).raw('.').threeDigits((int) (micros % 1000));
    }

    /** RFC 3339 in UTC with milliseconds, always the same width ({@code 2026-11-29T19:45:01.007Z}). */
    private void timestamp(JsonBytes line, long epochMillis) {
        long epochSecond = Math.floorDiv(epochMillis, 1000);
        Second s = second;
        if (s.epochSecond != epochSecond) {
            s = new Second(epochSecond, JsonBytes.ascii(
                    LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC).format(SECONDS)));
            second = s;
        }
        line.raw(s.text).raw('.').threeDigits((int) Math.floorMod(epochMillis, 1000)).raw('Z');
    }
}
