#!/usr/bin/env bash
# Every bench/ script once, at a size that takes seconds instead of minutes, so that CI (.ci/run)
# proves each still runs from a fresh clone and prints its figures. The figures of a smoke run
# mean nothing (a few hundred streams, a second or two); BENCHMARKS.md has the real runs. A
# script that fails, or whose output lacks what it should print, fails this one, with its output.
# Needs what the scripts need: nginx + libnginx-mod-nchan, curl, GNU time, the npm and pip
# packages of tests/interop (see BENCHMARKS.md). About 2 minutes. Usage: bench/smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
build
out=$(mktemp)
trap 'rm -f "$out"' EXIT
failed=0

# check WHAT PATTERN... -- COMMAND...: run COMMAND, then require every PATTERN (grep -E) in its output.
check() {
  local what=$1; shift
  local patterns=()
  while [ "$1" != "--" ]; do patterns+=("$1"); shift; done
  shift
  local start=$SECONDS rc=0
  timeout 600 "$@" >"$out" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAIL $what: exit $rc: $*"; sed 's/^/  | /' "$out"; failed=1; return
  fi
  for p in "${patterns[@]}"; do
    if ! grep -qE -- "$p" "$out"; then
      echo "FAIL $what: no line matches /$p/: $*"; sed 's/^/  | /' "$out"; failed=1; return
    fi
  done
  echo "ok   $what ($((SECONDS - start)) s)"
}

export FANOUT_NO_BUILD=1
# Every event the publisher had answered reached all 200 (deliveries/s varies by an event or two
# at the window's edges, so it is not checked).
delivered='connected 200, errors 0, disconnects 0, deliveries ([0-9,]+) \(100\.0% of \1 expected\)'
check "fanout.sh ssecat" '^\| ssecat \| 200 \| 20/s \| ' "$delivered" -- bench/fanout.sh ssecat 200 20 2
check "fanout.sh nchan" '^\| nchan \| 200 \| 20/s \| ' "$delivered" -- bench/fanout.sh nchan 200 20 2
# A row with figures (a failed run's row says "failed"), every answered event delivered.
check "fanout-matrix.sh" '^\| ssecat \| 100 \| 10/s \| [0-9]+/s \| [0-9,]+ \| 1[0-9]{2}\.[0-9]% ' \
  '^\| nchan \| 100 \| 10/s \| [0-9]+/s \| [0-9,]+ \| 1[0-9]{2}\.[0-9]% ' -- \
  env FANOUT_SUBS=100 FANOUT_RATES=10 bench/fanout-matrix.sh 1
check "bench-ingest.sh" '^events per CPU-second: +[0-9,]+$' -- bench/bench-ingest.sh 2 1s
check "bench-scale.sh" 'Connected +300 of 300' 'Errors +0$' '^memory per stream: +[0-9]' -- \
  bench/bench-scale.sh 300 2 8s
check "bench-scale-one-endpoint.sh" 'Connected +400 of 400' 'Errors +0$' 'subscribers counted by nchan: 400$' \
  '^memory per stream: +[0-9]' -- bench/bench-scale-one-endpoint.sh 400 2 12s
check "serve-idle-memory.sh" '^subscribers: +200$' '^per idle subscriber: +[0-9]' -- bench/serve-idle-memory.sh 200
check "clients-compare.sh" '^\| bench \| .* \| 200 of 200 ' '^\| eventsource \| .* \| 200 of 200 ' \
  '^\| httpx-sse \| .* \| 200 of 200 ' -- bench/clients-compare.sh 200 3 1s
check "listen-vs-curl.sh" 'lines from listen --format data: 100000; parse --count: 100000 events' -- \
  bench/listen-vs-curl.sh 0.01
exit "$failed"
