#!/usr/bin/env bash
# What hostile servers cost `ssecat listen` (issue 16): the release binary against
# bench/hostile_peer.py on 127.0.0.1.
#  1. a gzip bomb: GIB GiB inflated from ~GIB MiB on the wire, one line that never ends; max RSS
#     (GNU time) with the default --max-event-size (16 MiB) and with 1MiB;
#  2. -d @/dev/zero: max RSS and the outcome (capped at 10 s);
#  3. reconnect storms: connections in 6 s from a server answering `retry: 0` + one event +
#     close, and one answering 503 + Retry-After: 0.
# Usage: bench/listen-hostile.sh [GIB]      (default 10)
set -euo pipefail
GIB=${1:-10}
cd "$(dirname "$0")/.."
. bench/lib.sh
build
need_gnu_time
need python3 python3
bin=$PWD/target/release/ssecat
tmp=$(mktemp -d)
peer=
trap '[ -n "$peer" ] && kill $peer 2>/dev/null; rm -rf "$tmp"' EXIT

# start_peer MODE [ARG]: the hostile server in the background; sets $peer and $url.
start_peer() {
  python3 bench/hostile_peer.py "$1" "$tmp/count" "${2:-}" >"$tmp/port" & peer=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  url="http://127.0.0.1:$(cat "$tmp/port")/events"
}
stop_peer() { kill $peer 2>/dev/null || true; wait $peer 2>/dev/null || true; peer=; rm -f "$tmp/count" "$tmp/port"; }

start_peer gzip-bomb "$GIB"
for max in 16MiB 1MiB; do
  /usr/bin/time -f "gzip bomb, ${GIB} GiB inflated, --max-event-size $max: max RSS %M KiB, %e s, CPU %U+%S s" \
    timeout 300 "$bin" listen "$url" -q --max-event-size "$max" --until-event message 2>&1 >/dev/null |
    grep -v warning
done
stop_peer

/usr/bin/time -f "-d @/dev/zero: max RSS %M KiB, %e s, exit %x" \
  timeout 10 "$bin" listen http://127.0.0.1:9/ -d @/dev/zero 2>&1 | sed 's/^/  /' || true

for mode in retry0-event ra0-503; do
  start_peer "$mode"
  timeout 6 "$bin" listen "$url" -q --format data >/dev/null 2>&1 || true
  echo "$mode: $(cat "$tmp/count" 2>/dev/null || echo 0) connections in 6 s"
  stop_peer
done
