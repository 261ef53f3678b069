package io.gatehouse.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin whose answers a test sets per path: status, header lines, body, a delay, or a dropped connection. It
 * answers conditional requests as an origin server would (If-None-Match against its ETag, else If-Modified-Since
 * against Last-Modified: 304 with the same header lines and no body), and counts the requests of each path.
 */
public final class CacheOrigin implements AutoCloseable {
    /** One path's answer. {@code headers}: name, value, name, value… */
    public record Answer(int status, String body, long delayMillis, boolean drop, String... headers) {
    }

    private final Vertx vertx;
    private final HttpServer server;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final Map<String, MultiMap> lastRequest = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> notModified = new ConcurrentHashMap<>();

    private CacheOrigin(Vertx vertx) throws Exception {
        this.vertx = vertx;
        this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public static CacheOrigin start(Vertx vertx) throws Exception {
        return new CacheOrigin(vertx);
    }

    public String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    /** Sets what {@code path} answers (a 200 with these header lines and body). */
    public void set(String path, String body, String... headers) {
        answers.put(path, new Answer(200, body, 0, false, headers));
    }

    public void set(String path, Answer answer) {
        answers.put(path, answer);
    }

    /** Requests {@code path} got so far (any method). */
    public int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    /** How many of them it answered 304. */
    public int notModified(String path) {
        AtomicInteger n = notModified.get(path);
        return n == null ? 0 : n.get();
    }

    /** The headers of the last request for {@code path}. */
    public MultiMap lastRequest(String path) {
        return lastRequest.get(path);
    }

    private void handle(HttpServerRequest req) {
        String path = req.path();
        hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        lastRequest.put(path, MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
        Answer a = answers.get(path);
        if (a == null) {
            req.response().setStatusCode(404).end("no answer set for " + path);
            return;
        }
        if (a.drop()) {
            req.connection().close();
            return;
        }
        Runnable respond = () -> {
            var resp = req.response();
            String etag = header(a, "ETag");
            String lastModified = header(a, "Last-Modified");
            String inm = req.getHeader("If-None-Match");
            String ims = req.getHeader("If-Modified-Since");
            boolean unchanged = a.status() == 200 && (inm != null ? etag != null && List.of(inm.split("\\s*,\\s*")).contains(etag)
                    : ims != null && lastModified != null && ims.equals(lastModified));
            for (int i = 0; i < a.headers().length; i += 2) {
                resp.headers().add(a.headers()[i], a.headers()[i + 1]);
            }
            resp.headers().add("X-Origin-Hit", String.valueOf(hits(path)));
            resp.headers().add("X-Origin-Method", req.method().name());
            if (unchanged) {
                notModified.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                resp.setStatusCode(304).end();
            } else if (req.method() == io.vertx.core.http.HttpMethod.HEAD) {
                resp.setStatusCode(a.status()).putHeader("Content-Length", String.valueOf(a.body().length())).end();
            } else {
                resp.setStatusCode(a.status()).end(a.body());
            }
        };
        req.body().onSuccess(b -> {
            if (a.delayMillis() > 0) {
                vertx.setTimer(a.delayMillis(), t -> respond.run());
            } else {
                respond.run();
            }
        });
    }

    private static String header(Answer a, String name) {
        for (int i = 0; i < a.headers().length; i += 2) {
            if (a.headers()[i].equalsIgnoreCase(name)) {
                return a.headers()[i + 1];
            }
        }
        return null;
    }

    @Override
    public void close() {
        server.close();
    }
}
