/**
 * One load at a time: every bench command runs under the shared lock `/tmp/nibiru-bench.lock`,
 * so that two benchmarks never share the cores (on a 2-core machine that would halve both).
 *
 * Strategy: unless `NIBIRU_BENCH_LOCKED=1` says we already hold it, re-run this same command
 * under `flock(1)`, which waits for the lock (at most `NIBIRU_BENCH_LOCK_WAIT` seconds,
 * default 1800; exit status {@link LOCK_BUSY} if it cannot) and holds it until the command ends. Without `flock` (macOS) the command runs
 * unlocked and says so. A command already started under `flock <lock file> ...` (as the team's
 * notes suggest) is recognised by walking up its parent processes, so it does not wait for
 * itself.
 */

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The lock file every load-generating command takes. */
export const LOCK_FILE = process.env.NIBIRU_BENCH_LOCK ?? '/tmp/nibiru-bench.lock';

function hasFlock(): boolean {
  return spawnSync('flock', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The exit status when the lock could not be taken within `NIBIRU_BENCH_LOCK_WAIT` seconds. */
export const LOCK_BUSY = 75;

/** Whether a parent process is `flock` on {@link LOCK_FILE} (read from `/proc`). */
export function ancestorHoldsLock(): boolean {
  let pid = process.ppid;
  for (let depth = 0; depth < 20 && pid > 1; depth++) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('flock') && argv.includes(LOCK_FILE)) return true;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * Re-runs the current command under the lock and exits with its status, or returns when the
 * lock is already held (or cannot be taken).
 */
export function runUnderLock(): void {
  if (process.env.NIBIRU_BENCH_LOCKED === '1' || ancestorHoldsLock()) return;
  if (!hasFlock()) {
    process.stderr.write(`bench: flock(1) not found; running without the shared lock ${LOCK_FILE}\n`);
    return;
  }
  const wait = process.env.NIBIRU_BENCH_LOCK_WAIT ?? '1800';
  const child = spawnSync(
    'flock',
    ['-E', String(LOCK_BUSY), '-w', wait, LOCK_FILE, process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, NIBIRU_BENCH_LOCKED: '1' } },
  );
  process.exit(child.status ?? 1);
}
