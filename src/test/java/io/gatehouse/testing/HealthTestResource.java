package io.gatehouse.testing;


import java.util.Map;

/** Four upstream instances (a, b, c, d) for the health, ejection and hashing tests; each is steered by /control. */
public class HealthTestResource extends UpstreamsTestResource {
    @Override
    protected String[] upstreamNames() {
        return new String[] {"a", "b", "c", "d", "e", "f", "g"};
    }

    @Override
    protected String config(Map<String, String> props) {
        return """
                    upstreams:
                      checked:
                        targets: [{url: %1$s}, {url: %2$s}]
                        health-check: {path: /health, interval: 100ms, timeout: 80ms, unhealthy-after: 2, healthy-after: 2}
                      passive:
                        targets: [{url: %3$s}, {url: %4$s}]
                        outlier: {consecutive-failures: 3, eject-for: 1s}
                      hashed:
                        targets: [{url: %1$s}, {url: %2$s}, {url: %3$s}]
                        balancer: consistent-hash
                        hash-on: header:X-User-ID
                      least:
                        targets: [{url: %1$s}, {url: %2$s}]
                        balancer: least-connections
                      guarded:
                        targets: [{url: %5$s}, {url: %6$s}]
                        circuit-breaker: {failure-ratio: 0.5, request-volume: 4, delay: 1s}
                      lonely:
                        targets: [{url: %7$s}]
                        circuit-breaker: {failure-ratio: 0.5, request-volume: 2, delay: 5s}
                    routes:
                      - {id: checked, path: /checked/**, upstream: checked, strip-prefix: /checked}
                      - {id: passive, path: /passive/**, upstream: passive, strip-prefix: /passive}
                      - {id: hashed, path: /hashed/**, upstream: hashed, strip-prefix: /hashed}
                      - {id: least, path: /least/**, upstream: least, strip-prefix: /least}
                      - {id: guarded, path: /guarded/**, upstream: guarded, strip-prefix: /guarded}
                      - {id: lonely, path: /lonely/**, upstream: lonely, strip-prefix: /lonely}
                    """.formatted(url("a"), url("b"), url("c"),
                    url("d"), url("e"), url("f"), url("g"));
    }
}
