package io.gatehouse.tls;

import io.gatehouse.config.TlsConfig;
import io.gatehouse.testing.TestCertificates;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading and checking PEM files: pairs that belong together, pairs that do not, files that are not PEM. */
class TlsMaterialTest {
    private static Vertx vertx;
    private static TestCertificates certs;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        certs = TestCertificates.create("gatehouse-tls-material")
                .server("rsa", "ca", "rsa", "rsa.test", "*.wild.test")
                .server("ec", "ca", "ec", "ec.test")
                .server("ec2", "ca", "ec", "ec.test");
        // the same RSA key in the older PKCS#1 form
        certs.openssl("pkey", "-in", "rsa.key", "-traditional", "-out", "rsa-pkcs1.key");
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    private static TlsConfig config(String cert, String key) {
        return new TlsConfig(0, List.of(new TlsConfig.CertificateFiles(certs.file(cert).toString(), certs.file(key).toString())),
                TlsConfig.ClientAuth.NONE, null, "TLSv1.2", TlsConfig.Engine.JDK, false);
    }

    @Test
    void matchingPairsLoadWithTheirNamesAndExpiry() {
        TlsMaterial rsa = TlsMaterial.load(vertx, config("rsa.crt", "rsa.key"));
        assertEquals(List.of("rsa.test", "*.wild.test"), rsa.served().get(0).names());
        assertNotNull(rsa.served().get(0).notAfter());
        assertNotNull(rsa.managerFor("rsa.test"));
        assertNotNull(rsa.managerFor("api.wild.test"), "a wildcard name");
        assertNull(rsa.managerFor("other.test"));
        assertNotNull(TlsMaterial.load(vertx, config("rsa.crt", "rsa-pkcs1.key")), "a PKCS#1 key");
        assertNotNull(TlsMaterial.load(vertx, config("ec.crt", "ec.key")));
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedNamingBothFiles() {
        TlsException sameType = assertThrows(TlsException.class, () -> TlsMaterial.load(vertx, config("ec.crt", "ec2.key")));
        assertTrue(sameType.getMessage().contains("ec2.key is not the private key of the certificate in")
                && sameType.getMessage().contains("ec.crt"), sameType.getMessage());
        TlsException otherType = assertThrows(TlsException.class, () -> TlsMaterial.load(vertx, config("rsa.crt", "ec.key")));
        assertTrue(otherType.getMessage().contains("ec.key is not the private key"), otherType.getMessage());
    }

    @Test
    void filesThatAreNotPemAreRefused() throws Exception {
        Files.writeString(certs.file("garbage.pem"), "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        assertTrue(assertThrows(TlsException.class, () -> TlsMaterial.load(vertx, config("garbage.pem", "ec.key")))
                .getMessage().contains("garbage.pem"));
        assertTrue(assertThrows(TlsException.class, () -> TlsMaterial.load(vertx, config("ec.crt", "garbage.pem")))
                .getMessage().contains("garbage.pem"));
        assertTrue(assertThrows(TlsException.class, () -> TlsMaterial.load(vertx, config("ec.crt", "missing.key")))
                .getMessage().contains("missing.key: cannot be read"));
    }

    @Test
    void theSameBytesAreNotLoadedTwice() {
        TlsMaterial first = TlsMaterial.load(vertx, config("ec.crt", "ec.key"));
        assertNull(TlsMaterial.load(vertx, config("ec.crt", "ec.key"), first));
        assertNotNull(TlsMaterial.load(vertx, config("ec2.crt", "ec2.key"), first));
    }
}
