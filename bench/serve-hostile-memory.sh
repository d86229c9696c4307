#!/usr/bin/env bash
# Memory of `ssecat serve` under hostile publishers and subscribers: its RSS before, its peak
# (VmHWM) and its RSS after each attack, with what the attackers saw. Loopback only; bounded.
#
# Usage: bench/serve-hostile-memory.sh SCENARIO [SERVE FLAGS…]
#   stall     200 POSTs declaring 1 MiB that stall one byte before the end
#   history   100 POSTs of 1 MiB of newlines (each line a `data:` line), no subscriber
#   deaf      one subscriber that never reads, then 100 POSTs of 1 MiB of newlines
#   topics    50 subscribers that never read, each on its own topic, then 50 POSTs of 280 KiB of
#             newlines (just under 2 MiB encoded), one to each topic, four times over
#   json      20 POSTs of a 1 MiB JSON array of events whose data is newlines
# SSECAT=path/to/ssecat runs another build (e.g. an older one, for a before/after figure);
# otherwise the release build of this checkout is built and run.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
scenario=${1:?usage: bench/serve-hostile-memory.sh stall|history|deaf|topics|json [FLAGS…]}
shift
need python3 python3
if [ -z "${SSECAT:-}" ]; then
  cargo build --release --quiet --bin ssecat
  SSECAT=./target/release/ssecat
fi
log=$(mktemp)
"$SSECAT" serve --port 0 -q "$@" 2>"$log" &
pid=$!
fifo=$(mktemp -u); mkfifo "$fifo"
trap 'exec 3>&- 2>/dev/null || true; kill $pid 2>/dev/null || true; rm -f "$log" "$fifo"' EXIT
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
  deaf)
    deaf 1
    python3 bench/hostile_serve.py flood 127.0.0.1 "$port" 100 1048576 ;;
  topics)
    deaf 50 --topics
    for _ in 1 2 3 4; do python3 bench/hostile_serve.py flood 127.0.0.1 "$port" 50 286720 --topics; done ;;
  json) python3 bench/hostile_serve.py flood 127.0.0.1 "$port" 20 1048576 --json ;;
  *) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac
sleep 1
echo "after: RSS $(rss $pid) KiB, peak (VmHWM) $(hwm) KiB"
