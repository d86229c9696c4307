# Sourced by the bench/ scripts: what they read of their processes from /proc, and the memory
# figure of the scale scripts. Each reading fails with a message (and, assigned with `set -e`,
# stops the script: `x=$(rss $pid)`) when a process is gone, rather than reading as 0.

# proc_field FILE AWK_PROGRAM: one number read from a /proc file, or a message and failure.
proc_field() {
  local value
  value=$(awk "$2" "$1" 2>/dev/null) && [ -n "$value" ] ||
    { echo "bench/lib.sh: cannot read $1: the process has exited" >&2; return 1; }
  echo "$value"
}

# proc_sum FILE AWK_PROGRAM PID...: proc_field of /proc/PID/FILE added up over the processes.
proc_sum() {
  local file=$1 program=$2 total=0 pid n
  shift 2
  for pid in "$@"; do
    n=$(proc_field "/proc/$pid/$file" "$program") || return 1
    total=$(( total + n ))
  done
  echo "$total"
}

# rss PID...: the processes' resident memory (VmRSS) added up, in KiB.
rss() { proc_sum status '/VmRSS/ {print $2}' "$@"; }

# ticks PID...: the processes' CPU time (user + system, /proc/PID/stat) added up, in clock ticks
# (`getconf CLK_TCK` a second).
ticks() { proc_sum stat '{print $14 + $15}' "$@"; }

# served_addr LOG: the 127.0.0.1:PORT an `ssecat serve --port 0` logging to LOG listens on, once
# it says so (within 5 s); else its log on stderr and failure.
served_addr() {
  for _ in $(seq 100); do grep -q listening "$1" && break; sleep 0.05; done
  grep -o '127.0.0.1:[0-9]*' "$1" | head -1 | grep . ||
    { echo "ssecat serve did not start:" >&2; cat "$1" >&2; return 1; }
}

# free_port: a TCP port free on 127.0.0.1 now (for nginx, which cannot listen on port 0).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# open_files N HINT: raise the open-file limit to its hard limit, and stop with a message
# (ending in HINT) unless N files fit in it with room to spare.
open_files() {
  ulimit -n "$(ulimit -Hn)"
  [ "$(ulimit -n)" -gt $(($1 + 100)) ] ||
    { echo "need $1 file descriptors per process; ulimit -n is $(ulimit -n)$2" >&2; exit 1; }
}

# one_stream_rss URL: the RSS (KiB) of an `ssecat bench` holding one stream of URL, 2 s in: the
# fixed cost of a bench process, which memory_per_stream takes off.
one_stream_rss() {
  local one kib
  ./target/release/ssecat bench "$1" -c 1 --duration 3s --no-progress >/dev/null & one=$!
  sleep 2; kib=$(rss $one) || return 1; wait $one
  echo "$kib"
}

# memory_per_stream TOTAL_KIB BASE_KIB PROCS STREAMS: the two closing lines of a scale run, the
# RSS of PROCS bench processes holding STREAMS streams, less PROCS times the RSS of a bench
# holding one, per stream.
memory_per_stream() {
  echo "bench RSS, all processes: $1 KiB (one-stream process: $2 KiB)"
  awk -v t="$1" -v b="$2" -v p="$3" -v n="$4" \
    'BEGIN { printf "memory per stream:        %.2f KiB (%.0f bytes)\n", (t - p*b)/n, (t - p*b)*1024/n }'
}

# whole NAME VALUE: stop with a message unless VALUE is a whole number above 0.
whole() {
  [[ "$2" =~ ^[1-9][0-9]*$ ]] ||
    { echo "$1 must be a whole number above 0, not '$2'" >&2; exit 2; }
}

# seconds DURATION: a bench --duration (`30s`, `2m`, `45`) in whole seconds, or a message and
# exit 2.
seconds() {
  case "$1" in
    *[0-9]ms) echo 0 ;;
    *[0-9]s) whole DURATION "${1%s}"; echo "${1%s}" ;;
    *[0-9]m) whole DURATION "${1%m}"; echo $(( 10#${1%m} * 60 )) ;;
    *) whole DURATION "$1"; echo "$1" ;;
  esac
}

# need_duration DURATION MIN WHY: stop with a message unless DURATION is at least MIN seconds.
need_duration() {
  local s
  s=$(seconds "$1") || exit 2
  [ "$s" -ge "$2" ] ||
    { echo "DURATION $1 is too short: at least ${2}s are needed ($3)" >&2; exit 2; }
}

# need COMMAND PACKAGE...: stop with the install command unless COMMAND is on the PATH.
need() {
  local cmd=$1; shift
  command -v "$cmd" >/dev/null || { echo "needs $cmd: sudo apt-get install $*" >&2; exit 1; }
}

# need_gnu_time: /usr/bin/time (GNU time, for user and system CPU and max RSS).
need_gnu_time() {
  [ -x /usr/bin/time ] || { echo "needs GNU time: sudo apt-get install time" >&2; exit 1; }
}

# need_nchan: nginx with the nchan module (Debian's packages).
need_nchan() {
  need nginx nginx libnginx-mod-nchan
  [ -e /usr/lib/nginx/modules/ngx_nchan_module.so ] ||
    { echo "needs nginx's nchan module: sudo apt-get install libnginx-mod-nchan" >&2; exit 1; }
}

# build: the release binary and the publisher example. Every script builds this same set, so
# running one after another does not flip cargo between two feature sets (an example brings in
# the dev-dependencies' features) and rebuild the crate each time.
build() {
  cargo build --release --quiet --bin ssecat --example publish
}
