import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.util.Map;

/**
 * The floor: the least a Vert.x 4.5 reverse proxy can do per request (no Quarkus, no router, no policy, no
 * metrics), to measure Gatehouse against in the same run as nginx. Round robin over the origins, one server and
 * one client pool per event loop, headers passed through, bodies relayed with back-pressure, and the same
 * per-request savings as Gatehouse (callbacks instead of futures, writes without completion promises).
 *
 *   java -cp 'target/quarkus-app/lib/main/*' bench/floor/PlainVertxProxy.java PORT EVENT_LOOPS ORIGIN_PORT...
 */
public class PlainVertxProxy extends AbstractVerticle {
    private static int[] origins;
    private static int listenPort;
    private HttpClient client;
    private int next;

    public static void main(String[] args) {
        listenPort = Integer.parseInt(args[0]);
        int loops = Integer.parseInt(args[1]);
        origins = new int[args.length - 2];
        for (int i = 2; i < args.length; i++) {
            origins[i - 2] = Integer.parseInt(args[i]);
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops).setPreferNativeTransport(true));
        vertx.deployVerticle(PlainVertxProxy::new, new DeploymentOptions().setInstances(loops))
                .onSuccess(id -> System.out.println("listening on " + listenPort + ", native transport "
                        + vertx.isNativeTransportEnabled()))
                .onFailure(err -> { err.printStackTrace(); System.exit(1); });
    }

    @Override
    public void start() {
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(64));
        vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(listenPort))
                .requestHandler(this::proxy).listen();
    }

    private void proxy(HttpServerRequest req) {
        int port = origins[next++ % origins.length];
        req.pause();
        client.request(new RequestOptions().setMethod(req.method()).setHost("127.0.0.1").setPort(port)
                .setURI(req.uri()), ar -> {
            if (ar.failed()) {
                req.response().setStatusCode(502).end();
                return;
            }
            HttpClientRequest up = ar.result();
            copy(req.headers(), up.headers());
            up.response(rar -> {
                if (rar.failed()) {
                    req.response().setStatusCode(502).end();
                    return;
                }
                HttpClientResponse res = rar.result();
                HttpServerResponse out = req.response().setStatusCode(res.statusCode());
                copy(res.headers(), out.headers());
                relay(res, out);
            });
            if (req.headers().get("content-length") == null
                    && req.headers().get("transfer-encoding") == null) {
                up.end((io.vertx.core.Handler<io.vertx.core.AsyncResult<Void>>) null);
            } else {
                req.pipeTo(up); // a body: Vert.x' pipe, as in Gatehouse
            }
        });
    }

    /** Writes without completion promises; back-pressure by pause/drain. */
    private static void relay(HttpClientResponse res, HttpServerResponse out) {
        res.handler(buf -> {
            out.write(buf, null);
            if (out.writeQueueFull()) {
                res.pause();
                out.drainHandler(v -> res.resume());
            }
        });
        res.endHandler(v -> out.end((io.vertx.core.Handler<io.vertx.core.AsyncResult<Void>>) null));
    }

    private static void copy(MultiMap from, MultiMap to) {
        for (Map.Entry<String, String> h : from) {
            String name = h.getKey();
            if (!name.equalsIgnoreCase("connection") && !name.equalsIgnoreCase("keep-alive")
                    && !name.equalsIgnoreCase("transfer-encoding")) {
                to.add(name, h.getValue());
            }
        }
    }
}
