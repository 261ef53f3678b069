#!/usr/bin/env bash
# Route matching micro-benchmark: RouteTable.match vs a linear scan over 10, 1,000 and 10,000 routes.
# Runs in about a minute and a half (2 benchmarks x 3 sizes x (3 warmup + 5 measured) x 1s, one fork).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -o test-compile
./mvnw -q -B -o dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" org.openjdk.jmh.Main RouteTableBenchmark \
    -f 1 -wi 3 -i 5 -w 1 -r 1 "$@"
