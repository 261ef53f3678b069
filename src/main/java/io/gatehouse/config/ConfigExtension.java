package io.gatehouse.config;

import java.util.Map;
import java.util.Set;

/**
 * A feature's part of the config file: the top-level sections and the route keys it owns, and how to read them.
 * Features register one as a CDI bean; the parser knows only the core (upstreams, routes, server) and whatever
 * extensions it is given, so adding a feature never edits {@link ConfigParser} or the routes parser. Problems are
 * reported through {@link ConfigNodes#problem} with their key path, like the core's.
 */
public interface ConfigExtension {
    /** The top-level keys this feature owns ({@code auth}, {@code rate-limits}…). */
    default Set<String> sections() {
        return Set.of();
    }

    /** The keys this feature reads on each route ({@code auth}, {@code roles}…). */
    default Set<String> routeKeys() {
        return Set.of();
    }

    /**
     * The keys of the core's {@code server} section this feature reads ({@code cors}…), from the file's {@code server}
     * mapping in {@link #parseSections}. The server parser takes them as known; a key of DESIGN.md no extension
     * claims is refused there as not available yet.
     */
    default Set<String> serverKeys() {
        return Set.of();
    }

    /**
     * Reads the feature's sections from the file's top-level map (absent sections are simply not there) into
     * {@code into}. Runs before the routes are read.
     */
    default void parseSections(ConfigNodes nodes, Map<String, Object> file, FeatureSettings.Builder into) {
    }

    /**
     * Reads the feature's keys of one route ({@code path} is its key path, {@code routes[3]}) into {@code into}.
     *
     * @param sections what every extension's {@link #parseSections} produced, for references (a route's
     *                 {@code auth: jwt} needs {@code auth.jwt})
     * @param file     the file's top-level map, to tell a missing section from one with problems of its own
     */
    default void parseRoute(ConfigNodes nodes, Map<String, Object> route, String path, FeatureSettings sections,
                            Map<String, Object> file, FeatureSettings.Builder into) {
    }
}
