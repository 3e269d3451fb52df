/**
 * The command line every stage shares: `npm run stage NN -- <app> [port] [options]`.
 * Each stage is run as a real process; its exit code and output are checked.
 */

import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { runStage, startStage } from '../harness/launcher.ts';
import { stagesUnderTest } from './stages.ts';

const hasSs = (() => {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The one-line error contract: exit 1, a single line on stderr, no stack trace. */
function expectOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(1);
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
      expectOneLineError(await runStage(target, ['nope.app:app', '--port', '0']), /module not found: nope\.app/);
    });

    it('a callable the module does not export: one line, exit 1', async () => {
      expectOneLineError(await runStage(target, ['docs.app:nope', '--port', '0']), /has no export 'nope'/);
    });

    it('an export that is not callable: one line, exit 1', async () => {
      expectOneLineError(await runStage(target, ['docs.app:BODY', '--port', '0']), /is not callable/);
    });

    it('a bad port: one line, exit 1', async () => {
      expectOneLineError(await runStage(target, ['docs.app:app', '70000']), /bad port '70000'/);
    });

    it('a bad backlog: one line, exit 1', async () => {
      expectOneLineError(await runStage(target, ['docs.app:app', '--backlog', '-3']), /backlog/);
    });

    it('an unknown option: one line, exit 1', async () => {
      expectOneLineError(await runStage(target, ['docs.app:app', '--frobnicate']), /frobnicate/);
    });

    it('a port in use: one line, exit 1', async () => {
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const port = (blocker.address() as net.AddressInfo).port;
      try {
        expectOneLineError(await runStage(target, ['docs.app:app', String(port)]), /port in use/);
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
