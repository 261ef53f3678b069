package io.gatehouse.testing;

import io.vertx.core.http.HttpServer;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Two web origins a browser loads a page from, {@link #allowedOrigin()} and {@link #otherOrigin()} (two small servers
 * on 127.0.0.1, so two ports: two origins), and a gateway whose {@code api} route (GET and PUT, no OPTIONS) allows the
 * first with credentials, while {@code closed} has no CORS, and {@code guarded} (IP rules no test address passes) has
 * a policy, the security preset and a header of its own. All of it is set on routes only: the gateway then has no
 * filter in its global stage for it. The upstream counts what reaches it ({@link #echo()}).
 */
public class CorsBrowserTestResource extends UpstreamsTestResource {
    private static TestUpstream echo;
    private static HttpServer allowed;
    private static HttpServer other;

    @Override
    protected String[] upstreamNames() {
        return new String[] {"echo"};
    }

    public static TestUpstream echo() {
        return echo;
    }

    public static String allowedOrigin() {
        return "http://127.0.0.1:" + allowed.actualPort();
    }

    public static String otherOrigin() {
        return "http://127.0.0.1:" + other.actualPort();
    }

    @Override
    protected String config(Map<String, String> props) {
        echo = upstreams.get("echo");
        allowed = page();
        other = page();
        return """
                upstreams:
                  echo: {targets: [{url: %s}]}
                routes:
                  - id: api
                    path: /api/**
                    methods: [GET, PUT]
                    upstream: echo
                    cors: {origins: ["%s"], headers: [Content-Type, X-Custom], expose-headers: [X-Request-ID],
                           credentials: true, max-age: 0}
                    security-headers: true
                  - {id: closed, path: /closed/**, upstream: echo}
                  - id: guarded
                    path: /guarded/**
                    upstream: echo
                    ip-rules: {allow: [10.0.0.0/8]}
                    cors: {origins: ["https://app.example.com"]}
                    security-headers: true
                    response-headers: {add: {X-Route: guarded}}
                """.formatted(url("echo"), allowedOrigin());
    }

    /** A server of one blank page: where a script runs from. */
    private HttpServer page() {
        HttpServer server = vertx.createHttpServer().requestHandler(req -> req.response()
                .putHeader("Content-Type", "text/html; charset=utf-8")
                .end("<!doctype html><html><head><title>app</title></head><body>app</body></html>"));
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return server;
    }
}
