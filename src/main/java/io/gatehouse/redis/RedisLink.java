package io.gatehouse.redis;

import io.gatehouse.pipeline.GatewaySnapshot;
import io.gatehouse.pipeline.ReadinessDetails;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * The gateway's one way to Redis, shared by every feature that keeps state there (rate limits, the cache): the Quarkus
 * Redis client ({@code quarkus.redis.hosts}: a single node, Sentinel or Cluster), a short timeout on every command,
 * and the outage state.
 *
 * <p>A failed or slow command marks Redis down: from then on {@link #available()} is false, features stop sending
 * (they fall back at once instead of waiting), and a probe pings Redis every {@code gatehouse.redis.probe-interval}
 * until it answers. The outage is logged once when it starts and once when it ends, counted in
 * {@code gatehouse_redis_errors_total}, shown as {@code gatehouse_redis_up} and in the readiness details as
 * degraded; readiness itself stays UP (one Redis must not pull every replica out of service).
 *
 * <p>While Redis is up, each gateway keeps a heartbeat in it ({@link #replicas()}): how many replicas share it, for
 * the rate limiter's local fallback.
 */
@Singleton
public class RedisLink implements ReadinessDetails {
    private static final Logger LOG = Logger.getLogger(RedisLink.class);
    private static final String REPLICAS_KEY = "gatehouse:replicas";
    /** ZADD this replica, drop the silent ones, count the rest: one round trip. */
    private static final String HEARTBEAT = """
            redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[3])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            return redis.call('ZCARD', KEYS[1])""";

    private final Vertx vertx;
    private final java.util.function.Supplier<Redis> clients;
    private final boolean configured;
    private final long timeoutMillis;
    private final long probeMillis;
    private final long heartbeatMillis;
    private final String replicaId = UUID.randomUUID().toString();
    private final Counter errors;
    /** How many connections commands are spread over ({@code gatehouse.redis.connections}). */
    private final int connectionCount;
    private final java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
    /** The connections commands are pipelined on, or null while Redis is down or not reached yet. */
    private volatile RedisConnection[] connections;
    private final java.util.Set<String> scripts = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Channels kept subscribed, and what each message goes to. */
    private final Map<String, java.util.function.Consumer<String>> subscriptions = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean subscribing = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile RedisConnection subscriber;

    private volatile Redis client;
    /** Up once a first PING was answered: until then features fall back, as during an outage. */
    private volatile boolean up;
    private volatile boolean connecting;
    private volatile String lastError;
    private volatile int replicas = 1;
    private volatile long lastErrorLog;
    /** Each event loop's own connection, by its thread. */
    private volatile Map<Thread, RedisConnection> own = Map.of();
    private final java.util.Set<Thread> openingOwn = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Counts outages: a connection opened across one is not kept. */
    private long generation;
    private static final long WARM_UP_MILLIS = 10_000;
    private volatile boolean heartbeat;
    private long probeTimer = -1;
    private long heartbeatTimer = -1;
    /** The heartbeat loop that may re-arm itself; an older one stops at its next beat. */
    private volatile long beatLoop;

    @Inject
    public RedisLink(Vertx vertx, Instance<Redis> clients, MeterRegistry global, Instance<PrometheusMeterRegistry> prometheus,
                     @ConfigProperty(name = "quarkus.redis.hosts") Optional<String> hosts,
                     @ConfigProperty(name = "gatehouse.redis.timeout", defaultValue = "50ms") Duration timeout,
                     @ConfigProperty(name = "gatehouse.redis.probe-interval", defaultValue = "1s") Duration probe,
                     @ConfigProperty(name = "gatehouse.redis.heartbeat-interval", defaultValue = "2s") Duration heartbeat,
                     @ConfigProperty(name = "gatehouse.redis.connections", defaultValue = "2") int connections) {
        this(vertx, clients::get, hosts.filter(h -> !h.isBlank()).isPresent(), timeout, probe, heartbeat,
                prometheus.isResolvable() ? prometheus.get() : global, connections);
    }

    /** Outside CDI (tests): {@code client} makes the client on first use. */
    public RedisLink(Vertx vertx, java.util.function.Supplier<Redis> client, boolean configured, Duration timeout,
                     Duration probe, Duration heartbeat, MeterRegistry registry, int connections) {
        this.vertx = vertx;
        this.connectionCount = Math.max(1, Math.min(connections, 64));
        this.clients = client;
        this.configured = configured;
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        this.probeMillis = Math.max(10, probe.toMillis());
        this.heartbeatMillis = Math.max(100, heartbeat.toMillis());
        this.errors = Counter.builder("gatehouse.redis.errors")
                .description("Redis commands that failed or took longer than gatehouse.redis.timeout")
                .register(registry);
        Gauge.builder("gatehouse.redis.up", this, link -> link.configured && link.available() ? 1 : 0)
                .description("1 while Redis answers, 0 while features fall back (or no Redis is configured)")
                .register(registry);
    }

    /**
     * Whether commands may be sent: Redis is configured, was reached, and is not known to be down. A broken shared
     * connection clears {@code connections} before the outage is marked ({@link #lost}), and a command sent in
     * between fails at once: whoever saw it fail must not still read "up" here.
     */
    public boolean available() {
        return up && connections != null;
    }

    /**
     * Connects once, ahead of the first request (idempotent): the first command on a new client sets up the
     * connection pool and loads classes, which may take longer than the command timeout. Until the first PING is
     * answered {@link #available()} is false; if it is not answered, the probe takes over as in an outage.
     */
    public void connect() {
        if (!configured || connecting) {
            return;
        }
        synchronized (this) {
            if (connecting) {
                return;
            }
            connecting = true;
        }
        vertx.runOnContext(v -> warmUp().onComplete(ar -> {
            if (ar.succeeded()) {
                up = true;
                LOG.info("Redis answers: features that keep state there use it");
                subscribeAll();
                if (heartbeat) {
                    startBeating();
                }
            } else {
                failed(ar.cause().getMessage() != null ? ar.cause().getMessage() : ar.cause().toString(), true);
            }
        }));
    }

    /** The gateway replicas that kept a heartbeat in Redis lately (this one included; 1 before the first beat). */
    public int replicas() {
        return replicas;
    }

    /** Starts keeping this replica's heartbeat (idempotent): a feature needs {@link #replicas()}. */
    public void keepHeartbeat() {
        if (!configured) {
            return;
        }
        synchronized (this) {
            if (heartbeat) {
                return;
            }
            heartbeat = true;
        }
        connect();
        if (up) {
            startBeating();
        }
    }

    /**
     * Stops keeping the heartbeat (idempotent): no feature needs {@link #replicas()} any more (a reload removed the
     * last policy that falls back by it), and a script every interval for good would be wasted. This replica's
     * entry is removed, best effort, so the others stop counting it at once rather than when it expires;
     * {@link #keepHeartbeat} starts it again.
     */
    public void stopHeartbeat() {
        synchronized (this) {
            if (!heartbeat) {
                return;
            }
            heartbeat = false;
            beatLoop++; // a beat in flight does not re-arm itself
        }
        if (heartbeatTimer >= 0) {
            vertx.cancelTimer(heartbeatTimer);
        }
        replicas = 1;
        if (available()) {
            send(Request.cmd(Command.ZREM).arg(REPLICAS_KEY).arg(replicaId));
        }
    }

    /** Whether this replica keeps its heartbeat in Redis now. */
    public boolean keepsHeartbeat() {
        return heartbeat;
    }

    /**
     * Sends one command with the short timeout. A failure or timeout marks Redis down (see the class comment); the
     * returned future fails then, at the latest after the timeout, and the caller falls back.
     */
    public Future<Response> send(Request request) {
        if (!configured) {
            return Future.failedFuture(new IllegalStateException("no Redis configured (quarkus.redis.hosts)"));
        }
        Promise<Response> promise = Promise.promise();
        long timer = vertx.setTimer(timeoutMillis, t -> {
            if (!promise.future().isComplete()) {
                // down first, then the caller hears of it: whatever it does next already sees the outage
                failed("no answer within " + timeoutMillis + " ms (gatehouse.redis.timeout)", false);
                promise.tryFail(new TimeoutException("no answer from Redis within " + timeoutMillis + " ms"));
            }
        });
        RedisConnection[] open = connections;
        if (open == null) {
            vertx.cancelTimer(timer);
            return Future.failedFuture(new IllegalStateException("Redis is not connected"));
        }
        // Commands are pipelined on long-lived connections (a pooled connection per command would carry one command
        // per round trip and cap a replica at pool size / round-trip time): each event loop's own when it has one,
        // written and answered on that loop with no hop between threads; else one of the shared ones meanwhile.
        RedisConnection connection = own.get(Thread.currentThread());
        if (connection == null) {
            connection = open[(int) ((next.getAndIncrement() & Integer.MAX_VALUE) % open.length)];
            openOwn();
        }
        connection.send(request).onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.succeeded()) {
                promise.tryComplete(ar.result());
            } else if (!promise.future().isComplete()) {
                if (ar.cause() instanceof Response) {
                    // Redis answered, with an error (WRONGTYPE, OOM, BUSY…): this command fails and its caller
                    // falls back, but Redis is up and the next command may well succeed
                    if (!isScriptMissing(ar.cause())) {
                        commandError(ar.cause().getMessage());
                    }
                } else {
                    failed(ar.cause().getMessage() != null ? ar.cause().getMessage() : ar.cause().toString(), false);
                }
                promise.tryFail(ar.cause());
            }
        });
        return promise.future();
    }

    /** An error reply: counted, logged at most once a minute. */
    private void commandError(String message) {
        errors.increment();
        long now = System.nanoTime();
        long last = lastErrorLog;
        if (last == 0 || now - last > 60_000_000_000L) {
            lastErrorLog = now;
            LOG.warnf("Redis answered a command with an error (%s): that request fell back; logged once a minute", message);
        }
    }

    /** Whether a Redis is configured at all ({@code quarkus.redis.hosts}). */
    public boolean configured() {
        return configured;
    }

    /** This replica's id (its heartbeat's member), so a replica can tell its own messages from others'. */
    public String replicaId() {
        return replicaId;
    }

    /**
     * Keeps a subscription to {@code channel} while Redis is up (idempotent per channel): {@code handler} gets each
     * message's payload, this replica's own included, on an event loop. The subscription is made again after an
     * outage; messages published meanwhile are lost (pub/sub keeps nothing).
     */
    public void subscribe(String channel, java.util.function.Consumer<String> handler) {
        if (!configured || subscriptions.putIfAbsent(channel, handler) != null) {
            return;
        }
        connect();
        RedisConnection open = subscriber;
        if (open != null) {
            open.send(Request.cmd(Command.SUBSCRIBE).arg(channel)); // the connection in place takes one more channel
        } else if (up) {
            subscribeAll();
        }
    }

    /** Publishes {@code message} on {@code channel}, best effort (nothing is sent while Redis is away). */
    public void publish(String channel, String message) {
        if (up) {
            send(Request.cmd(Command.PUBLISH).arg(channel).arg(message));
        }
    }

    /** Opens the subscriber connection (one for every channel) unless it is open or opening. */
    private void subscribeAll() {
        if (subscriptions.isEmpty() || !subscribing.compareAndSet(false, true)) {
            return;
        }
        Redis redis;
        try {
            redis = client();
        } catch (RuntimeException e) {
            subscribing.set(false);
            return;
        }
        redis.connect().onComplete(ar -> {
            if (ar.failed()) {
                subscribing.set(false); // the next return of Redis tries again
                return;
            }
            RedisConnection c = ar.result();
            Runnable lost = () -> {
                if (subscriber == c) {
                    subscriber = null;
                    subscribing.set(false);
                    if (up) {
                        vertx.setTimer(probeMillis, t -> subscribeAll()); // Redis is up: only this connection broke
                    }
                }
            };
            subscriber = c;
            c.exceptionHandler(err -> lost.run());
            c.endHandler(v -> lost.run());
            c.handler(message -> {
                // a pub/sub message: [message, channel, payload] (RESP2 array or RESP3 push)
                if (message != null && message.size() == 3 && "message".equals(message.get(0).toString())) {
                    java.util.function.Consumer<String> h = subscriptions.get(message.get(1).toString());
                    if (h != null) {
                        try {
                            h.accept(message.get(2).toString());
                        } catch (RuntimeException e) {
                            LOG.warnf(e, "a subscriber of %s failed on a message", message.get(1));
                        }
                    }
                }
            });
            Request subscribe = Request.cmd(Command.SUBSCRIBE);
            subscriptions.keySet().forEach(subscribe::arg);
            c.send(subscribe).onFailure(err -> {
                c.close();
                lost.run();
            });
        });
    }

    /** A script's SHA-1, as EVALSHA names it. */
    public static String sha1(String script) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A script not in Redis' script cache yet (after a restart or a SCRIPT FLUSH): load it, do not fall back. */
    public static boolean isScriptMissing(Throwable err) {
        return err != null && err.getMessage() != null && err.getMessage().startsWith("NOSCRIPT");
    }

    private Redis client() {
        Redis c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = clients.get();
                }
                c = client;
            }
        }
        return c;
    }

    private void failed(String why, boolean firstConnect) {
        errors.increment();
        lastError = why;
        if (firstConnect) {
            LOG.warnf("Redis cannot be reached (%s): features that keep state there fall back until it answers", why);
            probe();
            return;
        }
        if (up) {
            synchronized (this) {
                if (!up) {
                    return;
                }
                up = false;
            }
            LOG.warnf("Redis is unreachable (%s): features that keep state there fall back until it answers again", why);
            // new connections when it is back: these may be wedged (a timeout) or half-closed
            RedisConnection[] old = connections;
            connections = null;
            dropOwn();
            if (old != null) {
                for (RedisConnection c : old) {
                    discard(c);
                }
            }
            vertx.runOnContext(v -> probe());
        }
    }

    /**
     * Readies Redis and the pool before features send to it with the short timeout: the features' scripts loaded
     * (a restarted Redis has an empty script cache) and the pool's connections opened, so the first burst of
     * requests pays neither a connection set-up nor a script compile.
     */
    private Future<Void> warmUp() {
        Redis redis;
        try {
            redis = client();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        Promise<Void> ready = Promise.promise();
        List<Future<RedisConnection>> opening = new java.util.ArrayList<>();
        for (int i = 0; i < connectionCount; i++) {
            opening.add(redis.connect());
        }
        // one deadline for the whole: a connection attempt the pool never answers must not stop the probe for good
        long deadline = vertx.setTimer(WARM_UP_MILLIS, t -> {
            synchronized (this) {
                ready.tryFail(new TimeoutException("no connection to Redis within " + WARM_UP_MILLIS + " ms"));
            }
        });
        Future.join(opening).compose(all -> {
            RedisConnection[] opened = new RedisConnection[connectionCount];
            for (int i = 0; i < connectionCount; i++) {
                RedisConnection c = opening.get(i).result();
                c.exceptionHandler(err -> lost(opened, err.toString()));
                c.endHandler(v -> lost(opened, "the connection closed"));
                opened[i] = c;
            }
            List<Future<?>> steps = new java.util.ArrayList<>();
            // On a Cluster this reaches one node (the client sends a keyless command to any node and cannot address
            // one); each other node gets a script from the first EVAL after its NOSCRIPT, as after a restart or a
            // SCRIPT FLUSH (RedisClusterRateLimitTest)
            for (String script : scripts) {
                steps.add(command(opened[0], Request.cmd(Command.SCRIPT).arg("LOAD").arg(script), 5000));
            }
            for (RedisConnection c : opened) {
                steps.add(command(c, Request.cmd(Command.PING), 5000));
            }
            return Future.all(steps).map(opened);
        }).onComplete(ar -> {
            vertx.cancelTimer(deadline);
            synchronized (this) {
                // the connections are in place before anyone hears that Redis is up
                if (ar.succeeded() && !ready.future().isComplete()) {
                    connections = ar.result();
                    ready.complete();
                    return;
                }
            }
            // failed, or too late: none of what did open stays (nor goes back to the pool as if it were sound)
            for (Future<RedisConnection> f : opening) {
                if (f.succeeded()) {
                    discard(f.result());
                }
            }
            ready.tryFail(ar.failed() ? ar.cause() : new TimeoutException("Redis answered too late"));
        });
        return ready.future();
    }

    /**
     * Drops a connection for good. {@code close()} on a pooled connection hands it back to the pool for reuse,
     * even one that stopped answering; a connection that was sent a SELECT counts as changed and is closed by the
     * pool instead (the Vert.x client's own rule), so the next attempt opens a fresh one. On a Cluster the SELECT
     * reaches one node's connection (and fails there, harmlessly): the others go back to the pool, where a connection
     * to a node that died is dropped by the pool itself.
     */
    private void discard(RedisConnection c) {
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable close = () -> {
            if (closed.compareAndSet(false, true)) {
                c.close();
            }
        };
        try {
            c.send(Request.cmd(Command.SELECT).arg(0)).onComplete(ar -> close.run());
        } catch (RuntimeException alreadyGone) {
            close.run();
            return;
        }
        vertx.setTimer(1000, t -> close.run()); // a dead connection never answers the SELECT
    }

    /** Opens this event loop's own connection, in the background; the shared ones carry its commands meanwhile. */
    private void openOwn() {
        Thread loop = Thread.currentThread();
        if (!io.vertx.core.Context.isOnEventLoopThread() || !openingOwn.add(loop)) {
            return;
        }
        long startedIn = generation;
        Redis redis;
        try {
            redis = client();
        } catch (RuntimeException e) {
            openingOwn.remove(loop);
            return;
        }
        redis.connect().onComplete(ar -> {
            openingOwn.remove(loop);
            if (ar.failed()) {
                return; // the shared connections carry on; the next command tries again
            }
            RedisConnection c = ar.result();
            synchronized (this) {
                if (startedIn != generation || connections == null) {
                    discard(c); // an outage came in between: the next warm-up starts afresh
                    return;
                }
                // only while in use: dropping it (dropOwn) closes it too
                c.exceptionHandler(err -> {
                    if (own.get(loop) == c) {
                        failed(err.toString(), false);
                    }
                });
                c.endHandler(v -> {
                    if (own.get(loop) == c) {
                        failed("a connection closed", false);
                    }
                });
                Map<Thread, RedisConnection> more = new java.util.HashMap<>(own);
                more.put(loop, c);
                own = Map.copyOf(more);
            }
        });
    }

    /** Drops every event loop's own connection (an outage: they are opened again once Redis is back). */
    private void dropOwn() {
        Map<Thread, RedisConnection> old;
        synchronized (this) {
            generation++;
            old = own;
            own = Map.of();
        }
        for (RedisConnection c : old.values()) {
            discard(c);
        }
    }

    /** One of the connections in use broke: the link is down until the probe has opened new ones. */
    private void lost(RedisConnection[] set, String why) {
        synchronized (this) {
            if (connections != set) {
                return; // already replaced, or never used
            }
            connections = null;
        }
        for (RedisConnection c : set) {
            discard(c);
        }
        failed(why, false);
    }

    /** Loads {@code script} into Redis' script cache now and after every reconnection (idempotent). */
    public void preload(String script) {
        scripts.add(script);
    }

    /** A command with its own (longer) timeout that never counts as an outage by itself. */
    private Future<Response> command(RedisConnection redis, Request request, long timeout) {
        Promise<Response> ping = Promise.promise();
        long timer = vertx.setTimer(timeout, x -> ping.tryFail(new TimeoutException("no answer within " + timeout + " ms")));
        redis.send(request).onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.succeeded()) {
                ping.tryComplete(ar.result());
            } else {
                ping.tryFail(ar.cause());
            }
        });
        return ping.future();
    }

    private void probe() {
        probeTimer = vertx.setTimer(probeMillis, t -> {
            warmUp().onComplete(ar -> {
                if (ar.succeeded()) {
                    up = true;
                    lastError = null;
                    LOG.info("Redis answers again: features use it again");
                    subscribeAll();
                    if (heartbeat) {
                        startBeating();
                    }
                } else {
                    probe();
                }
            });
        });
    }

    /**
     * Starts the heartbeat loop, ending any earlier one: Redis may come back while a beat of the last loop is still
     * pending, and two loops would each re-arm themselves for good.
     */
    private synchronized void startBeating() {
        long loop = ++beatLoop;
        vertx.runOnContext(v -> beat(loop));
    }

    private void beat(long loop) {
        if (!up || !heartbeat || loop != beatLoop) {
            return; // Redis is away (the probe starts a new loop when it is back), or a newer loop runs
        }
        long now = System.currentTimeMillis();
        send(Request.cmd(Command.EVAL).arg(HEARTBEAT).arg(1).arg(REPLICAS_KEY)
                .arg(now).arg(replicaId).arg(3 * heartbeatMillis))
                .onSuccess(r -> {
                    if (loop == beatLoop) { // not a beat that was in flight when the heartbeat stopped
                        replicas = Math.max(1, r.toInteger());
                    }
                })
                .onComplete(ar -> {
                    if (up && loop == beatLoop) {
                        heartbeatTimer = vertx.setTimer(heartbeatMillis, t -> beat(loop));
                    }
                });
    }

    @Override
    public void describe(GatewaySnapshot snapshot, BiConsumer<String, Object> detail) {
        if (!connecting) {
            return; // not configured, or no feature uses it: nothing to report
        }
        detail.accept("redis", up ? "up" : lastError == null ? "connecting"
                : "degraded: " + lastError + " (features fall back; readiness stays UP)");
        if (heartbeat) {
            detail.accept("redis.replicas", replicas);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        close();
    }

    /** Stops the probe and the heartbeat. */
    public void close() {
        heartbeat = false;
        if (probeTimer >= 0) {
            vertx.cancelTimer(probeTimer);
        }
        if (heartbeatTimer >= 0) {
            vertx.cancelTimer(heartbeatTimer);
        }
    }
}
