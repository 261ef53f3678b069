package io.gatehouse.testing;

import java.util.Map;

/**
 * A real {@code redis-server} on a free port ({@link #redis}, which tests may kill and restart) and cached routes
 * whose store is Redis, in front of a {@link CacheOrigin}.
 */
public class RedisCacheTestResource extends UpstreamsTestResource {
    public static volatile RedisServer redis;
    public static volatile CacheOrigin origin;

    @Override
    protected String[] upstreamNames() {
        return new String[] {};
    }

    @Override
    protected String config(Map<String, String> props) {
        try {
            redis = RedisServer.start();
            origin = CacheOrigin.start(vertx);
        } catch (Exception e) {
            throw new IllegalStateException("redis-server or the origin did not start (apt-get install redis-server)", e);
        }
        props.put("quarkus.redis.hosts", redis.url());
        props.put("gatehouse.redis.probe-interval", "200ms");
        // the gateway shares this JVM and two cores with the test's clients: see RedisRateLimitTestResource
        props.put("gatehouse.redis.timeout", "1s");
        return """
                upstreams:
                  origin: {targets: [{url: %s}]}
                routes:
                  - {id: rc, path: /rc/**, upstream: origin, cache: true}
                cache:
                  store: redis
                """.formatted(origin.url());
    }

    @Override
    public void stop() {
        if (origin != null) {
            origin.close();
        }
        super.stop();
        try {
            if (redis != null) {
                redis.close();
            }
        } catch (Exception ignored) {
            // the process is gone either way
        }
    }
}
