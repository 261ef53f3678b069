package io.gatehouse.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (the Debian package; {@code .ci/run} installs it) in its own process on a free port,
 * which a test can kill and start again on the same port. Nothing is persisted (a Cluster node keeps only its
 * {@code nodes.conf}, a sentinel its config file: what they need to rejoin after a restart).
 */
public final class RedisServer implements AutoCloseable {
    public final int port;
    /** What comes before and after {@code --port}: a config file and {@code --sentinel}, cluster options… */
    private final List<String> before;
    private final List<String> after;
    private Process process;

    private RedisServer(int port, List<String> before, List<String> after) {
        this.port = port;
        this.before = before;
        this.after = after;
    }

    public static RedisServer start() throws Exception {
        return start(GatewayTestResource.closedPort(), List.of(), List.of());
    }

    /**
     * A server on {@code port} with more arguments: {@code before} the port ({@code [conf, --sentinel]}), and
     * {@code after} the defaults ({@code --cluster-enabled yes …}, {@code --replicaof …}).
     */
    public static RedisServer start(int port, List<String> before, List<String> after) throws Exception {
        RedisServer server = new RedisServer(port, List.copyOf(before), List.copyOf(after));
        server.restart();
        return server;
    }

    /** A free port whose cluster bus port (port + 10000) is free as well, both below the ephemeral range. */
    public static int clusterPort() throws Exception {
        for (int tries = 0; tries < 200; tries++) {
            int port = GatewayTestResource.closedPort();
            if (port > 22_000) {
                continue;
            }
            try (java.net.ServerSocket bus = new java.net.ServerSocket(port + 10_000, 1, java.net.InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port pair for a cluster node");
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
        List<String> command = new java.util.ArrayList<>(List.of("redis-server"));
        command.addAll(before);
        // a replica writes the copy it receives from its master to dump.rdb whatever --save says: in a temporary
        // directory, never the working tree (a cluster node's own --dir, after these, wins)
        command.addAll(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--dir", dir().toString()));
        command.addAll(after);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.resolve("redis-" + port + ".log").toFile()))
                .start();
        STARTED.add(process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"+PONG".equals(command("PING"))) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                process.destroyForcibly(); // not left running behind a failed start
                throw new IllegalStateException("redis-server did not start on " + port);
            }
            Thread.sleep(20);
        }
    }

    private Path dir;

    /** Every server process a test started: killed when the test JVM exits, whatever a resource's stop did. */
    private static final java.util.Queue<Process> STARTED = new java.util.concurrent.ConcurrentLinkedQueue<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(Process::destroyForcibly)));
    }

    /** This server's working directory (removed when the test JVM exits). */
    private Path dir() {
        if (dir == null) {
            dir = TempDirs.create("gatehouse-redis-" + port);
        }
        return dir;
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

    /** Whether the process runs. */
    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    /** {@code redis-cli -p PORT args…}: its output, trimmed (a reply's text, however many lines). */
    public String cli(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("redis-cli", "-p", String.valueOf(port)));
        command.addAll(List.of(args));
        try {
            Process cli = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!cli.waitFor(10, TimeUnit.SECONDS)) {
                cli.destroyForcibly();
            }
            return out.trim();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("redis-cli " + command, e);
        }
    }

    @Override
    public void close() throws Exception {
        kill();
    }
}
