# Sourced by the bench/ scripts: what they read of their processes from /proc, and the memory
# figure of the scale scripts. Each reading fails (and with `set -e`, stops the script) when a
# process is gone, rather than reading as 0.

# rss PID...: the processes' resident memory (VmRSS) added up, in KiB.
rss() {
  local total=0 pid kib
  for pid in "$@"; do
    kib=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    total=$(( total + kib ))
  done
  echo "$total"
}

# ticks PID...: the processes' CPU time (user + system, /proc/PID/stat) added up, in clock ticks
# (`getconf CLK_TCK` a second).
ticks() {
  local total=0 pid t
  for pid in "$@"; do
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    total=$(( total + t ))
  done
  echo "$total"
}

# memory_per_stream TOTAL_KIB BASE_KIB PROCS STREAMS: the two closing lines of a scale run, the
# RSS of PROCS bench processes holding STREAMS streams, less PROCS times the RSS of a bench
# holding one, per stream.
memory_per_stream() {
  echo "bench RSS, all processes: $1 KiB (one-stream process: $2 KiB)"
  awk -v t="$1" -v b="$2" -v p="$3" -v n="$4" \
    'BEGIN { printf "memory per stream:        %.2f KiB (%.0f bytes)\n", (t - p*b)/n, (t - p*b)*1024/n }'
}
