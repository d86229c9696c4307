#!/usr/bin/env bash
# `ssecat bench` against other SSE clients holding the same streams: STREAMS concurrent streams
# from one `ssecat serve --tick 100ms` (10 events/s per stream) held by (a) `ssecat bench -c N`,
# (b) one Node process of N `new EventSource(url)` (npm `eventsource`,
# bench/clients/eventsource-hold.mjs), (c) one Python asyncio process of N httpx-sse streams on
# one AsyncClient (bench/clients/httpx_sse_hold.py). For each: how long until the server counts
# all N streams (at most 120 s); then, 3 s later, over SECONDS: streams held (the server's count;
# the client's own in parentheses), events received/s (expected: streams × 10), CPU seconds
# (user + sys from /proc/PID/stat) and RSS per stream ((RSS − RSS of the same client holding
# 1 stream) ÷ N). Prints a Markdown table. Loopback only; bounded (each client is stopped after
# its window). Needs `npm ci --prefix tests/interop/node` (run if missing) and
# `pip install -r tests/interop/python/requirements.txt`.
# Usage: bench/clients-compare.sh [STREAMS=1000] [SECONDS=20]
set -euo pipefail
STREAMS=${1:-1000}; SECONDS_=${2:-20}
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin ssecat
[ -d tests/interop/node/node_modules/eventsource ] || npm ci --prefix tests/interop/node --silent
python3 -c 'import httpx_sse' || { echo "pip install -r tests/interop/python/requirements.txt" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"
bin=./target/release/ssecat
tmp=$(mktemp -d)
client=; serve=
cleanup() { kill $serve $client 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
"$bin" serve --port 0 -q --tick 100ms --keepalive 0 2>"$tmp/serve.log" & serve=$!
for _ in $(seq 100); do grep -q listening "$tmp/serve.log" && break; sleep 0.05; done
addr=$(grep -o '127.0.0.1:[0-9]*' "$tmp/serve.log" | head -1)
url="http://$addr/events"
subscribers() { curl -s "http://$addr/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["subscribers"])'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# Starts CLIENT holding N streams in the background: sets $client (its PID).
start() {
  local name=$1 n=$2
  case $name in
    bench) exec "$bin" bench "$url" -c "$n" --duration 600s --no-progress --json -o "$tmp/bench.json" ;;
    eventsource) exec node bench/clients/eventsource-hold.mjs "$url" "$n" ;;
    httpx-sse) exec python3 bench/clients/httpx_sse_hold.py "$url" "$n" ;;
  esac >"$tmp/$name.out" 2>"$tmp/$name.err" &
  client=$!
}
# Stops the client (bench reports on SIGINT, the others on SIGTERM) and waits up to 10 s.
stop() {
  kill "-$([ "$1" = bench ] && echo INT || echo TERM)" "$client" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$client" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$client" 2>/dev/null || true
  wait "$client" || true; client=
  for _ in $(seq 100); do [ "$(subscribers)" -eq 0 ] && break; sleep 0.1; done
}
# Node and python clients print their counts on SIGUSR2: the Nth line of their output.
snapshot() { [ "$1" = bench ] || kill -USR2 "$client"; }
line() { sed -n "$2p" "$tmp/$1.out"; }

echo "| client | all up in | streams held | events/s (expected $((STREAMS * 10))) | CPU over ${SECONDS_} s | RSS | RSS per stream | errors |"
echo "|---|---|---|---|---|---|---|---|"
for name in bench eventsource httpx-sse; do
  start "$name" 1
  for _ in $(seq 100); do [ "$(subscribers)" -ge 1 ] && break; sleep 0.1; done
  sleep 1; base=$(rss "$client"); stop "$name"

  start "$name" "$STREAMS"; pid=$client; up0=$(date +%s.%N)
  for _ in $(seq 1200); do
    [ "$(subscribers)" -ge "$STREAMS" ] || ! kill -0 "$pid" 2>/dev/null && break; sleep 0.1
  done
  up=$(python3 -c "import time; print(f'{time.time() - $up0:.1f} s')")
  sleep 3
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "| $name | $up | died: $(tail -c 300 "$tmp/$name.err" | tr '\n|' '  ') | | | | | |"; wait "$client" || true; client=; continue
  fi
  snapshot "$name"; c0=$(ticks "$pid"); w0=$(date +%s.%N)
  sleep "$SECONDS_"
  snapshot "$name"; c1=$(ticks "$pid"); w1=$(date +%s.%N)
  r1=$(rss "$pid"); held=$(subscribers)
  stop "$name"
  s0='{}'; s1='{}'
  if [ "$name" = bench ]; then s1=$(cat "$tmp/bench.json"); else s0=$(line "$name" 1); s1=$(line "$name" 2); fi
  python3 - "$name" "$up" "$STREAMS" "$held" "$c0" "$c1" "$w0" "$w1" "$base" "$r1" "$(getconf CLK_TCK)" "$s0" "$s1" <<'PY'
import json, sys
from datetime import datetime
name, up, (n, held, c0, c1) = sys.argv[1], sys.argv[2], map(int, sys.argv[3:7])
w0, w1 = float(sys.argv[7]), float(sys.argv[8])
base, r1, hz = map(int, sys.argv[9:12])
s0, s1 = (json.loads(x) if x else None for x in sys.argv[12:14])
if name == "bench":  # events in [w0, w1] from the per-second timeline
    t0 = datetime.fromisoformat(s1["runs"][0]["started_at"].replace("Z", "+00:00")).timestamp()
    a, b = w0 - t0, w1 - t0
    events = sum(k * max(0.0, min(b, i + 1) - max(a, i)) for i, k in enumerate(s1["timeline"]))
    errors = ", ".join(f"{k} {v}" for k, v in s1["errors"].items()) or "0"
    own = s1["summary"]["connected"] - s1["summary"]["disconnects"]
elif not (s0 and s1):
    events, own, errors = None, "?", "no counts: did not answer SIGUSR2"
else:
    events, own = s1["events"] - s0["events"], s1["connected"]
    errors = f"{s1['errors']}" + (f" ({s1['first_error']})" if s1["first_error"] else "")
cpu, own = (c1 - c0) / hz, own if isinstance(own, str) else f"{own:,}"
rate = "–" if events is None else f"{events / (w1 - w0):,.0f}"
print(f"| {name} | {up} | {held:,} of {n:,} ({own}) | {rate} | {cpu:.2f} s ({cpu / (w1 - w0) * 100:.0f}% of a core) "
      f"| {r1 / 1024:,.1f} MiB | {(r1 - base) / n:.2f} KiB | {errors} |")
PY
done
