#!/usr/bin/env bash
# A flood of distinct client addresses against a rate-limited gateway: does the limiter's memory stay bounded?
#
#   bench/flood.sh [addresses]        (default 1000000)
#
# Starts one nginx origin and Gatehouse with a global per-address policy (local store, default max-keys 100000),
# trusting 127.0.0.1 as a proxy so each request's X-Forwarded-For is its client address. wrk sends one request per
# distinct address (10.x.y.z) until the count is reached. The heap after a full GC is taken before (after a warm-up
# of 1000 addresses) and after. Everything it starts, it stops.
set -euo pipefail
cd "$(dirname "$0")/.."
ADDRESSES=${1:-1000000}
OUT=bench/out-flood
ORIGIN=18181 GATEHOUSE=18190 MGMT=18191
for tool in nginx wrk curl jcmd; do
  command -v "$tool" >/dev/null || { echo "flood needs $tool" >&2; exit 1; }
done
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -q -B package -DskipTests
rm -rf "$OUT" && mkdir -p "$OUT"
OUT_ABS=$(cd "$OUT" && pwd)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$OUT_ABS/origin.pid" ] && kill "$(cat "$OUT_ABS/origin.pid")" 2>/dev/null || true
}
trap cleanup EXIT

cat > "$OUT_ABS/origin.conf" <<CONF
worker_processes 1;
daemon on;
pid $OUT_ABS/origin.pid;
error_log $OUT_ABS/origin.error.log warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $OUT_ABS/tmp; proxy_temp_path $OUT_ABS/tmp; fastcgi_temp_path $OUT_ABS/tmp;
  uwsgi_temp_path $OUT_ABS/tmp; scgi_temp_path $OUT_ABS/tmp;
  server { listen 127.0.0.1:$ORIGIN; location / { return 200 "ok\n"; } } }
CONF
nginx -c "$OUT_ABS/origin.conf"

cat > "$OUT/gatehouse.yaml" <<YAML
server:
  trusted-proxies: [127.0.0.1/32]
upstreams:
  origin: {targets: [{url: "http://127.0.0.1:$ORIGIN"}]}
routes:
  - {id: all, path: /**, upstream: origin}
rate-limits:
  per-ip: {key: ip, limits: [100/1m]}
  defaults: {global: [per-ip]}
YAML

java -Dgatehouse.config="$OUT/gatehouse.yaml" -Dgatehouse.access-log.enabled=false -Dquarkus.http.host=127.0.0.1 \
  -Dquarkus.http.port=$GATEHOUSE -Dquarkus.management.port=$MGMT -jar target/quarkus-app/quarkus-run.jar \
  > "$OUT/gatehouse.log" 2>&1 &
GH=$!
PIDS+=("$GH")
until curl -sf -o /dev/null "http://127.0.0.1:$GATEHOUSE/x"; do kill -0 $GH || { cat "$OUT/gatehouse.log"; exit 1; }; sleep 0.1; done

cat > "$OUT/flood.lua" <<'LUA'
-- thread t of T sends addresses offset + t, offset + t + T, ...: every request a new address
local counter = 0
local threads = tonumber(os.getenv("FLOOD_THREADS"))
local offset = tonumber(os.getenv("FLOOD_OFFSET"))
local id = 0
local ids = 0
function setup(thread) thread:set("id", ids); ids = ids + 1 end
function init(args) counter = offset + id end
function request()
  local n = counter
  counter = counter + threads
  local a = 10 + math.floor(n / 16777216) % 200
  return wrk.format("GET", "/x", {["X-Forwarded-For"] = a .. "." .. math.floor(n / 65536) % 256 .. "."
    .. math.floor(n / 256) % 256 .. "." .. n % 256})
end
LUA

heap_mb() { # used heap after a full GC, MB
  jcmd "$GH" GC.run >/dev/null
  jcmd "$GH" GC.heap_info | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i+1); sub(/K,?/, "", v); print int(v / 1024); exit } }'
}
# warm-up: about a thousand addresses (addresses from 10.200.0.0 on, apart from the flood's)
FLOOD_OFFSET=$((200 * 16777216)) FLOOD_THREADS=1 wrk -t1 -c1 -d1s -s "$OUT/flood.lua" "http://127.0.0.1:$GATEHOUSE" > "$OUT/warm.txt"
before=$(heap_mb)
start=$(date +%s)
sent=0
while [ "$sent" -lt "$ADDRESSES" ]; do # wrk runs for a time, not a count: 10 s chunks, each going on from the last
  FLOOD_OFFSET=$sent FLOOD_THREADS=2 wrk -t2 -c50 -d10s -s "$OUT/flood.lua" "http://127.0.0.1:$GATEHOUSE" > "$OUT/flood.txt"
  sent=$(( sent + $(awk '/requests in/ {print $1}' "$OUT/flood.txt") ))
done
took=$(( $(date +%s) - start ))
after=$(heap_mb)
rss=$(( $(ps -o rss= -p "$GH") / 1024 ))
echo "distinct addresses sent: $sent in ${took} s (one request each)"
echo "non-2xx answers in the last chunk: $(awk '/Non-2xx/ {print $NF}' "$OUT/flood.txt")"
echo "heap used after a full GC: ${before} MB after the warm-up, ${after} MB after the flood; RSS ${rss} MB"
echo "command: bench/flood.sh $ADDRESSES (policy per-ip 100/1m, local store, max-keys 100000; java: $(java -version 2>&1 | head -1))"
