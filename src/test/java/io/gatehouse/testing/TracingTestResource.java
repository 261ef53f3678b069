package io.gatehouse.testing;

import io.gatehouse.auth.ApiKeyStore;

import java.io.IOException;
import java.util.Map;

/**
 * Tracing on, exporting over OTLP/HTTP to a real receiver ({@link OtlpReceiver}), every request sampled; upstreams
 * for a plain route, a route with authentication, a rate limit and a cache, a pair whose first target answers 503
 * (retried on the other), and a dead one. (The sampler is fixed at build time, parent-based ratio; its ratio is not.) 127.0.0.1 is the only trusted proxy; a {@code traceparent} from any other
 * peer starts a new trace.
 */
public class TracingTestResource extends UpstreamsTestResource {
    public static final String KEY = "trace-key-5a4b3c";
    public static volatile OtlpReceiver receiver;

    @Override
    protected String[] upstreamNames() {
        return new String[] {"echo", "busy", "spare"};
    }

    @Override
    protected String config(Map<String, String> props) throws IOException {
        receiver = OtlpReceiver.start(vertx);
        props.put("quarkus.otel.sdk.disabled", "false");
        props.put("quarkus.otel.exporter.otlp.traces.endpoint", receiver.url());
        props.put("quarkus.otel.exporter.otlp.traces.protocol", "http/protobuf");
        props.put("quarkus.otel.bsp.schedule.delay", "50ms");
        props.put("quarkus.otel.traces.sampler.arg", "1.0");
        props.put("gatehouse.tracing.untrusted-parents", "restart");
        return """
                server:
                  trusted-proxies: [127.0.0.1/32]
                upstreams:
                  echo: {targets: [{url: %s}]}
                  pair:
                    targets: [{url: %s}, {url: %s}]
                    retry: {attempts: 2, on: [503], backoff: 5ms}
                  dead: {targets: [{url: "http://127.0.0.1:%d"}], connect-timeout: 300ms}
                routes:
                  - {id: traced, path: "/t/{id}", upstream: echo}
                  - {id: guarded, path: /k/**, upstream: echo, strip-prefix: /k, auth: api-key, rate-limit: per-ip, cache: {ttl: 1m}}
                  - {id: retried, path: /r/**, upstream: pair, strip-prefix: /r}
                  - {id: down, path: /down/**, upstream: dead}
                rate-limits:
                  per-ip: {key: ip, limits: [1000/1m]}
                auth:
                  api-keys:
                    keys:
                      - {id: tracer-app, hash: %s}
                """.formatted(url("echo"), url("busy"), url("spare"), GatewayTestResource.closedPort(),
                ApiKeyStore.hashOf(KEY));
    }

    /** The upstream whose every answer is 503 until told otherwise. */
    public TestUpstream busy() {
        return upstreams.get("busy");
    }

    @Override
    public void stop() {
        if (receiver != null) {
            receiver.close();
        }
        super.stop();
    }
}
