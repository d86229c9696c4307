#!/usr/bin/env bash
# How many events per CPU-second `ssecat bench` ingests: `ssecat serve --stdin` fed as fast as
# `yes` can write (one ~110-byte JSON event per line), STREAMS bench streams for DURATION, then
# events received ÷ the bench process's CPU time (user + system). Loopback only, bounded.
# Usage: bench/bench-ingest.sh [STREAMS] [DURATION]
set -euo pipefail
STREAMS=${1:-4}
DURATION=${2:-10s}
cd "$(dirname "$0")/.."
. bench/lib.sh
whole STREAMS "$STREAMS"; seconds "$DURATION" >/dev/null
need_gnu_time
need python3 python3
build
bin=./target/release/ssecat
tmp=$(mktemp -d)
line='{"n":1,"ts_ms":0,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'
yes "$line" | "$bin" serve --port 0 -q --stdin --keepalive 0 --history 0 --client-queue 1000000 2>"$tmp/serve.log" &
serve=$!
cleanup() { kill "$serve" 2>/dev/null || true; pkill -P $$ yes 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
addr=$(served_addr "$tmp/serve.log")
/usr/bin/time -f "%U %S %e" -o "$tmp/time" \
  "$bin" bench "http://$addr/events" -c "$STREAMS" --duration "$DURATION" --no-progress --json >"$tmp/report.json"
read -r user sys wall <"$tmp/time"
events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["events"])' "$tmp/report.json")
echo "streams: $STREAMS, wall: ${wall}s, bench CPU: ${user}s user + ${sys}s system"
python3 - "$events" "$user" "$sys" "$wall" <<'PY'
import sys
events, user, sys_, wall = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"events received:      {events:,}")
print(f"events per second:    {events / wall:,.0f}")
print(f"events per CPU-second: {events / (user + sys_):,.0f}")
PY
