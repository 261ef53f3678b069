package io.gatehouse.testing;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The access log of the gateway under {@code @QuarkusTest}: the test profile writes it to
 * {@value #FILE} (application.properties), through the same writer thread as stdout in production.
 */
public final class AccessLogFile {
    public static final String FILE = "target/access-log-test.jsonl";

    private AccessLogFile() {
    }

    /** The line of the request with this id, parsed, waiting up to 5 s for the writer; fails when there is none. */
    public static JsonObject line(String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            JsonObject line = find(requestId);
            if (line != null) {
                return line;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no access-log line for request " + requestId + " in " + FILE);
            }
            Thread.sleep(20);
        }
    }

    /**
     * The line of the request with this id as written so far, or null; fails when there are two (every request has
     * exactly one).
     */
    public static JsonObject find(String requestId) {
        long count = lines().stream().filter(t -> t.contains("\"request_id\":\"" + requestId + "\"")).count();
        if (count > 1) {
            throw new AssertionError(count + " access-log lines for request " + requestId);
        }
        for (String text : lines()) {
            if (text.contains("\"" + requestId + "\"")) {
                JsonObject line;
                try {
                    line = new JsonObject(text);
                } catch (io.vertx.core.json.DecodeException halfWritten) {
                    return null; // the writer is in the middle of this line: look again
                }
                if (requestId.equals(line.getString("request_id"))) {
                    return line;
                }
            }
        }
        return null;
    }

    public static List<String> lines() {
        Path file = Path.of(FILE);
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
