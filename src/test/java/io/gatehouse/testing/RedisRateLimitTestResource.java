package io.gatehouse.testing;

import java.util.Map;

/**
 * A real {@code redis-server} on a free port ({@link #redis}, which tests may kill and restart), one real
 * upstream, and routes limited in Redis with each {@code on-store-failure}. 127.0.0.1 is a trusted proxy, so each
 * test picks its own client address with {@code X-Forwarded-For}.
 */
public class RedisRateLimitTestResource extends UpstreamsTestResource {
    public static RedisServer redis;

    @Override
    protected String[] upstreamNames() {
        return new String[] {"redis-rl"};
    }

    @Override
    protected String config(Map<String, String> props) {
        try {
            redis = RedisServer.start();
        } catch (Exception e) {
            throw new IllegalStateException("redis-server did not start (apt-get install redis-server)", e);
        }
        props.put("quarkus.redis.hosts", redis.url());
        props.put("gatehouse.redis.probe-interval", "200ms");
        // Here the gateway shares its JVM and two cores with fifty RestAssured client threads, which starve its event
        // loops past the 50 ms default again and again; a command that times out is an outage (counted locally) by
        // design, which the exact counts here are not about. The default is what SharedRedisLimitIT (the packaged
        // gateway in its own process) and bench/run.sh run with. Killing Redis still fails calls at once.
        props.put("gatehouse.redis.timeout", "1s");
        return """
                server:
                  trusted-proxies: [127.0.0.1/32]
                upstreams:
                  echo: {targets: [{url: %s}]}
                routes:
                  - {id: shared, path: /shared/**, upstream: echo, strip-prefix: /shared, rate-limit: shared}
                  - {id: roomy, path: /roomy/**, upstream: echo, strip-prefix: /roomy, rate-limit: roomy}
                  - {id: closed, path: /closed/**, upstream: echo, strip-prefix: /closed, rate-limit: strict}
                  - {id: open, path: /open/**, upstream: echo, strip-prefix: /open, rate-limit: lenient}
                rate-limits:
                  shared: {key: ip, limits: [20/1d]}
                  roomy: {key: ip, limits: [1000000/1d]}
                  strict: {key: ip, limits: [100/1d], on-store-failure: closed}
                  lenient: {key: ip, limits: [100/1d], on-store-failure: open}
                  defaults:
                    store: redis
                """.formatted(url("redis-rl"));
    }

    @Override
    public void stop() {
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
