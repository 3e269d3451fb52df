#!/usr/bin/env bash
# Stage 02 against Node's own node:http, side by side in one run (issue 3, item 7).
#
#   bench/quick-compare.sh [duration=10s] [connections="100"] [stage=02]
#
# Starts stage 02 (docs.app:app) and bench/reference/node-http.ts, each a single process, then
# runs `wrk -t1 -c<N> -d<duration>` against `GET /` of each, alternating, under the shared lock
# /tmp/nibiru-bench.lock. For every run it prints wrk's summary, the CPU the generator used
# (user+sys over wall time, from /usr/bin/time) and the CPU the server used (from
# /proc/<pid>/stat), so a saturated generator is visible: with 2 cores, one wrk thread plus one
# single-process server is the fair set-up, and the generator must stay below ~100% of a core.
# Needs wrk (Debian: apt-get install wrk); exits 0 with a message when it is missing.
set -euo pipefail

DURATION=${1:-10s}
CONNECTIONS=${2:-100}
STAGE=${3:-02}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v wrk >/dev/null; then
  echo "wrk is not installed (apt-get install wrk); skipping" >&2
  exit 0
fi

exec 9>/tmp/nibiru-bench.lock
flock 9

cd "$ROOT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start() { # start <log> <command...>: runs the server in the background (its pid lands in PIDS)
  "${@:2}" >"$1" 2>&1 9>&- &
  PIDS+=($!)
}

ready() { # ready <log>: waits for the ready line, then prints "URL PID"
  for _ in $(seq 1 200); do
    if grep -q 'listening on' "$1"; then break; fi
    sleep 0.05
  done
  echo "$(grep -o 'http://[0-9.]*:[0-9]*' "$1" | head -1) $(grep -o 'pid=[0-9]*' "$1" | head -1 | cut -d= -f2)"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

STAGE_LOG=$(mktemp)
NODE_LOG=$(mktemp)
start "$STAGE_LOG" node --import tsx bin/stage.ts "$STAGE" docs.app:app --port 0 ${STAGE_FLAGS:-}
start "$NODE_LOG" node --import tsx bench/reference/node-http.ts --port 0
read -r STAGE_URL STAGE_PID < <(ready "$STAGE_LOG")
read -r NODE_URL NODE_PID < <(ready "$NODE_LOG")
HZ=$(getconf CLK_TCK)

echo "# stage $STAGE ($STAGE_URL pid $STAGE_PID) vs node:http ($NODE_URL pid $NODE_PID)"
echo "# wrk -t1 -c<N> -d$DURATION; generator and server share 2 cores ($(nproc) online)"
# warm both up (JIT), not measured
wrk -t1 -c10 -d2s "$STAGE_URL/" >/dev/null
wrk -t1 -c10 -d2s "$NODE_URL/" >/dev/null

declare -A RPS
for c in $CONNECTIONS; do
  for target in stage node; do
    if [ "$target" = stage ]; then url=$STAGE_URL; pid=$STAGE_PID; else url=$NODE_URL; pid=$NODE_PID; fi
    before=$(cpu_ticks "$pid")
    out=$( { /usr/bin/time -f 'wrk-cpu %U %S %e' wrk -t1 -c"$c" -d"$DURATION" "$url/"; } 2>&1 )
    after=$(cpu_ticks "$pid")
    echo "## $target, wrk -t1 -c$c -d$DURATION $url/"
    echo "$out" | grep -v '^wrk-cpu'
    read -r _ u s e < <(echo "$out" | grep '^wrk-cpu')
    echo "generator CPU: $(awk -v u="$u" -v s="$s" -v e="$e" 'BEGIN{printf "%.0f%%", 100*(u+s)/e}') of one core;" \
      "server CPU: $(awk -v a="$after" -v b="$before" -v hz="$HZ" -v e="$e" 'BEGIN{printf "%.0f%%", 100*(a-b)/hz/e}') of one core"
    RPS[$target,$c]=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  done
  echo "## c=$c: stage $STAGE ${RPS[stage,$c]} req/s, node:http ${RPS[node,$c]} req/s," \
    "ratio $(awk -v a="${RPS[stage,$c]}" -v b="${RPS[node,$c]}" 'BEGIN{printf "%.2f", a/b}')"
done
