#!/usr/bin/env bash
# `ssecat bench` against other SSE clients holding the same streams: STREAMS concurrent streams
# of `ssecat serve --tick TICK` held by (a) `ssecat bench`, (b) Node processes of
# `new EventSource(url)` (npm `eventsource`, bench/clients/eventsource-hold.mjs), (c) Python
# asyncio processes of httpx-sse streams on one AsyncClient (bench/clients/httpx_sse_hold.py).
#
# The machine's hard open-file limit is 20,000 per process, so STREAMS is split into
# P = ceil(STREAMS / 16000) parts: P servers, and for each client P processes of STREAMS/P
# streams, process i reading server i (so no part runs out of ephemeral ports). For each client:
# how long until the servers count all STREAMS streams (at most 180 s); then, 3 s later, over
# SECONDS: streams held (the servers' count; the clients' own in parentheses), events received/s
# (expected: STREAMS ÷ TICK), CPU seconds (user + sys of the client processes, /proc/PID/stat)
# and memory per stream ((sum of the client processes' RSS − P × the RSS of the same client
# holding 1 stream) ÷ STREAMS). Prints a Markdown table. Loopback only; bounded (each client is
# stopped after its window). Needs `npm ci --prefix tests/interop/node` (run if missing) and
# `pip install -r tests/interop/python/requirements.txt`.
# Usage: bench/clients-compare.sh [STREAMS=1000] [SECONDS=20] [TICK=100ms]
set -euo pipefail
STREAMS=${1:-1000}; SECONDS_=${2:-20}; TICK=${3:-100ms}
cd "$(dirname "$0")/.."
. bench/lib.sh
whole STREAMS "$STREAMS"; whole SECONDS "$SECONDS_"
P=$(( (STREAMS + 15999) / 16000 ))
need curl curl; need python3 python3; need node nodejs npm
build
[ -d tests/interop/node/node_modules/eventsource ] || npm ci --prefix tests/interop/node --silent
python3 -c 'import httpx_sse' || { echo "pip install -r tests/interop/python/requirements.txt" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"
bin=./target/release/ssecat
tmp=$(mktemp -d)
clients=(); servers=()
cleanup() { kill "${servers[@]}" "${clients[@]}" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
urls=()
for i in $(seq "$P"); do
  "$bin" serve --port 0 -q --tick "$TICK" --keepalive 0 2>"$tmp/serve$i.log" & servers+=($!)
done
for i in $(seq "$P"); do
  addr=$(served_addr "$tmp/serve$i.log")
  urls+=("http://$addr/events")
done
subscribers() {
  local u
  for u in "${urls[@]}"; do curl -s "${u%/events}/stats"; echo; done |
    python3 -c 'import json,sys; print(sum(json.loads(l)["subscribers"] for l in sys.stdin if l.strip()))'
}
alive() { local p; for p in "${clients[@]}"; do kill -0 "$p" 2>/dev/null || return 1; done; }

# Starts part I of CLIENT holding N streams of server I in the background (appends to $clients).
start() {
  local name=$1 n=$2 i=$3 url=${urls[$(( $3 - 1 ))]}
  case $name in
    bench) exec "$bin" bench "$url" -c "$n" --ramp 4000 --duration 600s --no-progress --json -o "$tmp/bench$i.json" ;;
    eventsource) exec node bench/clients/eventsource-hold.mjs "$url" "$n" ;;
    httpx-sse) exec python3 bench/clients/httpx_sse_hold.py "$url" "$n" ;;
  esac >"$tmp/$name$i.out" 2>"$tmp/$name$i.err" &
  clients+=($!)
}
# Stops the clients (bench reports on SIGINT, the others on SIGTERM), waiting up to 10 s.
stop() {
  kill "-$([ "$1" = bench ] && echo INT || echo TERM)" "${clients[@]}" 2>/dev/null || true
  local p
  for p in "${clients[@]}"; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" || true
  done
  clients=()
  for _ in $(seq 100); do [ "$(subscribers)" -eq 0 ] && break; sleep 0.1; done
}
# Node and python clients print their counts on SIGUSR2: the Nth line of their output.
snapshot() { [ "$1" = bench ] || kill -USR2 "${clients[@]}"; }

echo "$STREAMS streams in $P part(s), serve --tick $TICK, ${SECONDS_} s window, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
echo
echo "| client | all up in | streams held | events/s (expected) | CPU over ${SECONDS_} s | RSS | RSS per stream | errors |"
echo "|---|---|---|---|---|---|---|---|"
for name in bench eventsource httpx-sse; do
  start "$name" 1 1
  for _ in $(seq 100); do [ "$(subscribers)" -ge 1 ] && break; sleep 0.1; done
  sleep 1; base=$(rss "${clients[0]}"); stop "$name"

  rm -f "$tmp/$name"*.out
  up0=$(date +%s.%N)
  for i in $(seq "$P"); do start "$name" $(( STREAMS * i / P - STREAMS * (i - 1) / P )) "$i"; done
  for _ in $(seq 1800); do
    [ "$(subscribers)" -ge "$STREAMS" ] || ! alive && break; sleep 0.1
  done
  up=$(python3 -c "import time; print(f'{time.time() - $up0:.1f} s')")
  sleep 3
  if ! alive; then
    echo "| $name | $up | died: $(cat "$tmp/$name"*.err | tail -c 300 | tr '\n|' '  ') | | | | | |"; stop "$name"; continue
  fi
  snapshot "$name"; c0=$(ticks "${clients[@]}"); w0=$(date +%s.%N)
  sleep "$SECONDS_"
  snapshot "$name"; c1=$(ticks "${clients[@]}"); w1=$(date +%s.%N)
  r1=$(rss "${clients[@]}"); held=$(subscribers)
  sleep 0.5; stop "$name"
  python3 - "$tmp" "$name" "$P" "$up" "$STREAMS" "$held" "$c0" "$c1" "$w0" "$w1" "$base" "$r1" "$(getconf CLK_TCK)" "$TICK" <<'PY'
import glob, json, re, sys
from datetime import datetime
tmp, name, parts, up = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
n, held, c0, c1 = map(int, sys.argv[5:9])
w0, w1 = float(sys.argv[9]), float(sys.argv[10])
base, r1, hz = map(int, sys.argv[11:14])
m = re.fullmatch(r"([\d.]+)(ms|s)", sys.argv[14])
expected = n / (float(m.group(1)) / (1000 if m.group(2) == "ms" else 1))
events, own, errors = 0.0, 0, []
if name == "bench":  # events in [w0, w1] from each report's per-second timeline
    for path in sorted(glob.glob(f"{tmp}/bench*.json")):
        r = json.load(open(path))
        t0 = datetime.fromisoformat(r["runs"][0]["started_at"].replace("Z", "+00:00")).timestamp()
        a, b = w0 - t0, w1 - t0
        events += sum(k * max(0.0, min(b, i + 1) - max(a, i)) for i, k in enumerate(r["timeline"]))
        errors += [f"{k} {v}" for k, v in r["errors"].items()]
        own += r["summary"]["connected"] - r["summary"]["disconnects"]
else:
    for path in sorted(glob.glob(f"{tmp}/{name}*.out")):
        lines = [json.loads(l) for l in open(path) if l.strip()]
        if len(lines) < 2:
            events, own = None, "?"
            errors.append(f"{path.rsplit('/', 1)[1]}: no counts (did not answer SIGUSR2)")
            break
        events += lines[1]["events"] - lines[0]["events"]
        own += lines[1]["connected"]
        if lines[1]["errors"]:
            errors.append(f"{lines[1]['errors']} ({lines[1]['first_error']})")
cpu = (c1 - c0) / hz
own = own if isinstance(own, str) else f"{own:,}"
rate = "–" if events is None else f"{events / (w1 - w0):,.0f} ({expected:,.0f})"
print(f"| {name} | {up} | {held:,} of {n:,} ({own}) | {rate} | {cpu:.2f} s ({cpu / (w1 - w0) * 100:.0f}% of a core) "
      f"| {r1 / 1024:,.1f} MiB | {(r1 - parts * base) / n:.2f} KiB | {', '.join(errors) or '0'} |")
PY
done
