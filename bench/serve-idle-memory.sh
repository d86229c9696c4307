#!/usr/bin/env bash
# Memory per idle subscriber of `ssecat serve`: RSS before and after N clients connect, ÷ N.
# Loopback only; bounded (the clients give up after 60 s). Usage: bench/serve-idle-memory.sh [N]
set -euo pipefail
N=${1:-10000}
cd "$(dirname "$0")/.."
. bench/lib.sh
whole N "$N"
need curl curl; need python3 python3
open_files "$N" ""
build
log=$(mktemp)
./target/release/ssecat serve --port 0 -q --keepalive 0 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
addr=$(served_addr "$log")
port=${addr##*:}
before=$(rss $pid)
fifo=$(mktemp -u); mkfifo "$fifo"
python3 bench/idle_clients.py 127.0.0.1 "$port" "$N" --publish <"$fifo" &
client=$!
exec 3>"$fifo"
# Wait for the clients to report, then read the figures while they hold their streams.
for _ in $(seq 600); do
  subs=$(curl -s "http://127.0.0.1:$port/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["subscribers"])')
  [ "$subs" -ge "$N" ] && break; sleep 0.1
done
sleep 2
after=$(rss $pid)
exec 3>&-; wait $client; rm -f "$fifo"
echo "subscribers:            $N"
echo "RSS before:             ${before} KiB"
echo "RSS with subscribers:   ${after} KiB"
awk -v b="$before" -v a="$after" -v n="$N" 'BEGIN { printf "per idle subscriber:    %.2f KiB (%.0f bytes)\n", (a-b)/n, (a-b)*1024/n }'
