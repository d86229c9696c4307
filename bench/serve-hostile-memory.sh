#!/usr/bin/env bash
# Memory of `ssecat serve` under hostile publishers and subscribers: its RSS before, its peak
# (VmHWM) and its RSS after each attack, with what the attackers saw. Loopback only; bounded.
#
# Usage: bench/serve-hostile-memory.sh SCENARIO [SERVE FLAGS…]
#   stall     200 POSTs declaring 1 MiB that stall one byte before the end
#   history   100 POSTs of 1 MiB of newlines (each line a `data:` line: 7.3 MB once encoded),
#             no subscriber
#   history2  200 POSTs of 280 KiB of newlines (just under 2 MiB once encoded), no subscriber
#   deaf      one subscriber that never reads, then 100 POSTs of 1 MiB of newlines
#   deaf2     one subscriber that never reads, then 200 POSTs of 280 KiB of newlines
#   topics    50 subscribers that never read, each on its own topic, then 50 POSTs of 280 KiB
#             of newlines, one to each topic, eight times over (with --client-queue-bytes 16MiB,
#             50 queues could hold 800 MiB: --event-memory is the bound that holds)
#   json      20 POSTs of a 1 MiB JSON array of {"data":""} (87,000 events each)
#   play      --play of a 27 MB raw capture of 3,000,000 tiny events
# SSECAT=path/to/ssecat runs another build (e.g. an older one, for a before/after figure);
# otherwise the release build of this checkout is built and run.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
scenario=${1:?usage: bench/serve-hostile-memory.sh stall|history|history2|deaf|deaf2|topics|json|play [FLAGS…]}
shift
need python3 python3
if [ -z "${SSECAT:-}" ]; then
  cargo build --release --quiet --bin ssecat
  SSECAT=./target/release/ssecat
fi
log=$(mktemp)
capture=$(mktemp)
if [ "$scenario" = play ]; then
  python3 -c 'import sys; sys.stdout.write("data: x\n\n" * 3000000)' >"$capture"
  set -- --play "$capture" --speed 1000000 "$@"
fi
"$SSECAT" serve --port 0 -q "$@" 2>"$log" &
pid=$!
fifo=$(mktemp -u); mkfifo "$fifo"
trap 'exec 3>&- 2>/dev/null || true; kill $pid 2>/dev/null || true; rm -f "$log" "$fifo" "$capture"' EXIT
addr=$(served_addr "$log")
port=${addr##*:}
hwm() { proc_field "/proc/$pid/status" '/VmHWM/ {print $2}'; }
echo "serve $* (pid $pid): RSS before ${before:=$(rss $pid)} KiB"
deaf() {
  python3 bench/hostile_serve.py deaf 127.0.0.1 "$port" "$@" <"$fifo" &
  exec 3>"$fifo"
  sleep 1
}
case $scenario in
  stall)
    python3 bench/hostile_serve.py stall 127.0.0.1 "$port" 200 1048576 &
    attack=$!
    sleep 5
    echo "5 s into the stall: RSS $(rss $pid) KiB, peak $(hwm) KiB"
    wait $attack ;;
  history) python3 bench/hostile_serve.py flood 127.0.0.1 "$port" 100 1048576 ;;
  history2) python3 bench/hostile_serve.py flood 127.0.0.1 "$port" 200 286720 ;;
  deaf)
    deaf 1
    python3 bench/hostile_serve.py flood 127.0.0.1 "$port" 100 1048576 ;;
  deaf2)
    deaf 1
    python3 bench/hostile_serve.py flood 127.0.0.1 "$port" 200 286720 ;;
  topics)
    deaf 50 --topics
    for _ in 1 2 3 4 5 6 7 8; do python3 bench/hostile_serve.py flood 127.0.0.1 "$port" 50 286720 --topics; done ;;
  json) python3 bench/hostile_serve.py flood 127.0.0.1 "$port" 20 1048576 --tiny ;;
  play) sleep 4 ;;
  *) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac
sleep 1
echo "after: RSS $(rss $pid) KiB, peak (VmHWM) $(hwm) KiB"
