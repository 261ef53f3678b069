package io.gatehouse.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.lang.JoseException;

import java.security.PublicKey;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A real JWKS endpoint whose key set the test changes while it runs; it counts the requests it answered. */
public final class JwksServer implements AutoCloseable {
    private final HttpServer server;
    private final AtomicReference<String> json = new AtomicReference<>("{\"keys\":[]}");
    private final AtomicInteger requests = new AtomicInteger();

    private JwksServer(HttpServer server) {
        this.server = server;
    }

    public static JwksServer start(Vertx vertx, int port) {
        JwksServer[] holder = new JwksServer[1];
        HttpServer server = vertx.createHttpServer().requestHandler(req -> {
            holder[0].requests.incrementAndGet();
            req.response().putHeader("Content-Type", "application/json").end(holder[0].json.get());
        });
        holder[0] = new JwksServer(server);
        try {
            server.listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return holder[0];
    }

    /** Serves exactly these keys from now on (kid and alg set on each). */
    public void serve(Key... keys) {
        try {
            JsonWebKeySet set = new JsonWebKeySet();
            for (Key key : keys) {
                JsonWebKey jwk = JsonWebKey.Factory.newJwk(key.publicKey());
                jwk.setKeyId(key.kid());
                if (key.alg() != null) {
                    jwk.setAlgorithm(key.alg());
                }
                jwk.setUse("sig");
                set.addJsonWebKey(jwk);
            }
            json.set(set.toJson());
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.close();
    }

    public record Key(String kid, PublicKey publicKey, String alg) {
    }
}
