package io.gatehouse.testing;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real OTLP/HTTP trace receiver: decodes each {@code ExportTraceServiceRequest} (protobuf, as the gateway's OTLP
 * exporter sends it) with the protocol's own classes and keeps the spans.
 */
public final class OtlpReceiver implements AutoCloseable {
    private final HttpServer server;
    private final ConcurrentLinkedQueue<Span> spans = new ConcurrentLinkedQueue<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    public static OtlpReceiver start(Vertx vertx) {
        OtlpReceiver[] self = new OtlpReceiver[1];
        HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            try {
                ExportTraceServiceRequest export = ExportTraceServiceRequest.parseFrom(body.getBytes());
                for (ResourceSpans rs : export.getResourceSpansList()) {
                    for (ScopeSpans ss : rs.getScopeSpansList()) {
                        self[0].spans.addAll(ss.getSpansList());
                    }
                }
                req.response().putHeader("Content-Type", "application/x-protobuf")
                        .end(Buffer.buffer(ExportTraceServiceResponse.getDefaultInstance().toByteArray()));
            } catch (Exception e) {
                req.response().setStatusCode(400).end(e.toString());
            }
        }));
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        self[0] = new OtlpReceiver(server);
        return self[0];
    }

    public String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    public List<Span> spans() {
        return List.copyOf(spans);
    }

    /** The spans of one trace (hex id), once at least {@code count} matching {@code which} arrived (10 s at most). */
    public List<Span> await(String traceId, int count, Predicate<Span> which) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<Span> ofTrace = spans.stream().filter(s -> hex(s.getTraceId().toByteArray()).equals(traceId)).toList();
            if (ofTrace.stream().filter(which).count() >= count) {
                return ofTrace;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("spans of trace " + traceId + " so far: " + ofTrace.stream().map(Span::getName).toList());
            }
            Thread.sleep(20);
        }
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void close() {
        server.close();
    }
}
