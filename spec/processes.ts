/**
 * Waiting on server processes, for the specs about their life cycle (`shutdown.spec.ts`,
 * `timeout.spec.ts`, `dead-master.spec.ts`): until a process is blocked inside the
 * application, until its stderr says something, until it is gone.
 *
 * Strategy: every wait is on an event the operating system or the server reports (a process
 * state in `/proc`, a line on stderr, a connection's bytes having left), never a sleep guessed
 * for the machine's speed. Each wait has a generous deadline so that a server that never gets
 * there fails the test instead of hanging it. Waiting until a process is blocked in the app
 * is the launcher's `blockedInApp`, re-exported here.
 */

import { readFileSync } from 'node:fs';
import type net from 'node:net';
import { sleep } from '../harness/client.ts';
import { PATIENCE_MS, waitForWchan, type StageProcess } from '../harness/launcher.ts';

export { blockedInApp } from '../harness/launcher.ts';

/** Waits until `pattern` appears on the server's stderr, and returns the match. */
export async function stderrMatch(proc: StageProcess, pattern: RegExp, timeoutMs = PATIENCE_MS): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(proc.stderr());
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`stderr never matched ${pattern}; stderr: ${proc.stderr()}`);
    await sleep(20);
  }
}

/**
 * Waits until every process of `proc` (the master, then each worker) has been idle in its
 * event loop (`epoll_wait`) for `steadyMs` on end: whatever bytes were sent to it before the
 * call have been read and acted on, and it is waiting for more. A spec uses it to know that
 * the server has seen a header section (and sent what it sends for one), or has written all
 * it can of a response to a client that does not read. Where there is no `/proc`, a pause of
 * a second per process has to do. A worker replaced since the ready line is not waited for
 * (nor is its replacement, which the ready line does not name).
 */
export async function settled(proc: StageProcess, steadyMs = 100): Promise<void> {
  for (const pid of [proc.pid, ...proc.workerPids]) {
    if (gone(pid)) continue; // a worker replaced since the ready line
    await waitForWchan([pid], /epoll/, 'idle in its event loop', 1000, PATIENCE_MS, steadyMs);
  }
}

/**
 * `promise`, or a rejection saying `what` did not happen within `ms`: a wait with its own
 * deadline, so that a server that never gets there fails the test with a message, not by
 * running into vitest's time limit.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether `pid` has exited. A process whose parent died is reaped by init, maybe not at once:
 * until then it is a zombie, which `kill(pid, 0)` still finds. A zombie holds no descriptor,
 * so it counts as gone.
 */
export function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the state follows the command name, which is in parentheses and may hold spaces
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }
}

/** Waits until every one of `pids` has exited. */
export async function allGone(pids: readonly number[], timeoutMs = PATIENCE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pids.every(gone)) {
    if (Date.now() > deadline) throw new Error(`still running after ${timeoutMs} ms: ${pids.filter((p) => !gone(p)).join(', ')}`);
    await sleep(20);
  }
}

/** Writes `bytes` on `socket` and resolves once they have been handed to the kernel. */
export function send(socket: net.Socket, bytes: string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(bytes, 'latin1', (err) => (err ? reject(err) : resolve())));
}

/**
 * The lines of `stderr` other than those of a clean stop ("SIGTERM: stopping ...", a worker's
 * "stopping: N connections open", "stopped"): what a spec expects to be empty.
 */
export function besidesStopping(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !/^nibiru-ts: (SIG[A-Z]+: stopping\b|worker \d+ stopping: |stopped$)/.test(l));
}
