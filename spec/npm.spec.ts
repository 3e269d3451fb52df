/**
 * npm's traps (issue 12 item 1): the stage as an attendee starts it, through `npm run stage`
 * and `npx nibiru-ts`, as real npm processes.
 *
 * - A flag typed without `--` is taken by npm for itself: npm keeps it out of the script's
 *   arguments, leaves `npm_config_<flag>` in the environment, and passes its value on as an
 *   argument (`--workers 4` becomes the port 4). The server refuses to start, with one line
 *   that shows the command with `--` where it belongs, and exit status 2.
 * - npm's own configuration (`npm_config_cache`, `npm_config_userconfig`...) is in the
 *   environment of every script: a command typed right starts.
 * - SIGINT or SIGTERM to npm's pid (what `kill %1` does) stops the server, workers included,
 *   and frees the port, and npm exits 0; npm runs scripts through `sh -c`, which would
 *   otherwise keep the signal from the server.
 * - `npx nibiru-ts 04 docs.app:app --workers 1` needs no `--` at all, and SIGINT or SIGTERM
 *   to npx's pid alone stops it the same way, within 5 s, with exit 0.
 *
 * Waits are on events: the ready line, the exit, the pids gone, a connection refused.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { listStages } from '../bin/stage.ts';
import { PATIENCE_MS, READY_LINE, ROOT } from '../harness/launcher.ts';
import { allGone } from './processes.ts';
import { expects, stagesUnderTest, stageTest } from './stages.ts';

/** An npm (or npx) process running a stage. */
interface NpmRun {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once npm has exited and its output is read. */
  readonly finished: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function npm(command: 'npm' | 'npx', args: readonly string[]): NpmRun {
  // the environment of a terminal: no npm_lifecycle_event or npm_config_* of the npm that
  // may be running vitest (npm test), which the inner npm would inherit as its own config
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'));
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const finished = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => stdout, stderr: () => stderr, finished };
}

/** Waits for the ready line on npm's stdout; returns the port and every pid of the server. */
async function ready(run: NpmRun): Promise<{ port: number; pids: number[] }> {
  const deadline = Date.now() + PATIENCE_MS;
  let exited = false;
  void run.finished.then(() => (exited = true));
  for (;;) {
    const m = READY_LINE.exec(run.stdout());
    if (m) return { port: Number(m[3]), pids: [Number(m[4]), ...(m[5] ? m[5].split(',').map(Number) : [])] };
    if (exited || Date.now() > deadline) throw new Error(`no ready line\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether something accepts connections on `port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Kills what is left of a run: npm, and the server's pids (when a signal did not reach them). */
function cleanUp(run: NpmRun, pids: readonly number[]): void {
  run.child.kill('SIGKILL');
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
}

/** Resolves with npm's exit, or with the server's pids if it started instead. */
function exitOrReady(run: NpmRun): Promise<{ code: number | null } | { pids: number[] }> {
  return Promise.race([run.finished, ready(run).then(({ pids }) => ({ pids }), () => new Promise<never>(() => {}))]);
}

/** Our lines on stderr: npm adds warnings of its own ("npm warn ..."). */
const ours = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('nibiru-ts'));

// not a stage's: what the command says before any stage is named (not run for your own
// stage folder, NIBIRU_STAGE_DIR, which npm and npx do not start)
(process.env.NIBIRU_STAGE_DIR ? describe.skip : describe)('npm run stage, npx nibiru-ts: --help, and no stage at all', () => {
  const stageLines = (text: string): string[] => text.split('\n').filter((l) => /^ {2}\d\d-\S+ +\S/.test(l));
  for (const [command, args] of [['npx', ['--no-install', 'nibiru-ts']], ['npm', ['run', '--silent', 'stage', '--']]] as const) {
    it(`${command} ${args.join(' ')} --help: the usage and every stage, one line each, exit 0; with nothing, exit 2`, async () => {
      const help = npm(command, [...args, '--help']);
      expect(await help.finished).toEqual({ code: 0, signal: null });
      expect(help.stdout()).toMatch(/^usage: npm run stage <stage> -- /m);
      expect(stageLines(help.stdout()).map((l) => l.trim().split(' ')[0])).toEqual(listStages());
      const none = npm(command, [...args]);
      expect(await none.finished).toEqual({ code: 2, signal: null });
      expect(stageLines(none.stderr())).toEqual(stageLines(help.stdout()));
    }, 60_000);
  }
});

for (const { name, target } of stagesUnderTest()) {
  // npm and npx run the repository's stages: a folder of your own (NIBIRU_STAGE_DIR) is not theirs
  const test = target === name ? stageTest(name, 'request-line') : (title: string, fn: () => Promise<void>, _timeoutMs?: number) => it.skip(`${title} [npm runs only the repository's stages]`, fn);
  const stage = name.slice(0, 2);
  // a worker stage with one worker: fewer processes to start on a busy machine
  const workers = expects(name, 'workers') ? ['--workers', '1'] : [];

  describe(`npm run stage, npx nibiru-ts [${name}]`, () => {
    test('a flag npm took for itself (no --): one line with the command as it should be, exit 2', async () => {
      const run = npm('npm', ['run', 'stage', stage, 'docs.app:app', '--backlog', '64']);
      const exit = await exitOrReady(run);
      // before: npm ran `stage NN docs.app:app 64`, a server on port 64
      if ('pids' in exit) cleanUp(run, exit.pids);
      expect(exit).toEqual({ code: 2, signal: null });
      expect(ours(run.stderr())).toEqual([
        `nibiru-ts: error: npm took --backlog for itself (it goes after --): npm run stage ${stage} -- docs.app:app --backlog 64`,
      ]);
      expect(run.stdout()).not.toMatch(/listening on/);
    });

    test('a command with -- in its place starts (npm_config_* of npm itself are no mistake)', async () => {
      const run = npm('npm', ['run', 'stage', stage, '--', 'docs.app:app', '--port', '0', ...workers]);
      let pids: number[] = [];
      try {
        const up = await ready(run);
        pids = up.pids;
        expect(await listening(up.port)).toBe(true);
      } finally {
        cleanUp(run, pids);
      }
    });

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      test(`${signal} to npm's pid stops the server: every process gone, the port free, npm's exit 0`, async () => {
        const run = npm('npm', ['run', 'stage', stage, '--', 'docs.app:app', '--port', '0', ...workers]);
        let pids: number[] = [];
        try {
          const up = await ready(run);
          pids = up.pids;
          run.child.kill(signal);
          await allGone(pids, 60_000);
          expect(await listening(up.port)).toBe(false);
          expect(await run.finished).toEqual({ code: 0, signal: null });
        } finally {
          cleanUp(run, pids);
        }
      }, 60_000);
    }

    // the signal goes to npx's pid alone, as `kill -INT <pid>` sends it: not to its process
    // group, as a terminal's Ctrl-C does (that one reaches the server directly)
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      test(`npx nibiru-ts needs no --; ${signal} to npx's pid alone stops the server within 5 s, npx's exit 0`, async () => {
        const run = npm('npx', ['--no-install', 'nibiru-ts', stage, 'docs.app:app', '--port', '0', '--backlog', '64', ...workers]);
        let pids: number[] = [];
        try {
          const up = await ready(run);
          pids = up.pids;
          expect(run.stdout()).toMatch(/backlog=64/);
          run.child.kill(signal);
          // before .npmrc's script-shell: after SIGINT, npx, its sh, the master and the workers
          // all still ran; after SIGTERM, npx exited 143 (its sh died of the signal)
          const end = await Promise.race([run.finished, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 5_000))]);
          expect(end).toEqual({ code: 0, signal: null });
          await allGone(pids, 5_000);
          expect(await listening(up.port)).toBe(false);
        } finally {
          cleanUp(run, pids);
        }
      }, 60_000);
    }
  });
}
