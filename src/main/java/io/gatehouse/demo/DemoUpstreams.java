package io.gatehouse.demo;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Small in-process services shaped like a shop's (users on two instances, orders, products, stats) for the
 * demo config. They start only when no config file is given, on free ports of 127.0.0.1; the demo config
 * names them as {@code ${demo.users-1}} and so on.
 */
@ApplicationScoped
public class DemoUpstreams {
    private final Vertx vertx;
    private final Map<String, String> urls = new LinkedHashMap<>();
    private final List<HttpServer> servers = new ArrayList<>();
    private final AtomicLong served = new AtomicLong();
    private String token;

    @Inject
    public DemoUpstreams(Vertx vertx) {
        this.vertx = vertx;
    }

    public synchronized void start() {
        if (!servers.isEmpty()) {
            return;
        }
        listen("users-1", req -> users(req, "users-1"));
        listen("users-2", req -> users(req, "users-2"));
        listen("orders", this::orders);
        listen("products", this::products);
        listen("stats", this::stats);
        adminToken();
        demoCertificate();
    }

    /**
     * The demo's TLS certificate ({@code src/main/resources/demo-tls}: self-signed for localhost, its key public, never
     * to be trusted), copied out of the jar into files as {@code server.tls} reads them; the demo's TLS port is 8443
     * unless {@code gatehouse.demo.tls-port} says otherwise (0: any free port, as the tests run it).
     */
    private void demoCertificate() {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("gatehouse-demo-tls");
            dir.toFile().deleteOnExit();
            for (String name : new String[] {"localhost.crt", "localhost.key"}) {
                java.nio.file.Path file = dir.resolve(name);
                try (java.io.InputStream in = DemoUpstreams.class.getClassLoader().getResourceAsStream("demo-tls/" + name)) {
                    java.nio.file.Files.write(file, in.readAllBytes());
                }
                file.toFile().deleteOnExit();
                urls.put(name.endsWith(".crt") ? "tls-cert" : "tls-key", file.toString());
            }
            urls.put("tls-port", org.eclipse.microprofile.config.ConfigProvider.getConfig()
                    .getOptionalValue("gatehouse.demo.tls-port", String.class).orElse("8443"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("the demo certificate could not be written", e);
        }
    }

    /**
     * The demo's admin credential: a random token in a file of its own, so the admin API and the status page work
     * out of the box without a token anyone could guess ({@code ${demo.admin-token-file}}; the token is logged).
     */
    private void adminToken() {
        byte[] random = new byte[18];
        new java.security.SecureRandom().nextBytes(random);
        token = "demo-" + java.util.HexFormat.of().formatHex(random);
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("gatehouse-demo-admin");
            java.nio.file.Path file = dir.resolve("token");
            java.nio.file.Files.writeString(file, token);
            dir.toFile().deleteOnExit();
            file.toFile().deleteOnExit();
            urls.put("admin-token-file", file.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("demo admin token file could not be written", e);
        }
    }

    /** The demo's admin token (logged at start so the status page can be opened). */
    public String adminTokenValue() {
        return token;
    }

    /** The URL of a demo service by variable name ({@code demo.users-1}), for the demo config. */
    public String variable(String name) {
        return name.startsWith("demo.") ? urls.get(name.substring(5)) : null;
    }

    public String describe() {
        Map<String, String> services = new LinkedHashMap<>(urls);
        services.remove("admin-token-file");
        services.remove("tls-cert");
        services.remove("tls-key");
        services.remove("tls-port");
        return services.toString();
    }

    private void listen(String name, io.vertx.core.Handler<HttpServerRequest> handler) {
        HttpServer server = vertx.createHttpServer();
        server.requestHandler(req -> {
            served.incrementAndGet();
            if (req.path().equals("/health")) {
                json(req, 200, new JsonObject().put("status", "UP").put("instance", name));
                return;
            }
            handler.handle(req);
        });
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("demo upstream " + name + " could not start", e);
        }
        servers.add(server);
        urls.put(name, "http://127.0.0.1:" + server.actualPort());
    }

    private static final JsonArray USERS = new JsonArray()
            .add(new JsonObject().put("id", 1).put("name", "Ada Lovelace").put("email", "ada@example.com"))
            .add(new JsonObject().put("id", 2).put("name", "Alan Turing").put("email", "alan@example.com"))
            .add(new JsonObject().put("id", 3).put("name", "Grace Hopper").put("email", "grace@example.com"));
    private static final JsonArray PRODUCTS = new JsonArray()
            .add(new JsonObject().put("id", 10).put("name", "Keyboard").put("price", 49.0))
            .add(new JsonObject().put("id", 11).put("name", "Monitor").put("price", 189.0))
            .add(new JsonObject().put("id", 12).put("name", "Headset").put("price", 79.0));
    private static final JsonArray ORDERS = new JsonArray()
            .add(new JsonObject().put("id", 100).put("userId", 1).put("productId", 11).put("quantity", 1))
            .add(new JsonObject().put("id", 101).put("userId", 3).put("productId", 10).put("quantity", 2));

    private void users(HttpServerRequest req, String instance) {
        collection(req, "/users", USERS, instance);
    }

    private void orders(HttpServerRequest req) {
        collection(req, "/orders", ORDERS, "orders");
    }

    private void products(HttpServerRequest req) {
        collection(req, "/products", PRODUCTS, "products");
    }

    private void stats(HttpServerRequest req) {
        json(req, 200, new JsonObject().put("users", USERS.size()).put("orders", ORDERS.size())
                .put("products", PRODUCTS.size()).put("requestsServed", served.get()).put("instance", "stats"));
    }

    /** GET /things, GET /things/{id}, POST /things (echoes the JSON body back with an id). */
    private void collection(HttpServerRequest req, String base, JsonArray items, String instance) {
        req.response().putHeader("X-Instance", instance);
        String path = req.path();
        if (!path.equals(base) && !path.startsWith(base + "/")) {
            json(req, 404, new JsonObject().put("error", "not_found").put("path", path));
            return;
        }
        String rest = path.length() > base.length() + 1 ? path.substring(base.length() + 1) : "";
        switch (req.method().name()) {
            case "GET" -> {
                if (rest.isEmpty()) {
                    json(req, 200, new JsonObject().put("items", items).put("instance", instance));
                    return;
                }
                for (Object o : items) {
                    JsonObject item = (JsonObject) o;
                    if (String.valueOf(item.getInteger("id")).equals(rest)) {
                        json(req, 200, item.copy().put("instance", instance));
                        return;
                    }
                }
                json(req, 404, new JsonObject().put("error", "not_found").put("id", rest));
            }
            case "POST" -> req.body().onSuccess(body -> {
                JsonObject created;
                try {
                    created = body.length() == 0 ? new JsonObject() : body.toJsonObject();
                } catch (RuntimeException e) {
                    json(req, 400, new JsonObject().put("error", "bad_json"));
                    return;
                }
                json(req, 201, created.put("id", 1000 + served.get()).put("instance", instance));
            });
            default -> json(req, 405, new JsonObject().put("error", "method_not_allowed"));
        }
    }

    private static void json(HttpServerRequest req, int status, JsonObject body) {
        req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }
}
