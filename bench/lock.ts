/**
 * One load at a time: every bench command runs under the shared lock `/tmp/nibiru-bench.lock`,
 * so that two benchmarks never share the cores (on a 2-core machine that would halve both).
 *
 * Strategy: unless `NIBIRU_BENCH_LOCKED=1` says a parent holds it for us, start a small
 * `flock(1)` child that waits for the lock (at most `NIBIRU_BENCH_LOCK_WAIT` seconds, default
 * 1800; then the command exits {@link LOCK_BUSY}), says so, and holds it until its standard
 * input closes, which happens when this command ends, however it ends. Before waiting, say
 * who holds it and since when: the holder writes its pid, command and start time to
 * `<lock>.owner`; a holder that did not (someone's own `flock <lock> ...`) is found in
 * `/proc/locks` by the lock file's inode, and named by its command line and start time.
 * Without `flock` (macOS) the command runs unlocked and says so. A command already started
 * under `flock <lock file> ...` is recognised by walking up its parent processes, so that it
 * does not wait for itself.
 */

import { spawn, spawnSync } from 'node:child_process';
import type { Socket } from 'node:net';
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { CLOCK_TICKS, statFields } from './cpu.ts';
import { formatDuration } from './cli-args.ts';

/** The lock file every load-generating command takes. */
const LOCK_FILE = process.env.NIBIRU_BENCH_LOCK ?? '/tmp/nibiru-bench.lock';

/** Where the holder of the lock says who it is. */
const OWNER_FILE = `${LOCK_FILE}.owner`;

/** The exit status when the lock could not be taken within `NIBIRU_BENCH_LOCK_WAIT` seconds. */
export const LOCK_BUSY = 75;

/** Who holds the lock. */
export interface Holder {
  readonly pid: number;
  /** What it runs, as far as can be told. */
  readonly command: string;
  /** When it took the lock (from the owner file) or started (from `/proc`), epoch ms. */
  readonly since?: number;
  /** Whether {@link since} is when the process started rather than when it took the lock. */
  readonly sinceIsStart: boolean;
}

function hasFlock(): boolean {
  return spawnSync('flock', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The parents of `pid`, nearest first, as far as `/proc` tells (at most 20, init excluded). */
function parentsOf(pid: number): number[] {
  const parents: number[] = [];
  try {
    for (let p = pid; parents.length < 20; ) {
      p = Number(statFields(readFileSync(`/proc/${p}/stat`, 'utf8'))[1]);
      if (!(p > 1)) break;
      parents.push(p);
    }
  } catch {
    // a parent that exited, or no /proc: what was read so far
  }
  return parents;
}

/** Whether a parent process is `flock` on {@link LOCK_FILE} (read from `/proc`). */
function ancestorHoldsLock(): boolean {
  return parentsOf(process.pid).some((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv[0]?.endsWith('flock') === true && argv.includes(LOCK_FILE);
    } catch {
      return false;
    }
  });
}

/** Whether the lock is free right now (a non-blocking try, released at once). */
function lockIsFree(): boolean {
  return spawnSync('flock', ['-n', LOCK_FILE, 'true'], { stdio: 'ignore' }).status === 0;
}

/** The pids holding a `flock` on the lock file, from `/proc/locks` (empty where there is none). */
export function lockHolderPids(locks: string, inode: number): number[] {
  const pids: number[] = [];
  for (const line of locks.split('\n')) {
    // "1: FLOCK  ADVISORY  WRITE 12345 00:2a:67890 0 EOF"
    const m = /^\d+:\s+FLOCK\s+\S+\s+\S+\s+(\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s/.exec(line);
    if (m && Number(m[2]) === inode) pids.push(Number(m[1]));
  }
  return pids;
}

function processStart(pid: number): number | undefined {
  try {
    const startTicks = Number(statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(startTicks) && Number.isFinite(btime) ? btime * 1000 + (startTicks * 1000) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the lock, as far as this machine can tell; undefined when nobody can be named. */
function findHolder(): Holder | undefined {
  let owner: { pid: number; command: string; since: number } | undefined;
  try {
    owner = JSON.parse(readFileSync(OWNER_FILE, 'utf8')) as { pid: number; command: string; since: number };
  } catch {
    owner = undefined;
  }
  let pids: number[] = [];
  try {
    pids = lockHolderPids(readFileSync('/proc/locks', 'utf8'), statSync(LOCK_FILE).ino);
  } catch {
    pids = [];
  }
  // the owner file is only to be believed while its writer lives (and, where /proc/locks
  // tells, is a holder, a child of one (under `flock <lock> ...`), or the parent of one: the
  // flock child that runUnderLock starts)
  if (owner && alive(owner.pid) && (pids.length === 0 || pids.some((p) => p === owner!.pid || parentsOf(owner!.pid).includes(p) || parentsOf(p).includes(owner!.pid)))) {
    return { pid: owner.pid, command: owner.command, since: owner.since, sinceIsStart: false };
  }
  const pid = pids[0];
  if (pid === undefined) return undefined;
  let command = 'a process that did not say what it runs';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    // keep the generic description
  }
  const since = processStart(pid);
  return { pid, command, ...(since !== undefined ? { since } : {}), sinceIsStart: true };
}

/** The line printed before waiting for the lock. */
export function waitingLine(holder: Holder | undefined, waitS: number, now = Date.now()): string {
  const who = holder
    ? `held by pid ${holder.pid} (${holder.command})` +
      (holder.since !== undefined
        ? `, ${holder.sinceIsStart ? 'a process running since' : 'since'} ${new Date(holder.since).toISOString().slice(11, 19)} UTC (${formatDuration((now - holder.since) / 1000)} ago)`
        : '')
    : 'held by a process this machine cannot name (no /proc/locks)';
  return `bench: waiting for the bench lock ${LOCK_FILE}, ${who}; waiting at most ${formatDuration(waitS)} (NIBIRU_BENCH_LOCK_WAIT)`;
}

/** Records that this process holds the lock, and forgets it when the process exits. */
function claim(command: string): void {
  try {
    writeFileSync(OWNER_FILE, JSON.stringify({ pid: process.pid, command, since: Date.now() }) + '\n');
  } catch {
    return; // a lock without an owner file still locks; waiters just learn less
  }
  process.once('exit', () => {
    try {
      if ((JSON.parse(readFileSync(OWNER_FILE, 'utf8')) as { pid: number }).pid === process.pid) unlinkSync(OWNER_FILE);
    } catch {
      // gone already
    }
  });
}

/** Prints a line on stderr, unless a parent command holds the lock for this one (and has said it). */
export function announce(line: string): void {
  if (process.env.NIBIRU_BENCH_LOCKED !== '1') process.stderr.write(`${line}\n`);
}

/**
 * Takes the lock for the rest of this command (or returns at once when a parent holds it, or
 * when `flock` is missing); exits {@link LOCK_BUSY} when it cannot within
 * `NIBIRU_BENCH_LOCK_WAIT` seconds.
 *
 * @param name the command's npm script, for the owner file (`bench:compare`).
 */
export async function runUnderLock(name: string): Promise<void> {
  const command = `npm run ${name}${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  if (process.env.NIBIRU_BENCH_LOCKED === '1' || ancestorHoldsLock()) {
    claim(command);
    return;
  }
  if (!hasFlock()) {
    process.stderr.write(`bench: flock(1) not found; running without the shared lock ${LOCK_FILE}\n`);
    return;
  }
  const wait = Number(process.env.NIBIRU_BENCH_LOCK_WAIT ?? '1800');
  if (!lockIsFree()) process.stderr.write(`${waitingLine(findHolder(), wait)}\n`);
  // the child holds the lock while its stdin is open: until this process ends, even by SIGKILL
  const child = spawn('flock', ['-E', String(LOCK_BUSY), '-w', String(wait), LOCK_FILE, 'sh', '-c', 'echo locked; read _'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const taken = await new Promise<boolean>((resolve) => {
    child.stdout.once('data', () => resolve(true));
    child.once('exit', () => resolve(false));
  });
  if (!taken) {
    process.stderr.write(`bench: gave up waiting for ${LOCK_FILE} after ${formatDuration(wait)}\n`);
    process.exit(LOCK_BUSY);
  }
  child.stdout.destroy();
  (child.stdin as Socket).unref(); // the lock must not keep the command alive
  child.unref();
  claim(command);
}
