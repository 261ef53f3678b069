package io.gatehouse.auth;

import io.gatehouse.tls.ClientTrust;
import io.vertx.core.http.HttpServerRequest;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * The client certificate of a TLS connection ({@code server.tls.client-auth}). A full handshake checks its chain
 * against {@code client-ca} (one that does not verify fails the handshake), but a resumed session skips that check,
 * possibly days later and after the CA bundle changed: so the chain is checked here again against the client CAs in
 * use now ({@link ClientTrust}), once per TLS session and whenever the TLS files changed since, and its expiry on
 * every request. The verdict is kept on the session: every request of a keep-alive or HTTP/2 connection reads it.
 *
 * @param principal the caller: the certificate's subject (RFC 2253) as its id, no roles
 * @param forwarded the {@code X-Forwarded-Client-Cert} value the upstream gets, in Envoy's format:
 *                  {@code Hash=<SHA-256 of the DER, hex>;Subject="<subject>"}, then {@code URI=} and {@code DNS=} for
 *                  each subjectAltName of those kinds
 */
record ClientCertificate(Principal principal, String forwarded, long notAfterMillis) {
    static final String HEADER = "X-Forwarded-Client-Cert";
    private static final String SESSION_KEY = "gatehouse.client-certificate";

    /** A session's verdict, for the client CAs of one generation: the certificate, or null when it did not verify. */
    private record Verdict(long generation, ClientCertificate certificate) {
    }

    /**
     * The client certificate of the request's connection when it verifies against the client CAs in use now and has
     * not expired, else null (plain HTTP, none sent, or not to be believed any more).
     */
    static ClientCertificate of(HttpServerRequest request, ClientTrust trust) {
        if (!request.isSSL() || trust == null) {
            return null;
        }
        SSLSession session = request.connection().sslSession();
        if (session == null) {
            return null;
        }
        long generation = trust.generation();
        ClientCertificate certificate;
        if (session.getValue(SESSION_KEY) instanceof Verdict verdict && verdict.generation() == generation) {
            certificate = verdict.certificate();
        } else {
            certificate = verify(session, trust);
            session.putValue(SESSION_KEY, new Verdict(generation, certificate));
        }
        return certificate != null && System.currentTimeMillis() <= certificate.notAfterMillis() ? certificate : null;
    }

    private static ClientCertificate verify(SSLSession session, ClientTrust trust) {
        Certificate[] peer;
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (peer.length == 0) {
            return null;
        }
        X509Certificate[] chain = new X509Certificate[peer.length];
        for (int i = 0; i < peer.length; i++) {
            if (!(peer[i] instanceof X509Certificate x509)) {
                return null;
            }
            chain[i] = x509;
        }
        return trust.trusts(chain) ? from(chain[0]) : null;
    }

    static ClientCertificate from(X509Certificate leaf) {
        String subject = leaf.getSubjectX500Principal().getName();
        StringBuilder forwarded = new StringBuilder("Hash=").append(hash(leaf)).append(";Subject=\"")
                .append(subject.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        try {
            Collection<List<?>> alternatives = leaf.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> entry : alternatives) {
                    Object kind = entry.get(0);
                    String value = String.valueOf(entry.get(1));
                    if (Integer.valueOf(6).equals(kind) && safe(value)) {
                        forwarded.append(";URI=").append(value);
                    } else if (Integer.valueOf(2).equals(kind) && safe(value)) {
                        forwarded.append(";DNS=").append(value);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no subjectAltName worth passing on
        }
        return new ClientCertificate(new Principal(subject, List.of(), null), forwarded.toString(),
                leaf.getNotAfter().getTime());
    }

    /** A SAN value that cannot break the header's own syntax (';', ',', '"', controls): else it is left out. */
    private static boolean safe(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7e || c == ';' || c == ',' || c == '"') {
                return false;
            }
        }
        return !value.isEmpty();
    }

    private static String hash(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
