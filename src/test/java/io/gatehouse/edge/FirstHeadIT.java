package io.gatehouse.edge;

import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.RawHttp;
import io.gatehouse.testing.TempDirs;
import io.gatehouse.testing.TestUpstream;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code server.http2.cleartext: false}: the gateway sees each connection as it opens, so a client trickling the
 * first head of a connection is cut off by {@code client-header-timeout}, and sockets that send nothing count
 * against {@code max-connections-per-ip}.
 */
class FirstHeadIT {
    private static Vertx vertx;
    private static TestUpstream echo;
    private static GatewayProcess gw;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        echo = TestUpstream.start(vertx, "echo");
        Path config = TempDirs.file("gatehouse-first-head", "gatehouse.yaml");
        Files.writeString(config, """
                server:
                  client-header-timeout: 1s
                  max-connections-per-ip: 3
                  http2: {cleartext: false}
                upstreams:
                  echo: {targets: [{url: %s}]}
                routes:
                  - {id: echo, path: /**, upstream: echo}
                """.formatted(echo.url()));
        gw = GatewayProcess.start("first-head", config).awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        echo.close();
        vertx.close();
    }

    /** -1 when the gateway closed (or reset) the connection; a read that times out is a failure, not a close. */
    private static int readOrEnd(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (java.net.SocketTimeoutException stillOpen) {
            throw stillOpen;
        } catch (IOException reset) {
            return -1;
        }
    }

    @Test
    void aClientTricklingTheFirstHeadOfAConnectionIsCutOff() throws Exception {
        try (Socket slow = new Socket(InetAddress.getByName("127.0.0.1"), gw.port(), InetAddress.getByName("127.0.0.11"), 0)) {
            slow.setSoTimeout(20_000);
            OutputStream out = slow.getOutputStream();
            long start = System.nanoTime();
            out.write("GET /echo/slow HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            int served = RawHttp.trickleHead(out, gw.port(), "/echo/other");
            assertEquals(-1, readOrEnd(slow.getInputStream()), "closed, nothing answered");
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(millis >= 900 && millis < 6000, "at the 1 s header timeout (and a little): " + millis + " ms");
            assertTrue(served >= 2, "others were served meanwhile: " + served);
        }
    }

    @Test
    void socketsThatSendNothingCountAgainstThePerAddressLimit() throws Exception {
        InetAddress gateway = InetAddress.getByName("127.0.0.1");
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                idle.add(new Socket(gateway, gw.port(), InetAddress.getByName("127.0.0.12"), 0));
            }
            Thread.sleep(300); // the gateway has accepted them
            try (Socket fourth = new Socket(gateway, gw.port(), InetAddress.getByName("127.0.0.12"), 0)) {
                // well inside the 1 s header timeout: a close by the limit, not by a clock
                fourth.setSoTimeout(500);
                assertEquals(-1, readOrEnd(fourth.getInputStream()), "closed as it opened");
            }
            // the first three are still held open: the address was limited, not refused
            idle.get(0).setSoTimeout(200);
            org.junit.jupiter.api.Assertions.assertThrows(java.net.SocketTimeoutException.class,
                    () -> idle.get(0).getInputStream().read(), "the first connection is still open");
            assertEquals(200, RawHttp.sendFrom("127.0.0.13", gw.port(),
                    List.of("GET /x HTTP/1.1", "Host: localhost"), null).status(), "another address is served");
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }
}
