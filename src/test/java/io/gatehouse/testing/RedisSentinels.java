package io.gatehouse.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Sentinel setup: a master, one replica ({@code --replicaof}) and one sentinel watching them as
 * {@code mymaster} (quorum 1), with short timeouts so that a killed master is replaced by its replica within a
 * few seconds. Each is a {@link RedisServer}; a node killed and restarted is made a replica again by the sentinel.
 */
public final class RedisSentinels implements AutoCloseable {
    public static final String MASTER_NAME = "mymaster";
    public final RedisServer first;
    public final RedisServer second;
    public final RedisServer sentinel;

    private RedisSentinels(RedisServer first, RedisServer second, RedisServer sentinel) {
        this.first = first;
        this.second = second;
        this.sentinel = sentinel;
    }

    public static RedisSentinels start() throws Exception {
        RedisServer first = null;
        RedisServer second = null;
        try {
            first = RedisServer.start();
            second = RedisServer.start(GatewayTestResource.closedPort(), List.of(),
                    List.of("--replicaof", "127.0.0.1", String.valueOf(first.port)));
            // the sentinel rewrites its config file (what it learnt of the setup): a file of its own
            Path conf = TempDirs.file("gatehouse-redis-sentinel", "sentinel.conf");
            Files.writeString(conf, """
                    sentinel monitor %1$s 127.0.0.1 %2$d 1
                    sentinel down-after-milliseconds %1$s 3000
                    sentinel failover-timeout %1$s 6000
                    sentinel parallel-syncs %1$s 1
                    """.formatted(MASTER_NAME, first.port));
            RedisServer sentinel = RedisServer.start(GatewayTestResource.closedPort(), List.of(conf.toString(), "--sentinel"), List.of());
            RedisSentinels setup = new RedisSentinels(first, second, sentinel);
            setup.awaitReplicated();
            return setup;
        } catch (Exception e) {
            for (RedisServer s : new RedisServer[] {first, second}) {
                if (s != null) {
                    s.close();
                }
            }
            throw e;
        }
    }

    /** The node the sentinel names as master now. */
    public RedisServer master() {
        List<String> addr = sentinel.cli("sentinel", "get-master-addr-by-name", MASTER_NAME).lines().toList();
        int port = addr.size() == 2 ? Integer.parseInt(addr.get(1).trim()) : -1;
        return port == first.port ? first : port == second.port ? second : null;
    }

    /** Waits until the sentinel knows a live master with a replica that is in sync with it. */
    public void awaitReplicated() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            RedisServer master = master();
            RedisServer replica = master == first ? second : first;
            // the sentinel learns of the replica from the master's INFO: it must know it to promote it
            if (master != null && master.alive() && master.cli("info", "replication").contains("state=online")
                    && sentinel.cli("sentinel", "replicas", MASTER_NAME).contains(String.valueOf(replica.port))) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no replicated master: " + sentinel.cli("sentinel", "master", MASTER_NAME));
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() throws Exception {
        sentinel.close();
        first.close();
        second.close();
    }
}
