#!/usr/bin/env bash
# `ssecat bench` as a client at scale: TOTAL concurrent streams split over PROCS bench processes,
# each against its own `ssecat serve --tick 1s`, then the reports merged. Memory per stream =
# (sum of the bench processes' RSS at steady state − PROCS × the RSS of a one-stream bench) ÷
# TOTAL. Several processes because this machine's hard open-file limit is 20,000 per process.
# Loopback only, bounded by DURATION. Usage: bench/bench-scale.sh [TOTAL] [PROCS] [DURATION]
set -euo pipefail
TOTAL=${1:-50000}
PROCS=${2:-3}
DURATION=${3:-25s}
cd "$(dirname "$0")/.."
. bench/lib.sh
whole TOTAL "$TOTAL"; whole PROCS "$PROCS"; seconds "$DURATION" >/dev/null
build
per=$(( (TOTAL + PROCS - 1) / PROCS ))
open_files "$per" ": use more PROCS"
bin=./target/release/ssecat
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
settle=$(( per / 2000 + 6 ))
need_duration "$DURATION" $((settle + 2)) "the memory is read ${settle}s in, once $per streams per process are open"

# The RSS of a bench holding one stream: the fixed cost of a process.
"$bin" serve --port 0 -q --tick 1s 2>"$tmp/s0.log" & pids+=($!)
addr=$(served_addr "$tmp/s0.log")
base=$(one_stream_rss "http://$addr/events")

for i in $(seq "$PROCS"); do
  "$bin" serve --port 0 -q --tick 1s --keepalive 0 2>"$tmp/s$i.log" & pids+=($!)
done
benches=()
for i in $(seq "$PROCS"); do
  addr=$(served_addr "$tmp/s$i.log")
  "$bin" bench "http://$addr/events" -c "$per" --ramp 2000 --duration "$DURATION" \
    --latency-field /ts_ms --check-ids --no-progress -o "$tmp/r$i.json" >/dev/null & benches+=($!)
done
pids+=("${benches[@]}")
# Steady state: every stream open (ramp: per ÷ 2000 s), plus a few ticks.
sleep "$settle"
total_rss=$(rss "${benches[@]}")
wait "${benches[@]}"
"$bin" bench --merge "$tmp"/r*.json --color never
echo
echo "streams:                  $((per * PROCS)) ($PROCS processes × $per)"
memory_per_stream "$total_rss" "$base" "$PROCS" "$((per * PROCS))"
