package io.gatehouse.config;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Turns the YAML text of a config file into a {@link GatehouseConfig}, or a {@link ConfigException} listing
 * every problem with its key path. YAML is read into plain maps and lists (SnakeYAML's safe constructor, no
 * object binding, so nothing here needs reflection in a native image); the binding below is ours so that
 * errors can name the exact key. This class loads the YAML and checks the top level; each section has its own
 * parser ({@link UpstreamsParser}, {@link RoutesParser}, and each feature's {@link ConfigExtension}), all reading through one
 * {@link ConfigNodes} that collects the problems.
 *
 * <p>String values may reference {@code ${NAME}} or {@code ${NAME:default}}, resolved from system properties,
 * then the environment: secrets and addresses can come from the pod spec instead of the ConfigMap.
 */
public final class ConfigParser {
    private static final Set<String> CORE = Set.of("upstreams", "routes", "server");
    /** Sections of DESIGN.md no feature reads yet: named as such rather than "unknown". */
    private static final Set<String> NOT_YET = Set.of("rate-limits", "cache", "admin");

    /**
     * YAML 1.1 reads {@code on}, {@code off}, {@code yes} and {@code no} as booleans, even as keys, which would
     * turn the contract's {@code retry.on} into {@code true}. Only true and false are booleans here (YAML 1.2).
     */
    static final class Yaml12Booleans extends Resolver {
        @Override
        protected void addImplicitResolvers() {
            addImplicitResolver(Tag.BOOL, Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF");
            addImplicitResolver(Tag.INT, INT, "-+0123456789");
            addImplicitResolver(Tag.FLOAT, FLOAT, "-+0123456789.");
            addImplicitResolver(Tag.MERGE, MERGE, "<");
            addImplicitResolver(Tag.NULL, NULL, "~nN\0");
            addImplicitResolver(Tag.NULL, EMPTY, null);
        }
    }

    private final ConfigNodes nodes;
    private final List<ConfigExtension> extensions;

    private ConfigParser(UnaryOperator<String> variables, List<ConfigExtension> extensions) {
        this.nodes = new ConfigNodes(variables);
        this.extensions = extensions;
    }

    /** The core only (no feature sections), with {@code ${NAME}} from system properties, then the environment. */
    public static GatehouseConfig parse(String source, String yaml) throws ConfigException {
        return parse(source, yaml, List.of());
    }

    /** Parses with the features' extensions, {@code ${NAME}} taken from system properties, then the environment. */
    public static GatehouseConfig parse(String source, String yaml, List<ConfigExtension> extensions) throws ConfigException {
        return parse(source, yaml, ConfigParser::variable, extensions);
    }

    /** The core only, with {@code ${NAME}} resolved by {@code variables}. */
    public static GatehouseConfig parse(String source, String yaml, UnaryOperator<String> variables) throws ConfigException {
        return parse(source, yaml, variables, List.of());
    }

    static String variable(String name) {
        String value = System.getProperty(name);
        return value != null ? value : System.getenv(name);
    }

    public static GatehouseConfig parse(String source, String yaml, UnaryOperator<String> variables,
                                        List<ConfigExtension> extensions) throws ConfigException {
        ConfigParser parser = new ConfigParser(variables, extensions);
        Object root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(20);
            options.setCodePointLimit(4 * 1024 * 1024);
            options.setNestingDepthLimit(30);
            root = new Yaml(new SafeConstructor(options), new Representer(new DumperOptions()), new DumperOptions(),
                    options, new Yaml12Booleans()).load(yaml);
        } catch (MarkedYAMLException e) {
            String where = e.getProblemMark() == null ? "" : " at line " + (e.getProblemMark().getLine() + 1)
                    + ", column " + (e.getProblemMark().getColumn() + 1);
            throw new ConfigException(source, List.of("not valid YAML" + where + ": " + e.getProblem()));
        } catch (YAMLException e) {
            throw new ConfigException(source, List.of("not valid YAML: " + e.getMessage()));
        }
        GatehouseConfig config = parser.root(root, yaml);
        if (!parser.nodes.problems().isEmpty()) {
            throw new ConfigException(source, parser.nodes.problems());
        }
        return config;
    }

    private GatehouseConfig root(Object root, String yaml) {
        if (root == null) {
            nodes.problem("(file)", "the file is empty; it needs at least 'upstreams' and 'routes'");
            return null;
        }
        Map<String, Object> map = nodes.map(root, "(file)");
        if (map == null) {
            return null;
        }
        java.util.Set<String> known = new java.util.HashSet<>(CORE);
        java.util.Set<String> notYet = new java.util.HashSet<>(NOT_YET);
        for (ConfigExtension extension : extensions) {
            known.addAll(extension.sections());
            notYet.removeAll(extension.sections());
        }
        known.addAll(notYet);
        nodes.checkKeys(map, "", known, notYet);
        // Upstreams and the features' sections before routes, which refer to them; this is also the order of the
        // problems.
        Map<String, UpstreamConfig> upstreams = new UpstreamsParser(nodes).upstreams(map.get("upstreams"));
        FeatureSettings.Builder sections = new FeatureSettings.Builder();
        for (ConfigExtension extension : extensions) {
            extension.parseSections(nodes, map, sections);
        }
        FeatureSettings built = sections.build();
        List<RouteConfig> routes = new RoutesParser(nodes, extensions).routes(map.get("routes"), upstreams, built, map);
        java.util.Set<String> serverKeys = new java.util.HashSet<>();
        extensions.forEach(extension -> serverKeys.addAll(extension.serverKeys()));
        ServerConfig server = new ServerParser(nodes, serverKeys).server(map.get("server"));
        return nodes.problems().isEmpty() ? new GatehouseConfig(Map.copyOf(upstreams), List.copyOf(routes), server, built,
                ConfigDocument.of(yaml, map)) : null;
    }
}
