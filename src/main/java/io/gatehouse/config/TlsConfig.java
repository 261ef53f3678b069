package io.gatehouse.config;

import java.util.List;

/**
 * {@code server.tls}: TLS termination on a second traffic port.
 *
 * @param port         the TLS port (8443 by default; 0 = any free port, for tests); a listener setting, applied at start
 * @param certificates certificate chains and their keys as PEM files (a Kubernetes TLS Secret mounted as files); the
 *                     one a client gets is chosen by the SNI host name among the names each certificate holds, the
 *                     first when none matches. Watched: a renewed pair is used for new connections
 * @param clientAuth   whether clients are asked for a certificate (mTLS); a listener setting
 * @param clientCa     PEM file of the CAs a client certificate must chain to; required unless clientAuth is NONE
 * @param minVersion   {@code TLSv1.2} (default) or {@code TLSv1.3}; nothing older is ever offered
 * @param engine       which TLS implementation runs the handshakes; a listener setting
 * @param redirectHttp the plain traffic port answers every request with a redirect to this port (308)
 */
public record TlsConfig(int port, List<CertificateFiles> certificates, ClientAuth clientAuth, String clientCa,
                        String minVersion, Engine engine, boolean redirectHttp) {
    public static final int DEFAULT_PORT = 8443;

    public TlsConfig {
        certificates = List.copyOf(certificates);
    }

    /** One certificate chain (leaf first) and its private key. */
    public record CertificateFiles(String cert, String key) {
    }

    /** {@code client-auth}: none, request (a certificate is asked for and, when sent, verified), require. */
    public enum ClientAuth { NONE, REQUEST, REQUIRE }

    /**
     * {@code engine}: auto (OpenSSL through netty-tcnative's BoringSSL where it loads, else the JDK's), openssl (refuse
     * to start without it), jdk.
     */
    public enum Engine { AUTO, OPENSSL, JDK }

    /** The settings that take a restart to change (the port and how it handshakes), for the reload warning. */
    public String listenerSettings() {
        return "port " + port + ", client-auth " + clientAuth + ", min-version " + minVersion + ", engine " + engine
                + ", redirect-http " + redirectHttp;
    }
}
