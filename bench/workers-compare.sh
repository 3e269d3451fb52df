#!/usr/bin/env bash
# Stages 04 and 03 against node:cluster + node:http, same number of workers, side by side in one
# run (issue 4, item 6). Minimal on purpose; the full bench suite lives in bench/run.ts.
#
#   bench/workers-compare.sh [duration=10s] [connections="100"] [workers=2] [rounds=2] [close]
#
# With `close` as the fifth argument every request carries `Connection: close`, so every request
# is a new connection: what stage 03 passes to a worker over IPC, and stage 04 does not.
#
# Starts stage 04, stage 03 (docs.app:app) and bench/reference/node-cluster.ts, each with
# --workers N, then runs `wrk -t1 -c<N> -d<duration>` against `GET /` of each in turn, `rounds`
# times, under the shared lock /tmp/nibiru-bench.lock. For every run it prints wrk's summary,
# the CPU the generator used (user+sys over wall time, from /usr/bin/time) and the CPU the
# server used, master and workers together (from /proc/<pid>/stat), and requests per server
# CPU-second. It ends with the best requests/s of each server and the ratios stage/node:cluster,
# and the ratio 04/node:cluster of each round (the three servers run back to back in a round)
# with the lowest and the median of them.
# On a 2-core machine the generator and the 2 workers share the same 2 cores: say so beside
# any figure. Needs wrk (Debian: apt-get install wrk); exits 0 with a message when it is missing.
set -euo pipefail

DURATION=${1:-10s}
CONNECTIONS=${2:-100}
WORKERS=${3:-2}
ROUNDS=${4:-2}
CLOSE=${5:-}
WRK_EXTRA=()
if [ "$CLOSE" = close ]; then WRK_EXTRA=(-H 'Connection: close'); fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_init
cd "$ROOT"

spread() { # spread <port> <pid>...: established connections on <port> held by each pid
  local port=$1 p out=()
  shift
  for p in "$@"; do
    out+=("$(ss -tnpH state established "( sport = :$port )" 2>/dev/null | grep -c "pid=$p," || true)")
  done
  echo "${out[*]}"
}
SPREAD=$(mktemp)

declare -A URL PROCS
# bench_start runs in a subshell (the process substitution), so record each pid in PIDS here
read -r u p w < <(bench_start node --import tsx bin/stage.ts 04 docs.app:app --port 0 --workers "$WORKERS")
URL[stage04]=$u; PROCS[stage04]="$p ${w//,/ }"; PIDS+=("$p")
read -r u p w < <(bench_start node --import tsx bin/stage.ts 03 docs.app:app --port 0 --workers "$WORKERS")
URL[stage03]=$u; PROCS[stage03]="$p ${w//,/ }"; PIDS+=("$p")
read -r u p w < <(bench_start node --import tsx bench/reference/node-cluster.ts --port 0 --workers "$WORKERS")
URL[cluster]=$u; PROCS[cluster]="$p ${w//,/ }"; PIDS+=("$p")
HZ=$(getconf CLK_TCK)
TARGETS="stage04 stage03 cluster"

echo "# stage 04 ${URL[stage04]}, stage 03 ${URL[stage03]}, node:cluster ${URL[cluster]}: $WORKERS workers each"
echo "# wrk -t1 -c<N> -d$DURATION ${WRK_EXTRA[*]} GET /; generator and servers share $(nproc) cores; node $(node --version); $(date -u +%FT%TZ)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"
for t in $TARGETS; do wrk -t1 -c50 -d2s "${URL[$t]}/" >/dev/null; done # warm-up (JIT), not measured

declare -A BEST EFF RPS
for c in $CONNECTIONS; do
  for r in $(seq 1 "$ROUNDS"); do
    for t in $TARGETS; do
      # shellcheck disable=SC2086
      before=$(cpu_ticks ${PROCS[$t]})
      # how the connections are spread over the workers, sampled 2 s into the run
      ( sleep 2; spread "${URL[$t]##*:}" ${PROCS[$t]} >"$SPREAD" ) &
      out=$( { /usr/bin/time -f 'wrk-cpu %U %S %e' wrk -t1 -c"$c" -d"$DURATION" "${WRK_EXTRA[@]}" "${URL[$t]}/"; } 2>&1 )
      wait
      # shellcheck disable=SC2086
      after=$(cpu_ticks ${PROCS[$t]})
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      read -r _ us sy el < <(echo "$out" | grep '^wrk-cpu')
      echo "## $t round $r: wrk -t1 -c$c -d$DURATION ${WRK_EXTRA[*]} ${URL[$t]}/"
      echo "$out" | grep -v '^wrk-cpu' | grep -E 'Latency|Req/Sec|requests in|Socket errors|Non-2xx|Requests/sec'
      echo "connections per process (master first): $(cat "$SPREAD")"
      echo "generator CPU $(awk -v u="$us" -v s="$sy" -v e="$el" 'BEGIN{printf "%.0f%%", 100*(u+s)/e}') of one core;" \
        "server CPU (master+workers) $(awk -v a="$after" -v b="$before" -v hz="$HZ" -v e="$el" 'BEGIN{printf "%.0f%%", 100*(a-b)/hz/e}') of one core"
      RPS[$t,$c,$r]=$rps
      prev=${BEST[$t,$c]:-0}
      BEST[$t,$c]=$(awk -v a="$rps" -v b="$prev" 'BEGIN{print (a > b) ? a : b}')
      # requests per second of server CPU: less sensitive than requests/s to other load on the machine
      reqs=$(echo "$out" | awk '/requests in/ {print $1}')
      eff=$(awk -v n="$reqs" -v a="$after" -v b="$before" -v hz="$HZ" 'BEGIN{printf "%.0f", n/((a-b)/hz)}')
      echo "requests per server CPU-second: $eff"
      prev=${EFF[$t,$c]:-0}
      EFF[$t,$c]=$(awk -v a="$eff" -v b="$prev" 'BEGIN{print (a > b) ? a : b}')
    done
  done
  echo "## c=$c best of $ROUNDS: stage 04 ${BEST[stage04,$c]} req/s, stage 03 ${BEST[stage03,$c]} req/s, node:cluster ${BEST[cluster,$c]} req/s"
  echo "## c=$c ratios: 04/cluster $(awk -v a="${BEST[stage04,$c]}" -v b="${BEST[cluster,$c]}" 'BEGIN{printf "%.2f", a/b}')," \
    "03/cluster $(awk -v a="${BEST[stage03,$c]}" -v b="${BEST[cluster,$c]}" 'BEGIN{printf "%.2f", a/b}')," \
    "04/03 $(awk -v a="${BEST[stage04,$c]}" -v b="${BEST[stage03,$c]}" 'BEGIN{printf "%.2f", a/b}')"
  # Each round runs the three servers back to back, so a round's ratio compares runs taken a
  # few seconds apart: the median of those is steadier than the best of each server.
  pr=(); for r in $(seq 1 "$ROUNDS"); do pr+=("$(awk -v a="${RPS[stage04,$c,$r]}" -v b="${RPS[cluster,$c,$r]}" 'BEGIN{printf "%.2f", a/b}')"); done
  echo "## c=$c 04/cluster round by round: ${pr[*]}; lowest $(printf '%s\n' "${pr[@]}" | sort -n | head -1), median $(median "${pr[@]}")"
  echo "## c=$c requests per server CPU-second, best of $ROUNDS: stage 04 ${EFF[stage04,$c]}, stage 03 ${EFF[stage03,$c]}, node:cluster ${EFF[cluster,$c]};" \
    "04/cluster $(awk -v a="${EFF[stage04,$c]}" -v b="${EFF[cluster,$c]}" 'BEGIN{printf "%.2f", a/b}')"
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
