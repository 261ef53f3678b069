package io.gatehouse.pipeline;

import io.gatehouse.config.ServerConfig;
import io.gatehouse.config.TlsConfig;
import io.vertx.core.Future;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The traffic port. Gatehouse runs its own Vert.x HTTP server (on Quarkus' Vert.x, one instance per event
 * loop) with its own router whose one catch-all route is the {@link GatewayHandler}; Quarkus' HTTP server is
 * off ({@code quarkus.http.host-enabled=false}) and serves only the management interface.
 *
 * <p>Why: measured side by side, Quarkus' HTTP layer in front of the router (per-request duplicated contexts,
 * security and limits handlers, response wrappers) cost about a fifth of the proxy's throughput, and none of
 * it is wanted on the traffic port: authentication, limits and CORS are the gateway's own filters, per route.
 * The usual settings still apply: {@code quarkus.http.host}, {@code quarkus.http.port} ({@code test-port} in
 * tests), {@code quarkus.http.idle-timeout} and {@code quarkus.http.limits.*}.
 */
@Singleton
public class TrafficServer {
    private static final Logger LOG = Logger.getLogger(TrafficServer.class);

    @Inject
    Vertx vertx;
    @Inject
    GatewayHandler handler;
    @ConfigProperty(name = "quarkus.http.host", defaultValue = "0.0.0.0")
    String host;
    @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080")
    int port;
    @ConfigProperty(name = "quarkus.http.test-port", defaultValue = "8081")
    int testPort;
    @ConfigProperty(name = "quarkus.http.idle-timeout", defaultValue = "30M")
    Duration idleTimeout;
    @ConfigProperty(name = "quarkus.http.limits.max-header-size", defaultValue = "20K")
    MemorySize maxHeaderSize;
    @ConfigProperty(name = "quarkus.http.limits.max-initial-line-length", defaultValue = "4096")
    int maxInitialLineLength;
    @ConfigProperty(name = "gatehouse.shutdown.delay", defaultValue = "0s")
    Duration shutdownDelay;
    @ConfigProperty(name = "gatehouse.shutdown.drain-timeout", defaultValue = "20s")
    Duration drainTimeout;
    @Inject
    TrafficDrain drain;
    @Inject
    GatewayState state;
    @Inject
    jakarta.enterprise.inject.Instance<RequestTracer> tracers;
    @Inject
    ConnectionLimits connectionLimits;
    private volatile boolean proxyProtocol;
    @ConfigProperty(name = "quarkus.vertx.event-loops-size")
    Optional<Integer> eventLoops;

    @Inject
    io.gatehouse.tls.TlsListener tls;

    private final AtomicInteger actualPort = new AtomicInteger(-1);
    private final AtomicInteger actualTlsPort = new AtomicInteger(-1);
    /** The TLS settings the port opened with (port, client-auth, engine: a change needs a restart), or null. */
    private volatile TlsConfig tlsStarted;
    /** The listener settings of the config the port opened with (a change needs a restart). */
    private volatile ServerConfig.Http2Limits listenerSettings;
    /** The listeners' verticle deployments: undeployed (their ports closed) at shutdown. */
    private final java.util.List<String> deployments = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Quarkus settings that would put TLS on Quarkus' own HTTP server, which does not carry Gatehouse's traffic. */
    static final List<String> TRAFFIC_TLS_SETTINGS = List.of("quarkus.http.ssl.certificate.files",
            "quarkus.http.ssl.certificate.key-files", "quarkus.http.ssl.certificate.key-store-file",
            "quarkus.http.tls-configuration-name");

    void start(@Observes @Priority(200) StartupEvent event) throws Exception {
        refuseTrafficTls();
        boolean test = LaunchMode.current() == LaunchMode.TEST;
        int wanted = test ? testPort : port;
        // Vert.x' own tracer (Quarkus installs one when tracing is on) stays out: observe/'s server span is the
        // request's only one, named and attributed from the route, and sampled under the gateway's own rules
        HttpServerOptions options = new HttpServerOptions()
                .setTracingPolicy(io.vertx.core.tracing.TracingPolicy.IGNORE)
                .setHost(host)
                // Port 0 asks for a free port: -1 makes Vert.x bind one and share it among all the instances
                .setPort(wanted == 0 ? -1 : wanted)
                .setTcpNoDelay(true)
                .setReusePort(true)
                .setIdleTimeout((int) Math.max(1, idleTimeout.toSeconds()))
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setMaxHeaderSize((int) maxHeaderSize.asLongValue())
                .setMaxInitialLineLength(maxInitialLineLength)
                .setDecompressionSupported(false)
                .setCompressionSupported(false);
        GatewaySnapshot live = state.current();
        listenerSettings = live == null ? ServerConfig.Http2Limits.DEFAULT : live.config().server().http2();
        applyHttp2Limits(options, listenerSettings, (int) maxHeaderSize.asLongValue());
        // PROXY protocol v1/v2 (behind an L4 load balancer): the client's address comes from its header; a connection
        // without one is closed. A listener setting: applied at start, like server.http2.
        proxyProtocol = live != null && live.config().server().proxyProtocol();
        options.setUseProxyProtocol(proxyProtocol);
        ProtocolErrors protocolErrors = new ProtocolErrors(state, drain,
                RequestTracer.active(tracers));
        // server.tls: a second listener with the same limits, timeouts and handlers, TLS on
        tlsStarted = live == null ? null : live.config().server().tls();
        HttpServerOptions tlsOptions;
        try {
            tlsOptions = tlsStarted == null ? null : tls.options(options, tlsStarted);
        } catch (io.gatehouse.tls.TlsException e) {
            throw new GatewayLifecycle.InvalidConfigAtStartup("refusing to start: server.tls: " + e.getMessage());
        }
        HttpsRedirect redirect = tlsStarted != null && tlsStarted.redirectHttp() ? new HttpsRedirect(actualTlsPort) : null;
        int instances = eventLoops.orElse(2 * Runtime.getRuntime().availableProcessors());
        deploy(options, instances, protocolErrors, redirect, actualPort);
        if (tlsOptions != null) {
            deploy(tlsOptions, instances, protocolErrors, null, actualTlsPort);
        }
        if (test) {
            // What Quarkus' own server does for a random test port: tests (RestAssured) read it from here.
            System.setProperty("quarkus.http.test-port", String.valueOf(actualPort.get()));
        }
        LOG.infof("Gatehouse traffic listening on http://%s:%d (%d event-loop instances)", host, actualPort.get(), instances);
        if (tlsOptions != null) {
            tls.started(() -> {
                GatewaySnapshot now = state.current();
                return now == null ? null : now.config().server().tls();
            });
            LOG.infof("Gatehouse traffic listening on https://%s:%d (TLS engine: %s, client certificates: %s)%s", host,
                    actualTlsPort.get(), tls.engine(), tlsStarted.clientAuth().name().toLowerCase(java.util.Locale.ROOT),
                    redirect == null ? "" : "; the plain port redirects to it");
        }
    }

    /**
     * Opens one listener on {@code count} event loops (one server instance each, sharing the port) and waits until
     * they listen.
     */
    private void deploy(HttpServerOptions options, int count, ProtocolErrors protocolErrors, HttpsRedirect redirect,
                              AtomicInteger boundPort) throws Exception {
        deployments.add(vertx.deployVerticle(() -> new AbstractVerticle() {
            @Override
            public void start(Promise<Void> started) {
                Router router = Router.router(vertx);
                router.route().handler(handler);
                router.errorHandler(400, protocolErrors::routerFailure);
                router.errorHandler(404, protocolErrors::routerFailure); // only before routing: the catch-all takes all
                listener(options, router, protocolErrors, redirect).listen()
                        .onSuccess(s -> boundPort.set(s.actualPort())).<Void>mapEmpty().onComplete(started);
            }
        }, new DeploymentOptions().setInstances(count)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    }

    /**
     * One listener of the traffic port, plain or TLS: the same connection admission, head deadline, protocol-error
     * answers and handler for both (the one listener factory the edge and TLS share).
     */
    private HttpServer listener(HttpServerOptions options, Router router, ProtocolErrors protocolErrors,
                                HttpsRedirect redirect) {
        return StrictRequestDecoder.server(vertx, options)
                .connectionHandler(connection -> {
                    // read per connection: a reload applies to the connections opened after it
                    GatewaySnapshot snapshot = state.current();
                    if (snapshot != null && !connectionLimits.admit(connection,
                            snapshot.config().server().maxConnectionsPerIp())) {
                        return;
                    }
                    HttpVersions.install(connection);
                    HeaderDeadline.install(connection, (snapshot == null ? ServerConfig.DEFAULT_CLIENT_HEADER_TIMEOUT
                            : snapshot.config().server().clientHeaderTimeout()).toMillis());
                })
                .invalidRequestHandler(request -> {
                    if (!ClosingConnections.isRefused(request)) {
                        protocolErrors.invalidRequest(request);
                    }
                })
                .requestHandler(request -> {
                    if (ClosingConnections.isRefused(request)) {
                        return; // over server.max-connections-per-ip: closing, nothing served
                    }
                    // Pipelined behind a request refused for doubtful framing: the connection is closing, and
                    // nothing on it is served, on any route (Vert.x hands it over as the refusal ends).
                    if (request.version() == io.vertx.core.http.HttpVersion.HTTP_2
                            || !ClosingConnections.isClosing(request)) {
                        if (redirect != null) {
                            redirect.handle(request);
                        } else {
                            router.handle(request);
                        }
                    }
                });
    }

    /**
     * {@code server.http2}: streams per connection, the header list of a request, and the rapid-reset flood
     * (CVE-2023-44487: a client that resets streams faster than this is disconnected with GOAWAY).
     */
    static void applyHttp2Limits(HttpServerOptions options, ServerConfig.Http2Limits limits, int maxHeaderSize) {
        // h2c off: no HTTP/2 on cleartext connections, and Vert.x calls the connection handler as a connection opens
        // (with h2c on, only once an HTTP/1 connection's first head is decoded: HeaderDeadline's gap)
        options.setHttp2ClearTextEnabled(limits.cleartext());
        long headerList = limits.maxHeaderListSize() > 0 ? limits.maxHeaderListSize() : maxHeaderSize;
        options.setInitialSettings(new io.vertx.core.http.Http2Settings()
                        .setMaxConcurrentStreams(limits.maxConcurrentStreams())
                        .setMaxHeaderListSize(headerList))
                .setHttp2RstFloodMaxRstFramePerWindow(limits.maxResetsPerWindow())
                .setHttp2RstFloodWindowDuration((int) Math.max(1, limits.resetWindow().toSeconds()))
                .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS);
    }

    /** A reload that changes listener settings is applied for everything else, and said to need a restart. */
    void installed(@Observes SnapshotInstalled event) {
        ServerConfig.Http2Limits started = listenerSettings;
        ServerConfig.Http2Limits wanted = event.snapshot().config().server().http2();
        if (started != null && !started.equals(wanted)) {
            LOG.warnf("server.http2 changed to %s; the traffic port keeps %s until the next restart", wanted, started);
        }
        TlsConfig tlsWanted = event.snapshot().config().server().tls();
        if (started != null && !java.util.Objects.equals(tlsStarted == null ? null : tlsStarted.listenerSettings(),
                tlsWanted == null ? null : tlsWanted.listenerSettings())) {
            LOG.warnf("server.tls changed to %s; the TLS port keeps %s until the next restart (certificate files are "
                            + "picked up without one)", tlsWanted == null ? "no TLS" : tlsWanted.listenerSettings(),
                    tlsStarted == null ? "no TLS" : tlsStarted.listenerSettings());
        }
        if (started != null && event.snapshot().config().server().proxyProtocol() != proxyProtocol) {
            LOG.warnf("server.proxy-protocol changed to %s; the traffic port keeps %s until the next restart",
                    event.snapshot().config().server().proxyProtocol(), proxyProtocol);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (LaunchMode.current() == LaunchMode.TEST) {
            // the next test application must pick its own free port again, not inherit this one
            System.clearProperty("quarkus.http.test-port");
        }
        if (!deployments.isEmpty()) {
            drain();
            for (String deployment : deployments) {
                try {
                    vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    LOG.debugf("closing the traffic port: %s", e.toString());
                }
            }
        }
    }

    /**
     * Graceful shutdown: keep serving for {@code gatehouse.shutdown.delay} (load balancers and Kubernetes
     * endpoints take a moment to stop sending), then let every HTTP/1.x client go
     * after its response and wait up to {@code gatehouse.shutdown.drain-timeout} for the requests in flight.
     * Whatever is still running then is cut off when the port closes.
     */
    private void drain() {
        try {
            drain.begin();
            LOG.infof("shutting down: serving %d ms more, then draining %d request(s) in flight for up to %d ms",
                    shutdownDelay.toMillis(), drain.inFlight(), drainTimeout.toMillis());
            if (!shutdownDelay.isZero()) {
                Thread.sleep(shutdownDelay.toMillis());
                LOG.infof("shutdown delay over: draining %d request(s) in flight", drain.inFlight());
            }
            long left = drain.awaitIdle(drainTimeout);
            if (left > 0) {
                LOG.warnf("shutting down with %d request(s) still in flight after %d ms", left, drainTimeout.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Refuses to start when TLS is configured for the traffic port: it would silently not apply (the port is
     * Gatehouse's own server), and clients promised TLS would get plain HTTP or nothing on 8443.
     */
    private static void refuseTrafficTls() {
        org.eclipse.microprofile.config.Config config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        for (String name : TRAFFIC_TLS_SETTINGS) {
            if (config.getOptionalValue(name, String.class).isPresent()) {
                throw new GatewayLifecycle.InvalidConfigAtStartup("refusing to start: " + name + " is set, but it "
                        + "would put TLS on Quarkus' own server, which does not carry the gateway's traffic; configure "
                        + "TLS in the gateway config's server.tls (certificates, port, client-auth) instead.");
            }
        }
    }

    /**
     * An address this process reaches its own traffic port on: the loopback address when the port listens on every
     * address, else the one it listens on.
     */
    public String selfAddress() {
        return host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")
                ? "127.0.0.1" : host;
    }

    /** The TLS port ({@code server.tls.port}) as it listens, or -1 without TLS. */
    public int tlsPort() {
        return actualTlsPort.get();
    }

    /** The port the traffic server listens on (useful when configured as 0). */
    public int port() {
        return actualPort.get();
    }
}
