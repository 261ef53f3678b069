#!/usr/bin/env bash
# Gatehouse vs nginx as a reverse proxy, side by side in one run, on 127.0.0.1 only.
#
#   bench/run.sh [duration-seconds] [rounds] [connections]      (defaults: 15 2 50)
#
# Starts two nginx origins (1 worker each, `return 200` with a ~200-byte JSON body), nginx as a reverse proxy
# over them (1 worker, upstream keepalive) and Gatehouse over the same two origins, then drives each in turn
# with wrk (warm-up, then interleaved rounds) and prints requests/s, p50/p99 latency, Gatehouse's RSS, its
# start-up time to the first proxied 200, and the Gatehouse/nginx ratios. Everything it starts, it stops.
#
# Also in every round: bench/floor/PlainVertxProxy.java, the least a Vert.x proxy can do (no Quarkus, no router,
# no policy), on as many event loops as Gatehouse, so the run shows how much of the gap to nginx is Gatehouse's.
# BENCH_LOOPS sets the event loops of both (default: Vert.x' own, 2 per core).
#
# BENCH_RATELIMIT=1 adds, on the same gateway and interleaved: no limiter, a local limit and a Redis limit that are
# not reached, and a limit that refuses nearly everything (starts redis-server on 18096); BENCH_RL_HEADERS picks
# rate-limits.defaults.headers (default both, the gateway's default).
#
# BENCH_CACHE=1 adds cache hits, interleaved: the same URL through nginx's proxy_cache (the config is below:
# proxy_cache_valid 200 5m, keys in a 10 MB zone, the body in nginx's cache directory) and through Gatehouse's
# local cache (a route with cache: {ttl: 5m}); both fill on the first request and answer every later one from
# the cache (checked before the rounds: X-Cache-Status HIT on both).
#
# BENCH_OBSERVE=1 measures observability, interleaved: the main gateway then runs with its access log on (the
# default; the bench otherwise turns it off), to stdout redirected to a file as a container runtime would, on a
# route that logs and one with access-log: false; and a second gateway with tracing on (10% parent-based sampling,
# the default ratio, exporting OTLP/HTTP to the nginx proxy, which answers 200) on the route without the log.
#
# BENCH_EDGE=1 measures the edge checks (issue 11): a second gateway whose config adds server.ip-rules,
# server.max-connections-per-ip and a route with ip-rules and every limit, against the bare route of a control
# gateway started and warmed alongside it, interleaved (BENCH_OBSERVE and BENCH_EDGE use the same second port:
# one at a time). BENCH_OBSERVE's traced gateway has such a control too.
#
# BENCH_TLS=1 measures TLS termination (issue 12), interleaved: keep-alive HTTPS through nginx (1 worker, the same
# certificate, TLS 1.2/1.3, its default session cache) and through Gatehouse on OpenSSL (the main gateway's
# server.tls, engine auto) and on the JDK's engine (a second gateway, engine: jdk, on the port BENCH_OBSERVE and
# BENCH_EDGE use); then new TLS connections per second (every request on a new connection: a full handshake, wrk
# keeps no sessions). The certificate is EC P-256 unless BENCH_TLS_KEY=rsa (2048 bits).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${1:-15}
ROUNDS=${2:-2}
CONNS=${3:-50}
THREADS=${BENCH_THREADS:-1}
JAVA_OPTS=${BENCH_JAVA_OPTS:-}
JAVA=${BENCH_JAVA:-java}
OUT=bench/out
NGINX_TLS=18443 GH_TLS=18444 JDK_TLS=18445
ORIGIN1=18081 ORIGIN2=18082 NGINX=18080 GATEHOUSE=18090 GATEHOUSE_MGMT=18091 FLOOR=18095 REDIS=18096 TRACED=18092 TRACED_MGMT=18093 CONTROL=18094 CONTROL_MGMT=18097
LOOPS=${BENCH_LOOPS:-$(( 2 * $(nproc) ))}
JAVA_OPTS="$JAVA_OPTS -Dquarkus.vertx.event-loops-size=$LOOPS"

for tool in nginx wrk curl openssl; do
  command -v "$tool" >/dev/null || { echo "bench needs $tool (apt-get install -y nginx wrk curl)" >&2; exit 1; }
done
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -q -B package -DskipTests

rm -rf "$OUT" && mkdir -p "$OUT"
OUT_ABS=$(cd "$OUT" && pwd)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$OUT_ABS/redis.pid" ] && kill "$(cat "$OUT_ABS/redis.pid")" 2>/dev/null || true
  for conf in origin1 origin2 proxy; do
    [ -f "$OUT_ABS/$conf.pid" ] && kill "$(cat "$OUT_ABS/$conf.pid")" 2>/dev/null || true
  done
}
trap cleanup EXIT

BODY='{"id":42,"name":"Ada Lovelace","email":"ada@example.com","roles":["user","admin"],"tier":"premium","created":"2026-01-01T00:00:00Z","active":true,"tags":["alpha","beta","gamma"],"note":"benchmark payload"}'

nginx_conf() { # name port body
  cat > "$OUT_ABS/$1.conf" <<CONF
worker_processes 1;
daemon on;
pid $OUT_ABS/$1.pid;
error_log $OUT_ABS/$1.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $OUT_ABS/tmp-$1;
  proxy_temp_path $OUT_ABS/tmp-$1;
  fastcgi_temp_path $OUT_ABS/tmp-$1;
  uwsgi_temp_path $OUT_ABS/tmp-$1;
  scgi_temp_path $OUT_ABS/tmp-$1;
  $3
}
CONF
  nginx -c "$OUT_ABS/$1.conf" -e "$OUT_ABS/$1.error.log"
}

TLS_NGINX=""
if [ "${BENCH_TLS:-}" = 1 ]; then
  if [ "${BENCH_TLS_KEY:-ec}" = rsa ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$OUT_ABS/tls.key" 2>/dev/null
  else
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$OUT_ABS/tls.key" 2>/dev/null
  fi
  openssl req -x509 -new -key "$OUT_ABS/tls.key" -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -days 2 -out "$OUT_ABS/tls.crt" 2>/dev/null
  TLS_NGINX="server { listen 127.0.0.1:$NGINX_TLS ssl; ssl_certificate $OUT_ABS/tls.crt; ssl_certificate_key $OUT_ABS/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3; keepalive_requests 1000000;
    location / { proxy_pass http://origins; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
fi

nginx_conf origin1 $ORIGIN1 "server { listen 127.0.0.1:$ORIGIN1; location / { default_type application/json; return 200 '$BODY'; } }"
nginx_conf origin2 $ORIGIN2 "server { listen 127.0.0.1:$ORIGIN2; location / { default_type application/json; return 200 '$BODY'; } }"
nginx_conf proxy $NGINX "upstream origins { server 127.0.0.1:$ORIGIN1; server 127.0.0.1:$ORIGIN2; keepalive 64; }
  proxy_cache_path $OUT_ABS/nginx-cache levels=1:2 keys_zone=bench:10m max_size=100m inactive=10m use_temp_path=off;
  server { listen 127.0.0.1:$NGINX;
    location / { proxy_pass http://origins; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
    location /cached/ { proxy_pass http://origins/; proxy_http_version 1.1; proxy_set_header Connection \"\";
      proxy_cache bench; proxy_cache_valid 200 5m; add_header X-Cache-Status \$upstream_cache_status; }
    location = /v1/traces { client_max_body_size 16m; return 200; } }
  $TLS_NGINX"

JWT_SECRET=bench-secret-bench-secret-bench-secret-0123456789
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
JWT_HEAD=$(printf %s '{"alg":"HS256","typ":"JWT"}' | b64url)
JWT_BODY=$(printf '{"iss":"https://bench.gatehouse","sub":"bench-user","groups":["user"],"iat":%d,"exp":%d}' \
  "$(date +%s)" "$(( $(date +%s) + 7200 ))" | b64url)
JWT_SIG=$(printf %s "$JWT_HEAD.$JWT_BODY" | openssl dgst -sha256 -hmac "$JWT_SECRET" -binary | b64url)
JWT_TOKEN="$JWT_HEAD.$JWT_BODY.$JWT_SIG"

cat > "$OUT/gatehouse.yaml" <<YAML
upstreams:
  origins:
    targets:
      - url: http://127.0.0.1:$ORIGIN1
      - url: http://127.0.0.1:$ORIGIN2
    balancer: ${BENCH_BALANCER:-round-robin}
routes:
  - id: bench-rl-none
    path: /rl-none/**
    upstream: origins
    strip-prefix: /rl-none
  - id: bench-rl-local
    path: /rl-local/**
    upstream: origins
    strip-prefix: /rl-local
    rate-limit: roomy-local
  - id: bench-rl-redis
    path: /rl-redis/**
    upstream: origins
    strip-prefix: /rl-redis
    rate-limit: roomy-redis
  - id: bench-rl-refused
    path: /rl-refused/**
    upstream: origins
    strip-prefix: /rl-refused
    rate-limit: tight
  - id: bench-cached
    path: /cached/**
    upstream: origins
    strip-prefix: /cached
    cache: {ttl: 5m}
  - id: bench-jwt
    path: /jwt/**
    upstream: origins
    strip-prefix: /jwt
    auth: jwt
  - id: bench-nolog
    path: /nolog/**
    upstream: origins
    strip-prefix: /nolog
    access-log: false
  - id: bench
    path: /**
    upstream: origins
auth:
  jwt:
    issuer: https://bench.gatehouse
    secret: $JWT_SECRET
rate-limits:
  # a limit that is not reached, in this process and in Redis; and one that refuses nearly everything
  roomy-local: {key: ip, limits: [1000000000/1d]}
  roomy-redis: {key: ip, limits: [1000000000/1d], store: redis}
  tight: {key: ip, limits: [1/1d]}
  defaults: {headers: ${BENCH_RL_HEADERS:-both}}
YAML
REDIS_OPTS=""
if [ "${BENCH_RATELIMIT:-}" = 1 ]; then
  command -v redis-server >/dev/null || { echo "BENCH_RATELIMIT=1 needs redis-server (apt-get install -y redis-server)" >&2; exit 1; }
  redis-server --port $REDIS --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --pidfile "$OUT_ABS/redis.pid" \
    --logfile "$OUT_ABS/redis.log"
  REDIS_OPTS="-Dquarkus.redis.hosts=redis://127.0.0.1:$REDIS"
else
  # without a Redis the redis policy is refused at load: leave it (and its route) out
  sed -i '/bench-rl-redis/,/rate-limit: roomy-redis/d; /roomy-redis:/d' "$OUT/gatehouse.yaml"
fi

if [ "${BENCH_TLS:-}" = 1 ]; then
  { printf 'server:\n  tls: {port: %s, certificates: [{cert: %s, key: %s}]}\n' $GH_TLS "$OUT_ABS/tls.crt" "$OUT_ABS/tls.key"
    cat "$OUT/gatehouse.yaml"; } > "$OUT/gatehouse-tls.yaml"
  mv "$OUT/gatehouse-tls.yaml" "$OUT/gatehouse.yaml"
  sed "s|port: $GH_TLS,|port: $JDK_TLS, engine: jdk,|" "$OUT/gatehouse.yaml" > "$OUT/gatehouse-jdk.yaml"
fi

wait_until_serving() { # pid port log: until the proxy answers a proxied 200; its log and exit if it dies first
  until curl -sf -o /dev/null "http://127.0.0.1:$2/bench"; do
    kill -0 "$1" 2>/dev/null || { echo "the proxy on port $2 died:"; cat "$3"; exit 1; }
    sleep 0.02
  done
}

start_ns=$(date +%s%N)
# shellcheck disable=SC2086
ACCESS_LOG_OPT=-Dgatehouse.access-log.enabled=false
[ "${BENCH_OBSERVE:-}" = 1 ] && ACCESS_LOG_OPT=""  # the default: on, to stdout
# shellcheck disable=SC2086
"$JAVA" $JAVA_OPTS $REDIS_OPTS -Dgatehouse.config="$OUT/gatehouse.yaml" $ACCESS_LOG_OPT \
  -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$GATEHOUSE -Dquarkus.management.port=$GATEHOUSE_MGMT \
  -jar target/quarkus-app/quarkus-run.jar > "$OUT/gatehouse.log" 2>&1 &
GH_PID=$!
PIDS+=("$GH_PID")
wait_until_serving "$GH_PID" $GATEHOUSE "$OUT/gatehouse.log"
startup_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
curl -sf -o /dev/null "http://127.0.0.1:$NGINX/bench"

if [ "${BENCH_EDGE:-}" = 1 ]; then
  { cat <<EDGE
server:
  ip-rules: {deny: [192.0.2.0/24, "2001:db8::/32"]}
  max-connections-per-ip: 10000
EDGE
    sed 's|^routes:|routes:\n  - {id: bench-edge, path: /edge/**, upstream: origins, strip-prefix: /edge, ip-rules: {allow: [127.0.0.0/8]}, limits: {max-body-size: 1MB, max-header-size: 16KB, max-url-length: 2048, content-types: [application/json]}}|' "$OUT/gatehouse.yaml"
  } > "$OUT/gatehouse-edge.yaml"
  # shellcheck disable=SC2086
  "$JAVA" $JAVA_OPTS $REDIS_OPTS -Dgatehouse.config="$OUT/gatehouse-edge.yaml" -Dgatehouse.access-log.enabled=false \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$TRACED -Dquarkus.management.port=$TRACED_MGMT \
    -jar target/quarkus-app/quarkus-run.jar > "$OUT/edge.log" 2>&1 &
  EDGE_PID=$!
  PIDS+=("$EDGE_PID")
  wait_until_serving "$EDGE_PID" $TRACED "$OUT/edge.log"
  curl -sf -o /dev/null "http://127.0.0.1:$TRACED/edge/bench" || { echo "the edge route refused the bench request"; exit 1; }
fi

if [ "${BENCH_TLS:-}" = 1 ]; then
  # shellcheck disable=SC2086
  "$JAVA" $JAVA_OPTS $REDIS_OPTS -Dgatehouse.config="$OUT/gatehouse-jdk.yaml" -Dgatehouse.access-log.enabled=false \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$TRACED -Dquarkus.management.port=$TRACED_MGMT \
    -jar target/quarkus-app/quarkus-run.jar > "$OUT/jdk-tls.log" 2>&1 &
  JDK_PID=$!
  PIDS+=("$JDK_PID")
  wait_until_serving "$JDK_PID" $TRACED "$OUT/jdk-tls.log"
  grep -q "TLS engine: OpenSSL" "$OUT/gatehouse.log" || { echo "the main gateway is not on OpenSSL:"; grep "TLS engine" "$OUT/gatehouse.log"; exit 1; }
  grep -q "TLS engine: JDK" "$OUT/jdk-tls.log" || { echo "the second gateway is not on the JDK engine"; exit 1; }
  for port in $NGINX_TLS $GH_TLS $JDK_TLS; do
    curl -sf -o /dev/null --cacert "$OUT_ABS/tls.crt" "https://localhost:$port/bench" || { echo "no HTTPS 200 on $port"; exit 1; }
  done
fi

if [ "${BENCH_EDGE:-}" = 1 ] || [ "${BENCH_OBSERVE:-}" = 1 ]; then
  # The control: a gateway started with the feature's, the same in every way but the feature, warmed and measured
  # alongside it (a JVM that has served longer is faster for a while: comparing a fresh one with the main gateway
  # measured its JIT as much as the feature).
  # shellcheck disable=SC2086
  "$JAVA" $JAVA_OPTS $REDIS_OPTS -Dgatehouse.config="$OUT/gatehouse.yaml" -Dgatehouse.access-log.enabled=false \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$CONTROL -Dquarkus.management.port=$CONTROL_MGMT \
    -jar target/quarkus-app/quarkus-run.jar > "$OUT/control.log" 2>&1 &
  CONTROL_PID=$!
  PIDS+=("$CONTROL_PID")
  wait_until_serving "$CONTROL_PID" $CONTROL "$OUT/control.log"
fi

if [ "${BENCH_OBSERVE:-}" = 1 ]; then
  # shellcheck disable=SC2086
  "$JAVA" $JAVA_OPTS $REDIS_OPTS -Dgatehouse.config="$OUT/gatehouse.yaml" -Dgatehouse.access-log.enabled=false \
    -Dquarkus.otel.sdk.disabled=false -Dquarkus.otel.exporter.otlp.traces.protocol=http/protobuf \
    -Dquarkus.otel.exporter.otlp.traces.endpoint=http://127.0.0.1:$NGINX \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$TRACED -Dquarkus.management.port=$TRACED_MGMT \
    -jar target/quarkus-app/quarkus-run.jar > "$OUT/traced.log" 2>&1 &
  TRACED_PID=$!
  PIDS+=("$TRACED_PID")
  wait_until_serving "$TRACED_PID" $TRACED "$OUT/traced.log"
fi

"$JAVA" -cp 'target/quarkus-app/lib/main/*' bench/floor/PlainVertxProxy.java $FLOOR "$LOOPS" $ORIGIN1 $ORIGIN2 \
  > "$OUT/floor.log" 2>&1 &
FLOOR_PID=$!
PIDS+=("$FLOOR_PID")
wait_until_serving "$FLOOR_PID" $FLOOR "$OUT/floor.log"

to_ms() { # wrk latency like 812.00us / 1.20ms / 1.01s -> ms
  awk -v v="$1" 'BEGIN { n=v; sub(/[a-z]+$/,"",n); u=v; sub(/^[0-9.]+/,"",u);
    if (u=="us") n/=1000; else if (u=="s") n*=1000; printf "%.2f", n }'
}
cpu_ticks() { # total user+system clock ticks of the given pids (a pid that is gone counts 0)
  local t=0; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$(( t + $(awk '{print $14+$15}' "/proc/$p/stat") )); done; echo "$t"
}
sys_ticks() { # system (kernel) clock ticks of the given pids
  local t=0; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$(( t + $(awk '{print $15}' "/proc/$p/stat") )); done; echo "$t"
}
run_wrk() { # label port seconds pids-to-measure...   (WRK_PATH and WRK_HEADER may change the request)
  local label=$1 port=$2 secs=$3; shift 3
  local before after sys_before sys_after
  before=$(cpu_ticks "$@"); sys_before=$(sys_ticks "$@")
  wrk -t"$THREADS" -c"$CONNS" -d"$secs"s --latency ${WRK_HEADER:+-H "$WRK_HEADER"} "${WRK_SCHEME:-http}://127.0.0.1:$port${WRK_PATH:-/bench}" > "$OUT/wrk-$label.txt"
  after=$(cpu_ticks "$@"); sys_after=$(sys_ticks "$@")
  echo "$label: cpu ticks $((after - before)), of which kernel $((sys_after - sys_before))" >> "$OUT/cpu.txt"
  local rps p50 p99 errors cpu_us
  rps=$(awk '/^Requests\/sec/ {print $2}' "$OUT/wrk-$label.txt")
  p50=$(to_ms "$(awk '$1=="50%" {print $2}' "$OUT/wrk-$label.txt")")
  p99=$(to_ms "$(awk '$1=="99%" {print $2}' "$OUT/wrk-$label.txt")")
  # CPU time the proxy itself spent per request, in microseconds (clock ticks are 1/100 s)
  cpu_us=$(awk -v t=$((after - before)) -v r="$rps" -v s="$secs" 'BEGIN { printf "%.1f", t * 10000 / (r * s) }')
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$OUT/wrk-$label.txt" | tr '\n' ' ')
  echo "$rps $p50 $p99 $cpu_us ${errors:-}"
}

# the proxy's workers and its cache manager (the cache loader exits a minute after start: not measured)
NGINX_PIDS=$(pgrep -P "$(cat "$OUT_ABS/proxy.pid")" -f "worker process|cache manager" | tr '\n' ' ')
echo "warm-up: 10 s each"
run_wrk warm-nginx $NGINX 10 $NGINX_PIDS >/dev/null
run_wrk warm-gatehouse $GATEHOUSE 10 "$GH_PID" >/dev/null
run_wrk warm-floor $FLOOR 10 "$FLOOR_PID" >/dev/null

printf "%-6s %-10s %12s %9s %9s %11s  %s\n" round target req/s p50-ms p99-ms cpu-us/req errors
declare -a N_RPS G_RPS N_P99 G_P99 N_CPU G_CPU F_RPS F_P99 F_CPU
for r in $(seq 1 "$ROUNDS"); do
  # shellcheck disable=SC2086
  read -r rps p50 p99 cpu err <<<"$(run_wrk "nginx-$r" $NGINX "$DURATION" $NGINX_PIDS)"
  printf "%-6s %-10s %12s %9s %9s %11s  %s\n" "$r" nginx "$rps" "$p50" "$p99" "$cpu" "${err:-}"
  N_RPS+=("$rps"); N_P99+=("$p99"); N_CPU+=("$cpu")
  read -r rps p50 p99 cpu err <<<"$(run_wrk "gatehouse-$r" $GATEHOUSE "$DURATION" "$GH_PID")"
  printf "%-6s %-10s %12s %9s %9s %11s  %s\n" "$r" gatehouse "$rps" "$p50" "$p99" "$cpu" "${err:-}"
  G_RPS+=("$rps"); G_P99+=("$p99"); G_CPU+=("$cpu")
  read -r rps p50 p99 cpu err <<<"$(run_wrk "floor-$r" $FLOOR "$DURATION" "$FLOOR_PID")"
  printf "%-6s %-10s %12s %9s %9s %11s  %s\n" "$r" vertx-floor "$rps" "$p50" "$p99" "$cpu" "${err:-}"
  F_RPS+=("$rps"); F_P99+=("$p99"); F_CPU+=("$cpu")
done

if [ "${BENCH_AUTH:-}" = jwt ]; then
  # A JWT-protected route against the same route without auth, same gateway, interleaved.
  curl -sf -o /dev/null -H "Authorization: Bearer $JWT_TOKEN" "http://127.0.0.1:$GATEHOUSE/jwt/bench" \
    || { echo "the bench token was refused"; exit 1; }
  WRK_PATH=/jwt/bench WRK_HEADER="Authorization: Bearer $JWT_TOKEN" run_wrk warm-jwt $GATEHOUSE 5 "$GH_PID" >/dev/null
  echo
  printf "%-6s %-10s %12s %9s %9s %11s  %s\n" round route req/s p50-ms p99-ms cpu-us/req errors
  declare -a P_RPS J_RPS
  for r in $(seq 1 "$ROUNDS"); do
    read -r rps p50 p99 cpu err <<<"$(run_wrk "plain-$r" $GATEHOUSE "$DURATION" "$GH_PID")"
    printf "%-6s %-10s %12s %9s %9s %11s  %s\n" "$r" no-auth "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    P_RPS+=("$rps")
    read -r rps p50 p99 cpu err <<<"$(WRK_PATH=/jwt/bench WRK_HEADER="Authorization: Bearer $JWT_TOKEN" \
      run_wrk "jwt-$r" $GATEHOUSE "$DURATION" "$GH_PID")"
    printf "%-6s %-10s %12s %9s %9s %11s  %s\n" "$r" jwt "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    J_RPS+=("$rps")
  done
fi

if [ "${BENCH_RATELIMIT:-}" = 1 ]; then
  # The same gateway, interleaved: no limiter, a limit kept here, a limit kept in Redis (neither reached), and a
  # limit that refuses nearly every request (the 429 path).
  until curl -s "http://127.0.0.1:$GATEHOUSE_MGMT/q/health/ready" | grep -q '"redis": "up"'; do sleep 0.1; done
  for path in /rl-none/bench /rl-local/bench /rl-redis/bench /rl-refused/bench; do
    WRK_PATH=$path run_wrk "warm-$(echo "$path" | cut -d/ -f2)" $GATEHOUSE 10 "$GH_PID" >/dev/null
  done
  echo
  printf "%-6s %-12s %12s %9s %9s %11s  %s\n" round limiter req/s p50-ms p99-ms cpu-us/req errors
  declare -a RL_NONE RL_LOCAL RL_REDIS RL_REFUSED
  for r in $(seq 1 "$ROUNDS"); do
    for mode in none local redis refused; do
      case $mode in none) path=/rl-none/bench ;; local) path=/rl-local/bench ;; redis) path=/rl-redis/bench ;; refused) path=/rl-refused/bench ;; esac
      read -r rps p50 p99 cpu err <<<"$(WRK_PATH=$path run_wrk "rl-$mode-$r" $GATEHOUSE "$DURATION" "$GH_PID")"
      printf "%-6s %-12s %12s %9s %9s %11s  %s\n" "$r" "$mode" "$rps" "$p50" "$p99" "$cpu" "${err:-}"
      case $mode in none) RL_NONE+=("$rps") ;; local) RL_LOCAL+=("$rps") ;; redis) RL_REDIS+=("$rps") ;; refused) RL_REFUSED+=("$rps") ;; esac
    done
  done
  echo "redis outages logged during the run: $(grep -c "Redis is unreachable" "$OUT/gatehouse.log" || true)"
fi

if [ "${BENCH_CACHE:-}" = 1 ]; then
  # Cache hits: the same URL through nginx's proxy_cache and Gatehouse's cache, interleaved.
  for port in $NGINX $GATEHOUSE; do
    curl -sf -o /dev/null "http://127.0.0.1:$port/cached/bench"
    curl -sfi "http://127.0.0.1:$port/cached/bench" | grep -qi '^X-Cache-Status: HIT' \
      || { echo "no cache hit on port $port"; curl -si "http://127.0.0.1:$port/cached/bench"; exit 1; }
  done
  # shellcheck disable=SC2086
  WRK_PATH=/cached/bench run_wrk warm-nginx-cache $NGINX 10 $NGINX_PIDS >/dev/null
  WRK_PATH=/cached/bench run_wrk warm-gatehouse-cache $GATEHOUSE 10 "$GH_PID" >/dev/null
  echo
  printf "%-6s %-16s %12s %9s %9s %11s  %s\n" round cache-hits req/s p50-ms p99-ms cpu-us/req errors
  declare -a C_NGINX C_GH C_NGINX_CPU C_GH_CPU
  for r in $(seq 1 "$ROUNDS"); do
    # shellcheck disable=SC2086
    read -r rps p50 p99 cpu err <<<"$(WRK_PATH=/cached/bench run_wrk "cache-nginx-$r" $NGINX "$DURATION" $NGINX_PIDS)"
    printf "%-6s %-16s %12s %9s %9s %11s  %s\n" "$r" nginx-proxy_cache "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    C_NGINX+=("$rps"); C_NGINX_CPU+=("$cpu")
    read -r rps p50 p99 cpu err <<<"$(WRK_PATH=/cached/bench run_wrk "cache-gatehouse-$r" $GATEHOUSE "$DURATION" "$GH_PID")"
    printf "%-6s %-16s %12s %9s %9s %11s  %s\n" "$r" gatehouse-cache "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    C_GH+=("$rps"); C_GH_CPU+=("$cpu")
  done
fi

if [ "${BENCH_OBSERVE:-}" = 1 ]; then
  # Access log on and off on the same gateway; tracing at 10% on a second one, on the route without the log.
  WRK_PATH=/nolog/bench run_wrk warm-nolog $GATEHOUSE 10 "$GH_PID" >/dev/null
  for w in 1 2; do # the traced gateway and its control, warmed alike
    WRK_PATH=/nolog/bench run_wrk warm-traced $TRACED 20 "$TRACED_PID" >/dev/null
    WRK_PATH=/nolog/bench run_wrk warm-control $CONTROL 20 "$CONTROL_PID" >/dev/null
  done
  echo
  printf "%-6s %-16s %12s %9s %9s %11s  %s\n" round observe req/s p50-ms p99-ms cpu-us/req errors
  declare -a O_LOG O_NOLOG O_TRACED O_LOG_CPU O_NOLOG_CPU O_TRACED_CPU O_CONTROL O_CONTROL_CPU
  for r in $(seq 1 "$ROUNDS"); do
    read -r rps p50 p99 cpu err <<<"$(run_wrk "access-log-$r" $GATEHOUSE "$DURATION" "$GH_PID")"
    printf "%-6s %-16s %12s %9s %9s %11s  %s\n" "$r" access-log "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    O_LOG+=("$rps"); O_LOG_CPU+=("$cpu")
    read -r rps p50 p99 cpu err <<<"$(WRK_PATH=/nolog/bench run_wrk "no-log-$r" $GATEHOUSE "$DURATION" "$GH_PID")"
    printf "%-6s %-16s %12s %9s %9s %11s  %s\n" "$r" no-log "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    O_NOLOG+=("$rps"); O_NOLOG_CPU+=("$cpu")
    read -r rps p50 p99 cpu err <<<"$(WRK_PATH=/nolog/bench run_wrk "traced-$r" $TRACED "$DURATION" "$TRACED_PID")"
    printf "%-6s %-16s %12s %9s %9s %11s  %s\n" "$r" traced-10% "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    O_TRACED+=("$rps"); O_TRACED_CPU+=("$cpu")
    read -r rps p50 p99 cpu err <<<"$(WRK_PATH=/nolog/bench run_wrk "control-$r" $CONTROL "$DURATION" "$CONTROL_PID")"
    printf "%-6s %-16s %12s %9s %9s %11s  %s\n" "$r" untraced-control "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    O_CONTROL+=("$rps"); O_CONTROL_CPU+=("$cpu")
  done
  echo "access-log lines dropped: $(curl -s "http://127.0.0.1:$GATEHOUSE_MGMT/q/metrics" | awk '/^gatehouse_access_log_dropped_total/ {print $2}')"
fi

if [ "${BENCH_EDGE:-}" = 1 ]; then
  # The control's bare route against the edge gateway's route with every check: two JVMs started and warmed alike.
  for w in 1 2; do
    WRK_PATH=/edge/bench run_wrk warm-edge $TRACED 20 "$EDGE_PID" >/dev/null
    run_wrk warm-control $CONTROL 20 "$CONTROL_PID" >/dev/null
  done
  echo
  printf "%-6s %-16s %12s %9s %9s %11s  %s\n" round edge req/s p50-ms p99-ms cpu-us/req errors
  declare -a E_BARE E_EDGE E_BARE_CPU E_EDGE_CPU
  for r in $(seq 1 "$ROUNDS"); do
    read -r rps p50 p99 cpu err <<<"$(run_wrk "bare-$r" $CONTROL "$DURATION" "$CONTROL_PID")"
    printf "%-6s %-16s %12s %9s %9s %11s  %s\n" "$r" bare "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    E_BARE+=("$rps"); E_BARE_CPU+=("$cpu")
    read -r rps p50 p99 cpu err <<<"$(WRK_PATH=/edge/bench run_wrk "edge-$r" $TRACED "$DURATION" "$EDGE_PID")"
    printf "%-6s %-16s %12s %9s %9s %11s  %s\n" "$r" edge-checks "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    E_EDGE+=("$rps"); E_EDGE_CPU+=("$cpu")
  done
fi

if [ "${BENCH_TLS:-}" = 1 ]; then
  # Keep-alive HTTPS, then a new connection (a full handshake) per request; nginx and both engines interleaved.
  for w in 1 2; do # the JDK-engine gateway is a fresh JVM: warmed alike, twice
    # shellcheck disable=SC2086
    WRK_SCHEME=https run_wrk warm-nginx-tls $NGINX_TLS 10 $NGINX_PIDS >/dev/null
    WRK_SCHEME=https run_wrk warm-openssl $GH_TLS 15 "$GH_PID" >/dev/null
    WRK_SCHEME=https run_wrk warm-jdk $JDK_TLS 20 "$JDK_PID" >/dev/null
    WRK_SCHEME=https WRK_HEADER="Connection: close" run_wrk warm-hs-openssl $GH_TLS 5 "$GH_PID" >/dev/null
    WRK_SCHEME=https WRK_HEADER="Connection: close" run_wrk warm-hs-jdk $JDK_TLS 5 "$JDK_PID" >/dev/null
  done
  echo
  printf "%-6s %-22s %12s %9s %9s %11s  %s\n" round tls req/s p50-ms p99-ms cpu-us/req errors
  declare -a T_NGINX T_OPENSSL T_JDK T_NGINX_CPU T_OPENSSL_CPU T_JDK_CPU H_NGINX H_OPENSSL H_JDK H_NGINX_CPU H_OPENSSL_CPU H_JDK_CPU
  for r in $(seq 1 "$ROUNDS"); do
    # shellcheck disable=SC2086
    read -r rps p50 p99 cpu err <<<"$(WRK_SCHEME=https run_wrk "tls-nginx-$r" $NGINX_TLS "$DURATION" $NGINX_PIDS)"
    printf "%-6s %-22s %12s %9s %9s %11s  %s\n" "$r" nginx-https "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    T_NGINX+=("$rps"); T_NGINX_CPU+=("$cpu")
    read -r rps p50 p99 cpu err <<<"$(WRK_SCHEME=https run_wrk "tls-openssl-$r" $GH_TLS "$DURATION" "$GH_PID")"
    printf "%-6s %-22s %12s %9s %9s %11s  %s\n" "$r" gatehouse-https-openssl "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    T_OPENSSL+=("$rps"); T_OPENSSL_CPU+=("$cpu")
    read -r rps p50 p99 cpu err <<<"$(WRK_SCHEME=https run_wrk "tls-jdk-$r" $JDK_TLS "$DURATION" "$JDK_PID")"
    printf "%-6s %-22s %12s %9s %9s %11s  %s\n" "$r" gatehouse-https-jdk "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    T_JDK+=("$rps"); T_JDK_CPU+=("$cpu")
    # shellcheck disable=SC2086
    read -r rps p50 p99 cpu err <<<"$(WRK_SCHEME=https WRK_HEADER="Connection: close" run_wrk "hs-nginx-$r" $NGINX_TLS "$DURATION" $NGINX_PIDS)"
    printf "%-6s %-22s %12s %9s %9s %11s  %s\n" "$r" nginx-handshakes "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    H_NGINX+=("$rps"); H_NGINX_CPU+=("$cpu")
    read -r rps p50 p99 cpu err <<<"$(WRK_SCHEME=https WRK_HEADER="Connection: close" run_wrk "hs-openssl-$r" $GH_TLS "$DURATION" "$GH_PID")"
    printf "%-6s %-22s %12s %9s %9s %11s  %s\n" "$r" gatehouse-hs-openssl "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    H_OPENSSL+=("$rps"); H_OPENSSL_CPU+=("$cpu")
    read -r rps p50 p99 cpu err <<<"$(WRK_SCHEME=https WRK_HEADER="Connection: close" run_wrk "hs-jdk-$r" $JDK_TLS "$DURATION" "$JDK_PID")"
    printf "%-6s %-22s %12s %9s %9s %11s  %s\n" "$r" gatehouse-hs-jdk "$rps" "$p50" "$p99" "$cpu" "${err:-}"
    H_JDK+=("$rps"); H_JDK_CPU+=("$cpu")
  done
fi

rss_mb=$(( $(ps -o rss= -p "$GH_PID") / 1024 ))
sum() { local s=0; for x in "$@"; do s=$(awk -v a="$s" -v b="$x" 'BEGIN{print a+b}'); done; echo "$s"; }
n_rps=$(sum "${N_RPS[@]}"); g_rps=$(sum "${G_RPS[@]}"); n_p99=$(sum "${N_P99[@]}"); g_p99=$(sum "${G_P99[@]}")
n_cpu=$(sum "${N_CPU[@]}"); g_cpu=$(sum "${G_CPU[@]}")
f_rps=$(sum "${F_RPS[@]}"); f_p99=$(sum "${F_P99[@]}"); f_cpu=$(sum "${F_CPU[@]}")
echo
echo "gatehouse: start-up to first proxied 200 ${startup_ms} ms, RSS after the run ${rss_mb} MB"
awk -v g="$g_rps" -v n="$n_rps" -v gp="$g_p99" -v np="$n_p99" -v gc="$g_cpu" -v nc="$n_cpu" 'BEGIN {
  printf "ratio gatehouse/nginx: throughput %.2fx (goal >= 1.0), p99 %.2fx (goal <= 1.5), CPU per request %.2fx\n", g/n, gp/np, gc/nc }'
awk -v f="$f_rps" -v n="$n_rps" -v g="$g_rps" -v fp="$f_p99" -v np="$n_p99" -v fc="$f_cpu" -v nc="$n_cpu" -v gc="$g_cpu" 'BEGIN {
  printf "ratio vertx-floor/nginx: throughput %.2fx, p99 %.2fx, CPU per request %.2fx\n", f/n, fp/np, fc/nc
  printf "ratio gatehouse/vertx-floor: throughput %.2fx, CPU per request %.2fx\n", g/f, gc/fc }'
if [ "${BENCH_AUTH:-}" = jwt ]; then
  awk -v j="$(sum "${J_RPS[@]}")" -v p="$(sum "${P_RPS[@]}")" 'BEGIN { printf "ratio jwt route / same route without auth: %.2fx (goal >= 0.9)\n", j/p }'
fi
if [ "${BENCH_RATELIMIT:-}" = 1 ]; then
  awk -v n="$(sum "${RL_NONE[@]}")" -v l="$(sum "${RL_LOCAL[@]}")" -v r="$(sum "${RL_REDIS[@]}")" -v x="$(sum "${RL_REFUSED[@]}")" 'BEGIN {
    printf "ratio local limiter / no limiter: %.2fx (goal >= 0.95); redis limiter / no limiter: %.2fx (goal >= 0.7)\n", l/n, r/n
    printf "ratio refusals (429) / proxied without limiter: %.2fx (goal >= 1.5)\n", x/n }'
fi
if [ "${BENCH_CACHE:-}" = 1 ]; then
  awk -v g="$(sum "${C_GH[@]}")" -v n="$(sum "${C_NGINX[@]}")" -v gc="$(sum "${C_GH_CPU[@]}")" -v nc="$(sum "${C_NGINX_CPU[@]}")" 'BEGIN {
    printf "ratio cache hits gatehouse / nginx proxy_cache: throughput %.2fx (goal >= 1.0), CPU per request %.2fx\n", g/n, gc/nc }'
fi
if [ "${BENCH_EDGE:-}" = 1 ]; then
  awk -v b="$(sum "${E_BARE[@]}")" -v e="$(sum "${E_EDGE[@]}")" -v bc="$(sum "${E_BARE_CPU[@]}")" -v ec="$(sum "${E_EDGE_CPU[@]}")" 'BEGIN {
    printf "ratio edge checks / bare route: throughput %.2fx, CPU per request %.2fx\n", e/b, ec/bc }'
fi
if [ "${BENCH_OBSERVE:-}" = 1 ]; then
  awk -v l="$(sum "${O_LOG[@]}")" -v n="$(sum "${O_NOLOG[@]}")" -v t="$(sum "${O_TRACED[@]}")" \
      -v lc="$(sum "${O_LOG_CPU[@]}")" -v nc="$(sum "${O_NOLOG_CPU[@]}")" -v tc="$(sum "${O_TRACED_CPU[@]}")" 'BEGIN {
    printf "ratio access log on / off: throughput %.2fx (goal >= 0.95), CPU per request %.2fx\n", l/n, lc/nc
    printf "ratio tracing 10%% / off (the same route on the main gateway): throughput %.2fx, CPU per request %.2fx\n", t/n, tc/nc }'
  awk -v t="$(sum "${O_TRACED[@]}")" -v c="$(sum "${O_CONTROL[@]}")" -v tc="$(sum "${O_TRACED_CPU[@]}")" -v cc="$(sum "${O_CONTROL_CPU[@]}")" 'BEGIN {
    printf "ratio tracing 10%% / untraced control started alongside: throughput %.2fx (goal >= 0.9), CPU per request %.2fx\n", t/c, tc/cc }'
fi
if [ "${BENCH_TLS:-}" = 1 ]; then
  awk -v n="$(sum "${T_NGINX[@]}")" -v o="$(sum "${T_OPENSSL[@]}")" -v j="$(sum "${T_JDK[@]}")" \
      -v nc="$(sum "${T_NGINX_CPU[@]}")" -v oc="$(sum "${T_OPENSSL_CPU[@]}")" -v jc="$(sum "${T_JDK_CPU[@]}")" \
      -v pg="$g_rps" -v pn="$n_rps" 'BEGIN {
    printf "ratio https gatehouse(openssl)/nginx: throughput %.2fx, CPU per request %.2fx (goal: throughput >= the plain-HTTP ratio above, %.2fx)\n", o/n, oc/nc, pg/pn
    printf "ratio https gatehouse(jdk)/nginx: throughput %.2fx, CPU per request %.2fx; jdk/openssl engine: %.2fx\n", j/n, jc/nc, j/o }'
  awk -v n="$(sum "${H_NGINX[@]}")" -v o="$(sum "${H_OPENSSL[@]}")" -v j="$(sum "${H_JDK[@]}")" \
      -v nc="$(sum "${H_NGINX_CPU[@]}")" -v oc="$(sum "${H_OPENSSL_CPU[@]}")" -v jc="$(sum "${H_JDK_CPU[@]}")" 'BEGIN {
    printf "ratio new TLS connections/s gatehouse(openssl)/nginx: %.2fx, CPU per connection %.2fx; gatehouse(jdk)/nginx: %.2fx, CPU %.2fx\n", o/n, oc/nc, j/n, jc/nc }'
  echo "tls: key ${BENCH_TLS_KEY:-ec}; $(grep -o 'TLS engine: [^,]*' "$OUT/gatehouse.log" | head -1)"
fi
echo "balancer: ${BENCH_BALANCER:-round-robin}; event loops (gatehouse and floor): $LOOPS"
echo "command: bench/run.sh $DURATION $ROUNDS $CONNS (wrk -t$THREADS -c$CONNS -d${DURATION}s; java: $("$JAVA" -version 2>&1 | head -1); JAVA_OPTS='$JAVA_OPTS'); $(nproc) cores"
