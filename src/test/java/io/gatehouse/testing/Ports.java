package io.gatehouse.testing;

import org.eclipse.microprofile.config.ConfigProvider;

/** The ports the gateway under test listens on. */
public final class Ports {
    private Ports() {
    }

    public static int traffic() {
        return ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
    }

    public static int management() {
        return ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
    }

    public static String upstream(String name) {
        return ConfigProvider.getConfig().getValue("test.upstream." + name, String.class);
    }
}
