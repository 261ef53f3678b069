package io.gatehouse.cli;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.gatehouse.config.ConfigExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The validate command over real files: the same errors a reload gives, and an exit status CI can act on. */
class ValidateConfigTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ValidateConfig.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void theDemoConfigIsValidOnceItsVariablesAreSet(@TempDir Path dir) throws Exception {
        // the demo's addresses are variables its in-process upstreams set when they start: unset, they are errors
        assertEquals(1, run("src/main/resources/gatehouse-demo.yaml"));
        assertTrue(err.toString().contains("variable ${demo.users-1} is not set"), err.toString());
        out.reset();
        err.reset();
        String[] names = {"demo.orders", "demo.products", "demo.stats", "demo.users-1", "demo.users-2"};
        Path token = Files.writeString(dir.resolve("token"), "a-demo-token-of-some-length");
        try {
            for (String name : names) {
                System.setProperty(name, "http://127.0.0.1:9");
            }
            System.setProperty("demo.admin-token-file", token.toString());
            // the demo's TLS: its port, and the certificate it copies out of the jar
            System.setProperty("demo.tls-port", "8443");
            System.setProperty("demo.tls-cert", "src/main/resources/demo-tls/localhost.crt");
            System.setProperty("demo.tls-key", "src/main/resources/demo-tls/localhost.key");
            assertEquals(0, run("src/main/resources/gatehouse-demo.yaml"), err.toString());
        } finally {
            for (String name : names) {
                System.clearProperty(name);
            }
            System.clearProperty("demo.admin-token-file");
            System.clearProperty("demo.tls-port");
            System.clearProperty("demo.tls-cert");
            System.clearProperty("demo.tls-key");
        }
        assertTrue(out.toString().startsWith("src/main/resources/gatehouse-demo.yaml: ok ("), out.toString());
    }

    @Test
    void problemsArePrintedWithTheirKeyPathsFeatureSectionsIncludedAndTheExitSaysSo(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                upstreams:
                  users: {targets: [{url: http://127.0.0.1:8081}]}
                routes:
                  - {id: users, path: /users/**, upstream: nobody}
                  - {id: cached, path: /c/**, upstream: users, cache: {ttl: soon}, access-log: {sample: 2}}
                rate-limits:
                  per-ip: {key: nose, limits: [10/1m]}
                """);
        Path good = Files.writeString(dir.resolve("good.yaml"), """
                upstreams:
                  users: {targets: [{url: http://127.0.0.1:8081}]}
                routes:
                  - {id: users, path: /users/**, upstream: users, access-log: {sample: 0.5}}
                """);
        assertEquals(1, run(good.toString(), bad.toString()));
        assertTrue(out.toString().contains("good.yaml: ok (1 upstreams, 1 routes)"), out.toString());
        String errors = err.toString();
        assertTrue(errors.contains("bad.yaml: routes[0].upstream"), errors);
        assertTrue(errors.contains("routes[1].cache.ttl"), errors);
        assertTrue(errors.contains("routes[1].access-log.sample"), errors);
        assertTrue(errors.contains("rate-limits.per-ip.key"), errors);
    }

    @Test
    void aMissingFileOrNoArgumentsAreRefused() {
        assertEquals(1, run("/nonexistent/gatehouse.yaml"));
        assertTrue(err.toString().contains("/nonexistent/gatehouse.yaml: cannot be read"), err.toString());
        assertEquals(2, run());
    }

    @Test
    void everyConfigExtensionOfTheGatewayIsInTheCommandsList() {
        Set<String> inCode = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.gatehouse").stream()
                .filter(c -> c.isAssignableTo(ConfigExtension.class) && !c.isInterface())
                .map(JavaClass::getName).collect(Collectors.toSet());
        Set<String> listed = ValidateConfig.extensions(Optional.empty()).stream().map(e -> e.getClass().getName())
                .collect(Collectors.toSet());
        assertEquals(inCode, listed, "a feature's ConfigExtension missing from ValidateConfig.extensions");
    }
}
