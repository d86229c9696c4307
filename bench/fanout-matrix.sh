#!/usr/bin/env bash
# The fan-out matrix: bench/fanout.sh for SERVER in {ssecat, nchan} × SUBS in {1000, 10000,
# 50000} × RATE in {10, 100, 1000} events/s, SECONDS each (default 10). Builds once, then prints
# one Markdown table (a row per run) to stdout and to target/fanout-matrix.md; each run's full
# output goes to target/fanout-matrix.log. "other CPU" is CPU used while publishing by neither
# the servers nor the benches: the publisher, plus anything else running (which skews a row). About 8 minutes with SECONDS=10 (each run is bounded:
# see fanout.sh). Loopback only. Usage: bench/fanout-matrix.sh [SECONDS]
# FANOUT_SUBS and FANOUT_RATES (space-separated) replace the subscriber counts and the rates,
# e.g. FANOUT_SUBS=100 FANOUT_RATES=10 for a quick check of the script (bench/smoke.sh).
set -euo pipefail
SECONDS_=${1:-10}
cd "$(dirname "$0")/.."
. bench/lib.sh
whole SECONDS "$SECONDS_"
build
out=target/fanout-matrix.md; log=target/fanout-matrix.log
: >"$log"
{
  echo "Fan-out, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' + local changes'), $(nproc) vCPUs, ${SECONDS_} s of publishing per run"
  echo
  echo "| server | subs | rate | publisher | deliveries/s | delivered | p50 | p99 | server CPU | drain | KiB/sub | RSS/sub | connected | other CPU | notes |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} | tee "$out"
for subs in ${FANOUT_SUBS:-1000 10000 50000}; do
  for rate in ${FANOUT_RATES:-10 100 1000}; do
    for server in ssecat nchan; do
      echo "== $server $subs $rate" >>"$log"
      FANOUT_NO_BUILD=1 bench/fanout.sh "$server" "$subs" "$rate" "$SECONDS_" >>"$log" 2>&1 \
        || echo "| $server | $subs | $rate/s | failed: see $log |" >>"$log"
      grep -E "^\| $server \|" "$log" | tail -1 | tee -a "$out"
    done
  done
done
