/**
 * The command line every stage shares: `npm run stage NN -- <app> [port] [options]`.
 * Each stage is run as a real process; its exit code and output are checked.
 */

import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { runStage, startStage } from '../harness/launcher.ts';
import { expects, stagesUnderTest } from './stages.ts';

const hasSs = (() => {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * The one-line error contract: a single line on stderr, no stack trace, and the exit status:
 * 2 for a mistake on the command line (as gunicorn, and Python's argparse), 1 for a server
 * that cannot start.
 */
function expectOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp, code: 1 | 2): void {
  expect(r.code).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

for (const { name, target } of stagesUnderTest()) {
  describe(`command line [${name}]`, () => {
    it('--help prints usage and exits 0', async () => {
      const r = await runStage(target, ['--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage:/);
      expect(r.stdout).toMatch(/--backlog/);
    });

    it('a module that does not exist: one line, exit 1', async () => {
      expectOneLineError(await runStage(target, ['nope.app:app', '--port', '0']), /module not found: nope\.app/, 1);
    });

    it('a callable the module does not export: one line, exit 1', async () => {
      expectOneLineError(await runStage(target, ['docs.app:nope', '--port', '0']), /has no export 'nope'/, 1);
    });

    it('an export that is not callable: one line, exit 1', async () => {
      expectOneLineError(await runStage(target, ['docs.app:BODY', '--port', '0']), /is not callable/, 1);
    });

    it('a bad port: one line, exit 2', async () => {
      expectOneLineError(await runStage(target, ['docs.app:app', '70000']), /bad port '70000'/, 2);
    });

    it('a bad backlog: one line, exit 2', async () => {
      expectOneLineError(await runStage(target, ['docs.app:app', '--backlog', '-3']), /backlog/, 2);
    });

    it("an unknown option: one line of ours (no advice about --, no unbalanced quote), exit 2", async () => {
      const r = await runStage(target, ['docs.app:app', '--frobnicate']);
      expectOneLineError(r, /^nibiru-ts: error: unknown option '--frobnicate' \(--help lists them\)$/, 2);
    });

    it('a misspelt option: one line naming the nearest one, exit 2', async () => {
      expectOneLineError(await runStage(target, ['docs.app:app', '--bakclog', '64']), /^nibiru-ts: error: unknown option '--bakclog'; did you mean --backlog\?$/, 2);
      if (expects(name, 'workers')) {
        expectOneLineError(await runStage(target, ['docs.app:app', '--wrokers', '3']), /^nibiru-ts: error: unknown option '--wrokers'; did you mean --workers\?$/, 2);
      }
    });

    it('an option without its value, or a value for a switch: one line of ours, exit 2', async () => {
      expectOneLineError(await runStage(target, ['docs.app:app', '--backlog']), /^nibiru-ts: error: option --backlog needs a value$/, 2);
      expectOneLineError(await runStage(target, ['docs.app:app', '--help=yes']), /^nibiru-ts: error: option --help takes no value$/, 2);
    });

    it('--help lists the exit statuses', async () => {
      const r = await runStage(target, ['--help']);
      expect(r.stdout).toMatch(/Exit status:/);
      expect(r.stdout).toMatch(/^ {2}2 +/m);
    });

    it('-p is --port, -b/--bind takes HOST:PORT or a host alone (gunicorn, uvicorn)', async () => {
      // a host alone takes the port given otherwise (the default port, 8080, in a unit test)
      for (const listen of [['-p', '0'], ['-b', '127.0.0.1:0'], ['--bind=localhost:0'], ['-b', '127.0.0.1', '--port', '0']]) {
        const proc = await startStage(target, { listen });
        try {
          expect(proc.readyLine).toMatch(/listening on http:\/\/(127\.0\.0\.1|localhost):\d+ /);
          expect(proc.port).toBeGreaterThan(0);
        } finally {
          await proc.stop();
        }
      }
    });

    it('--bind and --port (or a port argument) together: one line, exit 2', async () => {
      expectOneLineError(await runStage(target, ['docs.app:app', '-b', '127.0.0.1:0', '--port', '0']), /^nibiru-ts: error: the port is given twice/, 2);
      expectOneLineError(await runStage(target, ['docs.app:app', '--bind', '::1']), /^nibiru-ts: error: bad bind '::1': expected HOST or HOST:PORT/, 2);
    });

    // every duration flag the stage has, with units; a bare number is seconds, as in gunicorn
    const durations: Array<[flag: string, max: string]> = [
      ['--header-timeout', '1h'],
      ['--linger', '1m'],
      ...(expects(name, 'limits') ? ([['--body-timeout', '1h'], ['--keep-alive-timeout', '1h'], ['--grace', '1h']] as Array<[string, string]>) : []),
      ...(expects(name, 'workers') ? ([['--timeout', '1h']] as Array<[string, string]>) : []),
    ];

    it('every duration flag takes a unit (500ms, 5s, 2m)', async () => {
      const units = ['500ms', '5s', '2m', '1500ms', '1.5s'];
      const proc = await startStage(target, { args: durations.flatMap(([flag], i) => [flag, units[i % units.length]!]) });
      await proc.stop();
    });

    it('a duration with a fraction means what it says: --header-timeout 1.5s closes an unfinished head after 1.5 s, not 1 s, 1.5 ms or 15 s', async () => {
      const proc = await startStage(target, { args: ['--header-timeout', '1.5s'] });
      try {
        const socket = net.connect(proc.port, '127.0.0.1');
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.on('data', () => {});
        socket.on('error', () => {});
        const closed = new Promise((resolve) => socket.once('close', resolve));
        const sent = Date.now();
        socket.write('GET / HTT'); // unfinished in every stage, stage 01's request-line included
        // a timer never fires early; the upper bound only tells 1.5 s from 15 s on a busy machine
        const deadline = new Promise((resolve) => setTimeout(resolve, 12_000, 'still open'));
        expect(await Promise.race([closed, deadline])).not.toBe('still open');
        const ms = Date.now() - sent;
        expect(ms).toBeGreaterThanOrEqual(1_400);
        expect(ms).toBeLessThan(12_000);
        socket.destroy();
      } finally {
        await proc.stop();
      }
    });

    it('a bare number is seconds: past the maximum in seconds is one line, exit 2', async () => {
      for (const [flag, max] of durations) {
        const over = max === '1h' ? '3601' : '61';
        const r = await runStage(target, ['docs.app:app', '--port', '0', flag, over]);
        expectOneLineError(r, new RegExp(`^nibiru-ts: error: bad ${flag.slice(2)} '${over}': expected a duration from \\S+ to ${max}`), 2);
      }
    });

    it('a port in use: one line, exit 1', async () => {
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const port = (blocker.address() as net.AddressInfo).port;
      try {
        expectOneLineError(await runStage(target, ['docs.app:app', String(port)]), /port in use/, 1);
      } finally {
        blocker.close();
      }
    });

    it('the callable defaults to app, and the ready line names stage, URL, app and pid', async () => {
      const proc = await startStage(target, { app: 'docs.app' });
      try {
        expect(proc.readyLine).toContain(name);
        expect(proc.readyLine).toMatch(/http:\/\/127\.0\.0\.1:\d+/);
        expect(proc.readyLine).toContain('app=docs.app');
        expect(proc.pid).toBe(proc.child.pid);
        const res = await fetch(proc.url + '/', { headers: { connection: 'close' } });
        expect(await res.text()).toBe('Nibiru Docs');
      } finally {
        await proc.stop();
      }
    });

    it.skipIf(!hasSs)('--backlog N is the listen queue the kernel reports (ss -ltn)' + (hasSs ? '' : ' [skipped: ss from iproute2 is not installed]'), async () => {
      const proc = await startStage(target, { args: ['--backlog', '37'] });
      try {
        const listing = execFileSync('ss', ['-ltnH', `sport = :${proc.port}`], { encoding: 'utf8' });
        // for a listening socket, ss prints the backlog in the Send-Q column
        expect(listing.trim().split(/\s+/)[2]).toBe('37');
      } finally {
        await proc.stop();
      }
    });

    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`${signal} closes the listener and exits 0`, async () => {
        const proc = await startStage(target);
        const exit = await proc.stop(signal);
        expect(exit).toEqual({ code: 0, signal: null });
        await expect(fetch(proc.url + '/')).rejects.toThrow();
      });
    }
  });
}
