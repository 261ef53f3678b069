package io.gatehouse.config;

import java.util.HashMap;
import java.util.Map;

/**
 * What the features' {@link ConfigExtension}s parsed, by {@link ConfigKey}: immutable, compared by content (so a
 * reload can tell whether a feature's config changed).
 */
public final class FeatureSettings {
    public static final FeatureSettings NONE = new FeatureSettings(Map.of());

    private final Map<ConfigKey<?>, Object> values;

    private FeatureSettings(Map<ConfigKey<?>, Object> values) {
        this.values = values;
    }

    /** The value for {@code key}, or null when the config has none. */
    public <T> T get(ConfigKey<T> key) {
        return key.type().cast(values.get(key));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureSettings other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /** Collects the values while a config is parsed. */
    public static final class Builder {
        private final Map<ConfigKey<?>, Object> values = new HashMap<>();

        public <T> Builder put(ConfigKey<T> key, T value) {
            if (value != null) {
                values.put(key, value);
            }
            return this;
        }

        public FeatureSettings build() {
            return values.isEmpty() ? NONE : new FeatureSettings(Map.copyOf(values));
        }
    }
}
