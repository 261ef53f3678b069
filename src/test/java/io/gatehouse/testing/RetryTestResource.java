package io.gatehouse.testing;


import java.io.IOException;
import java.util.Map;

/** Upstreams for the retry tests: one with a dead target, one whose target answers 503, one to kill mid-load. */
public class RetryTestResource extends UpstreamsTestResource {
    @Override
    protected String[] upstreamNames() {
        return new String[] {"live", "busy", "spare", "doomed", "survivor"};
    }

    @Override
    protected String config(Map<String, String> props) throws IOException {
        int dead = GatewayTestResource.closedPort();
        return """
                    upstreams:
                      flaky:
                        targets: [{url: "http://127.0.0.1:%1$d"}, {url: %2$s}]
                        retry: {attempts: 2, backoff: 10ms}
                        outlier: {consecutive-failures: 2, eject-for: 30s}
                      replay:
                        targets: [{url: "http://127.0.0.1:%1$d"}, {url: %2$s}]
                        retry: {attempts: 2, backoff: 10ms}
                      postretry:
                        targets: [{url: "http://127.0.0.1:%1$d"}, {url: %2$s}]
                        retry: {attempts: 2, backoff: 10ms}
                      statuses:
                        targets: [{url: %3$s}, {url: %4$s}]
                        retry: {attempts: 2, on: [503], backoff: 10ms}
                        # the retry budget (20%% of traffic) cannot carry a target that always fails: ejection does
                        outlier: {consecutive-failures: 3, eject-for: 30s}
                      norretry:
                        targets: [{url: "http://127.0.0.1:%1$d"}, {url: %2$s}]
                      killable:
                        targets: [{url: %5$s}, {url: %6$s}]
                        retry: {attempts: 2, backoff: 5ms}
                        outlier: {consecutive-failures: 2, eject-for: 30s}
                    routes:
                      - {id: flaky, path: /flaky/**, upstream: flaky, strip-prefix: /flaky}
                      - {id: statuses, path: /statuses/**, upstream: statuses, strip-prefix: /statuses}
                      - {id: noretry, path: /noretry/**, upstream: norretry, strip-prefix: /noretry}
                      - {id: killable, path: /killable/**, upstream: killable, strip-prefix: /killable}
                      - {id: replay, path: /replay/**, upstream: replay, strip-prefix: /replay}
                      - {id: postretry, path: /postretry/**, upstream: postretry, strip-prefix: /postretry}
                    """.formatted(dead, url("live"), url("busy"), url("spare"),
                    url("doomed"), url("survivor"));
    }
}
