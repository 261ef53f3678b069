package io.gatehouse.auth;

import io.gatehouse.testing.TestTokens;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fetching a key set from a real HTTP server that sends it chunked (no length declared up front). */
class JwksKeysTest {
    private static final long HUGE = 64L * 1024 * 1024;

    private Vertx vertx;
    private HttpServer server;
    private JwksKeys<JsonWebKey> keys;
    private final AtomicLong written = new AtomicLong();
    private volatile String document;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(req -> {
            HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "application/json");
            if (document != null) {
                // the document in two chunks
                int half = document.length() / 2;
                resp.write(document.substring(0, half));
                resp.end(document.substring(half));
            } else {
                endless(resp, Buffer.buffer(new byte[64 * 1024]));
            }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Writes chunks, with back-pressure, until HUGE bytes or until the client goes away. */
    private void endless(HttpServerResponse resp, Buffer chunk) {
        while (!resp.writeQueueFull() && !resp.closed() && written.get() < HUGE) {
            resp.write(chunk);
            written.addAndGet(chunk.length());
        }
        if (!resp.closed() && written.get() < HUGE) {
            resp.drainHandler(v -> endless(resp, chunk));
        } else if (!resp.closed()) {
            resp.end();
        }
    }

    @AfterEach
    void stop() {
        if (keys != null) {
            keys.close();
        }
        vertx.close();
    }

    private JwksKeys<JsonWebKey> keys() {
        keys = new JwksKeys<>(vertx, "http://127.0.0.1:" + server.actualPort() + "/jwks",
                new JwksKeys.Settings(Duration.ofMinutes(5), Duration.ZERO, Duration.ofSeconds(10)), jwk -> jwk);
        return keys;
    }

    @Test
    void aChunkedDocumentIsReadWhole() throws Exception {
        JsonWebKey jwk = JsonWebKey.Factory.newJwk(TestTokens.rsa().getPublic());
        jwk.setKeyId("k1");
        document = new JsonWebKeySet(jwk).toJson();
        keys().refetchForUnknownKid().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertNotNull(keys.find("k1"));
    }

    @Test
    void aChunkedDocumentOverTheCapIsCutOffWhileItArrives() {
        ExecutionException failure = assertThrows(ExecutionException.class, () ->
                keys().refetchForUnknownKid().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS));
        assertTrue(failure.getCause().getMessage().contains("larger than " + JwksKeys.MAX_BYTES), failure.getCause().toString());
        assertEquals(false, keys.loaded());
        // The fetch stopped reading near the cap instead of buffering the whole stream first.
        assertTrue(written.get() < HUGE / 4, "the server wrote " + written.get() + " bytes before the fetch gave up");
    }
}
