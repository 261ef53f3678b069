package io.gatehouse.auth;

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
 * The client certificate a TLS connection was verified with ({@code server.tls.client-auth}): the handshake checked
 * its chain against {@code client-ca} (a certificate that does not verify fails the handshake), so one that is here
 * is one to believe. Worked out once per TLS session and kept on it: every request of a keep-alive or HTTP/2
 * connection reads the same one.
 *
 * @param principal the caller: the certificate's subject (RFC 2253) as its id, no roles
 * @param forwarded the {@code X-Forwarded-Client-Cert} value the upstream gets, in Envoy's format:
 *                  {@code Hash=<SHA-256 of the DER, hex>;Subject="<subject>"}, then {@code URI=} and {@code DNS=} for
 *                  each subjectAltName of those kinds
 */
record ClientCertificate(Principal principal, String forwarded) {
    static final String HEADER = "X-Forwarded-Client-Cert";
    private static final String SESSION_KEY = "gatehouse.client-certificate";

    /** The verified client certificate of the request's connection, or null (plain HTTP, or none was sent). */
    static ClientCertificate of(HttpServerRequest request) {
        if (!request.isSSL()) {
            return null;
        }
        SSLSession session = request.connection().sslSession();
        if (session == null) {
            return null;
        }
        Object cached = session.getValue(SESSION_KEY);
        if (cached instanceof ClientCertificate certificate) {
            return certificate;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return null;
        }
        ClientCertificate certificate = from(leaf);
        session.putValue(SESSION_KEY, certificate);
        return certificate;
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
        return new ClientCertificate(new Principal(subject, List.of(), null), forwarded.toString());
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
