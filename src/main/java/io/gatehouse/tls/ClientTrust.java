package io.gatehouse.tls;

import java.security.cert.X509Certificate;

/**
 * The client CAs in use now, for checks outside the handshake. A resumed TLS session skips the handshake's
 * certificate check, so a session verified before the CA bundle changed (a CA removed to revoke what it issued) would
 * still be believed: whoever believes a session's client certificate checks it again whenever {@link #generation()}
 * moved on since it last did.
 */
public interface ClientTrust {
    /** Changes whenever the TLS files are reloaded (the CA bundle among them). */
    long generation();

    /** Whether {@code chain} (leaf first) verifies against the client CAs in use now, and is valid at this moment. */
    boolean trusts(X509Certificate[] chain);
}
