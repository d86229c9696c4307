#!/usr/bin/env bash
# Memory of `ssecat serve` when N clients each open a stream with a request head of PAD bytes
# (one header line that long): how many streams it took, with which status, and its RSS and peak
# RSS (VmHWM) while they hold on. Loopback only; bounded (the clients give up after 60 s).
#
# Usage: bench/serve-big-heads.sh [N [PAD]]             (default: 300 400000)
#        SSECAT=/path/to/ssecat bench/serve-big-heads.sh   (measure another build)
set -euo pipefail
N=${1:-300}
PAD=${2:-400000}
cd "$(dirname "$0")/.."
. bench/lib.sh
whole N "$N"; whole PAD "$PAD"
need python3 python3
open_files "$N" ""
bin=${SSECAT:-./target/release/ssecat}
[ -n "${SSECAT:-}" ] || build
log=$(mktemp)
"$bin" serve --port 0 -q --keepalive 0 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
addr=$(served_addr "$log")
before=$(rss $pid)
python3 - "$addr" "$N" "$PAD" "$pid" <<'PY'
import asyncio, collections, sys
host, port = sys.argv[1].split(":")
n, pad, pid = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def kib(field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field):
            return int(line.split()[1])

async def client(statuses, writers):
    reader, writer = await asyncio.open_connection(host, int(port))
    writers.append(writer)
    head = f"GET /events HTTP/1.1\r\nHost: {host}:{port}\r\nX-Pad: {'p' * pad}\r\n\r\n"
    try:
        writer.write(head.encode())
        await writer.drain()
        line = await reader.readline()
        statuses[line.split(b" ")[1].decode() if b" " in line else "closed"] += 1
    except OSError:
        statuses["reset"] += 1

async def main():
    statuses, writers = collections.Counter(), []
    await asyncio.wait_for(asyncio.gather(*(client(statuses, writers) for _ in range(n))), 60)
    await asyncio.sleep(2)  # the streams held open, the refused ones closed
    print(f"clients:           {n}, heads of {pad} bytes")
    print(f"statuses:          {dict(statuses)}")
    print(f"serve RSS held:    {kib('VmRSS:')} KiB")
    print(f"serve peak RSS:    {kib('VmHWM:')} KiB")
    for w in writers:
        w.close()

asyncio.run(main())
PY
echo "serve RSS at start: $before KiB ($bin)"
