package io.gatehouse.config;

/** One instance of an upstream service. */
public record TargetConfig(String scheme, String host, int port, int weight) {
    public String authority() {
        boolean defaultPort = ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
        return defaultPort ? host : host + ":" + port;
    }

    public String url() {
        return scheme + "://" + host + ":" + port;
    }
}
