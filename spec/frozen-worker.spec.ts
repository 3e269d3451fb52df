/**
 * Frozen workers are replaced: a worker stopped as a whole (SIGSTOP here; a process frozen in
 * the kernel is the same to its master) cannot tell anyone, since its watchdog thread is
 * stopped with it. The master, which hears from every watchdog at each of its looks, kills a
 * worker it has not heard from for longer than `--timeout` and forks a replacement, as
 * gunicorn's arbiter does a worker whose heartbeat is that old.
 *
 * One server with two workers and `--timeout 2s`. A keep-alive connection is held on each
 * worker, one worker is stopped, and from then on a new connection is opened every 100 ms.
 * The outcomes: a new worker within the timeout plus a second (measured from the SIGSTOP,
 * with /proc), the stopped one reaped (no zombie, no other child left behind), the connection
 * it held closed, the one held on the other worker still served, and every new connection
 * served, in stage 03 too, where the master chooses the worker.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { KeepAliveClient as Client, sleep } from '../harness/client.ts';
import { stderrMatch } from './processes.ts';
import { describeStages } from './stages.ts';

/** The `--timeout` of the server under test, in ms. */
const TIMEOUT_MS = 2_000;
/** How long the spec looks for a replacement before it says there is none. */
const LOOK_FOR_MS = 10_000;

/** The children of `pid` now: `/proc/<pid>/task/<pid>/children`, or every process's parent where Linux lacks it. */
function childrenOf(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((child) => {
      try {
        const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** The state letter of `pid` (`T` when stopped), or undefined when it is gone, zombie included. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0];
  } catch {
    return undefined;
  }
}

/** `GET /pid` on a fresh connection: the pid that served it, or the reason it was not served. */
async function servedBy(port: number): Promise<number | string> {
  let c: Client | undefined;
  try {
    c = await Client.connect(port);
    const res = await c.get('/pid', 15_000);
    return res.status === 200 ? Number(res.body.toString()) : `status ${res.status}`;
  } catch (err) {
    return String(err);
  } finally {
    c?.destroy();
  }
}

describeStages(
  'Frozen workers: replaced after --timeout',
  ({ server, spec }) => {
    spec('workers', 'a SIGSTOPped worker is killed and replaced within --timeout + 1 s; only the connections it held are lost', async () => {
      const proc = server();
      const held = new Map<number, Client>();
      const opened: Client[] = [];
      let frozen: number | undefined;
      try {
        // a keep-alive connection on each worker
        for (let i = 0; i < 40 && held.size < 2; i++) {
          const c = await Client.connect(proc.port);
          opened.push(c);
          const pid = await c.pid();
          if (!held.has(pid)) held.set(pid, c);
        }
        expect([...held.keys()].sort()).toEqual([...proc.workerPids].sort());
        const [stopped, other] = [...held.keys()] as [number, number];
        frozen = stopped;

        process.kill(stopped, 'SIGSTOP');
        const t0 = performance.now();
        while (stateOf(stopped) !== 'T') await sleep(5);

        // a new connection every 100 ms, from the stop until a while after the replacement
        const fresh: Promise<number | string>[] = [];
        let replacement: number | undefined;
        let replacedAfterMs = Infinity;
        let nextConnection = t0;
        while (performance.now() - t0 < LOOK_FOR_MS) {
          const now = performance.now();
          if (now >= nextConnection) {
            fresh.push(servedBy(proc.port));
            nextConnection += 100;
          }
          if (replacement === undefined) {
            const added = childrenOf(proc.pid).filter((pid) => pid !== stopped && pid !== other);
            if (stateOf(stopped) === undefined && added.length > 0) {
              replacement = added[0];
              replacedAfterMs = now - t0;
            }
          } else if (now - t0 > replacedAfterMs + 1_000) {
            break;
          }
          await sleep(10);
        }
        expect(replacedAfterMs, 'ms from SIGSTOP to a new worker').toBeLessThan(TIMEOUT_MS + 1_000);
        expect(existsSync(`/proc/${stopped}`), 'the stopped worker reaped, not a zombie').toBe(false);
        expect(childrenOf(proc.pid).sort()).toEqual([other, replacement].sort());
        frozen = undefined;
        await stderrMatch(proc, new RegExp(`worker ${stopped} has not been heard from for \\d+ ms \\(--timeout 2s\\)`));

        // only what the stopped worker held is lost
        await held.get(stopped)!.closedByServer(5_000);
        expect(await held.get(other)!.pid()).toBe(other);
        const served = await Promise.all(fresh);
        expect(served.filter((by) => by !== other && by !== replacement)).toEqual([]);
        expect(served.length).toBeGreaterThan(20);
      } finally {
        // on a server that does not replace it, let it go so that the server can stop
        if (frozen !== undefined && stateOf(frozen) !== undefined) process.kill(frozen, 'SIGCONT');
        for (const c of opened) c.destroy();
      }
    });
  },
  { args: ['--timeout', `${TIMEOUT_MS / 1000}s`] },
);
