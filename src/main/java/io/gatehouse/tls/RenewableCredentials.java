package io.gatehouse.tls;

import io.vertx.core.Vertx;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import java.net.Socket;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Function;

/**
 * The TLS port's certificates and client CAs as Vert.x options whose key and trust managers read the current
 * {@link TlsMaterial} at every handshake: renewing is one volatile write ({@link #renew}), new handshakes use the new
 * material, and connections already open keep the session they have.
 *
 * <p>Why not Vert.x' {@code updateSSLOptions}: in Vert.x 4.5 it replaces the server's TLS context with a future that
 * completes only once the new context is built, and a connection accepted meanwhile fails with a
 * NullPointerException in the channel initializer (measured: every connection in a ~100 ms window after each renewal
 * was closed unanswered). Netty reads key material through the key manager on each handshake on both engines (for a
 * plain {@code KeyManagerFactory} it does not cache it, because it "may change at runtime"), so nothing else is needed.
 *
 * <p>One TLS context serves every SNI name: the key manager picks the certificate from the name the client asked for
 * in this handshake ({@code getRequestedServerNames} of the handshake session, on both engines). Vert.x' own SNI
 * support would build and cache a context per name (16 at most, least recently used first), which a client can churn
 * with made-up names under a wildcard certificate, each build on a worker thread under one lock, and each rebuilt
 * context with fresh session caches.
 *
 * <p>Aliases carry the generation and the name they were chosen for, so a handshake that chose its alias just before
 * a renewal still gets that generation's certificate and key together, never a new chain with an old key.
 */
final class RenewableCredentials implements KeyCertOptions, TrustOptions {
    private volatile TlsMaterial current;
    private volatile TlsMaterial previous;

    RenewableCredentials(TlsMaterial initial) {
        this.current = initial;
        this.previous = initial;
    }

    /** New handshakes use {@code material} from now on. */
    void renew(TlsMaterial material) {
        previous = current;
        current = material;
    }

    TlsMaterial current() {
        return current;
    }

    private TlsMaterial generation(long id) {
        TlsMaterial now = current;
        if (now.generation() == id) {
            return now;
        }
        TlsMaterial before = previous;
        return before.generation() == id ? before : null;
    }

    // --- KeyCertOptions / TrustOptions: the same object, whatever Vert.x copies ---

    @Override
    public RenewableCredentials copy() {
        return this;
    }

    @Override
    public KeyManagerFactory getKeyManagerFactory(Vertx vertx) {
        return keyManagerFactory(new RenewableKeyManager());
    }

    /** No per-name contexts: the one key manager chooses by the requested name itself. */
    @Override
    public Function<String, KeyManagerFactory> keyManagerFactoryMapper(Vertx vertx) {
        return name -> null;
    }

    @Override
    @Deprecated
    public Function<String, X509KeyManager> keyManagerMapper(Vertx vertx) {
        return name -> null;
    }

    @Override
    public TrustManagerFactory getTrustManagerFactory(Vertx vertx) {
        TrustManager manager = new RenewableTrustManager();
        return new TrustManagerFactory(new TrustManagerFactorySpi() {
            @Override
            protected void engineInit(KeyStore ks) {
            }

            @Override
            protected void engineInit(ManagerFactoryParameters spec) {
            }

            @Override
            protected TrustManager[] engineGetTrustManagers() {
                return new TrustManager[] {manager};
            }
        }, null, "gatehouse") {
        };
    }

    /** The same client CAs for every SNI name: no per-name contexts. */
    @Override
    public Function<String, TrustManager[]> trustManagerMapper(Vertx vertx) {
        return name -> null;
    }

    private static KeyManagerFactory keyManagerFactory(X509ExtendedKeyManager manager) {
        return new KeyManagerFactory(new KeyManagerFactorySpi() {
            @Override
            protected void engineInit(KeyStore ks, char[] password) {
            }

            @Override
            protected void engineInit(ManagerFactoryParameters spec) {
            }

            @Override
            protected KeyManager[] engineGetKeyManagers() {
                return new KeyManager[] {manager};
            }
        }, null, "gatehouse") {
        };
    }

    /**
     * The name the client asked for in the handshake under way (SNI), lower case, or null: the handshake session of
     * either engine carries it while the key manager is asked for an alias.
     */
    static String requestedName(SSLEngine engine) {
        if (engine == null || !(engine.getHandshakeSession() instanceof ExtendedSSLSession session)) {
            return null;
        }
        for (SNIServerName name : session.getRequestedServerNames()) {
            if (name.getType() == StandardConstants.SNI_HOST_NAME) {
                String host = name instanceof SNIHostName h ? h.getAsciiName() : new SNIHostName(name.getEncoded()).getAsciiName();
                return host.toLowerCase(java.util.Locale.ROOT);
            }
        }
        return null;
    }

    /**
     * The one key manager of the port: the certificate of the requested name (the first one when no certificate holds
     * it), from the material current when the alias is chosen. Aliases read {@code generation|name|alias}.
     */
    private final class RenewableKeyManager extends X509ExtendedKeyManager {

        private static X509KeyManager manager(TlsMaterial material, String serverName) {
            X509KeyManager named = serverName == null || serverName.isEmpty() ? null : material.managerFor(serverName);
            return named != null ? named : material.defaultManager();
        }

        private static String tagged(TlsMaterial material, String serverName, String alias) {
            return alias == null ? null : material.generation() + "|" + (serverName == null ? "" : serverName) + "|" + alias;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            TlsMaterial material = current;
            String name = requestedName(engine);
            X509KeyManager manager = manager(material, name);
            return tagged(material, name, manager instanceof X509ExtendedKeyManager extended
                    ? extended.chooseEngineServerAlias(keyType, issuers, engine)
                    : manager.chooseServerAlias(keyType, issuers, null));
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            TlsMaterial material = current;
            return tagged(material, null, manager(material, null).chooseServerAlias(keyType, issuers, socket));
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            TlsMaterial material = current;
            String[] aliases = manager(material, null).getServerAliases(keyType, issuers);
            if (aliases == null) {
                return null;
            }
            String[] out = new String[aliases.length];
            for (int i = 0; i < aliases.length; i++) {
                out[i] = tagged(material, null, aliases[i]);
            }
            return out;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            String[] parts = parts(alias);
            TlsMaterial material = parts == null ? null : generation(Long.parseLong(parts[0]));
            return material == null ? null : manager(material, parts[1]).getCertificateChain(parts[2]);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            String[] parts = parts(alias);
            TlsMaterial material = parts == null ? null : generation(Long.parseLong(parts[0]));
            return material == null ? null : manager(material, parts[1]).getPrivateKey(parts[2]);
        }

        /** generation, name ("" for none), the underlying alias; null for an alias not made here. */
        private static String[] parts(String alias) {
            if (alias == null) {
                return null;
            }
            String[] parts = alias.split("\\|", 3);
            if (parts.length != 3 || parts[0].isEmpty() || !parts[0].chars().allMatch(Character::isDigit)) {
                return null;
            }
            return parts;
        }

        // the server side only: the gateway presents certificates, it does not act as a TLS client here
        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    /** Client certificates checked against the current client CAs. */
    private final class RenewableTrustManager extends X509ExtendedTrustManager {
        private X509TrustManager manager() {
            X509TrustManager manager = current.clientCaManager();
            if (manager == null) {
                throw new IllegalStateException("no client CA configured");
            }
            return manager;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            X509TrustManager m = manager();
            if (m instanceof X509ExtendedTrustManager e) {
                e.checkClientTrusted(chain, authType, socket);
            } else {
                m.checkClientTrusted(chain, authType);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            X509TrustManager m = manager();
            if (m instanceof X509ExtendedTrustManager e) {
                e.checkClientTrusted(chain, authType, engine);
            } else {
                m.checkClientTrusted(chain, authType);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            manager().checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("the TLS port does not verify servers");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("the TLS port does not verify servers");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the TLS port does not verify servers");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return manager().getAcceptedIssuers();
        }
    }
}
