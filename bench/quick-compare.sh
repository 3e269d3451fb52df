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

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_init
cd "$ROOT"

# shellcheck disable=SC2086
read -r STAGE_URL STAGE_PID _ < <(bench_start node --import tsx bin/stage.ts "$STAGE" docs.app:app --port 0 ${STAGE_FLAGS:-})
PIDS+=("$STAGE_PID")
read -r NODE_URL NODE_PID _ < <(bench_start node --import tsx bench/reference/node-http.ts --port 0)
PIDS+=("$NODE_PID")
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
