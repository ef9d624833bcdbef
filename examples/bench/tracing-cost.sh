#!/usr/bin/env bash
# What tracing costs one proxy (docs/telemetry.md, "Tracing"): the inbound listener of
# examples/bench/proxy.yaml (127.0.0.1:18090 -> nginx on 127.0.0.1:18080), --concurrency 1, run
# without a tracer, then with --tracing-endpoint and a Telemetry resource sampling 0%, 1% and 100%
# of new traces (spans go to OtlpSink.java on 127.0.0.1:14318). Per mode: a closed-loop wrk pass
# (throughput), then a fixed-rate pass with `ficus bench run` (latency) during which the proxy's
# CPU time is read from /proc. Everything on loopback; each mode gets a fresh proxy.
#   examples/bench/tracing-cost.sh [ROUNDS]        (needs nginx and wrk; ./ficus builds itself)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-2}
rate=${RATE:-2000}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; nginx -p "$work/nginx" -c nginx.conf -s stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:18080; location / { return 200 "hello from the backend\n"; } }
}
NGINX
nginx -p "$work/nginx" -c nginx.conf
. "$root/.mvn/jdk.sh" && ficus_find_jdk >/dev/null
"$JAVA_HOME/bin/java" "$root/examples/bench/OtlpSink.java" 14318 > "$work/sink.log" 2>&1 &
pids+=($!)
"$root/ficus" version > /dev/null # builds the distribution if needed, before anything is timed

run_mode() { # $1 = off | 0 | 1 | 100
  local mode=$1 dir="$work/config-$1"
  mkdir -p "$dir"
  cp "$root/examples/bench/proxy.yaml" "$dir/"
  local args=(proxy --config "$dir" --labels app=bench --concurrency 1 --outbound-port -1 --admin-port 18091)
  if [ "$mode" != off ]; then
    printf 'apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: mesh-default, namespace: istio-system}\nspec:\n  tracing:\n  - randomSamplingPercentage: %s\n' "$mode" > "$dir/telemetry.yaml"
    args+=(--tracing-endpoint http://127.0.0.1:14318)
  fi
  "$root/ficus" "${args[@]}" > "$work/proxy-$mode.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:18090/ && break; sleep 0.2; done
  wrk -t1 -c16 -d10s http://127.0.0.1:18090/ > /dev/null # prime: the JIT compiles the hot path
  local rps
  rps=$(wrk -t1 -c16 -d15s http://127.0.0.1:18090/ | awk '/Requests\/sec/ {print $2}')
  local t0 t1
  t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  local out
  out=$("$root/ficus" bench run --url http://127.0.0.1:18090/ --rate "$rate" --connections 16 --duration 15s --warmup 2s 2>&1)
  t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  local hz; hz=$(getconf CLK_TCK)
  local lat achieved
  lat=$(echo "$out" | awk '/^latency/ {printf "p50 %s p99 %s p99.9 %s ms", $3, $9, $12}')
  achieved=$(echo "$out" | awk '/^rate/ {print $2}')
  local spans
  spans=$(curl -s http://127.0.0.1:18091/stats/prometheus | awk -F'} ' '/ficus_tracing_spans_total\{result="exported"\}/ {e=$2} /result="dropped"/ {d=$2} END {printf "%s/%s", e==""?"-":e, d==""?"-":d}')
  # CPU over the fixed-rate pass (warm-up included): 17 s at $rate req/s
  local cpu_us; cpu_us=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v n="$rate" 'BEGIN {printf "%.1f", (b - a) / hz * 1e6 / (n * 17)}')
  printf '%-4s  wrk %9s req/s | at %s/s (%s achieved): %s | proxy CPU %s us/req | spans exported/dropped %s\n' \
    "$mode" "$rps" "$rate" "$achieved" "$lat" "$cpu_us" "$spans"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

for r in $(seq "$rounds"); do
  echo "round $r"
  for m in off 0 1 100; do run_mode "$m"; done
done
echo "sink: $(curl -s http://127.0.0.1:14318/count) (export requests, bytes)"
