#!/usr/bin/env bash
# Peak memory of `ssecat bench` when every stream is fed one huge line (no line end): each
# stream's parser may hold about twice --max-event-size, so the peak is STREAMS × that, not
# STREAMS × the line. Loopback only; bounded (the run lasts DURATION, the server holds the
# streams open until it is killed). Usage: bench/bench-oversize-rss.sh [STREAMS] [MIB] [DURATION]
# SSECAT=path/to/ssecat measures another binary (e.g. an older build) instead of building.
set -euo pipefail
STREAMS=${1:-20}
MIB=${2:-15}
DURATION=${3:-8s}
cd "$(dirname "$0")/.."
. bench/lib.sh
whole STREAMS "$STREAMS"; whole MIB "$MIB"; need_duration "$DURATION" 2 "to read the lines"
need python3 python3; need_gnu_time
if [ -z "${SSECAT:-}" ]; then build; SSECAT=./target/release/ssecat; fi
port_file=$(mktemp)
# A server that answers every request with an event stream holding one line of MIB MiB.
python3 - "$port_file" "$MIB" <<'PY' &
import socket, sys, threading, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1024)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
mib = int(sys.argv[2]); chunk = b"x" * (1 << 20)
def stream(c):
    try:
        while b"\r\n\r\n" not in c.recv(65536): pass
        c.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: ")
        for _ in range(mib): c.sendall(chunk)
        time.sleep(600)
    except OSError:
        pass
while True:
    c, _ = s.accept()
    threading.Thread(target=stream, args=(c,), daemon=True).start()
PY
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$port_file"' EXIT
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$port_file")/events"
report=$(mktemp)
peak=$( { /usr/bin/time -f '%M' "$SSECAT" bench "$url" -c "$STREAMS" --duration "$DURATION" \
  --no-progress --json >"$report"; } 2>&1 | tail -1)
bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["bytes"])' "$report")
rm -f "$report"
echo "streams × line:        $STREAMS × $MIB MiB"
echo "body bytes read:       $bytes (of $((STREAMS * MIB * 1048576)) sent)"
echo "bench peak RSS:        $peak KiB ($((peak / 1024)) MiB)"
