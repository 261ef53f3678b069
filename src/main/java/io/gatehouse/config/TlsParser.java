package io.gatehouse.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code server.tls}. The files are checked to be there and readable here, so a config naming a missing one is
 * refused with its key path; whether each certificate and key belong together is checked when they are loaded
 * (at start, on reload, and whenever the files change), by the listener.
 */
final class TlsParser {
    private static final String PATH = "server.tls";
    private static final Set<String> KEYS = Set.of("port", "certificates", "client-auth", "client-ca", "min-version",
            "engine", "redirect-http");
    private static final Set<String> CERTIFICATE_KEYS = Set.of("cert", "key");

    private TlsParser() {
    }

    static TlsConfig tls(ConfigNodes nodes, Object node) {
        if (node == null) {
            return null;
        }
        Map<String, Object> map = nodes.mapping(node, PATH, KEYS, Set.of());
        if (map == null) {
            return null;
        }
        int port = nodes.integer(map.get("port"), PATH + ".port", TlsConfig.DEFAULT_PORT, 0, 65535);
        List<TlsConfig.CertificateFiles> certificates = new ArrayList<>();
        List<Object> list = nodes.list(map.get("certificates"), PATH + ".certificates", true);
        if (list != null) {
            if (list.isEmpty()) {
                nodes.problem(PATH + ".certificates", "at least one {cert, key} pair is needed");
            }
            for (int i = 0; i < list.size(); i++) {
                String at = PATH + ".certificates[" + i + "]";
                Map<String, Object> pair = nodes.mapping(list.get(i), at, CERTIFICATE_KEYS, Set.of());
                if (pair == null) {
                    continue;
                }
                String cert = nodes.readableFile(pair.get("cert"), at + ".cert", true);
                String key = nodes.readableFile(pair.get("key"), at + ".key", true);
                if (cert != null && key != null) {
                    certificates.add(new TlsConfig.CertificateFiles(cert, key));
                }
            }
        }
        TlsConfig.ClientAuth clientAuth = nodes.choice(map.get("client-auth"), PATH + ".client-auth",
                TlsConfig.ClientAuth.class, TlsConfig.ClientAuth.NONE);
        String clientCa = nodes.readableFile(map.get("client-ca"), PATH + ".client-ca", false);
        if (clientAuth != TlsConfig.ClientAuth.NONE && clientCa == null && map.get("client-ca") == null) {
            nodes.problem(PATH + ".client-ca", "client-auth: " + clientAuth.name().toLowerCase(Locale.ROOT)
                    + " needs the CA bundle client certificates are verified against");
        }
        if (clientAuth == TlsConfig.ClientAuth.NONE && clientCa != null) {
            nodes.problem(PATH + ".client-ca", "set client-auth (request or require) to ask clients for certificates");
        }
        String minVersion = "TLSv1.2";
        String version = nodes.string(map.get("min-version"), PATH + ".min-version", false);
        if (version != null) {
            switch (version.trim()) {
                case "1.2", "TLSv1.2" -> minVersion = "TLSv1.2";
                case "1.3", "TLSv1.3" -> minVersion = "TLSv1.3";
                default -> nodes.problem(PATH + ".min-version", "'" + version + "' is not offered: TLSv1.2 or TLSv1.3 "
                        + "(older versions are never enabled)");
            }
        }
        TlsConfig.Engine engine = nodes.choice(map.get("engine"), PATH + ".engine", TlsConfig.Engine.class,
                TlsConfig.Engine.AUTO);
        boolean redirect = Boolean.TRUE.equals(nodes.bool(map.get("redirect-http"), PATH + ".redirect-http"));
        return new TlsConfig(port, certificates, clientAuth, clientCa, minVersion, engine, redirect);
    }
}
