package io.gatehouse.testing;

import java.util.Map;

/**
 * The gateway listening on {@code ::} (IPv6 and IPv4), one real upstream, and per-address limits with different
 * prefixes. {@code ::1} and 127.0.0.1 are trusted proxies, so tests pick IPv6 client addresses with
 * {@code X-Forwarded-For} on a real {@code [::1]} connection, and a connection without it is the client itself.
 */
public class Ipv6RateLimitTestResource extends UpstreamsTestResource {
    @Override
    protected String[] upstreamNames() {
        return new String[] {"v6"};
    }

    @Override
    protected String config(Map<String, String> props) {
        props.put("quarkus.http.host", "::");
        return """
                server:
                  trusted-proxies: ["::1/128", 127.0.0.1/32]
                upstreams:
                  echo: {targets: [{url: %s}]}
                routes:
                  - {id: by-prefix, path: /by-prefix/**, upstream: echo, strip-prefix: /by-prefix, rate-limit: per-ip}
                  - {id: by-address, path: /by-address/**, upstream: echo, strip-prefix: /by-address, rate-limit: per-address}
                  - {id: by-site, path: /by-site/**, upstream: echo, strip-prefix: /by-site, rate-limit: per-user}
                  - {id: by-v4-net, path: /by-v4-net/**, upstream: echo, strip-prefix: /by-v4-net, rate-limit: per-v4-net}
                rate-limits:
                  per-ip: {key: ip, limits: [3/1h]}
                  per-address: {key: ip, limits: [3/1h], ipv6-prefix: 128}
                  per-user: {key: user, limits: [3/1h], ipv6-prefix: 48}
                  per-v4-net: {key: ip, limits: [3/1h], ipv4-prefix: 24}
                  status-endpoint: true
                """.formatted(url("v6"));
    }
}
