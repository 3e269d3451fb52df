/**
 * Workers die with their master (issue 10 item 3). After `kill -9` of the master, a worker
 * notices as soon as it gets control back: it stops accepting, serves what it already holds
 * (with `Connection: close`), and exits, so that the port is free for a new server. A worker
 * stuck in a call longer than `--timeout` cannot get control back; its watchdog ends it.
 *
 * The worker is kept inside `/slow` while the master dies, so that every event reaches it at
 * once when the call returns. Waits are on events (the worker blocking in the app, responses,
 * process exits); the outcomes are responses, closed connections, and a new server listening
 * on the same port.
 */

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KeepAliveClient as Client, sleep } from '../harness/client.ts';
import { PATIENCE_MS, ROOT, stageCommand, startStage, type StageProcess } from '../harness/launcher.ts';
import { get } from './messages.ts';
import { allGone, blockedInApp, send, stderrMatch } from './processes.ts';
import { expects, STAGE_ARGS, stagesUnderTest, stageTest } from './stages.ts';

/** Whether this Linux lists a process's children (`/proc/<pid>/task/<pid>/children`). */
const HAS_CHILDREN_FILE = existsSync(`/proc/${process.pid}/task/${process.pid}/children`);

/** The worker processes `pid` has forked so far (its children that run `worker.ts`). */
function workersOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
      .filter((child) => {
        try {
          return /worker\.[jt]s\b/.test(readFileSync(`/proc/${child}/cmdline`, 'utf8')); // compiled or through tsx
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

for (const { name, target } of stagesUnderTest()) {
  const test = expects(name, 'workers') ? it : stageTest(name, 'workers');
  const start = (args: readonly string[], port = 0): Promise<StageProcess> =>
    startStage(target, { args: [...(STAGE_ARGS[name] ?? []), ...args, '--port', String(port)] });

  /** A new server binds the same port and serves: nothing of the old one holds it. */
  async function portIsFree(port: number): Promise<void> {
    const next = await start(['--workers', '1'], port);
    try {
      expect(next.port).toBe(port);
      const c = await Client.connect(port);
      expect((await c.get('/')).status).toBe(200);
      c.destroy();
    } finally {
      await next.stop();
    }
  }

  describe(`workers die with their master [${name}]`, () => {
    test('kill -9 of the master during a call: the worker serves what it holds, with Connection: close, exits, and frees the port', async () => {
      const proc = await start(['--workers', '1']);
      const slow = await Client.connect(proc.port);
      const idle = await Client.connect(proc.port);
      const clients = [slow, idle];
      try {
        const worker = proc.workerPids[0]!;
        expect(await idle.pid()).toBe(worker);
        const slowResponse = slow.get('/slow?ms=1500', 20_000);
        await blockedInApp(worker);
        proc.child.kill('SIGKILL');
        expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
        // a request on the worker's idle keep-alive connection, sent after the master died
        await send(idle.socket, get('/pid'));
        const late: Client[] = [];
        if (name !== '03-fd-passing') {
          // stage 04: a connection the kernel queues on the socket the worker shares (stage 03's
          // listener died with its master)
          late.push(await Client.connect(proc.port));
          clients.push(...late);
          await send(late[0]!.socket, get('/'));
        }
        expect((await slowResponse).status).toBe(200);
        const res = await idle.response(20_000);
        expect(res.status).toBe(200);
        expect(res.body.toString()).toBe(`${worker}\n`);
        expect(res.header('connection')).toBe('close');
        for (const c of late) {
          const r = await c.response(20_000);
          expect(r.status).toBe(200);
          expect(r.header('connection')).toBe('close');
        }
        await allGone([worker]);
        await portIsFree(proc.port);
      } finally {
        for (const c of clients) c.destroy();
        for (const pid of proc.workerPids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
      }
    }, 60_000);

    (HAS_CHILDREN_FILE ? test : it.skip)('kill -9 of the master while its workers are still starting: they exit too', async () => {
      const master = spawn(process.execPath, [...stageCommand(target), 'docs.app:app', '--port', '0', ...(STAGE_ARGS[name] ?? []), '--workers', '2'], {
        cwd: ROOT,
        stdio: 'ignore',
      });
      let workers: number[] = [];
      try {
        // as soon as the master has forked both: they are still loading their modules
        const deadline = Date.now() + PATIENCE_MS;
        while ((workers = workersOf(master.pid!)).length < 2 && Date.now() < deadline) await sleep(5);
        expect(workers).toHaveLength(2);
        master.kill('SIGKILL');
        await allGone(workers);
      } finally {
        master.kill('SIGKILL');
        for (const pid of workers) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
      }
    }, 60_000);

    test('a worker stuck longer than --timeout after its master died ends itself, and frees the port', async () => {
      const proc = await start(['--workers', '1', '--timeout', '1s']);
      const c = await Client.connect(proc.port);
      try {
        const worker = proc.workerPids[0]!;
        const stuck = c.get('/slow?ms=8000', 20_000);
        await blockedInApp(worker);
        proc.child.kill('SIGKILL');
        // a response would mean the worker ran the whole call, holding the port all along
        await expect(stuck).rejects.toThrow(/closed/);
        await allGone([worker]);
        const line = (await stderrMatch(proc, /^nibiru-ts: worker .*$/m))[0];
        expect(line).toContain(`worker ${worker}`);
        expect(line).toContain('GET /slow?ms=8000');
        await portIsFree(proc.port);
      } finally {
        c.destroy();
        for (const pid of proc.workerPids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
      }
    }, 60_000);
  });
}
