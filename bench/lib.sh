# Shared by the wrk scripts (quick-compare.sh, workers-compare.sh, ab.sh); source it, don't run it.
#
#   bench_init            exit 0 with a message when wrk is missing; take the bench lock (fd 9);
#                         stop every server recorded in PIDS on exit or on a signal
#   bench_start <cmd...>  start a server in the background, wait for its ready line, print
#                         "<url> <pid> <worker pids, comma-separated>" (the caller adds the pid to
#                         PIDS: bench_start runs in a subshell when its output is read)
#   cpu_ticks <pid...>    user+sys clock ticks used so far by the given processes
#   median <value...>     the median of the values

PIDS=()

bench_init() {
  if ! command -v wrk >/dev/null; then
    echo "wrk is not installed (apt-get install wrk); skipping" >&2
    exit 0
  fi
  exec 9>/tmp/nibiru-bench.lock
  flock 9
  trap bench_stop EXIT
  trap 'exit 130' INT TERM # run bench_stop on a signal too
}

bench_stop() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}

bench_start() {
  local log url pid workers
  log=$(mktemp)
  # 9>&-: the servers must not inherit the lock; one left running would hold it for good
  "$@" >"$log" 2>&1 9>&- &
  for _ in $(seq 1 400); do
    if grep -q 'listening on' "$log"; then break; fi
    sleep 0.05
  done
  url=$(grep -o 'http://[0-9.]*:[0-9]*' "$log" | head -1 || true)
  pid=$(grep -o ' pid=[0-9]*' "$log" | head -1 | cut -d= -f2 || true)
  workers=$(grep -o 'workers=[0-9,]*' "$log" | head -1 | cut -d= -f2 || true)
  [ -n "$url" ] || { echo "did not start: $*" >&2; cat "$log" >&2; kill -TERM $! 2>/dev/null; exit 1; }
  echo "$url $pid $workers"
}

cpu_ticks() {
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$t"
}

median() {
  printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : sprintf("%.2f", (v[NR/2]+v[NR/2+1])/2)}'
}
