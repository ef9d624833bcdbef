#!/usr/bin/env bash
# Latency at about 1000 requests/s of two ficus proxies that differ by their JVM options, beside
# HAProxy, in alternating 6 s passes (docs/performance.md, "Where ficus's p99 at 1000/s comes
# from"). Proxy A is examples/bench/proxy.yaml on 127.0.0.1:18090, proxy B the same listener on
# 127.0.0.1:18092; both forward to 127.0.0.1:18080, which must already run
# (`PORT=18080 ../shared/peers/backend.sh start`). HAProxy (one thread) listens on 127.0.0.1:18082.
# Each pass: `wrk -t1 -c10 -d6s` with 10 ms think time; the table gives p50/p90/p99/p99.9/max in µs.
#   examples/bench/latency-ab.sh ROUNDS "JVM OPTIONS OF A" "JVM OPTIONS OF B"
#   e.g. examples/bench/latency-ab.sh 12 "" "-Xmn200m -Xmx400m -Xms400m"
# MODE=throughput measures requests/s instead (closed loop, `wrk -t1 -c32 -d6s`; the table's first column).
# B_ROOT=DIR runs proxy B from another checkout of ficus (two builds side by side, same options):
#   git worktree add --detach /tmp/ficus-old HEAD~1 && B_ROOT=/tmp/ficus-old examples/bench/latency-ab.sh 12
# Needs haproxy and wrk; everything on loopback; stops what it started, by PID.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:?rounds}; opts_a=${2-}; opts_b=${3-}; root_b=${B_ROOT:-$root}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/hap.pid" ] && kill "$(cat "$work/hap.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
curl -sf -o /dev/null http://127.0.0.1:18080/ || { echo "no backend on 127.0.0.1:18080: PORT=18080 ../shared/peers/backend.sh start" >&2; exit 2; }

# the configuration of ../shared/peers/haproxy.cfg (compare.sh's)
cat > "$work/hap.cfg" <<HAP
global
  nbthread 1
  pidfile $work/hap.pid
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:18082
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:18080
HAP
haproxy -D -f "$work/hap.cfg"
mkdir -p "$work/b"
sed 's/18090/18092/' "$root/examples/bench/proxy.yaml" > "$work/b/proxy.yaml"
# Each proxy in a session of its own (setsid), as HAProxy is once it daemonizes: with the kernel's
# autogroup scheduling, a proxy left in this script's session shares one CPU share with wrk
# (docs/performance.md, "Each proxy in its own session"). A script's background job is not a
# process-group leader, so setsid runs the command in place and $! stays its PID.
FICUS_JAVA_OPTS="$opts_a" setsid "$root/ficus" proxy --config "$root/examples/bench" --labels app=bench --concurrency 1 \
  --outbound-port -1 --admin-port 18091 > "$work/a.log" 2>&1 & pids+=($!)
FICUS_JAVA_OPTS="$opts_b" setsid "$root_b/ficus" proxy --config "$work/b" --labels app=bench --concurrency 1 \
  --outbound-port -1 --admin-port 18093 > "$work/b.log" 2>&1 & pids+=($!)
for i in $(seq 1 300); do grep -q 'ready:' "$work/a.log" && grep -q 'ready:' "$work/b.log" && break; sleep 0.2; done
grep -q 'ready:' "$work/a.log" && grep -q 'ready:' "$work/b.log" || { cat "$work/a.log" "$work/b.log" >&2; exit 1; }

cat > "$work/lat.lua" <<'LUA'
function delay() return 10 end
done = function(summary, latency, requests)
  io.write(string.format("%d %d %d %d %d\n", latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max))
end
LUA
# priming: both proxies' JIT compiles their request path
for p in 18090 18092 18090 18092; do wrk -t1 -c32 -d5s "http://127.0.0.1:$p/" > /dev/null; done
if [ "${MODE:-latency}" = throughput ]; then
  printf "%-6s %-8s %8s\n" round target rps
  for r in $(seq "$rounds"); do
    for t in haproxy:18082 A:18090 B:18092; do
      printf "%-6s %-8s %8s\n" "$r" "${t%%:*}" "$(wrk -t1 -c32 -d6s "http://127.0.0.1:${t##*:}/" | awk '/Requests\/sec/{print int($2)}')"
    done
  done | tee "$work/passes"
  echo "medians over the rounds:"
  for t in haproxy A B; do
    printf "%-8s %8s\n" "$t" "$(awk -v t="$t" '$2==t{print $3}' "$work/passes" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')"
  done
  exit 0
fi
printf "%-6s %-8s %8s %8s %8s %8s %8s\n" round target p50_us p90_us p99_us p999_us max_us
for r in $(seq "$rounds"); do
  for t in haproxy:18082 A:18090 B:18092; do
    printf "%-6s %-8s %8s %8s %8s %8s %8s\n" "$r" "${t%%:*}" \
      $(wrk -t1 -c10 -d6s -s "$work/lat.lua" "http://127.0.0.1:${t##*:}/" | tail -1)
  done
done | tee "$work/passes"
echo "medians over the rounds:"
for t in haproxy A B; do
  printf "%-8s" "$t"
  for col in 3 4 5 6 7; do
    printf " %8s" "$(awk -v t="$t" -v c="$col" '$2==t{print $c}' "$work/passes" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')"
  done
  echo
done
