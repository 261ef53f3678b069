package io.gatehouse.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bin/gatehouse-validate} as CI runs it, over the packaged gateway (target/quarkus-app). */
class ValidateCommandIT {

    private record Run(int exit, String out) {
    }

    private static Run validate(String... files) throws Exception {
        String[] command = new String[files.length + 1];
        command[0] = "bin/gatehouse-validate";
        System.arraycopy(files, 0, command, 1, files.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the command ends");
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void aBadFileFailsWithItsKeyPathsAndAGoodOnePasses(@TempDir Path dir) throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                upstreams:
                  users: {targets: [{url: http://127.0.0.1:8081}]}
                routes:
                  - {id: users, path: /users/**, upstream: nobody, cache: {ttl: soon}}
                """);
        Run failed = validate(bad.toString());
        assertEquals(1, failed.exit(), failed.out());
        assertTrue(failed.out().contains("bad.yaml: routes[0].upstream"), failed.out());
        assertTrue(failed.out().contains("routes[0].cache.ttl"), failed.out());

        Path good = Files.writeString(dir.resolve("good.yaml"), """
                upstreams:
                  users: {targets: [{url: http://127.0.0.1:8081}]}
                routes:
                  - {id: users, path: /users/**, upstream: users}
                """);
        Run passed = validate(good.toString());
        assertEquals(0, passed.exit(), passed.out());
        assertTrue(passed.out().contains("good.yaml: ok (1 upstreams, 1 routes)"), passed.out());
        assertEquals(2, validate().exit());
    }
}
