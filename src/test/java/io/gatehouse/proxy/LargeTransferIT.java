package io.gatehouse.proxy;

import io.gatehouse.testing.TempDirs;
import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 300 MB up and 300 MB down through a gateway whose heap is 128 MB: only streaming with back-pressure passes. The
 * route's timeout is 800 ms: it bounds the wait for the response head once the request is sent, never the upload.
 * The gateway is the packaged jar in its own JVM, started with -Xmx128m and told to die on OutOfMemoryError.
 */
class LargeTransferIT {
    private static final long SIZE = 300L * 1024 * 1024;
    private static Vertx vertx;
    private static TestUpstream upstream;
    private static GatewayProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        upstream = TestUpstream.start(vertx, "bulk");
        Path config = TempDirs.file("gatehouse-large", "gatehouse.yaml");
        Files.writeString(config, """
                upstreams:
                  bulk: {targets: [{url: %s}], timeout: 800ms}   # a sub-second head timeout: counted once the body is up
                routes:
                  - {id: bulk, path: /bulk/**, upstream: bulk, strip-prefix: /bulk}
                """.formatted(upstream.url()));
        gateway = GatewayProcess.start("large-transfer", config, "-Xmx128m", "-XX:+ExitOnOutOfMemoryError",
                "-Dgatehouse.access-log.enabled=false").awaitReady(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
        vertx.close();
    }

    private static byte[] chunk() {
        return TestUpstream.pattern(64 * 1024);
    }

    private static void upload(boolean chunked) throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL(gateway.url("/bulk/upload")).openConnection();
        c.setDoOutput(true);
        c.setRequestMethod("POST");
        if (chunked) {
            c.setChunkedStreamingMode(64 * 1024);
        } else {
            c.setFixedLengthStreamingMode(SIZE);
        }
        byte[] chunk = chunk();
        CRC32 crc = new CRC32();
        try (OutputStream out = c.getOutputStream()) {
            for (long sent = 0; sent < SIZE; sent += chunk.length) {
                out.write(chunk);
                crc.update(chunk);
            }
        }
        assertEquals(200, c.getResponseCode());
        JsonObject json;
        try (InputStream in = c.getInputStream()) {
            json = new JsonObject(new String(in.readAllBytes()));
        }
        assertEquals(SIZE, json.getLong("bytes"));
        assertEquals(crc.getValue(), json.getLong("crc"));
        assertTrue(gateway.isAlive(), "gateway died:\n" + gateway.output());
    }

    @Test
    void a300MbUploadWithContentLengthStreamsThroughA128MbHeap() throws Exception {
        upload(false);
    }

    @Test
    void a300MbChunkedUploadStreamsThroughA128MbHeap() throws Exception {
        upload(true);
    }

    @Test
    void a300MbDownloadStreamsThroughA128MbHeap() throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL(gateway.url("/bulk/download?bytes=" + SIZE)).openConnection();
        assertEquals(200, c.getResponseCode());
        CRC32 expected = new CRC32();
        byte[] chunk = chunk();
        for (long n = 0; n < SIZE; n += chunk.length) {
            expected.update(chunk);
        }
        CRC32 got = new CRC32();
        long total = 0;
        byte[] buf = new byte[256 * 1024];
        try (InputStream in = c.getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                got.update(buf, 0, n);
                total += n;
            }
        }
        assertEquals(SIZE, total);
        assertEquals(expected.getValue(), got.getValue());
        assertTrue(gateway.isAlive(), "gateway died:\n" + gateway.output());
    }
}
