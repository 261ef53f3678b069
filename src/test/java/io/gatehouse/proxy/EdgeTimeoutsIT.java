package io.gatehouse.proxy;

import io.gatehouse.testing.GatewayProcess;
import io.gatehouse.testing.RawHttp;
import io.gatehouse.testing.TempDirs;
import io.gatehouse.testing.TestUpstream;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edge's timeouts against the packaged gateway, with clients and origins that stall on purpose: an upstream
 * that stops reading the request body (send timeout), a client that stops sending it (client-body timeout), one
 * held back by a slow upstream (not a stall), and a client that trickles its request head (slowloris).
 */
class EdgeTimeoutsIT {
    static Vertx vertx;
    static TestUpstream echo;
    static ServerSocket stuck;
    static ServerSocket slowReader;
    static final List<Socket> accepted = new CopyOnWriteArrayList<>();
    static GatewayProcess gw;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        echo = TestUpstream.start(vertx, "echo");
        stuck = origin(EdgeTimeoutsIT::neverRead);
        slowReader = origin(EdgeTimeoutsIT::readSlowly);
        Path config = TempDirs.file("gatehouse-edge-timeouts", "gatehouse.yaml");
        Files.writeString(config, """
                upstreams:
                  echo: {targets: [{url: %s}], timeout: 800ms}
                  stuck: {targets: [{url: "http://127.0.0.1:%d"}], timeout: 800ms, send-timeout: 1s}
                  slow-reader: {targets: [{url: "http://127.0.0.1:%d"}], timeout: 10s, send-timeout: 10s}
                routes:
                  - {id: stuck, path: /stuck/**, upstream: stuck}
                  - {id: slow-reader, path: /slow-reader/**, upstream: slow-reader}
                  - {id: echo, path: /**, upstream: echo}
                server:
                  client-header-timeout: 1s
                  client-body-timeout: 1s
                """.formatted(echo.url(), stuck.getLocalPort(), slowReader.getLocalPort()));
        gw = GatewayProcess.start("edge-timeouts", config).awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        for (Socket s : accepted) {
            s.close();
        }
        stuck.close();
        slowReader.close();
        echo.close();
        vertx.close();
    }

    interface Connection {
        void serve(Socket socket) throws Exception;
    }

    /** A raw origin: each connection served on its own thread. */
    static ServerSocket origin(Connection handler) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReceiveBufferSize(8 * 1024); // small windows: back-pressure reaches the gateway quickly
        server.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    accepted.add(socket);
                    Thread t = new Thread(() -> {
                        try {
                            handler.serve(socket);
                        } catch (Exception ignored) {
                            // the gateway cut the connection: that is what some tests wait for
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closed) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        return server;
    }

    /** Reads nothing, ever: the request body fills the windows and stops. */
    static void neverRead(Socket socket) throws Exception {
        Thread.sleep(60_000);
    }

    /** Reads the head, then the body with one 6 s pause (after 16 MB), then answers 200 with its length. */
    static void readSlowly(Socket socket) throws Exception {
        InputStream in = socket.getInputStream();
        String head = readHead(in);
        long length = Long.parseLong(head.replaceAll("(?is).*content-length:\\s*(\\d+).*", "$1"));
        byte[] buf = new byte[64 * 1024];
        long read = 0;
        int pauses = 0;
        while (read < length) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, length - read));
            if (n < 0) {
                return;
            }
            read += n;
            // pauses once every buffer on the way is full (so the client itself is held back), not at the start
            if (pauses < 1 && read > 16L * 1024 * 1024) {
                pauses++;
                // long enough that the buffers on the way (several MB, sized by the kernel) fill well before it ends
                Thread.sleep(6000);
            }
        }
        String body = String.valueOf(read);
        socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in the head");
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    /** The status of the response on {@code socket}, or -1 when it closed without one. */
    static int status(Socket socket) throws IOException {
        try {
            String head = readHead(socket.getInputStream());
            return Integer.parseInt(head.substring(9, 12));
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    void anUpstreamThatStopsReadingTheBodyIsCutOffAfterTheSendTimeout() throws Exception {
        try (Socket client = new Socket("127.0.0.1", gw.port())) {
            client.setSoTimeout(20_000);
            long size = 256L * 1024 * 1024;
            long start = System.nanoTime();
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = client.getOutputStream();
                    out.write(("POST /stuck/upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[64 * 1024];
                    for (long sent = 0; sent < size; sent += chunk.length) {
                        out.write(chunk);
                    }
                } catch (IOException cutOff) {
                    // the gateway closed the connection after its answer
                }
            });
            writer.setDaemon(true);
            writer.start();
            assertEquals(504, status(client));
            long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
            assertTrue(seconds < 8, "cut off after the 1 s send timeout, not after " + seconds + " s");
        }
    }

    @Test
    void aClientThatStallsItsBodyGets408() throws Exception {
        int before = echo.uploadsCompleted.get();
        try (Socket client = new Socket("127.0.0.1", gw.port())) {
            client.setSoTimeout(20_000);
            OutputStream out = client.getOutputStream();
            out.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nonly-this"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            assertEquals(408, status(client));
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(millis >= 900 && millis < 8000, "after the 1 s client-body timeout: " + millis + " ms");
        }
        Thread.sleep(300);
        assertEquals(before, echo.uploadsCompleted.get(), "the stalled body never reached the upstream as complete");
    }

    @Test
    void aClientHeldBackByASlowUpstreamIsNotAStall() throws Exception {
        long size = 48L * 1024 * 1024;
        AtomicLong longestBlock = new AtomicLong();
        try (Socket client = new Socket("127.0.0.1", gw.port())) {
            client.setSoTimeout(30_000);
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = client.getOutputStream();
                    out.write(("POST /slow-reader/upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[64 * 1024];
                    for (long sent = 0; sent < size; sent += chunk.length) {
                        long t = System.nanoTime();
                        out.write(chunk);
                        longestBlock.accumulateAndGet(System.nanoTime() - t, Math::max);
                    }
                } catch (IOException e) {
                    // reported by the status below
                }
            });
            writer.setDaemon(true);
            writer.start();
            assertEquals(200, status(client), "held back by the upstream for longer than the client-body timeout");
        }
        assertTrue(longestBlock.get() > Duration.ofMillis(1000).toNanos(),
                "the client really was held back longer than the 1 s client-body timeout: "
                        + Duration.ofNanos(longestBlock.get()).toMillis() + " ms");
    }

    @Test
    void aClientTricklingARequestHeadIsCutOffWhileOthersAreServed() throws Exception {
        try (Socket slow = new Socket("127.0.0.1", gw.port())) {
            slow.setSoTimeout(20_000);
            OutputStream out = slow.getOutputStream();
            InputStream in = slow.getInputStream();
            // a first request, whole, on a keep-alive connection (see the README for the first head of a connection)
            out.write("GET /echo/first HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            int length = Integer.parseInt(head.replaceAll("(?is).*content-length:\\s*(\\d+).*", "$1"));
            in.readNBytes(length);
            Thread.sleep(1500); // idle between requests is not a slow head
            long start = System.nanoTime();
            out.write("GET /echo/slow HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            int served = RawHttp.trickleHead(out, gw.port(), "/echo/other"); // others are served meanwhile
            int next;
            try {
                next = in.read();
            } catch (IOException reset) {
                next = -1;
            }
            long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertEquals(-1, next, "the connection was closed, nothing answered");
            assertTrue(millis < 6000, "after the 1 s header timeout (and a little): " + millis + " ms");
            assertTrue(served >= 2, "other clients were served meanwhile: " + served);
        }
    }
}
