#!/usr/bin/env bash
# Fan-out of an SSE server: SUBS subscribers, one publisher at RATE events/s of ~100 bytes for
# SECONDS (default 10). SERVER is `ssecat` (ssecat serve) or `nchan` (nginx + nchan).
# Usage: bench/fanout.sh SERVER SUBS RATE [SECONDS]
#
# The machine's hard open-file limit is 20,000 per process, so the run is split into
# P = ceil(SUBS / 16000) parts: P `ssecat serve -q --history 0 --keepalive 0` (the publisher
# sends every event to all P) or one nginx with max(2, P) workers (bench/nchan-fanout.conf); and
# P `ssecat bench` processes of SUBS/P streams each (for nchan each connects to its own
# 127.0.0.N, so none runs out of ephemeral ports), whose reports are merged. The publisher is
# examples/publish.rs (4 keep-alive connections per URL, paced against absolute deadlines).
# Prints, and as a Markdown row (for bench/fanout-matrix.sh): the publisher's achieved rate;
# deliveries/s (events received while publishing ÷ SECONDS); delivered (events received ÷ the
# accepted events × their subscribers); delivery latency p50/p99; server CPU seconds (user + sys
# of every server process while publishing); drain (how long servers and benches stayed busy
# after publishing); memory per subscriber ((server RSS with them − before) ÷ SUBS, KiB, and
# RSS with them ÷ SUBS, the process's own baseline included); other
# CPU (the machine's busy CPU seconds while publishing, minus servers and benches: the publisher
# plus anything else running, which skews the figures).
# Loopback only; bounded: the drain is cut at 20 s, and publishing stops if the servers' RSS
# passes RSS_LIMIT_KIB (default 8 GiB). FANOUT_NO_BUILD=1 skips the build (the matrix builds once).
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: bench/fanout.sh ssecat|nchan SUBS RATE [SECONDS]" >&2; exit 2; }
SERVER=$1; SUBS=$2; RATE=$3; SECONDS_=${4:-10}
RSS_LIMIT_KIB=${RSS_LIMIT_KIB:-8388608}
cd "$(dirname "$0")/.."
. bench/lib.sh
whole SUBS "$SUBS"; whole RATE "$RATE"; whole SECONDS "$SECONDS_"
P=$(( (SUBS + 15999) / 16000 ))
need curl curl; need python3 python3
if [ "$SERVER" = nchan ]; then need_nchan; fi
[ -n "${FANOUT_NO_BUILD:-}" ] || build
ulimit -n "$(ulimit -Hn)"
bin=./target/release/ssecat
tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; sleep 0.5; rm -rf "$tmp"; }
trap cleanup EXIT
subs=(); pubs=(); spids=()
case "$SERVER" in
  ssecat)
    for i in $(seq "$P"); do
      "$bin" serve --port 0 -q --history 0 --keepalive 0 2>"$tmp/serve$i.log" & spids+=($!)
    done
    for i in $(seq "$P"); do
      addr=$(served_addr "$tmp/serve$i.log")
      subs+=("http://$addr/events"); pubs+=("http://$addr/events")
    done
    server_pids() { echo "${spids[@]}"; }
    subscribed() { for u in "${subs[@]}"; do curl -s "${u%/events}/stats"; echo; done |
      python3 -c 'import json,sys; print(sum(json.loads(l)["subscribers"] for l in sys.stdin if l.strip()))'; } ;;
  nchan)
    port=$(free_port)
    listen=$(for i in $(seq "$P"); do printf 'listen 127.0.0.%d:%d reuseport; ' "$i" "$port"; done)
    sed "s|@PREFIX@|$tmp|g; s|@PORT@|$port|g; s|@WORKERS@|$(( P > 2 ? P : 2 ))|g; s|@LISTEN@|$listen|" \
      bench/nchan-fanout.conf >"$tmp/nginx.conf"
    nginx -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" -g 'daemon off;' & spids+=($!)
    for i in $(seq "$P"); do subs+=("http://127.0.0.$i:$port/sub"); done
    pubs=("http://127.0.0.1:$port/pub")
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/status" >/dev/null && break; sleep 0.05; done
    kill -0 "${spids[0]}" || { cat "$tmp/error.log" >&2; exit 1; }
    server_pids() { echo "${spids[0]}" $(pgrep -P "${spids[0]}"); }
    subscribed() { curl -s "http://127.0.0.1:$port/status" | awk '/^subscribers:/ {print $2}'; } ;;
  *) echo "SERVER is ssecat or nchan" >&2; exit 2 ;;
esac
pids+=("${spids[@]}")
sleep 0.5
rss_sum() { rss $(server_pids); }
cpu_ticks() { ticks $(server_pids); }
rss0=$(rss_sum)

# Subscribers: P bench processes, at most 4,000 new streams/s each; wait until all are counted.
benches=()
for i in $(seq "$P"); do
  n=$(( SUBS * i / P - SUBS * (i - 1) / P ))
  ramp=$(( n / 2 > 4000 ? 4000 : (n / 2 > 500 ? n / 2 : 500) ))
  "$bin" bench "${subs[i-1]}" -c "$n" --ramp "$ramp" --duration "$((SECONDS_ + 120))s" \
    --latency-field /ts_us --latency-unit us --no-progress --json -o "$tmp/part$i.json" >/dev/null &
  benches+=($!)
done
pids+=("${benches[@]}")
for _ in $(seq 600); do [ "$(subscribed)" -ge "$SUBS" ] && break; sleep 0.1; done
echo "subscribed: $(subscribed) of $SUBS"
sleep 1
bench_ticks() { ticks "${benches[@]}"; }
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
rss1=$(rss_sum); cpu0=$(cpu_ticks); b0=$(bench_ticks); m0=$(machine_ticks)

pub_start=$(date +%s.%N)
./target/release/examples/publish --rate "$RATE" --seconds "$SECONDS_" "${pubs[@]}" >"$tmp/publish.txt" &
pub=$!; pids+=($pub)
peak=$rss1; note=""
while kill -0 $pub 2>/dev/null; do
  r=$(rss_sum); peak=$(( r > peak ? r : peak ))
  if [ "$r" -gt "$RSS_LIMIT_KIB" ]; then kill $pub; note="stopped: server RSS over $RSS_LIMIT_KIB KiB"; fi
  sleep 0.5
done
wait $pub || true
cpu1=$(cpu_ticks); b1=$(bench_ticks); m1=$(machine_ticks)
other=$(( (m1 - m0) - (cpu1 - cpu0) - (b1 - b0) ))
cat "$tmp/publish.txt"
# Drain: wait (at most 20 s) until servers and benches are idle, i.e. every event is delivered.
all_ticks() { ticks $(server_pids) "${benches[@]}"; }
d0=$(date +%s.%N); prev=$(all_ticks)
for _ in $(seq 40); do sleep 0.5; now=$(all_ticks); [ $((now - prev)) -lt 3 ] && break; prev=$now; done
d1=$(date +%s.%N); cpu2=$(cpu_ticks)
kill -INT "${benches[@]}" 2>/dev/null || true
wait "${benches[@]}" || true
"$bin" bench --merge "$tmp"/part*.json --json >"$tmp/merged.json"
python3 - "$tmp/merged.json" "$tmp/publish.txt" "$SERVER" "$SUBS" "$RATE" "$SECONDS_" \
  "$rss0" "$rss1" "$peak" "$cpu0" "$cpu1" "$(getconf CLK_TCK)" "$P" "$note" "$pub_start" "$cpu2" "$d0" "$d1" "$other" <<'PY'
import json, re, sys
from datetime import datetime
r = json.load(open(sys.argv[1]))
pub = open(sys.argv[2]).read().strip()
server, subs, rate, secs = sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
rss0, rss1, peak, cpu0, cpu1, hz, parts = (int(x) for x in sys.argv[7:14])
note, pub_start, cpu2 = sys.argv[14], float(sys.argv[15]), int(sys.argv[16])
drain, other = float(sys.argv[18]) - float(sys.argv[17]), int(sys.argv[19]) / hz
s, lat = r["summary"], r["percentiles"]["latency"] or {}
# Deliveries expected: each URL's accepted events × the subscribers behind it.
sent = [int(x) for x in re.search(r"sent per URL ([\d/]+)", pub).group(1).split("/")] if pub else []
behind = [subs * (i + 1) // parts - subs * i // parts for i in range(parts)] if len(sent) > 1 else [subs]
expected = sum(a * b for a, b in zip(sent, behind))
achieved = float(re.search(r": ([\d.]+)/s", pub).group(1)) if pub else 0.0
# Events received while publishing, from the merged per-second timeline (seconds since the
# earliest bench start): nothing arrives before publishing starts, so every second up to the one
# where publishing ends, then that second's events up to the end, at most at the previous rate.
t0 = min(datetime.fromisoformat(run["started_at"].replace("Z", "+00:00")).timestamp() for run in r["runs"])
end = pub_start - t0 + secs
k, frac = int(end), end - int(end)
tl = r["timeline"] + [0] * (k + 1)
during = sum(tl[:k]) + (min(tl[k], tl[k - 1] * frac) if k else tl[k] * frac)
ms = lambda k: f"{lat[k] / 1000:,.1f} ms" if lat else "–"
share = s["events"] / expected * 100 if expected else 0
errs = ", ".join(f"{k} {v}" for k, v in r["errors"].items())
notes = "; ".join(x for x in (errs and f"errors: {errs}", s["disconnects"] and f"{s['disconnects']} disconnects", note) if x)
print(f"{server}: {subs} subscribers ({parts} parts), {rate:g}/s for {secs:g} s; {pub}")
print(f"  connected {s['connected']}, errors {s['errors']}, disconnects {s['disconnects']}, deliveries "
      f"{s['events']:,} ({share:.1f}% of {expected:,} expected), {during / secs:,.0f}/s while publishing")
print(f"  latency p50 {ms('p50_us')}, p99 {ms('p99_us')}, max {ms('max_us')}")
print(f"  server CPU {(cpu1 - cpu0) / hz:.2f} s while publishing, {(cpu2 - cpu0) / hz:.2f} s with the "
      f"{drain:.1f} s drain; RSS {rss0} → {rss1} KiB (peak {peak} while publishing): "
      f"{(rss1 - rss0) / subs:.2f} KiB per subscriber ({rss1 / subs:.2f} KiB of RSS per subscriber); other CPU {other:.2f} s")
print("| server | subs | rate | publisher | deliveries/s | delivered | p50 | p99 | server CPU | drain | KiB/sub | RSS/sub | connected | other CPU | notes |")
print(f"| {server} | {subs:,} | {rate:g}/s | {achieved:,.0f}/s | {during / secs:,.0f} | {share:.1f}% | "
      f"{ms('p50_us')} | {ms('p99_us')} | {(cpu1 - cpu0) / hz:.2f} s | {drain:.1f} s | {(rss1 - rss0) / subs:.2f} | {rss1 / subs:.2f} | "
      f"{s['connected']:,} | {other:.2f} s | {notes or '–'} |")
PY
