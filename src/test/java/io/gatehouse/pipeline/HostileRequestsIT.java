package io.gatehouse.pipeline;

import io.gatehouse.auth.ApiKeyStore;
import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.Origins;
import io.gatehouse.testing.RawH2;
import io.gatehouse.testing.RawHttp;
import io.gatehouse.testing.TempDirs;
import io.gatehouse.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attacks of the security review, run against the packaged gateway and real origins that read requests their
 * own way (Tomcat, Python's wsgiref, Node, and a raw-socket origin that misbehaves on purpose). Each test checks
 * what the client got and what the origin received.
 */
class HostileRequestsIT {
    static final String KEY = "hostile-test-key-7f3a";
    static Vertx vertx;
    static TestUpstream echo;
    static Origins.Origin servlet;
    static Origins.Origin wsgi;
    static Origins.Origin node;
    static Origins.RawOrigin raw;
    static GatewayProcess gw;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        echo = TestUpstream.start(vertx, "echo");
        servlet = Origins.servlet();
        wsgi = Origins.wsgi();
        node = Origins.node();
        raw = Origins.raw();
        Path config = TempDirs.file("gatehouse-hostile", "gatehouse.yaml");
        Files.writeString(config, """
                upstreams:
                  servlet: {targets: [{url: %s}]}
                  wsgi: {targets: [{url: %s}]}
                  node: {targets: [{url: %s}]}
                  raw: {targets: [{url: %s}], max-connections: 1, timeout: 10s}
                  echo: {targets: [{url: %s}]}
                  fragile:
                    targets: [{url: %s}]
                    max-connections: 4
                    circuit-breaker: {failure-ratio: 0.5, request-volume: 4, delay: 60s}
                auth:
                  api-keys:
                    keys: [{id: tester, hash: "%s", roles: [user]}]
                  jwt:
                    issuer: https://id.example.com
                    secret: "0123456789abcdef0123456789abcdef-hostile"
                routes:
                  - {id: j-admin, path: /j/admin/**, upstream: servlet, auth: api-key}
                  - {id: j-open, path: /j/**, upstream: servlet}
                  - {id: w-admin, path: /w/admin/**, upstream: wsgi, auth: api-key}
                  - {id: w-open, path: /w/**, upstream: wsgi}
                  - {id: n-admin, path: /n/admin/**, upstream: node, auth: api-key}
                  - {id: n-open, path: /n/**, upstream: node}
                  - {id: raw, path: /raw/**, upstream: raw, strip-prefix: /raw}
                  - {id: nsvc, path: "/nsvc/users/{id}", upstream: echo, rewrite: "/internal/users/{id}/profile"}
                  - {id: repos, path: /repos/**, upstream: echo, allow-in-path: [encoded-slash]}
                  - {id: matrix, path: /matrix/**, upstream: servlet, allow-in-path: [path-params]}
                  - {id: any, path: /any/**, upstream: echo, auth: any}
                  - {id: keyed, path: /keyed/**, upstream: echo, auth: api-key}
                  - {id: fragile, path: /fragile/**, upstream: fragile, timeout: 60s}
                  - {id: echo, path: /echo/**, upstream: echo}
                  - {id: bare, path: /bare/**, upstream: echo, strip-prefix: /bare}
                server:
                  trusted-proxies: [127.0.0.2]
                """.formatted(servlet.url(), wsgi.url(), node.url(), raw.url(), echo.url(), echo.url(),
                ApiKeyStore.hashOf(KEY)));
        gw = GatewayProcess.start("hostile-requests", config).awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {servlet, wsgi, node, raw, echo}) {
            if (c != null) {
                c.close();
            }
        }
        vertx.close();
    }

    private static RawHttp.Response get(String target, String... headers) throws Exception {
        return RawHttp.get(gw.port(), target, headers);
    }

    // 1. Interim responses

    @Test
    void anInterim102IsNeverTakenForTheAnswerAndEveryClientGetsItsOwnResponse() throws Exception {
        raw.interim = 102;
        // One upstream connection (max-connections: 1): had the 102 been relayed as final, the real answer to A would
        // have stayed on it and answered B.
        for (String client : new String[] {"alice", "bob", "carol"}) {
            RawHttp.Response r = get("/raw/" + client);
            assertEquals(200, r.status(), r.body());
            assertEquals("answer for /" + client, r.body());
            assertEquals("session=/" + client, r.header("Set-Cookie"));
        }
        raw.interim = 199; // an unknown 1xx is interim too (RFC 9110 §15.2)
        RawHttp.Response r = get("/raw/dave");
        assertEquals("answer for /dave", r.body());
        raw.interim = 102;
    }

    @Test
    void anUnaskedFor101FailsTheRequestAndItsConnectionIsNeverReused() throws Exception {
        RawHttp.Response upgraded = get("/raw/upgrade");
        assertEquals(502, upgraded.status(), upgraded.body());
        assertEquals("upstream_failed", upgraded.json().getString("error"));
        // The stray response the origin sent after the 101 must not answer anyone.
        RawHttp.Response next = get("/raw/plain-after");
        assertEquals(200, next.status(), next.body());
        assertEquals("answer for /plain-after", next.body());
    }

    // 3. HTTP/2 header fields the HTTP/1.1 decoder would refuse

    @Test
    void http2HeaderValuesWithNulCrOrLfAreRefusedAndNeitherLeakConnectionsNorBlameTheTarget() throws Exception {
        int before = echo.requests.get();
        try (RawH2 h2 = RawH2.connect(gw.port())) {
            String[] bad = {"a\u0000b", "a\rb", "a\nb", "a\r\nx-injected: 1", " padded", "padded\t", "x\u0000", "\n"};
            int[] streams = new int[bad.length + 1];
            for (int i = 0; i < bad.length; i++) {
                streams[i] = 1 + 2 * i;
                h2.get(streams[i], "/fragile/echo", "x-evil", bad[i]);
            }
            streams[bad.length] = 1 + 2 * bad.length;
            h2.get(streams[bad.length], "/fragile/echo\r\nx-injected: 1", "x-fine", "ok"); // CR LF in :path
            Map<Integer, Integer> answers = h2.answers(streams);
            for (int stream : streams) {
                assertEquals(400, answers.get(stream), "stream " + stream + ": " + answers);
            }
        }
        assertEquals(before, echo.requests.get(), "a malformed HTTP/2 request reached the upstream");
        // The target was not blamed (4 failures would have opened its breaker) and no connection was held: more than
        // max-connections requests in a row all pass at once.
        for (int i = 0; i < 12; i++) {
            RawHttp.Response r = get("/fragile/echo");
            assertEquals(200, r.status(), r.body());
        }
    }

    // 4. Strict HTTP/1.1 framing

    @Test
    void transferCodingsOtherThanASingleChunkedAreRefusedAndNeverForwarded() throws Exception {
        int before = echo.requests.get();
        byte[] body = "5\r\nhello\r\n0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals(501, RawHttp.send(gw.port(), List.of("POST /echo/x HTTP/1.1", "Host: localhost",
                "Transfer-Encoding: xchunked"), "hello".getBytes()).status());
        assertEquals(400, RawHttp.send(gw.port(), List.of("POST /echo/x HTTP/1.1", "Host: localhost",
                "Transfer-Encoding: xchunked", "Content-Length: 5"), "hello".getBytes()).status());
        assertEquals(501, RawHttp.send(gw.port(), List.of("POST /echo/x HTTP/1.1", "Host: localhost",
                "Transfer-Encoding: gzip, chunked"), body).status());
        assertEquals(400, RawHttp.send(gw.port(), List.of("POST /echo/x HTTP/1.1", "Host: localhost",
                "Transfer-Encoding: chunked", "Transfer-Encoding: chunked"), body).status());
        assertEquals(400, RawHttp.send(gw.port(), List.of("POST /echo/x HTTP/1.1", "Host: localhost",
                "Transfer-Encoding: chunked, identity"), body).status());
        assertEquals(before, echo.requests.get(), "an ambiguous body was forwarded");
        // the one accepted coding still works
        RawHttp.Response ok = RawHttp.send(gw.port(), List.of("POST /echo/x HTTP/1.1", "Host: localhost",
                "Transfer-Encoding: chunked"), body);
        assertEquals(200, ok.status(), ok.body());
        assertEquals(5, ok.json().getInteger("bodyLength"));
    }

    @Test
    void chunkedBesideAContentLengthIsRefusedWhateverTheVersionSaysSoNothingIsSmuggledUpstream() throws Exception {
        String smuggled = "GET /echo/smuggled HTTP/1.1\r\nHost: t\r\nX-A: b\r\n\r\n";
        byte[] body = (Integer.toHexString(smuggled.length()) + "\r\n" + smuggled + "\r\n0\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        int before = echo.requests.get();
        for (String version : new String[] {"HTTP/1.0", "HTTP/1.2", "HTTP/1.1"}) {
            RawHttp.Response r = RawHttp.send(gw.port(), List.of("POST /echo/x " + version, "Host: localhost",
                    "Transfer-Encoding: chunked", "Content-Length: 0"), body);
            assertEquals(400, r.status(), version + ": " + r.body());
            assertEquals("bad_request", r.json().getString("error"), version);
        }
        assertEquals(before, echo.requests.get(), "a request with both framings, or the one hidden in it, went upstream");
        // RFC 9112 §6.3: the connection is closed after the answer (Netty 4.1.133 refuses the head itself)
        RawHttp.Conversation c = RawHttp.converse(gw.port(), 1, 0, "POST /echo/x HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertEquals(400, c.last().status());
        assertTrue(c.closed(), "the connection stayed open after Transfer-Encoding beside Content-Length");
    }

    @Test
    void invalidChunkedFramingIsAnswered400AndTheUpstreamRequestIsNeverCompleted() throws Exception {
        for (String bad : new String[] {"zz\r\nhello\r\n0\r\n\r\n", "-5\r\nhello\r\n0\r\n\r\n",
                "5\r\nhello world\r\n0\r\n\r\n"}) {
            int completed = echo.uploadsCompleted.get();
            RawHttp.Response r = RawHttp.send(gw.port(), List.of("POST /bare/upload HTTP/1.1", "Host: localhost",
                    "Transfer-Encoding: chunked"), bad.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertEquals(400, r.status(), bad + ": " + r.body());
            assertEquals(completed, echo.uploadsCompleted.get(), bad + ": the upstream got a broken body as complete");
        }
        // the same upload, framed well, does complete upstream: the count above can move
        int completed = echo.uploadsCompleted.get();
        assertEquals(200, RawHttp.send(gw.port(), List.of("POST /bare/upload HTTP/1.1", "Host: localhost",
                "Transfer-Encoding: chunked"), "5\r\nhello\r\n0\r\n\r\n".getBytes()).status());
        assertEquals(completed + 1, echo.uploadsCompleted.get());
    }

    /**
     * Chunk-size lines Netty's decoder reads leniently (leading white space, digits after white space or a control
     * character), and others RFC 9112 §7.1 does not allow, are refused: 400 in the JSON shape and the connection
     * closed, whether they come with the head, after the upstream request started, or on a connection's second
     * request; the upstream never gets the body as complete.
     */
    @Test
    void chunkSizeLinesAreReadAsRfc9112WritesThem() throws Exception {
        String upload = "POST /bare/upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
        String warmUp = "GET /echo/warm HTTP/1.1\r\nHost: localhost\r\n\r\n";
        for (String size : new String[] {" 5", "5 5", "5\t1", "5\u00000", "5 ", "5\r", "5;", "5;a b", "5;a=\"x",
                "5 x", "0".repeat(5000) + "5"}) {
            for (int when = 0; when < 3; when++) {
                int completed = echo.uploadsCompleted.get();
                String bad = size + "\r\nhello\r\n0\r\n\r\n";
                RawHttp.Conversation c = switch (when) {
                    case 0 -> RawHttp.converse(gw.port(), 1, 0, upload + bad);
                    // a good chunk first: the upstream request has started when the bad line arrives
                    case 1 -> RawHttp.converse(gw.port(), 1, 300, upload + "3\r\nabc\r\n", bad);
                    default -> RawHttp.converse(gw.port(), 2, 0, warmUp + upload + bad);
                };
                String what = "size line '" + (size.length() > 20 ? size.length() + " characters" : size.replace("\0", "<NUL>"))
                        + "' (" + when + ")";
                assertEquals(400, c.last().status(), what + ": " + c.last().body());
                assertEquals("bad_request", c.last().json().getString("error"), what);
                assertTrue(c.closed(), what + ": the connection stayed open");
                assertEquals(completed, echo.uploadsCompleted.get(), what + ": the upstream got the body as complete");
            }
        }
        // well-formed extensions (BWS before ';' and around '='), leading zeros, upper case: still read (Netty
        // itself refuses white space after ';', which RFC 9112 allows: stricter, so left as it is)
        for (String size : new String[] {"5;ext=1", "5 ;a=\"q\"", "5\t;a = b;c", "0005", "5;a=\"x\\\"y\"",
                "5;a=\"\"", "0000000000000005"}) {
            RawHttp.Conversation c = RawHttp.converse(gw.port(), 1, 0, upload + size + "\r\nhello\r\n0\r\n\r\n");
            assertEquals(200, c.last().status(), size + ": " + c.last().body());
            assertEquals(5, c.last().json().getInteger("bytes"), size);
        }
        RawHttp.Conversation c = RawHttp.converse(gw.port(), 1, 0, upload + "A\r\nhello worl\r\n0\r\n\r\n");
        assertEquals(10, c.last().json().getInteger("bytes"));
    }

    /**
     * Vert.x' h2c upgrade turns a request into stream 1 without looking at its decoder result: a request that asks
     * for the upgrade and breaks its framing must not be served with what was read of it (the echo origin's answer,
     * which names the body's length, would come back in a DATA frame).
     */
    @Test
    void anUpgradeRequestThatBreaksItsFramingIsNotServed() throws Exception {
        String upgrade = "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n";
        // the client's HTTP/2 preface and an empty SETTINGS frame, sent right behind the request as curl does
        String preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0";
        String fine = RawHttp.readFor(gw.port(), "POST /echo/upgrade-fine HTTP/1.1\r\nHost: localhost\r\n" + upgrade
                + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + preface, 3000); // HTTP/2 stays open
        assertTrue(fine.contains("\"bodyLength\":3"), "a well-formed upgrade is served (the check below can fail): " + fine);
        String badChunk = RawHttp.untilClosed(gw.port(), "POST /echo/upgrade-bad-chunk HTTP/1.1\r\nHost: localhost\r\n" + upgrade
                + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n5 5\r\nhello\r\n0\r\n\r\n" + preface);
        assertFalse(badChunk.contains("bodyLength"), "served with a body cut short: " + badChunk);
        String twoHosts = RawHttp.untilClosed(gw.port(), "GET /echo/upgrade-two-hosts HTTP/1.1\r\nHost: localhost\r\nHost: elsewhere\r\n"
                + upgrade + "\r\n" + preface);
        assertFalse(twoHosts.contains("bodyLength"), "served with two Host fields: " + twoHosts);
    }

    /**
     * The first request of an h2c-upgraded connection is a bodiless GET: it reaches the upstream without a body, as
     * any other bodiless HTTP/2 request does, with the Content-Length the client sent or none: curl's upgrade GET
     * (raw here) has none, the JDK client's (it upgrades http:// with HTTP_2) says 0.
     */
    @Test
    void aBodilessRequestThatUpgradesToH2cReachesTheUpstreamWithoutABody() throws Exception {
        try (RawH2 h2 = RawH2.upgrade(gw.port(), "/echo/upgraded-raw")) {
            JsonObject seen = new JsonObject(h2.body(1));
            JsonObject headers = seen.getJsonObject("headers");
            assertNull(headers.getString("transfer-encoding"), "the upgrade's bodiless GET went upstream chunked: "
                    + headers);
            assertNull(headers.getString("content-length"), headers.toString());
            assertEquals(0, seen.getInteger("bodyLength"));
        }
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_2).build();
        java.net.http.HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(gw.url("/echo/upgraded"))).timeout(Duration.ofSeconds(30)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(java.net.http.HttpClient.Version.HTTP_2, r.version(), "the connection was not upgraded");
        JsonObject seen = new JsonObject(r.body());
        JsonObject headers = seen.getJsonObject("headers");
        assertNull(headers.getString("transfer-encoding"), "the upgrade's bodiless GET went upstream chunked: " + headers);
        // as the client sent it: the JDK client's upgrade GET says Content-Length: 0
        assertEquals("0", headers.getString("content-length"), headers.toString());
        assertEquals(0, seen.getInteger("bodyLength"));
        assertEquals("127.0.0.1:" + gw.port(), headers.getString("x-forwarded-host"));
    }

    @Test
    void anUnsupportedHttpVersionIs505AndALaterOneXIsServedAsHttp11() throws Exception {
        int before = echo.requests.get();
        for (String version : new String[] {"HTTP/2.0", "HTTP/0.9", "HTTP/3.1"}) {
            RawHttp.Response r = RawHttp.send(gw.port(), List.of("GET /echo/x " + version, "Host: localhost"), null);
            assertEquals(505, r.status(), version + ": " + r.body());
            assertEquals("http_version_not_supported", r.json().getString("error"));
            assertEquals("HTTP/1.1", r.statusLine().split(" ")[0], "a status line the client can read");
        }
        assertEquals(before, echo.requests.get());
        RawHttp.Response later = RawHttp.send(gw.port(), List.of("GET /echo/x HTTP/1.2", "Host: localhost"), null);
        assertEquals(200, later.status(), later.body()); // RFC 9110 §2.5
        assertEquals("HTTP/1.1", later.statusLine().split(" ")[0]);
    }

    @Test
    void anHttp10KeepAliveClientNeverGetsChunkedAndIsNotLeftWaiting() throws Exception {
        // RawHttp reads a body without a length until the connection closes (10 s read timeout): had the gateway
        // kept the connection open, the read would time out.
        RawHttp.Response r = RawHttp.send(gw.port(), List.of("GET /bare/chunked HTTP/1.0", "Host: localhost",
                "Connection: keep-alive"), null);
        assertEquals(200, r.status());
        assertNull(r.header("Transfer-Encoding"));
        assertEquals("part-1-part-2", r.body());
        assertEquals("close", r.header("Connection"), "a response ended by closing said keep-alive");
        // with a length, the connection is kept as the client asked
        RawHttp.Response kept = RawHttp.send(gw.port(), List.of("GET /echo/x HTTP/1.0", "Host: localhost",
                "Connection: keep-alive"), null);
        assertEquals(200, kept.status());
        assertEquals("keep-alive", kept.header("Connection"));
    }

    // 5. Headers the gateway does not own

    @Test
    void forwardingClaimsFromAClientAreDroppedAndATrustedProxysAreKept() throws Exception {
        String[] claims = {"Forwarded: for=1.2.3.4;proto=https", "X-Forwarded-Proto: https", "X-Forwarded-Port: 443",
                "X-Forwarded-Prefix: /admin", "X-Real-IP: 1.2.3.4", "X-Original-URL: /admin", "X-Rewrite-URL: /admin",
                "X-Forwarded-Host: evil.example.com", "X-Forwarded-For: 1.2.3.4"};
        List<String> head = new ArrayList<>(List.of("GET /echo/x HTTP/1.1", "Host: api.example.com"));
        head.addAll(List.of(claims));
        JsonObject fromClient = RawHttp.send(gw.port(), head, null).json().getJsonObject("headers");
        for (String name : new String[] {"forwarded", "x-forwarded-port", "x-forwarded-prefix", "x-real-ip",
                "x-original-url", "x-rewrite-url"}) {
            assertNull(fromClient.getString(name), name + " reached the upstream from an untrusted client");
        }
        assertEquals("http", fromClient.getString("x-forwarded-proto"));
        assertEquals("api.example.com", fromClient.getString("x-forwarded-host"));
        assertEquals("1.2.3.4, 127.0.0.1", fromClient.getString("x-forwarded-for"));

        JsonObject fromProxy = RawHttp.sendFrom("127.0.0.2", gw.port(), head, null).json().getJsonObject("headers");
        assertEquals("https", fromProxy.getString("x-forwarded-proto"), "the TLS load balancer's https is kept");
        assertEquals("for=1.2.3.4;proto=https", fromProxy.getString("forwarded"));
        assertEquals("evil.example.com", fromProxy.getString("x-forwarded-host"));
        assertEquals("443", fromProxy.getString("x-forwarded-port"));
        assertNull(fromProxy.getString("x-original-url"), "routing overrides pass from nobody");
        assertEquals("1.2.3.4, 127.0.0.2", fromProxy.getString("x-forwarded-for"));
    }

    @Test
    void aBodilessHttp2RequestReachesTheUpstreamWithoutABody() throws Exception {
        io.vertx.core.http.HttpClient h2 = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
        try {
            JsonObject seen = h2.request(io.vertx.core.http.HttpMethod.GET, gw.port(), "127.0.0.1", "/echo/h2")
                    .compose(req -> req.send())
                    .compose(resp -> resp.body().map(b -> new JsonObject(b.toString())))
                    .toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
            JsonObject headers = seen.getJsonObject("headers");
            assertNull(headers.getString("transfer-encoding"), "a bodiless HTTP/2 GET went upstream chunked: " + headers);
            assertEquals(0, seen.getInteger("bodyLength"));
            assertEquals("127.0.0.1:" + gw.port(), headers.getString("x-forwarded-host"));
        } finally {
            h2.close();
        }
    }

    // 2. Path tricks

    @Test
    void pathParametersCannotReachAProtectedServletThroughAnOpenRoute() throws Exception {
        int before = servlet.seen().size();
        for (String trick : new String[] {"/j/admin;/secret", "/j/admin;x=1/secret", "/j/admin;", "/j/ADMIN;/secret",
                "/j/x/..;/admin/secret"}) {
            RawHttp.Response r = get(trick);
            assertEquals(400, r.status(), trick + ": " + r.body()); // no route here allows ;params
            assertEquals("bad_path", r.json().getString("error"), trick);
        }
        // Matched as /j/admin/…, as the container reads it: the key is asked for.
        assertEquals(401, get("/j/Admin/secret").status());
        // With the key, ;params are still refused there: the route does not allow them.
        assertEquals(400, get("/j/admin;/secret", "X-API-Key: " + KEY).status());
        assertEquals(servlet.seen().size(), before, "the servlet container was reached: " + servlet.seen());
        // The open route still works, and the protected one with the key.
        assertEquals("servlet open /j/page", get("/j/page").body());
        assertEquals("servlet admin /j/admin/secret", get("/j/admin/secret", "X-API-Key: " + KEY).body());
        // A route that allows ;params passes them on as they came.
        assertEquals("servlet open /matrix/items", get("/matrix/items;v=2").body());
    }

    @Test
    void encodedSlashesCannotReachAProtectedWsgiPathThroughAnOpenRoute() throws Exception {
        for (String trick : new String[] {"/w/admin%2Fsecret", "/w/admin%2fsecret", "/w/admin%5Csecret",
                "/w/%2561dmin/secret", "/w/admin%252Fsecret"}) {
            RawHttp.Response r = get(trick);
            assertEquals(400, r.status(), trick + ": " + r.body());
            assertEquals("bad_path", r.json().getString("error"), trick);
        }
        assertTrue(wsgi.seen().stream().noneMatch(p -> p.contains("admin")), "wsgi saw " + wsgi.seen());
        // The decoded form of an unreserved encoding routes as what it is: /w/%61dmin is /w/admin, which needs a key.
        assertEquals(401, get("/w/%61dmin/secret").status());
        JsonObject ok = get("/w/admin/secret", "X-API-Key: " + KEY).json();
        assertEquals("/w/admin/secret", ok.getString("path"));
        // A route that allows encoded slashes forwards them unchanged.
        assertEquals("/repos/group%2Fproject", get("/repos/group%2Fproject").json().getString("uri"));
    }

    @Test
    void charactersUpstreamsReadDifferentlyAreRefusedBeforeAnyOrigin() throws Exception {
        int nodeBefore = node.seen().size();
        for (String trick : new String[] {"/n/admin#/secret", "/n/admin\\secret", "/n/admin./secret", "/n/admin%20",
                "/n/admin%00", "/n/a\"b", "/n/a<b>", "/n/a{b}", "/n/a|b", "/n/a^b", "/n/a`b", "/n/admin%0d%0a"}) {
            RawHttp.Response r = get(trick);
            assertEquals(400, r.status(), trick + ": " + r.body());
        }
        assertEquals(nodeBefore, node.seen().size(), "node saw " + node.seen());
        assertEquals("/n/page?q=1", get("/n/page?q=1").json().getString("url"));
    }

    @Test
    void aRewriteCannotBeSteeredByTheClient() throws Exception {
        assertEquals(400, get("/nsvc/users/7#").status());
        // an encoded '#' stays data inside its segment
        assertEquals("/internal/users/7%23x/profile", get("/nsvc/users/7%23x").json().getString("uri"));
        assertEquals("/internal/users/7/profile", get("/nsvc/users/7").json().getString("uri"));
    }

    @Test
    void methodsAreCaseSensitiveTokens() throws Exception {
        int before = node.seen().size();
        RawHttp.Response r = RawHttp.send(gw.port(), List.of("get /n/page HTTP/1.1", "Host: localhost"), null);
        assertEquals(400, r.status(), r.body());
        assertEquals(before, node.seen().size(), "node saw " + node.seen());
    }

    // 6. Credentials that did not decide

    @Test
    void onlyTheVerifiedCredentialReachesTheUpstream() throws Exception {
        String forged = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiIsImlzcyI6Imh0dHBzOi8vaWQuZXhhbXBsZS5jb20ifQ.";
        JsonObject seen = get("/any/x", "X-API-Key: " + KEY, "Authorization: Bearer " + forged).json();
        JsonObject headers = seen.getJsonObject("headers");
        assertEquals("tester", headers.getString("x-user-id"));
        assertNull(headers.getString("authorization"), "the unverified bearer token went upstream");
        assertEquals(KEY, headers.getString("x-api-key"));
        // A bearer token on an api-key route did not decide either.
        headers = get("/keyed/x", "X-API-Key: " + KEY, "Authorization: Bearer " + forged).json().getJsonObject("headers");
        assertNull(headers.getString("authorization"));
    }

    @Test
    void anUnderscoreSpellingOfTheKeyHeaderCountsAsASecondCopy() throws Exception {
        int before = echo.requests.get();
        RawHttp.Response r = get("/keyed/x", "X-API-Key: " + KEY, "X_API_Key: someone-else");
        assertEquals(400, r.status(), r.body());
        assertEquals(before, echo.requests.get());
    }

    @Test
    void repeatedCredentialHeadersAreRefused() throws Exception {
        int before = echo.requests.get();
        List<RawHttp.Response> answers = new ArrayList<>();
        answers.add(get("/keyed/x", "X-API-Key: " + KEY, "X-API-Key: " + KEY));
        answers.add(get("/keyed/x", "X-API-Key: wrong", "X-API-Key: " + KEY));
        answers.add(get("/any/x", "Authorization: Bearer a.b.c", "Authorization: Bearer d.e.f"));
        for (RawHttp.Response r : answers) {
            assertEquals(400, r.status(), r.body());
            assertFalse(r.body().contains(KEY), "the key was echoed");
        }
        assertEquals(before, echo.requests.get(), "a request with two credentials reached the upstream");
    }

    // Hosts

    @Test
    void stripPrefixFollowsRoutingInIgnoringCase() throws Exception {
        assertEquals("/x", get("/BARE/x").json().getString("uri"));
    }

    @Test
    void anEncodedSemicolonIsAPathParameterToo() throws Exception {
        assertEquals(400, get("/j/admin%3Bx/secret").status());
        assertEquals(400, get("/j/admin%3bx/secret", "X-API-Key: " + KEY).status());
    }

    @Test
    void withSeveralForwardedForLinesFromATrustedProxyTheClientIsTheRightMostUntrusted() throws Exception {
        List<String> head = List.of("GET /echo/xff HTTP/1.1", "Host: localhost", "X-Request-ID: xff-lines-1",
                "X-Forwarded-For: 6.6.6.6", "X-Forwarded-For: 203.0.113.7");
        assertEquals(200, RawHttp.sendFrom("127.0.0.2", gw.port(), head, null).status());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String line = null;
        while (line == null && System.nanoTime() < deadline) {
            line = gw.output().lines().filter(l -> l.contains("\"xff-lines-1\"")).findFirst().orElse(null);
            Thread.sleep(20);
        }
        assertTrue(line != null && line.contains("\"client_ip\":\"203.0.113.7\""), "access log: " + line);
    }

    @Test
    void aForwardedHeaderFromATrustedProxyNamesTheClient() throws Exception {
        List<String> head = List.of("GET /echo/fwd HTTP/1.1", "Host: localhost", "X-Request-ID: forwarded-1",
                "Forwarded: for=6.6.6.6, for=\"198.51.100.4:5555\";proto=https");
        assertEquals(200, RawHttp.sendFrom("127.0.0.2", gw.port(), head, null).status());
        String line = accessLogLine("forwarded-1");
        assertTrue(line != null && line.contains("\"client_ip\":\"198.51.100.4\""), "access log: " + line);
    }

    @Test
    void aForgedForwardingHeaderFromAnUntrustedPeerChangesNothing() throws Exception {
        List<String> head = List.of("GET /echo/forged HTTP/1.1", "Host: localhost", "X-Request-ID: forged-xff-1",
                "X-Forwarded-For: 203.0.113.66", "Forwarded: for=203.0.113.67");
        assertEquals(200, RawHttp.sendFrom("127.0.0.1", gw.port(), head, null).status());
        String line = accessLogLine("forged-xff-1");
        assertTrue(line != null && line.contains("\"client_ip\":\"127.0.0.1\""), "access log: " + line);
    }

    private static String accessLogLine(String requestId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String line = null;
        while (line == null && System.nanoTime() < deadline) {
            line = gw.output().lines().filter(l -> l.contains("\"" + requestId + "\"")).findFirst().orElse(null);
            Thread.sleep(20);
        }
        return line;
    }

    @Test
    void twoHostHeadersOrABadHostAreRefused() throws Exception {
        for (String second : new String[] {"Host: b.example.com", "host: a.example.com", "HOST:a.example.com"}) {
            RawHttp.Conversation twice = RawHttp.converse(gw.port(), 1, 0, "GET /keyed/x HTTP/1.1\r\n"
                    + "Host: a.example.com\r\n" + second + "\r\n\r\n");
            assertEquals(400, twice.last().status(), second);
            assertEquals("more than one Host header", twice.last().json().getString("message"), second);
            assertTrue(twice.closed(), second);
        }
        assertEquals(400, RawHttp.send(gw.port(), List.of("GET /n/x HTTP/1.1", "Host: [api.example.com]"), null).status());
        assertEquals(400, RawHttp.send(gw.port(), List.of("GET /n/x HTTP/1.1", "Host: user@api.example.com"), null).status());
        assertEquals(400, RawHttp.send(gw.port(), List.of("GET /n/x HTTP/1.1", "Host: api.example.com.."), null).status());
        assertEquals(400, RawHttp.send(gw.port(), List.of("GET /n/x HTTP/1.1", "Host: .example.com"), null).status());
        assertEquals(200, RawHttp.send(gw.port(), List.of("GET /n/x HTTP/1.1", "Host: api.example.com."), null).status());
        assertEquals(200, RawHttp.send(gw.port(), List.of("GET /n/x HTTP/1.1", "Host: [::1]:8080"), null).status());
    }
}
