package io.gatehouse.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of three masters without replicas, each a {@link RedisServer} on its own free port, made with
 * {@code redis-cli --cluster create}. A node killed and restarted rejoins with its {@code nodes.conf} and its slots.
 * The node timeout is short (2 s) so a dead node turns the cluster down, and a restarted one up, within a test.
 */
public final class RedisCluster implements AutoCloseable {
    public final List<RedisServer> nodes = new ArrayList<>();

    private RedisCluster() {
    }

    public static RedisCluster start() throws Exception {
        RedisCluster cluster = new RedisCluster();
        try {
            Path dir = TempDirs.create("gatehouse-redis-cluster");
            for (int i = 0; i < 3; i++) {
                int port = RedisServer.clusterPort();
                cluster.nodes.add(RedisServer.start(port, List.of(), List.of("--cluster-enabled", "yes",
                        "--cluster-config-file", dir.resolve("nodes-" + port + ".conf").toString(),
                        "--cluster-node-timeout", "5000", "--dir", dir.toString())));
            }
            List<String> create = new ArrayList<>(List.of("--cluster", "create"));
            cluster.nodes.forEach(n -> create.add("127.0.0.1:" + n.port));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            String out = cluster.nodes.get(0).cli(create.toArray(String[]::new));
            if (!out.contains("All 16384 slots covered")) {
                throw new IllegalStateException("redis-cli --cluster create: " + out);
            }
            cluster.awaitOk();
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    /** {@code redis://127.0.0.1:P1,redis://127.0.0.1:P2,…}, as {@code quarkus.redis.hosts} takes them. */
    public String hosts() {
        return nodes.stream().map(RedisServer::url).collect(Collectors.joining(","));
    }

    /** Waits until every running node says {@code cluster_state:ok}. */
    public void awaitOk() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!nodes.stream().allMatch(n -> n.cli("cluster", "info").contains("cluster_state:ok"))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the cluster is not ok: " + nodes.stream()
                        .map(n -> n.port + ": " + n.cli("cluster", "info").lines().findFirst().orElse("")).toList());
            }
            Thread.sleep(100);
        }
    }

    /** A command sent to the node that owns {@code key}'s slot ({@code redis-cli -c} follows the redirect). */
    public String onKey(String... args) {
        List<String> command = new ArrayList<>(List.of("-c"));
        command.addAll(List.of(args));
        RedisServer any = nodes.stream().filter(RedisServer::alive).findFirst().orElseThrow();
        return any.cli(command.toArray(String[]::new));
    }

    /** How many keys matching {@code pattern} each node holds, in node order. */
    public List<Long> keysPerNode(String pattern) {
        return nodes.stream().map(n -> n.cli("--scan", "--pattern", pattern).lines().filter(l -> !l.isBlank()).count()).toList();
    }

    @Override
    public void close() {
        for (RedisServer n : nodes) {
            try {
                n.close();
            } catch (Exception ignored) {
                // killed either way
            }
        }
    }
}
