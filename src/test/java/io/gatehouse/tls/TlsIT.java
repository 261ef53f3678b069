package io.gatehouse.tls;

import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.TempDirs;
import io.gatehouse.testing.TestCertificates;
import io.gatehouse.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code server.tls} on the packaged gateway, with real TLS clients ({@code openssl s_client}, {@code curl}, the JDK's
 * HTTP client and sockets): SNI, ALPN, old versions refused, client certificates for {@code auth: mtls}, renewed
 * files picked up for new connections while open ones keep working, half-written pairs refused. Two gateways run
 * the same checks: one on OpenSSL (netty-tcnative, the default where it loads), one on the JDK's engine.
 */
class TlsIT {
    private static Vertx vertx;
    private static TestUpstream upstream;
    /** An HTTPS origin whose certificate the test CA signed (for "localhost"). */
    private static io.vertx.core.http.HttpServer httpsOrigin;
    private static TestCertificates certs;
    private static GatewayProcess openssl;
    private static GatewayProcess jdk;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        upstream = TestUpstream.start(vertx, "tls-origin");
        certs = TestCertificates.create("gatehouse-tls");
        certs.server("a", "ca", "rsa", "a.test", "localhost")
                .server("b-openssl", "ca", "ec", "b.test", "*.wild.test")
                .server("b-jdk", "ca", "ec", "b.test", "*.wild.test")
                .client("client", "ca", "/O=Gatehouse Tests/CN=client-one", "spiffe://test/client-one")
                .ca("other-ca", "Unknown CA")
                .client("stranger", "other-ca", "/CN=stranger", "spiffe://elsewhere/stranger");
        certs.server("origin", "ca", "ec", "localhost");
        httpsOrigin = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setSsl(true)
                        .setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
                                .setCertPath(certs.file("origin.crt").toString()).setKeyPath(certs.file("origin.key").toString())))
                .requestHandler(r -> r.response().end("secure origin saw " + r.path()))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        openssl = startGateway("openssl", "auto", true);
        jdk = startGateway("jdk", "jdk", false);
    }

    private static GatewayProcess startGateway(String name, String engine, boolean redirect) throws Exception {
        Path config = TempDirs.file("gatehouse-tls-" + name, "gatehouse.yaml");
        Files.writeString(config, """
                server:
                  tls:
                    port: 0
                    engine: %s
                    redirect-http: %s
                    certificates:
                      - {cert: %s, key: %s}
                      - {cert: %s, key: %s}
                    client-auth: request
                    client-ca: %s
                admin: {token-file: %s}
                upstreams:
                  app: {targets: [{url: %s}]}
                  trusted: {targets: [{url: "https://localhost:%d"}], tls: {ca: %s}}
                  wrong-name: {targets: [{url: "https://127.0.0.1:%d"}], tls: {ca: %s}}
                  default-trust: {targets: [{url: "https://localhost:%d"}]}
                  unverified: {targets: [{url: "https://localhost:%d"}], tls: {verify: false}}
                routes:
                  - {id: secure, path: /secure/**, upstream: app, auth: mtls}
                  - {id: hardened, path: /hardened/**, upstream: app, security-headers: true}
                  - {id: trusted, path: /up/trusted/**, upstream: trusted}
                  - {id: wrong-name, path: /up/wrong-name/**, upstream: wrong-name}
                  - {id: default-trust, path: /up/default/**, upstream: default-trust}
                  - {id: unverified, path: /up/unverified/**, upstream: unverified}
                  - {id: open, path: /**, upstream: app}
                """.formatted(engine, redirect, certs.file("a.crt"), certs.file("a.key"),
                certs.file("b-" + name + ".crt"), certs.file("b-" + name + ".key"), certs.file("ca.crt"), adminToken(), upstream.url(),
                httpsOrigin.actualPort(), certs.file("ca.crt"), httpsOrigin.actualPort(), certs.file("ca.crt"),
                httpsOrigin.actualPort(), httpsOrigin.actualPort()));
        return GatewayProcess.start("tls-" + name, config, "-Dgatehouse.reload-interval=200ms")
                .awaitReady(Duration.ofSeconds(30));
    }

    private static Path adminToken() throws Exception {
        Path token = certs.file("admin-token");
        Files.writeString(token, "tls-admin-token-0123456789abcdef");
        return token;
    }

    private static JsonObject adminTls(GatewayProcess gw) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gw.managementPort() + "/admin/tls"))
                .header("Authorization", "Bearer tls-admin-token-0123456789abcdef").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body());
    }

    @AfterAll
    static void stop() throws Exception {
        for (GatewayProcess gw : new GatewayProcess[] {openssl, jdk}) {
            if (gw != null) {
                gw.close();
            }
        }
        upstream.close();
        httpsOrigin.close();
        vertx.close();
    }

    private static List<GatewayProcess> gateways() {
        return List.of(openssl, jdk);
    }

    @Test
    void eachEngineIsTheOneAskedFor() throws Exception {
        assertTrue(openssl.output().contains("TLS engine: OpenSSL"), openssl.output());
        assertTrue(jdk.output().contains("TLS engine: JDK"), jdk.output());
    }

    @Test
    void eachSniNameGetsItsCertificateAndNoNameGetsTheFirst() throws Exception {
        for (GatewayProcess gw : gateways()) {
            assertEquals("CN=a.test", leaf(gw, "a.test").getSubjectX500Principal().getName());
            assertEquals("CN=b.test", leaf(gw, "b.test").getSubjectX500Principal().getName());
            assertEquals("CN=a.test", leaf(gw, null).getSubjectX500Principal().getName());
            assertEquals("CN=a.test", leaf(gw, "unknown.test").getSubjectX500Principal().getName());
            // a wildcard name, in any case: one label under it
            assertEquals("CN=b.test", leaf(gw, "api.wild.test").getSubjectX500Principal().getName());
            assertEquals("CN=b.test", leaf(gw, "API.Wild.Test").getSubjectX500Principal().getName());
            assertEquals("CN=a.test", leaf(gw, "deep.api.wild.test").getSubjectX500Principal().getName());
            // and s_client sees the same, verified against the CA
            String b = sClient(gw, "-servername", "b.test");
            assertTrue(b.contains("CN = b.test") && b.contains("Verify return code: 0 (ok)"), b);
        }
    }

    @Test
    void alpnOffersH2AndHttp11() throws Exception {
        for (GatewayProcess gw : gateways()) {
            assertTrue(sClient(gw, "-alpn", "h2").contains("ALPN protocol: h2"));
            assertTrue(sClient(gw, "-alpn", "http/1.1").contains("ALPN protocol: http/1.1"));
            HttpClient client = HttpClient.newBuilder().sslContext(trustingCa()).version(HttpClient.Version.HTTP_2).build();
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + gw.tlsPort() + "/open/h2")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals(HttpClient.Version.HTTP_2, response.version());
            JsonObject seen = new JsonObject(response.body());
            assertEquals("https", seen.getJsonObject("headers").getString("x-forwarded-proto"));
        }
    }

    @Test
    void tlsOlderThan12IsRefusedAnd12And13Work() throws Exception {
        for (GatewayProcess gw : gateways()) {
            for (String old : List.of("-tls1", "-tls1_1")) {
                TestCertificates.Result r = sClientRaw(gw, old, "-cipher", "DEFAULT@SECLEVEL=0");
                assertNotEquals(0, r.exit(), r.output());
                assertTrue(r.output().contains("Cipher is (NONE)"), "no session was agreed: " + r.output());
            }
            String v12 = sClient(gw, "-tls1_2");
            assertTrue(v12.contains("New, TLSv1.2, Cipher is ECDHE-"), v12);
            String v13 = sClient(gw, "-tls1_3");
            assertTrue(v13.contains("New, TLSv1.3, Cipher is TLS_"), v13);
            // TLS 1.2 without forward secrecy (plain RSA key exchange) is not offered
            TestCertificates.Result plainRsa = sClientRaw(gw, "-tls1_2", "-cipher", "AES128-SHA:AES128-GCM-SHA256");
            assertTrue(plainRsa.output().contains("Cipher is (NONE)"), plainRsa.output());
        }
    }

    @Test
    void curlVerifiesTheCertificateByName() throws Exception {
        for (GatewayProcess gw : gateways()) {
            int port = gw.tlsPort();
            String out = certs.run(List.of("curl", "-sS", "--cacert", "ca.crt", "--resolve", "a.test:" + port + ":127.0.0.1",
                    "https://a.test:" + port + "/open/curl"), null, 30);
            assertEquals("/open/curl", new JsonObject(out).getString("path"), out);
            String h2 = certs.run(List.of("curl", "-sS", "--http2", "-o", "/dev/null", "-w", "%{http_version}",
                    "--cacert", "ca.crt", "--resolve", "b.test:" + port + ":127.0.0.1", "https://b.test:" + port + "/x"), null, 30);
            assertEquals("2", h2);
        }
    }

    @Test
    void anMtlsRouteTakesOnlyAVerifiedClientCertificateAndPassesItsSubjectOn() throws Exception {
        for (GatewayProcess gw : gateways()) {
            String url = "https://a.test:" + gw.tlsPort();
            List<String> base = List.of("curl", "-sS", "--cacert", "ca.crt", "--resolve", "a.test:" + gw.tlsPort() + ":127.0.0.1",
                    "-H", "X-Forwarded-Client-Cert: Subject=\"CN=forged\"");
            String good = certs.run(concat(base, "--cert", "client.crt", "--key", "client.key", url + "/secure/x"), null, 30);
            JsonObject seen = new JsonObject(good);
            String xfcc = seen.getJsonObject("headers").getString("x-forwarded-client-cert");
            assertNotNull(xfcc, good);
            assertTrue(xfcc.startsWith("Hash=") && xfcc.contains(";Subject=\"CN=client-one,O=Gatehouse Tests\"")
                    && xfcc.endsWith(";URI=spiffe://test/client-one"), xfcc);
            assertFalse(xfcc.contains("forged"), xfcc);
            assertEquals("CN=client-one,O=Gatehouse Tests", seen.getJsonObject("headers").getString("x-user-id"));

            String missing = certs.run(concat(base, "-w", "\n%{http_code}", url + "/secure/x"), null, 30);
            assertTrue(missing.endsWith("\n401") && missing.contains("\"error\":\"unauthorized\""), missing);

            TestCertificates.Result stranger = certs.runAllowingFailure(concat(base, "--cert", "stranger.crt", "--key",
                    "stranger.key", url + "/secure/x"), null, 30);
            assertNotEquals(0, stranger.exit(), "a certificate from an unknown CA fails the handshake: " + stranger.output());

            // on a route without mtls, a client's own X-Forwarded-Client-Cert never reaches the upstream
            String open = certs.run(concat(base, "--cert", "client.crt", "--key", "client.key", url + "/open/x"), null, 30);
            assertFalse(new JsonObject(open).getJsonObject("headers").containsKey("x-forwarded-client-cert"), open);
        }
    }

    @Test
    void httpsUpstreamsAreVerifiedAgainstTheirCaOrTheJvmsAndOnlyAnExplicitVerifyFalseSkipsIt() throws Exception {
        String base = "http://127.0.0.1:" + jdk.port();
        assertEquals("200 secure origin saw /up/trusted/x", status(base + "/up/trusted/x"));
        // the same origin and CA, reached by an address its certificate does not name: the host name is checked
        assertTrue(status(base + "/up/wrong-name/x").startsWith("502 "), status(base + "/up/wrong-name/x"));
        // the test CA is not in the JVM's trust store: the handshake fails, the client gets the gateway's 502
        assertTrue(status(base + "/up/default/x").startsWith("502 "), status(base + "/up/default/x"));
        assertEquals("200 secure origin saw /up/unverified/x", status(base + "/up/unverified/x"));
        assertTrue(jdk.output().contains("upstream unverified: tls.verify is false"), jdk.output());
        assertFalse(jdk.output().contains("upstream trusted: tls.verify is false"));
    }

    private static String status(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    @Test
    void aResumedSessionIsCheckedAgainstTheClientCasInUseNow() throws Exception {
        for (GatewayProcess gw : gateways()) {
            SSLContext client = withClientCertificate("client");
            String first;
            try (SSLSocket s = connect(client, gw, "a.test", "TLSv1.2")) {
                first = java.util.HexFormat.of().formatHex(s.getSession().getId());
                assertEquals(200, get(s, "/secure/x"));
            }
            // the CA that issued the client's certificate is removed from client-ca (how it is revoked here)
            // (both gateways read this file: each change is awaited on both, so the next half starts from the same CA)
            Path ca = certs.file("ca.crt");
            byte[] original = Files.readAllBytes(ca);
            long generation = adminTlsGeneration(openssl);
            long other = adminTlsGeneration(jdk);
            try {
                Files.write(ca, Files.readAllBytes(certs.file("other-ca.crt")));
                awaitRenewal(openssl, generation);
                awaitRenewal(jdk, other);
                try (SSLSocket s = connect(client, gw, "a.test", "TLSv1.2")) {
                    // resumed: no handshake checked the certificate this time
                    assertEquals(first, java.util.HexFormat.of().formatHex(s.getSession().getId()), "the session was resumed");
                    assertEquals(401, get(s, "/secure/x"));
                    assertEquals(200, get(s, "/open/x"), "the connection itself is fine");
                }
            } finally {
                long restored = adminTlsGeneration(openssl);
                long restoredOther = adminTlsGeneration(jdk);
                Files.write(ca, original);
                awaitRenewal(openssl, restored);
                awaitRenewal(jdk, restoredOther);
            }
            try (SSLSocket s = connect(withClientCertificate("client"), gw, "a.test", "TLSv1.2")) {
                assertEquals(200, get(s, "/secure/x"));
            }
        }
    }

    /** A count of applied renewals, read from the gateway's log. */
    private static long adminTlsGeneration(GatewayProcess gw) throws Exception {
        return gw.output().split("TLS certificate renewed: " + java.util.regex.Pattern.quote(certs.file("a.crt").toString()), -1).length;
    }

    private static void awaitRenewal(GatewayProcess gw, long before) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (adminTlsGeneration(gw) <= before) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no renewal applied:\n" + gw.output());
            }
            Thread.sleep(50);
        }
    }

    /** A client context that trusts the test CA and presents the certificate NAME.crt / NAME.key. */
    private static SSLContext withClientCertificate(String name) throws Exception {
        String pem = Files.readString(certs.file(name + ".key")).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        java.security.PrivateKey key = java.security.KeyFactory.getInstance("EC")
                .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(pem)));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("client", key, "x".toCharArray(), new java.security.cert.Certificate[] {read(certs.file(name + ".crt"))});
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "x".toCharArray());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", read(certs.file("ca.crt")));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    @Test
    void hstsGoesOutOnTlsAnswersOnly() throws Exception {
        for (GatewayProcess gw : gateways()) {
            HttpClient client = HttpClient.newBuilder().sslContext(trustingCa()).build();
            HttpResponse<String> secure = client.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + gw.tlsPort() + "/hardened/x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, secure.statusCode());
            assertTrue(secure.headers().firstValue("Strict-Transport-Security").orElse("").startsWith("max-age="),
                    secure.headers().map().toString());
            assertEquals("nosniff", secure.headers().firstValue("X-Content-Type-Options").orElse(null));
        }
        HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + jdk.port() + "/hardened/x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, plain.statusCode());
        assertTrue(plain.headers().firstValue("Strict-Transport-Security").isEmpty(), plain.headers().map().toString());
        assertEquals("nosniff", plain.headers().firstValue("X-Content-Type-Options").orElse(null));
    }

    @Test
    void thePlainPortRedirectsToHttpsWhenAsked() throws Exception {
        String out = certs.run(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                "-H", "Host: a.test", "http://127.0.0.1:" + openssl.port() + "/open/x?y=1"), null, 30);
        assertEquals("308 https://a.test:" + openssl.tlsPort() + "/open/x?y=1", out);
        String bad = certs.run(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                "-H", "Host: evil.example@a.test", "http://127.0.0.1:" + openssl.port() + "/x"), null, 30);
        assertEquals("400", bad);
        // without redirect-http the plain port serves
        String plain = certs.run(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                "http://127.0.0.1:" + jdk.port() + "/open/x"), null, 30);
        assertEquals("200", plain);
    }

    @Test
    void aRenewedCertificateServesNewConnectionsWhileOpenOnesKeepWorkingAndHalfWrittenPairsAreRefused() throws Exception {
        for (String name : List.of("openssl", "jdk")) {
            GatewayProcess gw = name.equals("openssl") ? openssl : jdk;
            Path cert = certs.file("b-" + name + ".crt");
            Path key = certs.file("b-" + name + ".key");
            X509Certificate before = leaf(gw, "b.test");
            assertEquals(read(cert), before);
            // new connections, one after another, all through the renewal: none may fail
            java.util.concurrent.atomic.AtomicBoolean renewing = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicInteger churned = new java.util.concurrent.atomic.AtomicInteger();
            java.util.List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread churn = new Thread(() -> {
                while (renewing.get()) {
                    try (SSLSocket s = connect(gw, "b.test")) {
                        assertEquals(200, get(s, "/open/churn"));
                        churned.incrementAndGet();
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }
            });
            churn.start();
            try (SSLSocket open = connect(gw, "b.test")) {
                assertEquals(200, get(open, "/open/before"));

                certs.server("renewed-" + name, "ca", "ec", "b.test", "*.wild.test");
                byte[] renewedCert = Files.readAllBytes(certs.file("renewed-" + name + ".crt"));
                byte[] renewedKey = Files.readAllBytes(certs.file("renewed-" + name + ".key"));

                // a file that is not PEM: logged, refused, the running certificate stays
                Files.writeString(cert, "not a certificate\n");
                gw.awaitOutput("keeping the running certificate", Duration.ofSeconds(10));
                assertTrue(gw.output().contains("b-" + name + ".crt"), gw.output());
                assertEquals(before, leaf(gw, "b.test"));

                // cert-manager's first step: the new certificate beside the old key
                Files.write(cert, renewedCert);
                awaitOutputCount(gw, "is not the private key of the certificate in " + cert, 1);
                assertTrue(adminTls(gw).getString("lastRefusal").contains("is not the private key"), adminTls(gw).encode());
                Thread.sleep(600); // three checks: still refused, still the old one
                assertEquals(before, leaf(gw, "b.test"));

                // the second step: the matching key; new connections get the renewed certificate
                Files.write(key, renewedKey);
                X509Certificate renewed = read(cert);
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!leaf(gw, "b.test").equals(renewed) && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(renewed, leaf(gw, "b.test"));
                assertNotEquals(before, renewed);
                assertTrue(gw.output().contains("TLS certificate renewed: " + cert), gw.output());
                JsonObject view = adminTls(gw);
                assertEquals(null, view.getString("lastRefusal"), view.encode());
                JsonObject served = view.getJsonArray("certificates").getJsonObject(1);
                assertEquals(cert.toString(), served.getString("file"));
                assertEquals(renewed.getNotAfter().toInstant().toString(), served.getString("notAfter"));
                assertTrue(served.getInteger("daysLeft") >= 29, view.encode());
                assertEquals(name.equals("openssl") ? "OpenSSL (BoringSSL)" : "JDK", view.getString("engine"));
                // the other name's certificate did not change
                assertEquals("CN=a.test", leaf(gw, "a.test").getSubjectX500Principal().getName());

                // the connection opened before the renewal still works, on its own session
                assertEquals(200, get(open, "/open/after"));
                assertEquals(before, open.getSession().getPeerCertificates()[0]);
            } finally {
                renewing.set(false);
                churn.join(20_000);
            }
            assertEquals(List.of(), failures, "connections opened during the renewal");
            assertTrue(churned.get() > 20, "connections opened during the renewal: " + churned.get());
        }
    }

    @Test
    void withClientAuthRequireAndTls13OnlyAClientWithoutACertificateCannotConnect() throws Exception {
        Path config = TempDirs.file("gatehouse-tls-require", "gatehouse.yaml");
        Files.writeString(config, """
                server:
                  tls: {port: 0, certificates: [{cert: %s, key: %s}], client-auth: require, client-ca: %s, min-version: '1.3'}
                upstreams:
                  app: {targets: [{url: %s}]}
                routes:
                  - {id: open, path: /**, upstream: app}
                """.formatted(certs.file("a.crt"), certs.file("a.key"), certs.file("ca.crt"), upstream.url()));
        try (GatewayProcess gw = GatewayProcess.start("tls-require", config).awaitReady(Duration.ofSeconds(30))) {
            List<String> base = List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", "ca.crt",
                    "--resolve", "a.test:" + gw.tlsPort() + ":127.0.0.1");
            String url = "https://a.test:" + gw.tlsPort() + "/x";
            assertEquals("200", certs.run(concat(base, "--cert", "client.crt", "--key", "client.key", url), null, 30));
            TestCertificates.Result without = certs.runAllowingFailure(concat(base, url), null, 30);
            assertNotEquals(0, without.exit(), "no certificate, no connection: " + without.output());
            assertFalse(without.output().startsWith("200"), without.output());
            // TLS 1.2 is not offered with min-version 1.3
            TestCertificates.Result v12 = sClientRaw(gw, "-tls1_2", "-cert", "client.crt", "-key", "client.key");
            assertFalse(v12.output().contains("New, TLSv1.2, Cipher is ECDHE-"), v12.output());
            assertTrue(sClient(gw, "-cert", "client.crt", "-key", "client.key").contains("New, TLSv1.3, Cipher is TLS_"));
        }
    }

    @Test
    void aPairThatDoesNotMatchAtStartStopsTheGatewayWithTheFileNamed() throws Exception {
        Path config = TempDirs.file("gatehouse-tls-bad", "gatehouse.yaml");
        Files.writeString(config, """
                server:
                  tls: {port: 0, certificates: [{cert: %s, key: %s}]}
                upstreams:
                  app: {targets: [{url: %s}]}
                routes:
                  - {id: open, path: /**, upstream: app}
                """.formatted(certs.file("a.crt"), certs.file("client.key"), upstream.url()));
        try (GatewayProcess bad = GatewayProcess.start("tls-bad-pair", config)) {
            assertNotEquals(0, bad.awaitExit(Duration.ofSeconds(60)));
            assertTrue(bad.output().contains("server.tls: " + certs.file("client.key")
                    + " is not the private key of the certificate in " + certs.file("a.crt")), bad.output());
        }
    }

    // --- clients ---

    private static List<String> concat(List<String> base, String... more) {
        List<String> all = new java.util.ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }

    private static void awaitOutputCount(GatewayProcess gw, String text, int atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (gw.output().split(java.util.regex.Pattern.quote(text), -1).length - 1 < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("'" + text + "' not logged:\n" + gw.output());
            }
            Thread.sleep(50);
        }
    }

    private static String sClient(GatewayProcess gw, String... args) throws Exception {
        // the exit code says how the connection ended after stdin closed (an h2 server may just hang up), not how the
        // handshake went: callers check the handshake's own lines
        TestCertificates.Result r = sClientRaw(gw, args);
        assertTrue(r.output().contains("Verify return code: 0 (ok)"), r.output());
        return r.output();
    }

    private static TestCertificates.Result sClientRaw(GatewayProcess gw, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + gw.tlsPort(), "-CAfile", "ca.crt"));
        command.addAll(List.of(args));
        return certs.runAllowingFailure(command, "", 30);
    }

    private static SSLContext trustingCa() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", read(certs.file("ca.crt")));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static X509Certificate read(Path pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem)));
    }

    /** A TLS connection verified against the test CA, with {@code sni} as the server name (none when null). */
    private static SSLSocket connect(GatewayProcess gw, String sni) throws Exception {
        return connect(trustingCa(), gw, sni, null);
    }

    private static SSLSocket connect(SSLContext context, GatewayProcess gw, String sni, String protocol) throws Exception {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", gw.tlsPort());
        if (protocol != null) {
            socket.setEnabledProtocols(new String[] {protocol});
        }
        socket.setSoTimeout(10_000);
        SSLParameters params = socket.getSSLParameters();
        params.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        params.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(params);
        socket.startHandshake();
        return socket;
    }

    private static X509Certificate leaf(GatewayProcess gw, String sni) throws Exception {
        try (SSLSocket socket = connect(gw, sni)) {
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    /** One keep-alive HTTP/1.1 request on an open socket; its status. */
    private static int get(SSLSocket socket, String path) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: b.test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new AssertionError("connection closed after: " + head);
            }
            head.append((char) c);
        }
        Map<String, String> headers = new java.util.HashMap<>();
        for (String line : head.toString().split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
            }
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        in.readNBytes(length);
        return Integer.parseInt(head.substring(9, 12));
    }

}
