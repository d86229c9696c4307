#!/usr/bin/env bash
# `ssecat bench` holding TOTAL streams against ONE endpoint (127.0.0.1:PORT, nginx + nchan, the
# only server here that holds 50,000 streams behind one address: PROCS workers with `reuseport`),
# with the source addresses spread: one destination address and port leaves ~28,000 ephemeral
# ports per source address (net.ipv4.ip_local_port_range), so each of the PROCS bench processes
# (PROCS because of the 20,000 open files per process) connects from 8 addresses of its own,
# `--source-ip 127.0.1.A-127.0.1.B`. A publisher (examples/publish.rs) sends one event a second
# carrying its send time. Memory per stream = (sum of the bench processes' RSS at steady state −
# PROCS × the RSS of a one-stream bench) ÷ TOTAL; the merged report shows connects, errors,
# events and latency. Loopback only, bounded by DURATION.
# Usage: bench/bench-scale-one-endpoint.sh [TOTAL=50000] [PROCS=4] [DURATION=30s]
set -euo pipefail
TOTAL=${1:-50000}
PROCS=${2:-4}
DURATION=${3:-30s}
cd "$(dirname "$0")/.."
. bench/lib.sh
whole TOTAL "$TOTAL"; whole PROCS "$PROCS"; seconds "$DURATION" >/dev/null
need_nchan; need curl curl; need python3 python3
build
per=$(( (TOTAL + PROCS - 1) / PROCS ))
open_files "$per" ": use more PROCS"
bin=./target/release/ssecat
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; sleep 0.5; rm -rf "$tmp"; }
trap cleanup EXIT
secs=$(seconds "$DURATION")
need_duration "$DURATION" $(( per / 2000 + 12 )) "$per streams per process open, then 5 s of events before the memory is read"

port=$(free_port)
sed "s|@PREFIX@|$tmp|g; s|@PORT@|$port|g; s|@WORKERS@|$PROCS|g; s|@LISTEN@|listen 127.0.0.1:$port reuseport;|" \
  bench/nchan-fanout.conf >"$tmp/nginx.conf"
nginx -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" -g 'daemon off;' & pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/status" >/dev/null && break; sleep 0.05; done
url=http://127.0.0.1:$port/sub
subscribed() { curl -s "http://127.0.0.1:$port/status" | awk '/^subscribers:/ {print $2}'; }

# The RSS of a bench holding one stream: the fixed cost of a process.
base=$(one_stream_rss "$url")

benches=()
for i in $(seq "$PROCS"); do
  lo=$(( (i - 1) * 8 + 1 )); hi=$(( i * 8 ))
  "$bin" bench "$url" -c "$per" --ramp 2000 --duration "$DURATION" --source-ip "127.0.1.$lo-127.0.1.$hi" \
    --latency-field /ts_us --latency-unit us --no-progress -o "$tmp/r$i.json" >/dev/null & benches+=($!)
done
pids+=("${benches[@]}")
for _ in $(seq 600); do [ "$(subscribed)" -ge $((per * PROCS)) ] && break; sleep 0.1; done
up=$(subscribed)
./target/release/examples/publish --rate 1 --seconds $(( secs > 10 ? secs - 10 : 1 )) "http://127.0.0.1:$port/pub" \
  >"$tmp/publish.txt" & pids+=($!)
sleep 5
total_rss=$(rss "${benches[@]}")
wait "${benches[@]}"
"$bin" bench --merge "$tmp"/r*.json --color never
echo
cat "$tmp/publish.txt"
echo "endpoint:                 $url (nginx + nchan, $PROCS workers), subscribers counted by nchan: $up"
echo "streams:                  $((per * PROCS)) ($PROCS processes × $per, 8 source addresses each)"
memory_per_stream "$total_rss" "$base" "$PROCS" "$((per * PROCS))"
