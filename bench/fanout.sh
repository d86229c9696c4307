#!/usr/bin/env bash
# Fan-out of one SSE server: SUBS subscribers (ssecat bench), one publisher at RATE events/s of
# ~100 bytes (bench/publish.py, the same for both servers), for SECONDS. SERVER is `ssecat`
# (ssecat serve) or `nchan` (nginx + nchan, 2 workers). Prints deliveries/s, delivery latency
# p50/p99, the server's CPU seconds and its memory per subscriber (RSS with them − RSS before,
# ÷ SUBS). Loopback only, bounded. Usage: bench/fanout.sh SERVER SUBS RATE [SECONDS]
set -euo pipefail
SERVER=$1; SUBS=$2; RATE=$3; SECONDS_=${4:-20}
cd "$(dirname "$0")/.."
cargo build --release --quiet
ulimit -n "$(ulimit -Hn)"
bin=./target/release/ssecat
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; sleep 0.2; rm -rf "$tmp"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
case "$SERVER" in
  ssecat)
    "$bin" serve --port "$port" -q --history 0 --keepalive 0 2>"$tmp/serve.log" & pids+=($!)
    server_pids() { echo "${pids[0]}"; }
    sub="http://127.0.0.1:$port/events"; pub="http://127.0.0.1:$port/events" ;;
  nchan)
    sed "s|@PREFIX@|$tmp|g; s|@PORT@|$port|g" bench/nchan-fanout.conf >"$tmp/nginx.conf"
    nginx -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" -g 'daemon off;' & pids+=($!)
    server_pids() { echo "${pids[0]}" $(pgrep -P "${pids[0]}"); }
    sub="http://127.0.0.1:$port/sub"; pub="http://127.0.0.1:$port/pub" ;;
  *) echo "SERVER is ssecat or nchan" >&2; exit 2 ;;
esac
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
sleep 0.3
rss_sum() { local t=0; for p in $(server_pids); do t=$((t + $(awk '/VmRSS/ {print $2}' /proc/$p/status))); done; echo $t; }
cpu_ticks() { local t=0; for p in $(server_pids); do t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
rss0=$(rss_sum)
ramp=$(( SUBS / 2 > 500 ? SUBS / 2 : 500 ))
"$bin" bench "$sub" -c "$SUBS" --ramp "$ramp" --duration "$((SECONDS_ + SUBS / ramp + 4))s" \
  --latency-field /ts_ms --no-progress --json -o "$tmp/report.json" >/dev/null & bench=$!
pids+=($bench)
sleep $(( SUBS / ramp + 2 ))
rss1=$(rss_sum); cpu0=$(cpu_ticks)
python3 bench/publish.py "$pub" "$RATE" "$SECONDS_"
cpu1=$(cpu_ticks)
wait "$bench" || true
hz=$(getconf CLK_TCK)
python3 - "$tmp/report.json" "$SERVER" "$SUBS" "$RATE" "$SECONDS_" "$rss0" "$rss1" "$cpu0" "$cpu1" "$hz" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
server, subs, rate, secs = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
rss0, rss1, cpu0, cpu1, hz = (int(x) for x in sys.argv[6:11])
lat = r["percentiles"]["latency"] or {}
events = r["summary"]["events"]
print(f"server {server}  subscribers {subs}  rate {rate:g}/s  for {secs:g} s")
print(f"  connected {r['summary']['connected']}  errors {r['summary']['errors']}  deliveries {events}"
      f"  ({events / secs:,.0f}/s; expected {subs * rate * secs:,.0f})")
if lat:
    print(f"  latency p50 {lat['p50_us'] / 1000:.1f} ms  p99 {lat['p99_us'] / 1000:.1f} ms  max {lat['max_us'] / 1000:.1f} ms")
print(f"  server CPU {(cpu1 - cpu0) / hz:.2f} s  memory per subscriber {(rss1 - rss0) / subs:.2f} KiB"
      f"  (RSS {rss0} → {rss1} KiB)")
PY
