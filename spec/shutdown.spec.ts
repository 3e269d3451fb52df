/**
 * Shutdown loses nothing that arrived (RFC 9112 §9.6, issue 10 item 1): on SIGTERM or SIGINT,
 * a request whose bytes reached the server before the signal is served, with
 * `Connection: close`, within `--grace`; only connections with nothing received are closed. A
 * request cut off when `--grace` runs out is logged (by the master, in the stages with
 * workers), and the exit status tells a clean stop (0) from one that cut requests off.
 *
 * The scenario is the issue's: the one process that serves (stage 02, or the only worker of
 * `--workers 1`) is blocked inside `/slow`, so it cannot accept or read anything; a second
 * request arrives, on a new connection or on an idle keep-alive one; then the signal. When the
 * process gets control back, the signal and the new bytes are all waiting for it.
 *
 * Each test starts its own server, since each ends it. Waits are on events: the serving
 * process blocking in the app (`/proc/<pid>/wchan`), bytes handed to the kernel, responses,
 * stderr lines, exits.
 */

import { describe, expect, it } from 'vitest';
import { KeepAliveClient as Client } from '../harness/client.ts';
import { startStage, type StageProcess } from '../harness/launcher.ts';
import { get, message } from './messages.ts';
import { besidesStopping, blockedInApp, send, stderrMatch } from './processes.ts';
import { expects, STAGE_ARGS, stagesUnderTest, stageTest } from './stages.ts';

/**
 * `promise`, marked as handled: a test that fails before it awaits a response (the stage never
 * blocks in the app, or the connection is refused) fails on that, and the response's own
 * rejection, when the connection then closes, is not reported by vitest as an unhandled error
 * of no test. Awaiting it still throws.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

for (const { name, target } of stagesUnderTest()) {
  const hasWorkers = expects(name, 'workers');
  const test = stageTest(name, 'persistence');
  const lifecycleTest = stageTest(name, 'lifecycle');
  const workersTest = hasWorkers ? it : stageTest(name, 'workers');
  /** Starts the stage with one serving process: stage 02 itself, or `--workers 1`. */
  const start = (args: readonly string[] = []): Promise<StageProcess> =>
    startStage(target, { args: [...(STAGE_ARGS[name] ?? []), ...(hasWorkers ? ['--workers', '1'] : []), ...args] });
  /** The pid of the process that serves requests. */
  const servingPid = (proc: StageProcess): number => proc.workerPids[0] ?? proc.pid;

  describe(`shutdown serves what arrived [${name}]`, () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      lifecycleTest(`${signal} while the app is busy: a request already sent on a new connection is served with Connection: close, and the exit status is 0`, async () => {
        const proc = await start();
        const slow = await Client.connect(proc.port);
        let second: Client | undefined;
        try {
          const slowResponse = handled(slow.get('/slow?ms=2000', 20_000));
          await blockedInApp(servingPid(proc));
          // the kernel completes the handshake and holds the request; the server has not accepted it
          second = await Client.connect(proc.port);
          await send(second.socket, get('/'));
          proc.child.kill(signal);
          const first = await slowResponse;
          expect(first.status).toBe(200);
          const res = await second.response(20_000);
          expect(res.status).toBe(200);
          expect(res.body.toString()).toBe('Nibiru Docs');
          expect(res.header('connection')).toBe('close');
          expect(await proc.exited).toEqual({ code: 0, signal: null });
          await proc.finished;
          expect(besidesStopping(proc.stderr())).toEqual([]);
        } finally {
          slow.destroy();
          second?.destroy();
          await proc.stop();
        }
      }, 60_000);
    }

    test('SIGTERM while the app is busy, then a request on an idle keep-alive connection: it is served, then the connection is closed', async () => {
      const proc = await start();
      const idle = await Client.connect(proc.port);
      const slow = await Client.connect(proc.port);
      try {
        // a first response: the connection is accepted, served, and idle in the server
        expect((await idle.get('/')).status).toBe(200);
        const slowResponse = handled(slow.get('/slow?ms=2000', 20_000));
        await blockedInApp(servingPid(proc));
        // The signal first, then the request: when the serving process gets control back, both
        // wait for it. libuv runs signal handlers after the other I/O of the same poll phase,
        // so the request is usually read first and answered without `Connection: close`; if the
        // shutdown comes first (a stage 03 worker is stopped by a message, which is I/O), the
        // idle connection gets a turn to read it, and it is answered with `close`. Either way,
        // it is served whole, then the connection closes.
        proc.child.kill('SIGTERM');
        await send(idle.socket, get('/pid'));
        expect((await slowResponse).status).toBe(200);
        const res = await idle.response(20_000);
        expect(res.status).toBe(200);
        expect(res.body.toString().trim()).toBe(String(servingPid(proc)));
        expect([undefined, 'close']).toContain(res.header('connection'));
        await idle.response(5_000).then(
          () => expect.fail('a second response'),
          (err: Error) => expect(err.message).toMatch(/closed/),
        );
        expect(await proc.exited).toEqual({ code: 0, signal: null });
      } finally {
        idle.destroy();
        slow.destroy();
        await proc.stop();
      }
    }, 60_000);

    test('a request cut off when --grace runs out is logged, and the exit status is not 0', async () => {
      const proc = await start(['--grace', '300ms']);
      const c = await Client.connect(proc.port);
      try {
        // half a body: the request is in progress, and the client never sends the rest
        await send(c.socket, message('POST / HTTP/1.1', ['Host: localhost', 'Content-Length: 10'], 'hello'));
        // a response on another connection: by then the serving process has read the POST's bytes
        const other = await Client.connect(proc.port);
        expect((await other.get('/')).status).toBe(200);
        other.destroy();
        proc.child.kill('SIGTERM');
        const exit = await proc.exited;
        expect(exit.signal).toBeNull();
        expect(exit.code).not.toBe(0);
        const line = (await stderrMatch(proc, /^.*cut off.*$/m))[0];
        expect(line).toMatch(/^nibiru-ts: .*cut off at the end of the grace period: POST \/ from 127\.0\.0\.1:\d+/);
        if (hasWorkers) expect(line).toContain(`worker ${servingPid(proc)}`);
        await expect(c.response(5_000)).rejects.toThrow(/closed/);
      } finally {
        c.destroy();
        await proc.stop();
      }
    }, 60_000);

    workersTest('a worker still in the application after --grace and the margin is killed; that is logged, and the exit status is not 0', async () => {
      const proc = await start(['--grace', '100ms']);
      const c = await Client.connect(proc.port);
      try {
        const slow = handled(c.get('/slow?ms=6000', 20_000));
        await blockedInApp(servingPid(proc));
        proc.child.kill('SIGTERM');
        await expect(slow).rejects.toThrow(/closed/);
        const exit = await proc.exited;
        expect(exit.signal).toBeNull();
        expect(exit.code).not.toBe(0);
        expect(proc.stderr()).toMatch(new RegExp(`^nibiru-ts: worker ${servingPid(proc)} .*grace period.*SIGKILL`, 'm'));
      } finally {
        c.destroy();
        await proc.stop();
      }
    }, 60_000);
  });
}
