package io.gatehouse.tls;

import io.gatehouse.auth.AuthConfigExtension;
import io.gatehouse.config.ConfigException;
import io.gatehouse.config.ConfigParser;
import io.gatehouse.config.GatehouseConfig;
import io.gatehouse.config.TlsConfig;
import io.gatehouse.testing.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code server.tls} and {@code auth: mtls}: read as written, refused with their key paths. */
class TlsConfigTest {
    private static TestCertificates certs;

    @BeforeAll
    static void certificates() throws Exception {
        certs = TestCertificates.create("gatehouse-tls-config").server("a", "ca", "ec", "a.test");
    }

    private static GatehouseConfig parse(String yaml) throws ConfigException {
        return ConfigParser.parse("test", yaml, List.of(new AuthConfigExtension()));
    }

    private static List<String> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).problems();
    }

    private static void assertProblem(List<String> problems, String prefix) {
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(prefix)), "expected <" + prefix + "> in " + problems);
    }

    private static String config(String tls, String route) {
        return """
                server:
                  tls: %s
                upstreams:
                  u: {targets: [{url: http://127.0.0.1:1}]}
                routes:
                  - %s
                """.formatted(tls, route);
    }

    private String pair() {
        return "{cert: " + certs.file("a.crt") + ", key: " + certs.file("a.key") + "}";
    }

    @Test
    void theKeysAreReadWithTheirDefaults() throws Exception {
        TlsConfig tls = parse(config("{certificates: [" + pair() + "]}", "{id: r, path: /**, upstream: u}")).server().tls();
        assertEquals(8443, tls.port());
        assertEquals(List.of(new TlsConfig.CertificateFiles(certs.file("a.crt").toString(), certs.file("a.key").toString())),
                tls.certificates());
        assertEquals(TlsConfig.ClientAuth.NONE, tls.clientAuth());
        assertEquals("TLSv1.2", tls.minVersion());
        assertEquals(TlsConfig.Engine.AUTO, tls.engine());
        assertNull(parse(config("null", "{id: r, path: /**, upstream: u}")).server().tls());

        TlsConfig full = parse(config("{port: 9443, certificates: [" + pair() + "], client-auth: require, client-ca: "
                + certs.file("ca.crt") + ", min-version: '1.3', engine: jdk, redirect-http: true}",
                "{id: r, path: /**, upstream: u, auth: mtls}")).server().tls();
        assertEquals(9443, full.port());
        assertEquals(TlsConfig.ClientAuth.REQUIRE, full.clientAuth());
        assertEquals("TLSv1.3", full.minVersion());
        assertEquals(TlsConfig.Engine.JDK, full.engine());
        assertTrue(full.redirectHttp());
    }

    @Test
    void badValuesAreRefusedWithTheirKeyPaths() {
        String route = "{id: r, path: /**, upstream: u}";
        assertProblem(problems(config("{certificates: []}", route)), "server.tls.certificates");
        assertProblem(problems(config("{}", route)), "server.tls.certificates");
        assertProblem(problems(config("{certificates: [{cert: /nonexistent/tls.crt, key: " + certs.file("a.key") + "}]}",
                route)), "server.tls.certificates[0].cert");
        assertProblem(problems(config("{certificates: [{cert: " + certs.file("a.crt") + "}]}", route)),
                "server.tls.certificates[0].key");
        assertProblem(problems(config("{certificates: [" + pair() + "], client-auth: require}", route)),
                "server.tls.client-ca");
        assertProblem(problems(config("{certificates: [" + pair() + "], client-ca: " + certs.file("ca.crt") + "}", route)),
                "server.tls.client-ca");
        assertProblem(problems(config("{certificates: [" + pair() + "], client-auth: maybe}", route)),
                "server.tls.client-auth");
        assertProblem(problems(config("{certificates: [" + pair() + "], min-version: '1.1'}", route)),
                "server.tls.min-version");
        assertProblem(problems(config("{certificates: [" + pair() + "], engine: gnutls}", route)), "server.tls.engine");
        assertProblem(problems(config("{certificates: [" + pair() + "], port: 70000}", route)), "server.tls.port");
        assertProblem(problems(config("{certificates: [" + pair() + "], ciphers: [RC4]}", route)), "server.tls.ciphers");
    }

    @Test
    void anUpstreamsTlsIsReadAndRefusedWithItsKeyPath() throws Exception {
        String routes = "routes:\n  - {id: r, path: /**, upstream: u}\n";
        GatehouseConfig ok = parse("upstreams:\n  u: {targets: [{url: 'https://a.test'}], tls: {ca: " + certs.file("ca.crt")
                + "}}\n" + routes);
        assertEquals(certs.file("ca.crt").toString(), ok.upstreams().get("u").tls().ca());
        assertTrue(ok.upstreams().get("u").tls().verify());
        assertTrue(!parse("upstreams:\n  u: {targets: [{url: 'https://a.test'}], tls: {verify: false}}\n" + routes)
                .upstreams().get("u").tls().verify());
        assertProblem(problems("upstreams:\n  u: {targets: [{url: 'http://a.test'}], tls: {verify: true}}\n" + routes),
                "upstreams.u.tls: applies to https:// targets");
        assertProblem(problems("upstreams:\n  u: {targets: [{url: 'https://a.test'}], tls: {ca: /nonexistent.pem}}\n" + routes),
                "upstreams.u.tls.ca");
        assertProblem(problems("upstreams:\n  u: {targets: [{url: 'https://a.test'}], tls: {ca: " + certs.file("a.key")
                + "}}\n" + routes), "upstreams.u.tls.ca");
        assertProblem(problems("upstreams:\n  u: {targets: [{url: 'https://a.test'}], tls: {ca: " + certs.file("ca.crt")
                + ", verify: false}}\n" + routes), "upstreams.u.tls.verify");
        assertProblem(problems("upstreams:\n  u: {targets: [{url: 'https://a.test'}], tls: {insecure: true}}\n" + routes),
                "upstreams.u.tls.insecure");
    }

    @Test
    void anMtlsRouteNeedsClientCertificatesAskedForAndTakesNoRoles() {
        assertProblem(problems(config("{certificates: [" + pair() + "]}", "{id: r, path: /**, upstream: u, auth: mtls}")),
                "routes[0].auth");
        assertProblem(problems(config("{certificates: [" + pair() + "], client-auth: request, client-ca: "
                + certs.file("ca.crt") + "}", "{id: r, path: /**, upstream: u, auth: mtls, roles: [admin]}")),
                "routes[0].roles");
    }
}
