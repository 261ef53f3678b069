package io.gatehouse.routing;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * RouteTable.match against a naive linear scan over the same routes (first match in specificity order, each
 * route's segments compared one by one), for 10, 1,000 and 10,000 routes. Each route set is half
 * {@code /svc{i}/items/{id}} and half {@code /svc{i}/**}; requests cycle over paths that hit every service.
 *
 * <p>Run: bench/route-match.sh, or {@code java -cp ... io.gatehouse.routing.RouteTableBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouteTableBenchmark {
    private static final Function<String, String> NO_HEADERS = name -> null;

    @Param({"10", "1000", "10000"})
    public int routes;

    private RouteTable<Integer> table;
    private LinearScan linear;
    private String[] paths;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        List<RouteTable.Entry<Integer>> entries = new ArrayList<>();
        int services = routes / 2;
        for (int i = 0; i < services; i++) {
            entries.add(new RouteTable.Entry<>(PathPattern.parse("/svc" + i + "/items/{id}"), Set.of("GET"), null, Map.of(),
                    entries.size(), entries.size()));
            entries.add(new RouteTable.Entry<>(PathPattern.parse("/svc" + i + "/**"), Set.of(), null, Map.of(),
                    entries.size(), entries.size()));
        }
        table = RouteTable.compile(entries);
        linear = new LinearScan(entries);
        paths = new String[1024];
        for (int k = 0; k < paths.length; k++) {
            int svc = (int) ((k * 7919L) % services);
            paths[k] = (k % 2 == 0) ? "/svc" + svc + "/items/" + k : "/svc" + svc + "/other/" + k + "/x";
        }
        // Both must agree before anything is measured.
        for (String p : paths) {
            Integer a = table.match("GET", null, p, NO_HEADERS).value();
            Integer b = linear.match(p);
            if (!a.equals(b)) {
                throw new IllegalStateException(p + ": trie " + a + " vs linear " + b);
            }
        }
    }

    private String nextPath() {
        String p = paths[next];
        next = (next + 1) & (paths.length - 1);
        return p;
    }

    @Benchmark
    public Object routeTable() {
        return table.match("GET", null, nextPath(), NO_HEADERS);
    }

    @Benchmark
    public Object linearScan() {
        return linear.match(nextPath());
    }

    /** The obvious alternative: try each route in turn. Literal, then param routes, then rest routes (specificity). */
    static final class LinearScan {
        private final String[][] segments;
        private final boolean[] rest;
        private final Integer[] values;

        LinearScan(List<RouteTable.Entry<Integer>> entries) {
            List<RouteTable.Entry<Integer>> ordered = new ArrayList<>(entries);
            ordered.sort((a, b) -> Boolean.compare(a.pattern().hasRest(), b.pattern().hasRest()));
            segments = new String[ordered.size()][];
            rest = new boolean[ordered.size()];
            values = new Integer[ordered.size()];
            for (int r = 0; r < ordered.size(); r++) {
                PathPattern p = ordered.get(r).pattern();
                segments[r] = new String[p.segmentCount()];
                for (int i = 0; i < p.segmentCount(); i++) {
                    segments[r][i] = p.literal(i);
                }
                rest[r] = p.hasRest();
                values[r] = ordered.get(r).value();
            }
        }

        Integer match(String path) {
            String[] parts = split(path);
            for (int r = 0; r < segments.length; r++) {
                String[] s = segments[r];
                if (rest[r] ? parts.length < s.length : parts.length != s.length) {
                    continue;
                }
                boolean ok = true;
                for (int i = 0; i < s.length && ok; i++) {
                    ok = s[i] == null || s[i].equals(parts[i]);
                }
                if (ok) {
                    return values[r];
                }
            }
            return null;
        }

        private static String[] split(String path) {
            return path.substring(1).split("/");
        }
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder()
                .include(RouteTableBenchmark.class.getSimpleName())
                .forks(1)
                .warmupIterations(3)
                .measurementIterations(5)
                .warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                .measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                .build()).run();
    }
}
