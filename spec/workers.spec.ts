/**
 * Supervision of a server made of several processes (stages 03 and 04): a worker that dies is
 * replaced while the others keep serving, a worker that cannot load the application stops the
 * server with the application's error, and SIGTERM lets the requests in flight finish.
 *
 * Each test starts its own server (it kills workers, or the server itself), with the stage's
 * spec arguments (`--workers 2`). Nothing here measures time: every wait is for an event (a
 * line on stderr, a response, an exit, a worker blocked in the app), and every assertion is
 * about outcomes (responses, pids, exit codes).
 */

import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KeepAliveClient as Client } from '../harness/client.ts';
import { blockedInApp, runStage, startStage, waitUntil, type StageProcess, type StartOptions } from '../harness/launcher.ts';
import { besidesStopping } from './processes.ts';
import { expects, STAGE_ARGS, stagesUnderTest, stageTest } from './stages.ts';

/** The preload that makes a worker die as it starts (see the file). */
const CRASH_ON_START = fileURLToPath(new URL('./apps/worker-crash-on-start.cjs', import.meta.url));

/** One request on a fresh connection; resolves with the body, or undefined when it failed. */
async function once(port: number, path: string): Promise<string | undefined> {
  try {
    const c = await Client.connect(port);
    try {
      const res = await c.get(path);
      return res.status === 200 ? res.body.toString() : undefined;
    } finally {
      c.destroy();
    }
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const { name, target } of stagesUnderTest()) {
  const test = expects(name, 'workers') ? it : stageTest(name, 'workers');
  const start = (options: StartOptions = {}): Promise<StageProcess> =>
    startStage(target, { ...options, args: [...(STAGE_ARGS[name] ?? []), ...(options.args ?? [])] });

  describe(`supervision of workers [${name}]`, () => {
    test('the ready line lists one pid per worker (-w 3, as gunicorn); they serve; nothing is printed per request', async () => {
      const proc = await start({ args: ['-w', '3'] });
      try {
        expect(proc.workerPids).toHaveLength(3);
        expect(new Set([proc.pid, ...proc.workerPids]).size).toBe(4);
        for (const pid of proc.workerPids) expect(alive(pid)).toBe(true);
        const seen = new Set<string>();
        for (let i = 0; i < 60 && seen.size < 2; i++) seen.add((await once(proc.port, '/pid'))!.trim());
        // every answer comes from a worker, never from the master
        for (const pid of seen) expect(proc.workerPids).toContain(Number(pid));
        expect(seen.size).toBeGreaterThan(1);
        expect(proc.stdout().trim().split('\n')).toEqual([proc.readyLine]);
        expect(proc.stderr()).toBe('');
      } finally {
        await proc.stop();
      }
    });

    test('kill -9 of a worker under a steady load: only requests in flight on it fail, and a new worker is up', async () => {
      const proc = await start();
      try {
        const [victim, survivor] = proc.workerPids as [number, number];
        const concurrency = 4;
        const results: Array<{ ok: boolean; afterKill: boolean }> = [];
        let killed = false;
        let loading = true;
        const loop = async (): Promise<void> => {
          while (loading) {
            const body = await once(proc.port, '/');
            results.push({ ok: body === 'Nibiru Docs', afterKill: killed });
          }
        };
        const load = Promise.all(Array.from({ length: concurrency }, loop));
        const servedOk = (afterKill: boolean): number => results.filter((r) => r.ok && r.afterKill === afterKill).length;
        // the load is steady once a few rounds have been served, however long that takes here
        await waitUntil(() => servedOk(false) >= 5 * concurrency, 'the load before the kill');
        process.kill(victim, 'SIGKILL');
        killed = true;
        // the load goes on until the master has started a replacement and many more were served
        const replacement = Number((await proc.waitForStderr(/worker (\d+) started/))[1]);
        await waitUntil(() => servedOk(true) >= 5 * concurrency, 'the load after the kill');
        loading = false;
        await load;

        const failures = results.filter((r) => !r.ok).length;
        // each client has one request in flight at a time: at most `concurrency` were on the victim
        expect(failures).toBeLessThanOrEqual(concurrency);
        expect(results.slice(-10).every((r) => r.ok)).toBe(true);

        expect(proc.stderr()).toContain(`worker ${victim} killed by SIGKILL`);
        expect([victim, survivor, proc.pid]).not.toContain(replacement);
        expect(alive(replacement)).toBe(true);
        // the replacement serves: some fresh connection reaches it
        let served = false;
        for (let i = 0; i < 100 && !served; i++) served = (await once(proc.port, '/pid'))?.trim() === String(replacement);
        expect(served).toBe(true);
        expect(await proc.stop()).toEqual({ code: 0, signal: null });
      } finally {
        await proc.stop();
      }
    });

    test('a worker killed by an uncaught exception is replaced; the other keeps serving', async () => {
      const proc = await start({ app: 'spec.apps.worker-crash:app' });
      try {
        const crash = await once(proc.port, '/crash');
        const crashed = Number(/crashing (\d+)/.exec(crash ?? '')?.[1]);
        expect(proc.workerPids).toContain(crashed);
        await proc.waitForStderr(new RegExp(`worker ${crashed} exited with code 1; starting a replacement in \\d+ ms`));
        await proc.waitForStderr(/crashes on purpose/);
        const replacement = Number((await proc.waitForStderr(/worker (\d+) started/))[1]);
        expect(alive(replacement)).toBe(true);
        for (let i = 0; i < 10; i++) expect(await once(proc.port, '/')).toBe('Nibiru Docs');
      } finally {
        await proc.stop();
      }
    });

    test('a crash loop is slowed down: each replacement waits twice as long as the one before', async () => {
      // Once the marker exists, a new worker dies as it starts (worker-crash-on-start.cjs): its
      // short life, not the machine's speed, decides the delays (a life of 10 s resets them).
      const marker = path.join(os.tmpdir(), `nibiru-spec-crash-${process.pid}-${name}`);
      rmSync(marker, { force: true });
      const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(CRASH_ON_START)}`.trim();
      const proc = await start({ args: ['--workers', '1'], env: { NODE_OPTIONS: nodeOptions, NIBIRU_SPEC_CRASH_FILE: marker } });
      try {
        writeFileSync(marker, 'crash\n');
        process.kill(proc.workerPids[0]!, 'SIGKILL');
        await proc.waitForStderr(/(?:starting a replacement in (\d+) ms[\s\S]*){3}/);
        const delays = [...proc.stderr().matchAll(/starting a replacement in (\d+) ms/g)].map((m) => Number(m[1]));
        expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
        expect(proc.stderr()).toContain('dies as it starts');
      } finally {
        rmSync(marker, { force: true });
        await proc.stop();
      }
    });

    test('--workers must be a whole number from 1 to 64: one line, exit 2', async () => {
      for (const bad of ['0', '65', 'two']) {
        const r = await runStage(target, ['docs.app:app', '--port', '0', '--workers', bad]);
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toEqual([`nibiru-ts: error: bad workers '${bad}': expected a whole number from 1 to 64`]);
      }
    });

    test('a worker that cannot load the application: the master exits 1 with the error, no respawn loop', async () => {
      const r = await runStage(target, ['spec.apps.worker-broken:app', '--port', '0', ...(STAGE_ARGS[name] ?? []), '--workers', '2']);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toMatch(/^nibiru-ts: error: .*worker-broken: the database is unreachable/);
      // under it, the app's own frame only: no worker restarted, no stack of Node's loader
      expect(lines.slice(1)).toEqual([expect.stringMatching(/^ {4}at .*\/spec\/apps\/worker-broken\.ts:\d+:\d+\)?$/)]);
      expect(r.stdout).not.toMatch(/listening on/);
    });

    test('a replacement worker that cannot load the application: the master exits 1 with the error', async () => {
      const marker = path.join(os.tmpdir(), `nibiru-spec-break-${process.pid}-${name}`);
      rmSync(marker, { force: true });
      const proc = await start({ app: 'spec.apps.worker-load-fails-later:app', env: { NIBIRU_SPEC_BREAK_FILE: marker } });
      try {
        writeFileSync(marker, 'broken\n');
        process.kill(proc.workerPids[0]!, 'SIGKILL');
        // finished, not exited: the lines below are the last the master printed
        expect(await proc.finished).toEqual({ code: 1, signal: null });
        const lines = proc.stderr().trim().split('\n');
        expect(lines[0]).toContain(`worker ${proc.workerPids[0]} killed by SIGKILL`);
        // the error, then the app's own frame (its top-level throw), none of Node's loader
        expect(lines.at(-2)).toMatch(/^nibiru-ts: error: .*worker-load-fails-later: .* exists, the app is broken$/);
        expect(lines.at(-1)).toMatch(/^ {4}at .*\/spec\/apps\/worker-load-fails-later\.ts:\d+:\d+\)?$/);
        expect(proc.stderr()).not.toMatch(/node:internal|node_modules/);
        for (const w of proc.workerPids) expect(alive(w)).toBe(false);
      } finally {
        rmSync(marker, { force: true });
        await proc.stop();
      }
    });

    test('SIGTERM during a /slow request: the request completes, then the server exits 0', async () => {
      const proc = await start({ args: ['--workers', '2'] });
      const c = await Client.connect(proc.port);
      try {
        // a first response proves the connection has reached a worker
        const pid = (await c.get('/pid')).body.toString().trim();
        expect(proc.workerPids).toContain(Number(pid));
        const slow = c.get('/slow?ms=1500');
        await blockedInApp(Number(pid));
        const exited = proc.stop('SIGTERM');
        const res = await slow;
        expect(res.status).toBe(200);
        expect(res.body.toString()).toBe(`slept 1500 ms in ${pid}\n`);
        expect(await exited).toEqual({ code: 0, signal: null });
        for (const w of proc.workerPids) expect(alive(w)).toBe(false);
        await proc.finished;
        expect(besidesStopping(proc.stderr())).toEqual([]);
        // the worker sees the signal only once the call has returned and its response is out:
        // its connection is open, and no longer busy
        expect(proc.stderr()).toMatch(new RegExp(`^nibiru-ts: worker ${pid} stopping: 1 connection open, 0 busy$`, 'm'));
      } finally {
        c.destroy();
        await proc.stop();
      }
    });
  });
}
