package io.gatehouse.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real certificates for TLS tests, made with the {@code openssl} command: a CA, server certificates signed by it (for
 * SNI names, with subjectAltNames) and client certificates (one from the CA, one from a CA the gateway does not know).
 * Each key is EC P-256 unless asked otherwise; files are PEM, as a Kubernetes TLS Secret mounts them.
 */
public final class TestCertificates {
    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** A new directory with a CA ({@code ca.crt}, {@code ca.key}). */
    public static TestCertificates create(String prefix) throws Exception {
        TestCertificates certs = new TestCertificates(TempDirs.create(prefix));
        certs.ca("ca", "Gatehouse Test CA");
        return certs;
    }

    public Path dir() {
        return dir;
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    /** A self-signed CA: {@code NAME.crt} and {@code NAME.key}. */
    public TestCertificates ca(String name, String commonName) throws Exception {
        key(name, "ec");
        openssl("req", "-x509", "-new", "-key", name + ".key", "-sha256", "-days", "30", "-subj", "/CN=" + commonName,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-out", name + ".crt");
        return this;
    }

    /**
     * A server certificate {@code NAME.crt} / {@code NAME.key} signed by the CA {@code ca}, for the DNS names given
     * (the first is also its CN).
     */
    public TestCertificates server(String name, String ca, String keyType, String... dnsNames) throws Exception {
        List<String> san = new ArrayList<>();
        for (String dns : dnsNames) {
            san.add("DNS:" + dns);
        }
        return signed(name, ca, keyType, "/CN=" + dnsNames[0], "subjectAltName=" + String.join(",", san),
                "extendedKeyUsage=serverAuth");
    }

    /** A client certificate {@code NAME.crt} / {@code NAME.key} signed by the CA {@code ca}, with a URI SAN. */
    public TestCertificates client(String name, String ca, String subject, String uri) throws Exception {
        return signed(name, ca, "ec", subject, "subjectAltName=URI:" + uri, "extendedKeyUsage=clientAuth");
    }

    private TestCertificates signed(String name, String ca, String keyType, String subject, String san, String usage)
            throws Exception {
        key(name, keyType);
        openssl("req", "-new", "-key", name + ".key", "-subj", subject, "-out", name + ".csr");
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, san + "\n" + usage + "\nbasicConstraints=CA:FALSE\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
                "-days", "30", "-sha256", "-extfile", name + ".ext", "-out", name + ".crt");
        return this;
    }

    private void key(String name, String type) throws Exception {
        if (type.equals("rsa")) {
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name + ".key");
        } else {
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
        }
    }

    /** Runs {@code openssl} in this directory; fails with its output when it fails. */
    public String openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        return run(command, null, 30);
    }

    /** Runs a command in this directory with {@code stdin}, returns its combined output; fails on a non-zero exit. */
    public String run(List<String> command, String stdin, int timeoutSeconds) throws Exception {
        Result result = runAllowingFailure(command, stdin, timeoutSeconds);
        if (result.exit() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + result.exit() + ":\n" + result.output());
        }
        return result.output();
    }

    /** The exit code and combined output of a command run in this directory. */
    public record Result(int exit, String output) {
    }

    public Result runAllowingFailure(List<String> command, String stdin, int timeoutSeconds) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes());
            }
        } catch (IOException closedEarly) {
            // the command did not read its input
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), Files.readString(out));
    }
}
