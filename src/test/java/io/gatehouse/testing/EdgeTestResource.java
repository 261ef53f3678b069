package io.gatehouse.testing;

import java.util.Map;

/**
 * The edge: {@code server.ip-rules} denying 127.0.0.5, a connection limit of 5 per address, a route open only to
 * 127.0.0.1 and 127.0.0.2, and a route with every request limit.
 */
public class EdgeTestResource extends UpstreamsTestResource {
    @Override
    protected String[] upstreamNames() {
        return new String[] {"echo"};
    }

    @Override
    protected String config(Map<String, String> props) {
        return """
                server:
                  ip-rules: {deny: [127.0.0.5/32]}
                  max-connections-per-ip: 5
                upstreams:
                  echo: {targets: [{url: %s}]}
                routes:
                  - {id: private, path: /private/**, upstream: echo, ip-rules: {allow: [127.0.0.1, 127.0.0.2/32], deny: [127.0.0.2]}}
                  - id: limited
                    path: /limited/**
                    upstream: echo
                    limits: {max-body-size: 16, max-header-size: 2KB, max-url-length: 64, content-types: [application/json, "text/*"]}
                  - {id: open, path: /**, upstream: echo}
                """.formatted(url("echo"));
    }
}
