/**
 * Logs that teach (issue 12 item 3): with `--access-log`, one line per response on stdout
 * (time, the pid of the process that served it, method, target, status, body bytes,
 * milliseconds), so that one can see which worker served what; without it, nothing per
 * request. On SIGINT/SIGTERM the server says that it stops, with how many connections are
 * open, and that it has stopped. `--log-level` and `-q` quiet it; errors are always printed.
 *
 * Each test starts its own server. Waits are on events: a response, a line on stdout or
 * stderr, the exit.
 */

import { describe, expect } from 'vitest';
import { KeepAliveClient as Client } from '../harness/client.ts';
import { runStage, startStage, waitUntil, type StageProcess } from '../harness/launcher.ts';
import { send } from './processes.ts';
import { expects, STAGE_ARGS, stagesUnderTest, stageTest } from './stages.ts';

/** An access-log line: ISO time, pid, method, target, status, body bytes, milliseconds. */
const ACCESS_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) pid=(\d+) (\S+) (\S+) (\d{3}) (\d+) (\d+(?:\.\d+)?)ms$/;

for (const { name, target } of stagesUnderTest()) {
  const test = stageTest(name, 'request-line');
  const hasWorkers = expects(name, 'workers');
  const start = (args: readonly string[] = []): Promise<StageProcess> =>
    startStage(target, { args: [...(STAGE_ARGS[name] ?? []), ...(hasWorkers ? ['--workers', '1'] : []), ...args] });
  /** The pids that serve requests. */
  const servers = (proc: StageProcess): number[] => (hasWorkers ? proc.workerPids : [proc.pid]);

  describe(`logs [${name}]`, () => {
    test('without --access-log, nothing is printed per request', async () => {
      const proc = await start();
      try {
        for (const path of ['/', '/nope']) {
          const c = await Client.connect(proc.port);
          await c.get(path);
          c.destroy();
        }
        expect(proc.stdout().trim().split('\n')).toEqual([proc.readyLine]);
        expect(proc.stderr()).toBe('');
      } finally {
        await proc.stop();
      }
    });

    test('--access-log: one line per response on stdout, with time, pid, method, target, status, body bytes and milliseconds', async () => {
      const proc = await start(['--access-log']);
      try {
        const before = Date.now();
        for (const path of ['/', '/nope?x=1']) {
          const c = await Client.connect(proc.port);
          await c.get(path);
          c.destroy();
        }
        // a request the server answers itself: 400, and the line says what it could read
        const bad = await Client.connect(proc.port);
        await send(bad.socket, 'GET  / HTTP/1.1\r\nHost: x\r\n\r\n');
        expect((await bad.response()).status).toBe(400);
        bad.destroy();
        const lines = (): string[] => proc.stdout().trim().split('\n').slice(1);
        await waitUntil(() => lines().length >= 3, 'three access-log lines');
        const parsed = lines().map((l) => ACCESS_LINE.exec(l));
        expect(parsed.every((m) => m !== null), lines().join('\n')).toBe(true);
        const fields = parsed.map((m) => m!.slice(2, 7));
        const pid = fields[0]![0]!;
        expect(servers(proc)).toContain(Number(pid));
        expect(fields).toEqual([
          [pid, 'GET', '/', '200', '11'],
          [expect.any(String), 'GET', '/nope?x=1', '404', '10'],
          // the method, when the server could read it
          [expect.any(String), expect.any(String), '-', '400', expect.any(String)],
        ]);
        for (const m of parsed) {
          expect(Date.parse(m![1]!)).toBeGreaterThanOrEqual(before - 1000);
          expect(Number.isFinite(Number(m![7]))).toBe(true);
        }
        expect(proc.stderr()).toBe('');
      } finally {
        await proc.stop();
      }
    });

    // stage 01 closes every connection after its response: there is nothing to drain
    const persistenceTest = stageTest(name, 'persistence');
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      persistenceTest(`${signal}: "stopping" with the connections open, then "stopped"; exit 0`, async () => {
        const proc = await start();
        const idle = await Client.connect(proc.port);
        try {
          // an idle keep-alive connection: open, nothing in progress
          expect((await idle.get('/')).status).toBe(200);
          expect(await proc.stop(signal)).toEqual({ code: 0, signal: null });
          await proc.finished;
          const lines = proc.stderr().trim().split('\n');
          if (hasWorkers) {
            // the master does not hold the connections; the worker that does says how many
            expect(lines[0]).toBe(`nibiru-ts: ${signal}: stopping 1 worker; grace 5s`);
            expect(lines).toContain(`nibiru-ts: worker ${proc.workerPids[0]} stopping: 1 connection open, 0 busy`);
          } else {
            expect(lines[0]).toBe(`nibiru-ts: ${signal}: stopping: 1 connection open, 0 busy; grace 5s`);
          }
          expect(lines.at(-1)).toBe('nibiru-ts: stopped');
        } finally {
          idle.destroy();
          await proc.stop();
        }
      });
    }

    for (const quiet of [['-q'], ['--log-level', 'warn'], ['--log-level=error']]) {
      test(`${quiet.join(' ')}: a clean stop prints nothing`, async () => {
        const proc = await start(quiet);
        expect(await proc.stop('SIGTERM')).toEqual({ code: 0, signal: null });
        await proc.finished;
        expect(proc.stderr()).toBe('');
      });
    }

    const workersTest = hasWorkers ? test : stageTest(name, 'workers');
    workersTest('--log-level warn: a worker that dies and its replacement are still logged', async () => {
      const proc = await start(['--log-level', 'warn']);
      try {
        const victim = proc.workerPids[0]!;
        process.kill(victim, 'SIGKILL');
        await proc.waitForStderr(new RegExp(`worker ${victim} killed by SIGKILL; starting a replacement in \\d+ ms`));
      } finally {
        await proc.stop();
      }
    });

    test('--log-level takes error, warn or info: anything else is one line, exit 2', async () => {
      const r = await runStage(target, ['docs.app:app', '--port', '0', '--log-level', 'loud']);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([`nibiru-ts: error: bad log-level 'loud': expected error, warn or info`]);
    });
  });
}
