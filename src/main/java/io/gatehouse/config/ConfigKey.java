package io.gatehouse.config;

/**
 * The typed key of what a {@link ConfigExtension} parsed: a top-level section ({@link GatehouseConfig#section}) or
 * a feature's settings on one route ({@link RouteConfig#option}). A constant of the feature that owns the value.
 *
 * @param name for messages only
 * @param <T>  the type of the value
 */
public record ConfigKey<T>(String name, Class<T> type) {
    public static <T> ConfigKey<T> of(String name, Class<T> type) {
        return new ConfigKey<>(name, type);
    }
}
