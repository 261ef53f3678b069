package io.gatehouse.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (the Debian package; {@code .ci/run} installs it) in its own process on a free port,
 * which a test can kill and start again on the same port. Nothing is persisted.
 */
public final class RedisServer implements AutoCloseable {
    public final int port;
    private Process process;

    private RedisServer(int port) {
        this.port = port;
    }

    public static RedisServer start() throws Exception {
        RedisServer server = new RedisServer(GatewayTestResource.closedPort());
        server.restart();
        return server;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts it (again) on its port and waits until it answers PING. */
    public synchronized void restart() throws Exception {
        if (process != null && process.isAlive()) {
            return;
        }
        Path log = Path.of("target/it-logs");
        java.nio.file.Files.createDirectories(log);
        process = new ProcessBuilder(List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.resolve("redis-" + port + ".log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"+PONG".equals(command("PING"))) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("redis-server did not start on " + port);
            }
            Thread.sleep(20);
        }
    }

    /** Kills it at once (SIGKILL), as a crashed node or a partition looks to its clients. */
    public synchronized void kill() throws Exception {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** One inline command; its first reply line, or null when Redis does not answer. */
    public String command(String line) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(2000);
            s.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            StringBuilder reply = new StringBuilder();
            int c;
            while ((c = s.getInputStream().read()) != -1 && c != '\r') {
                reply.append((char) c);
            }
            return reply.toString();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() throws Exception {
        kill();
    }
}
