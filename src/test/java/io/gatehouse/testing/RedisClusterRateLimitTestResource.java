package io.gatehouse.testing;

import java.util.Map;

/**
 * A real three-master Redis Cluster ({@link #cluster}, whose nodes tests may kill and restart), one real upstream,
 * and the gateway pointed at the cluster the way a user would: {@code quarkus.redis.client-type=cluster} and every
 * node in {@code quarkus.redis.hosts}. 127.0.0.1 is a trusted proxy, so each test picks its client addresses with
 * {@code X-Forwarded-For}.
 */
public class RedisClusterRateLimitTestResource extends UpstreamsTestResource {
    public static RedisCluster cluster;

    @Override
    protected String[] upstreamNames() {
        return new String[] {"cluster-rl"};
    }

    @Override
    protected String config(Map<String, String> props) {
        try {
            cluster = RedisCluster.start();
        } catch (Exception e) {
            throw new IllegalStateException("no Redis Cluster (apt-get install redis-server redis-tools)", e);
        }
        props.put("quarkus.redis.client-type", "cluster");
        props.put("quarkus.redis.hosts", cluster.hosts());
        props.put("gatehouse.redis.probe-interval", "200ms");
        props.put("gatehouse.redis.heartbeat-interval", "200ms");
        // as in RedisRateLimitTestResource: the test's client threads share two cores with the gateway, and exact
        // counts are not about the timeout (a killed node still fails calls at once)
        props.put("gatehouse.redis.timeout", "1s");
        return """
                server:
                  trusted-proxies: [127.0.0.1/32]
                upstreams:
                  echo: {targets: [{url: %s}]}
                routes:
                  - {id: limited, path: /limited/**, upstream: echo, strip-prefix: /limited, rate-limit: [per-ip, per-ip-gcra]}
                  - {id: roomy, path: /roomy/**, upstream: echo, strip-prefix: /roomy, rate-limit: roomy}
                rate-limits:
                  per-ip: {key: ip, limits: [5/1d, 1000/1h]}
                  per-ip-gcra: {key: ip, algorithm: gcra, limits: [1000/1d]}
                  roomy: {key: ip, limits: [1000000/1d]}
                  defaults:
                    store: redis
                """.formatted(url("cluster-rl"));
    }

    @Override
    public void stop() {
        super.stop();
        if (cluster != null) {
            cluster.close();
        }
    }
}
