package io.gatehouse.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged gateway run as users run it, {@code java -jar target/quarkus-app/quarkus-run.jar}, in its own
 * process, with its output in {@code target/it-logs/NAME.log}.
 *
 * <p>The gateway binds its own free ports (port 0) and this reads them from its start-up log. A port chosen here
 * and handed over would be free only when chosen: the gateway's demo upstreams and every outgoing connection on
 * the machine take ports from the same ephemeral range, and one of them may hold it by the time the gateway binds.
 */
public final class GatewayProcess implements AutoCloseable {
    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    private static final Pattern TRAFFIC_PORT = Pattern.compile("Gatehouse traffic listening on http://[^:]+:(\\d+)");
    private static final Pattern TLS_PORT = Pattern.compile("Gatehouse traffic listening on https://[^:]+:(\\d+)");
    private static final Pattern MANAGEMENT_PORT = Pattern.compile("Management interface listening on http://[^:]+:(\\d+)");

    private final Process process;
    private final Path log;
    private int port = -1;
    private int managementPort = -1;

    private GatewayProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** @param config the config file, or null for the demo */
    public static GatewayProcess start(String name, Path config, String... jvmArgs) throws IOException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run the integration tests with ./mvnw verify");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmArgs));
        command.add("-Dquarkus.http.port=0");
        command.add("-Dquarkus.management.port=0");
        command.add("-Dgatehouse.demo.tls-port=0"); // the demo config's TLS port: any free one
        if (config != null) {
            command.add("-Dgatehouse.config=" + config);
        }
        command.add("-jar");
        command.add(JAR.toString());
        Path logs = Path.of("target/it-logs");
        Files.createDirectories(logs);
        Path log = logs.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("GATEHOUSE_CONFIG");
        return new GatewayProcess(pb.start(), log);
    }

    /** The traffic port, once the gateway has bound it (waits for its log line). */
    public synchronized int port() throws Exception {
        if (port < 0) {
            port = loggedPort(TRAFFIC_PORT);
        }
        return port;
    }

    /** The TLS port ({@code server.tls}), once the gateway has bound it (waits for its log line). */
    public int tlsPort() throws Exception {
        return loggedPort(TLS_PORT);
    }

    /** The management port, once the gateway has bound it (waits for its log line). */
    public synchronized int managementPort() throws Exception {
        if (managementPort < 0) {
            managementPort = loggedPort(MANAGEMENT_PORT);
        }
        return managementPort;
    }

    private int loggedPort(Pattern line) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Matcher m = line.matcher(output());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway exited with " + process.exitValue()
                        + " before logging its port:\n" + output());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gateway logged no port within 60 s:\n" + output());
            }
            Thread.sleep(20);
        }
    }

    /** Waits until /q/health/ready answers 200; fails if the process dies first. */
    public GatewayProcess awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway exited with " + process.exitValue() + ":\n" + output());
            }
            Matcher bound = MANAGEMENT_PORT.matcher(output());
            if (!bound.find()) {
                Thread.sleep(100);
                continue;
            }
            try {
                HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + bound.group(1) + "/q/health/ready").openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2000);
                if (c.getResponseCode() == 200) {
                    return this;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("gateway not ready within " + timeout + ":\n" + output());
    }

    /** Waits for the process to exit; returns its exit code, or fails when it keeps running. */
    public int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("gateway still running after " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    /** Waits until the gateway's output holds {@code text}; fails if the process exits or the time is up first. */
    public void awaitOutput(String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!output().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("'" + text + "' not logged within " + timeout + ":\n" + output());
            }
            if (!process.isAlive() && !output().contains(text)) {
                throw new IllegalStateException("gateway exited before logging '" + text + "':\n" + output());
            }
            Thread.sleep(20);
        }
    }

    /** Sends SIGTERM, as Kubernetes does to stop a pod, and returns at once. */
    public void terminate() {
        process.destroy();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public String url(String path) throws Exception {
        return "http://127.0.0.1:" + port() + path;
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
