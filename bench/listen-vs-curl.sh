#!/usr/bin/env bash
# What `ssecat listen` costs over curl on one big stream: a GB-sized SSE file of 100-byte
# `data:` events (kept in target/listen-vs-curl/ for the next run) served by nginx as a static
# file (`default_type text/event-stream`, sendfile) on 127.0.0.1, read to the end by
# `curl -N -s` and by `ssecat listen --format data --no-reconnect`, and parsed offline by
# `ssecat parse --count` (parse has no --format data). /usr/bin/time gives CPU (user + sys),
# wall and max RSS; 3 runs each, medians. One more listen run piped into `wc -l` checks that
# every event arrived. Loopback only; each run is capped at 5 minutes.
# Usage: bench/listen-vs-curl.sh [GB]      (default 1; a fraction such as 0.01 for a quick check)
set -euo pipefail
GB=${1:-1}
cd "$(dirname "$0")/.."
. bench/lib.sh
build
need_gnu_time
need nginx nginx; need curl curl; need python3 python3
bin=$PWD/target/release/ssecat
dir=$PWD/target/listen-vs-curl
file=$dir/events-${GB}GB.sse
events=$(awk -v gb="$GB" 'BEGIN { printf "%.0f", gb * 10000000 }')  # 100 bytes each
[ "$events" -gt 0 ] || { echo "GB must be a positive number (1, 0.1, …), not '$GB'" >&2; exit 2; }
mkdir -p "$dir"
if [ "$(stat -c %s "$file" 2>/dev/null || echo 0)" != $((events * 100)) ]; then
  echo "writing $file ($events events of 100 bytes)" >&2
  (yes "data: $(printf 'x%.0s' $(seq 92))"$'\n' || true) | head -c $((events * 100)) >"$file"
fi

tmp=$(mktemp -d)
port=$(free_port)
cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events {}
http {
    access_log off;
    client_body_temp_path $tmp; proxy_temp_path $tmp; fastcgi_temp_path $tmp;
    uwsgi_temp_path $tmp; scgi_temp_path $tmp;
    types {}
    default_type text/event-stream;
    sendfile on;
    server { listen 127.0.0.1:$port; root $dir; }
}
EOF
nginx -p "$tmp" -e "$tmp/error.log" -c "$tmp/nginx.conf" -g 'daemon off;' & nginx=$!
trap 'kill $nginx 2>/dev/null || true; rm -rf "$tmp"' EXIT
url=http://127.0.0.1:$port/$(basename "$file")
for _ in $(seq 100); do curl -sf -o /dev/null -r 0-0 "$url" && break; sleep 0.05; done
cat "$file" >/dev/null  # into the page cache

# Runs "$@" 3 times under /usr/bin/time; prints a Markdown row of medians.
measure() {
  local name=$1; shift
  for i in 1 2 3; do
    /usr/bin/time -f '%U %S %e %M' -o "$tmp/t$i" timeout 300 "$@" >/dev/null
  done
  cat "$tmp"/t[123] | python3 -c '
import sys, statistics as st
runs = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
gb = float(sys.argv[2])
cpu = st.median(u + s for u, s, _, _ in runs); wall = st.median(r[2] for r in runs); rss = st.median(r[3] for r in runs)
wall = max(wall, 0.01)  # /usr/bin/time counts in hundredths: a tiny file can read as 0
print(f"| {sys.argv[1]} | {cpu / gb:.2f} s | {wall / gb:.2f} s | {gb / wall:.2f} GB/s | {rss / 1024:,.1f} MiB |")
' "$name" "$GB"
}

echo "| reader | CPU per GB (user+sys) | wall per GB | throughput | max RSS |"
echo "|---|---|---|---|---|"
measure 'curl -N -s' curl -N -s "$url"
measure 'ssecat listen --format data' "$bin" listen --format data --no-reconnect -q "$url"
measure 'ssecat parse --count (file)' "$bin" parse --count "$file"
got=$(timeout 300 "$bin" listen --format data --no-reconnect -q "$url" | wc -l)
echo
echo "events in the file: $events; lines from listen --format data: $got; parse --count: $("$bin" parse --count "$file" | head -1)"
[ "$got" = "$events" ] || { echo "MISMATCH" >&2; exit 1; }
