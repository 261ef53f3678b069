package io.gatehouse.testing;

import io.gatehouse.auth.ApiKeyStore;

import java.io.IOException;
import java.util.Map;

/**
 * CORS and response headers set on the server (so one filter sees every answer), with routes that inherit them,
 * replace them, or turn CORS off: {@code read-write} (GET, PUT: no OPTIONS), {@code private} (API key), {@code public}
 * (its own policy for any origin, the security preset, headers of its own), {@code plain} (GET, no CORS),
 * {@code forwards-options} (every method, no CORS), {@code guarded} (IP rules no test address passes) and {@code down}
 * (a dead upstream, the preset). The one real upstream counts what reaches it ({@link #echo()}).
 */
public class CorsTestResource extends UpstreamsTestResource {
    public static final String KEY = "cors-test-key-51f0";
    /** A trusted proxy's address: its {@code X-Forwarded-Proto} is believed. */
    public static final String PROXY = "127.0.0.9";
    private static TestUpstream echo;

    @Override
    protected String[] upstreamNames() {
        return new String[] {"echo"};
    }

    /** The upstream every route but {@code down} goes to. */
    public static TestUpstream echo() {
        return echo;
    }

    @Override
    protected String config(Map<String, String> props) throws IOException {
        echo = upstreams.get("echo");
        return """
                server:
                  trusted-proxies: [%s]
                  cors:
                    origins: ["https://app.example.com", "https://*.example.org"]
                    headers: [Content-Type, X-Custom]
                    expose-headers: [X-Request-ID]
                    credentials: true
                    max-age: 10m
                  response-headers: {add: {X-Gateway: gatehouse}, remove: [Server, X-Powered-By]}
                upstreams:
                  echo: {targets: [{url: %s}]}
                  dead: {targets: [{url: "http://127.0.0.1:%d"}], connect-timeout: 500ms}
                routes:
                  - {id: read-write, path: /rw/**, methods: [GET, PUT], upstream: echo}
                  - {id: private, path: /private/**, methods: [GET, POST], upstream: echo, auth: api-key}
                  - id: public
                    path: /public/**
                    upstream: echo
                    cors: {origins: ["*"], methods: [GET], expose-headers: [X-Instance]}
                    security-headers: true
                    response-headers: {add: {X-Gateway: public-route, Cache-Control: no-store}, remove: [X-Debug]}
                  - {id: plain, path: /plain/**, methods: [GET], upstream: echo, cors: false}
                  - {id: forwards-options, path: /options/**, upstream: echo, cors: false}
                  - {id: guarded, path: /guarded/**, upstream: echo, ip-rules: {allow: [10.0.0.0/8]}}
                  - {id: down, path: /down/**, upstream: dead, security-headers: true}
                  - {id: nested-admin, path: /api/admin/**, methods: [POST, DELETE], upstream: echo, cors: {origins: ["https://admin.example.com"]}}
                  - {id: nested-locked, path: /api/locked/**, methods: [DELETE], upstream: echo, cors: false}
                  - {id: nested-api, path: /api/**, upstream: echo}
                auth:
                  api-keys:
                    header: X-API-Key
                    keys: [{id: browser-app, hash: "%s"}]
                """.formatted(PROXY, url("echo"), GatewayTestResource.closedPort(), ApiKeyStore.hashOf(KEY));
    }
}
