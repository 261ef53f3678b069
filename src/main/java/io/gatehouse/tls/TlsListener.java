package io.gatehouse.tls;

import io.gatehouse.config.TlsConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The TLS side of the traffic port: the server options for {@code server.tls} (certificates, SNI, TLS 1.2/1.3 with a
 * modern cipher list, ALPN h2 and http/1.1, client certificates, the engine), and the watch that puts a renewed
 * certificate to use without a restart.
 *
 * <p>The watch reads the files every {@code gatehouse.reload-interval} on a worker thread. New bytes are checked
 * ({@link TlsMaterial}) before anything changes: a certificate with a key that is not its own (cert-manager wrote one
 * file and not yet the other) or a file that does not parse is logged once and retried at the next check, and the
 * running certificate stays. Checked material is swapped in for the next handshakes ({@link RenewableCredentials}):
 * new connections get the new certificate, open ones keep theirs, and none is refused while it happens.
 */
@Singleton
public class TlsListener implements ClientTrust {
    private static final Logger LOG = Logger.getLogger(TlsListener.class);

    /**
     * Mozilla's "intermediate" list: AEAD ciphers with forward secrecy only. TLS 1.3's three suites, then TLS 1.2's
     * ECDHE with AES-GCM or ChaCha20-Poly1305 (IANA names; Netty maps them for OpenSSL).
     */
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    @Inject
    Vertx vertx;
    @Inject
    MeterRegistry registry;
    @ConfigProperty(name = "gatehouse.reload-interval", defaultValue = "1s")
    Duration interval;

    private volatile RenewableCredentials credentials;
    /** The settings the port opened with: client certificates are asked for (or not) as they say until a restart. */
    private volatile TlsConfig started;
    private volatile String lastProblem;
    private volatile String engineName;
    private final AtomicBoolean checking = new AtomicBoolean();
    private long timer = -1;
    private Counter applies;
    private Counter refusals;
    private MultiGauge expiry;

    /**
     * The TLS port's options: {@code base} (the plain port's limits and timeouts) with TLS on. Reads and checks the
     * files now (at start, off the event loops).
     *
     * @throws TlsException when the files cannot be used: the gateway does not start without its certificate
     */
    public HttpServerOptions options(HttpServerOptions base, TlsConfig config) {
        // TLS 1.2 renegotiation asked for by a client: a full handshake on an open connection, as often as it likes,
        // unseen by the connection limits. BoringSSL refuses it; the JDK's engine only with this property, read when
        // its first server handshake runs (none has yet). An operator's own setting stands.
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
        started = config;
        TlsMaterial material = TlsMaterial.load(vertx, config);
        HttpServerOptions options = new HttpServerOptions(base)
                // a free port for tests: a negative port is one Vert.x binds once and shares among the instances, and
                // each negative number is its own group (-1 is the plain listener's)
                .setPort(config.port() == 0 ? -2 : config.port())
                .setSsl(true)
                // SNI is read by the key manager itself (RenewableCredentials): one context, no per-name ones
                .setSni(false)
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
                .setEnabledSecureTransportProtocols(config.minVersion().equals("TLSv1.3")
                        ? Set.of("TLSv1.3") : new LinkedHashSet<>(List.of("TLSv1.2", "TLSv1.3")))
                .setKeyCertOptions(credentials = new RenewableCredentials(material))
                .setClientAuth(switch (config.clientAuth()) {
                    case NONE -> ClientAuth.NONE;
                    case REQUEST -> ClientAuth.REQUEST;
                    case REQUIRE -> ClientAuth.REQUIRED;
                });
        if (material.clientCaManager() != null) {
            options.setTrustOptions(credentials);
        } else if (config.clientAuth() != TlsConfig.ClientAuth.NONE) {
            // without trust options Netty would verify client certificates against the JVM's public CAs: never
            throw new TlsException("client-auth is " + config.clientAuth() + " but no client-ca is configured");
        }
        for (String cipher : CIPHERS) {
            options.addEnabledCipherSuite(cipher);
        }
        boolean openssl = switch (config.engine()) {
            case JDK -> false;
            case OPENSSL -> {
                if (!OpenSSLEngineOptions.isAvailable()) {
                    throw new TlsException("server.tls.engine is openssl, but netty-tcnative does not load here: "
                            + io.netty.handler.ssl.OpenSsl.unavailabilityCause());
                }
                yield true;
            }
            case AUTO -> OpenSSLEngineOptions.isAvailable() && OpenSSLEngineOptions.isAlpnAvailable();
        };
        options.setSslEngineOptions(openssl ? new OpenSSLEngineOptions().setSessionCacheEnabled(true)
                : new JdkSSLEngineOptions());
        engineName = openssl ? "OpenSSL (" + io.netty.handler.ssl.OpenSsl.versionString() + ")" : "JDK";
        return options;
    }

    /** Which engine the port handshakes with, for the start-up line and the benchmark. */
    public String engine() {
        return engineName;
    }

    /** Why the last change of the files was refused, while it still is (null once a renewal is applied). */
    public String lastRefusal() {
        return lastProblem;
    }

    /** What the port serves now. */
    public List<TlsMaterial.Served> served() {
        RenewableCredentials now = credentials;
        return now == null ? List.of() : now.current().served();
    }

    /** The port is listening: watch the files {@code config} names now, which may change with a reload. */
    public void started(Supplier<TlsConfig> config) {
        applies = Counter.builder("gatehouse_tls_certificate_reloads").tag("outcome", "applied")
                .description("Renewed TLS certificates put to use").register(registry);
        refusals = Counter.builder("gatehouse_tls_certificate_reloads").tag("outcome", "refused")
                .description("Changed TLS files refused (a key not its certificate's, a file that does not parse)")
                .register(registry);
        expiry = MultiGauge.builder("gatehouse_tls_certificate_expiry_timestamp_seconds")
                .description("When each served certificate expires (notAfter), in seconds since the epoch")
                .register(registry);
        publishExpiry();
        for (TlsMaterial.Served served : served()) {
            LOG.infof("TLS certificate %s for %s, valid until %s", served.file(), served.names(), served.notAfter());
        }
        long every = Math.max(50, interval.toMillis());
        timer = vertx.setPeriodic(every, id -> check(config));
    }

    private void check(Supplier<TlsConfig> config) {
        TlsConfig live = config.get();
        if (live == null || !checking.compareAndSet(false, true)) {
            return; // no TLS in the running config (a restart removes the port), or the last check is still reading
        }
        TlsConfig now = listening(live);
        vertx.executeBlocking(() -> TlsMaterial.load(vertx, now, credentials.current()), false).onComplete(ar -> {
            checking.set(false);
            if (ar.failed()) {
                refused(ar.cause());
                return;
            }
            TlsMaterial material = ar.result();
            if (material == null) {
                lastProblem = null; // the same bytes as the running ones: nothing is being refused any more
                return;
            }
            TlsMaterial before = credentials.current();
            credentials.renew(material);
            if (before.clientCaManager() != null && engineName.startsWith("OpenSSL")
                    && !java.util.Arrays.equals(before.clientCaManager().getAcceptedIssuers(),
                    material.clientCaManager().getAcceptedIssuers())) {
                LOG.warnf("server.tls.client-ca changed: client certificates are verified against the new CAs now, but "
                        + "OpenSSL keeps naming the old ones to clients (the certificate_authorities list clients pick "
                        + "their certificate by) until the next restart");
            }
            lastProblem = null;
            applies.increment();
            publishExpiry();
            for (TlsMaterial.Served served : material.served()) {
                LOG.infof("TLS certificate renewed: %s for %s, valid until %s (new connections use it)",
                        served.file(), served.names(), served.notAfter());
            }
        });
    }

    /**
     * The files of the live config, with the client CAs the port asks for: a reload that drops {@code client-ca}
     * while the running port still asks for certificates (that takes a restart) keeps the CA bundle it started with.
     */
    private TlsConfig listening(TlsConfig live) {
        TlsConfig first = started;
        if (first == null || first.clientAuth() == TlsConfig.ClientAuth.NONE || live.clientCa() != null) {
            return live;
        }
        return new TlsConfig(live.port(), live.certificates(), live.clientAuth(), first.clientCa(), live.minVersion(),
                live.engine(), live.redirectHttp());
    }

    @Override
    public long generation() {
        RenewableCredentials now = credentials;
        return now == null ? 0 : now.current().generation();
    }

    @Override
    public boolean trusts(java.security.cert.X509Certificate[] chain) {
        RenewableCredentials now = credentials;
        javax.net.ssl.X509TrustManager manager = now == null ? null : now.current().clientCaManager();
        if (manager == null || chain == null || chain.length == 0) {
            return false;
        }
        try {
            chain[0].checkValidity();
            manager.checkClientTrusted(chain, chain[0].getPublicKey().getAlgorithm());
            return true;
        } catch (java.security.cert.CertificateException e) {
            return false;
        }
    }

    private void refused(Throwable cause) {
        String problem = cause instanceof TlsException ? cause.getMessage() : cause.toString();
        if (!problem.equals(lastProblem)) {
            // once per distinct problem: a half-written pair is checked again every interval until it is whole
            lastProblem = problem;
            refusals.increment();
            LOG.warnf("TLS files changed but cannot be used, keeping the running certificate (checked again every %d ms): %s",
                    interval.toMillis(), problem);
        }
    }

    private void publishExpiry() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (TlsMaterial.Served served : served()) {
            rows.add(MultiGauge.Row.of(Tags.of("certificate", served.file()), served.notAfter().getEpochSecond()));
        }
        expiry.register(rows, true);
    }

    @PreDestroy
    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }
}
