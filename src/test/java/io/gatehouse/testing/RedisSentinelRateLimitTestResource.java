package io.gatehouse.testing;

import java.util.Map;

/**
 * A real Redis master, its replica and a sentinel ({@link #redis}, whose nodes tests may kill), one real upstream,
 * and the gateway pointed at the sentinel the way a user would: {@code quarkus.redis.client-type=sentinel}, the
 * sentinel in {@code quarkus.redis.hosts}, {@code master-name} and {@code role=master}. 127.0.0.1 is a trusted
 * proxy, so each test picks its client addresses with {@code X-Forwarded-For}.
 */
public class RedisSentinelRateLimitTestResource extends UpstreamsTestResource {
    public static RedisSentinels redis;

    @Override
    protected String[] upstreamNames() {
        return new String[] {"sentinel-rl"};
    }

    @Override
    protected String config(Map<String, String> props) {
        try {
            redis = RedisSentinels.start();
        } catch (Exception e) {
            throw new IllegalStateException("no Redis Sentinel setup (apt-get install redis-server redis-sentinel)", e);
        }
        props.put("quarkus.redis.client-type", "sentinel");
        props.put("quarkus.redis.hosts", redis.sentinel.url());
        props.put("quarkus.redis.master-name", RedisSentinels.MASTER_NAME);
        props.put("quarkus.redis.role", "master");
        props.put("gatehouse.redis.probe-interval", "200ms");
        props.put("gatehouse.redis.heartbeat-interval", "200ms");
        // as in RedisRateLimitTestResource: the test's client threads share two cores with the gateway
        props.put("gatehouse.redis.timeout", "1s");
        return """
                server:
                  trusted-proxies: [127.0.0.1/32]
                upstreams:
                  echo: {targets: [{url: %s}]}
                routes:
                  - {id: limited, path: /limited/**, upstream: echo, strip-prefix: /limited, rate-limit: per-ip}
                  - {id: roomy, path: /roomy/**, upstream: echo, strip-prefix: /roomy, rate-limit: roomy}
                rate-limits:
                  per-ip: {key: ip, limits: [5/1d, 1000/1h]}
                  roomy: {key: ip, limits: [1000000/1d]}
                  defaults:
                    store: redis
                """.formatted(url("sentinel-rl"));
    }

    @Override
    public void stop() {
        super.stop();
        try {
            if (redis != null) {
                redis.close();
            }
        } catch (Exception ignored) {
            // killed either way
        }
    }
}
