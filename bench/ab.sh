#!/usr/bin/env bash
# A/B: one stage at an earlier commit (A) against the working tree (B), side by side in one run.
#
#   bench/ab.sh <commit> [stage=02] [rounds=5] [duration=5s] [connections=50] [close]
#   bench/ab.sh <commit-A>..<commit-B> ...      (B at a commit too, instead of the working tree)
#
# Checks <commit> out into a temporary git worktree (sharing this checkout's node_modules),
# starts the stage of both (docs.app:app, `--workers 2` for stages 03 and 04), then runs
# `wrk -t1 -c<N> -d<duration> GET /` against A and B in turn (A first in odd rounds, B first in
# even ones), `rounds` times, under the shared
# lock /tmp/nibiru-bench.lock. For every run it prints requests/s and requests per second of
# server CPU (master and workers, from /proc/<pid>/stat), then the ratio B/A of each round and
# their median. Per CPU-second is the steadier figure on a shared machine: it does not depend
# on how much of the 2 cores the server got. With `close` every request is a new connection.
#
# What a workshop uses it for: "did my change make the stage faster?", measured, not guessed.
# Needs wrk (Debian: apt-get install wrk); exits 0 with a message when it is missing.
set -euo pipefail

COMMIT=${1:?usage: bench/ab.sh <commit> [stage=02] [rounds=5] [duration=5s] [connections=50] [close]}
STAGE=${2:-02}
ROUNDS=${3:-5}
DURATION=${4:-5s}
CONNECTIONS=${5:-50}
WRK_EXTRA=()
if [ "${6:-}" = close ]; then WRK_EXTRA=(-H 'Connection: close'); fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)

B_COMMIT=
if [[ $COMMIT == *..* ]]; then B_COMMIT=${COMMIT#*..}; COMMIT=${COMMIT%%..*}; fi
SHA=$(git -C "$ROOT" rev-parse --short "$COMMIT^{commit}")
B_SHA=
if [ -n "$B_COMMIT" ]; then B_SHA=$(git -C "$ROOT" rev-parse --short "$B_COMMIT^{commit}"); fi

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_init

TREE=$(mktemp -d)
B_TREE=$ROOT
if [ -n "$B_SHA" ]; then B_TREE=$(mktemp -d); fi
cleanup() {
  bench_stop
  for t in "$TREE" "$B_TREE"; do
    if [ "$t" != "$ROOT" ]; then git -C "$ROOT" worktree remove --force "$t" 2>/dev/null || rm -rf "$t"; fi
  done
}
trap cleanup EXIT
git -C "$ROOT" worktree add --detach --quiet "$TREE" "$SHA"
ln -s "$ROOT/node_modules" "$TREE/node_modules"
if [ -n "$B_SHA" ]; then
  git -C "$ROOT" worktree add --detach --quiet "$B_TREE" "$B_SHA"
  ln -s "$ROOT/node_modules" "$B_TREE/node_modules"
fi

WORKERS=()
case "$STAGE" in 03* | 3 | 04* | 4) WORKERS=(--workers 2) ;; esac

declare -A URL PROCS
read -r u p w < <(bench_start env -C "$TREE" node --import tsx bin/stage.ts "$STAGE" docs.app:app --port 0 "${WORKERS[@]}"); URL[A]=$u; PROCS[A]="$p ${w//,/ }"; PIDS+=("$p")
read -r u p w < <(bench_start env -C "$B_TREE" node --import tsx bin/stage.ts "$STAGE" docs.app:app --port 0 "${WORKERS[@]}"); URL[B]=$u; PROCS[B]="$p ${w//,/ }"; PIDS+=("$p")
HZ=$(getconf CLK_TCK)
B_NAME="in the working tree"
if [ -n "$B_SHA" ]; then B_NAME="at $B_SHA"; fi
echo "# A: stage $STAGE at $SHA (${URL[A]}), B: stage $STAGE $B_NAME (${URL[B]})"
echo "# wrk -t1 -c$CONNECTIONS -d$DURATION ${WRK_EXTRA[*]} GET /; generator and servers share $(nproc) cores; node $(node --version); $(date -u +%FT%TZ)"
for t in A B; do wrk -t1 -c"$CONNECTIONS" -d2s "${WRK_EXTRA[@]}" "${URL[$t]}/" >/dev/null; done # warm-up

RATIO=(); EFFR=()
for r in $(seq 1 "$ROUNDS"); do
  declare -A RPS EFF
  order="A B"
  if [ $((r % 2)) = 0 ]; then order="B A"; fi # alternate who goes first: the order itself can bias
  for t in $order; do
    # shellcheck disable=SC2086
    before=$(cpu_ticks ${PROCS[$t]})
    out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "${WRK_EXTRA[@]}" "${URL[$t]}/")
    # shellcheck disable=SC2086
    after=$(cpu_ticks ${PROCS[$t]})
    RPS[$t]=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    EFF[$t]=$(awk -v n="$reqs" -v a="$after" -v b="$before" -v hz="$HZ" 'BEGIN{printf "%.0f", n/((a-b)/hz)}')
    errors=$(echo "$out" | grep -E 'Socket errors|Non-2xx' | tr -s ' ' | tr '\n' ' ' || true)
    echo "round $r $t: ${RPS[$t]} req/s, ${EFF[$t]} requests per server CPU-second ${errors}"
  done
  RATIO+=("$(awk -v a="${RPS[A]}" -v b="${RPS[B]}" 'BEGIN{printf "%.2f", b/a}')")
  EFFR+=("$(awk -v a="${EFF[A]}" -v b="${EFF[B]}" 'BEGIN{printf "%.2f", b/a}')")
done
echo "## B/A, req/s, round by round: ${RATIO[*]}; median $(median "${RATIO[@]}")"
echo "## B/A, requests per server CPU-second, round by round: ${EFFR[*]}; median $(median "${EFFR[@]}")"
