/**
 * Where an app's `module.path` is looked for (`docs/wsgi.md`): in the directory the command
 * was started in, as with gunicorn, even though `npm run` runs every script from the
 * repository root.
 *
 * Strategy: make a directory outside the repository holding an app module, start
 * `npm --prefix <repo> run stage -- <stage> hello.app:app --port 0` from it (npm's own
 * `INIT_CWD` then names it), and ask the server for `/`. The server is stopped through the
 * pid on its ready line, not through npm's: npm runs the script through a shell, and a signal
 * to npm does not reach the server.
 *
 * An app that fails while it is imported (it throws at its top level, or has a syntax error)
 * makes the server exit 1 with one line, then the app's own stack frames: none of Node's
 * module loader, none of tsx's or esbuild's, and a syntax error's `file:line:column`.
 */

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exchange } from '../harness/client.ts';
import { READY_LINE, ROOT, runStage } from '../harness/launcher.ts';
import { get } from './messages.ts';
import { STAGE_ARGS, stagesUnderTest, stageTest } from './stages.ts';

const HELLO = `export function app(environ: Record<string, unknown>, startResponse: (s: string, h: [string, string][]) => void): string[] {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello from elsewhere'];
}
`;

/** What `npm run stage` printed, and how to reach and stop the server it started. */
interface NpmRun {
  readonly port: number;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** Runs `npm --prefix ROOT run stage -- <args>` in `cwd`; resolves at the ready line. */
function npmRunStage(cwd: string, args: readonly string[]): Promise<NpmRun> {
  const child = spawn('npm', ['--prefix', ROOT, 'run', '--silent', 'stage', '--', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    void exited.then((code) => reject(new Error(`npm run stage exited (${code}) before the ready line:\n${output}`)));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const m = READY_LINE.exec(output);
      if (m) resolve({ port: Number(m[3]), pid: Number(m[4]), exited, output: () => output });
    });
  });
}

// the spec is about bin/stage.ts, which runs the reference stages: your own folder
// (NIBIRU_STAGE_DIR) is started without it, so there is nothing of yours to check here
const stages = process.env.NIBIRU_STAGE_DIR ? [] : stagesUnderTest();
if (stages.length === 0) it.skip('app loading through npm run stage: not run for your own stage folder, which bin/stage.ts does not start', () => {});

for (const { name } of stages) {
  describe(`app loading [${name}]`, () => {
    stageTest(name, 'request-line')('npm run stage finds module.path in the directory the command was started in, not the repository root', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'nibiru-app-'));
      let run: NpmRun | undefined;
      try {
        mkdirSync(path.join(dir, 'hello'));
        writeFileSync(path.join(dir, 'hello', 'app.ts'), HELLO);
        run = await npmRunStage(dir, [name, 'hello.app:app', '--port', '0', ...(STAGE_ARGS[name] ?? [])]);
        const r = await exchange(run.port, get('/', 'Connection: close'));
        expect(r.responses[0]!.status).toBe(200);
        expect(r.responses[0]!.body.toString()).toBe('hello from elsewhere');
      } finally {
        if (run) {
          process.kill(run.pid, 'SIGTERM');
          await run.exited;
        }
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000); // npm, tsx and (03, 04) three processes start: slow on a busy machine
  });
}

/** The lines after the first, each `    at ...`: the stack frames printed under the error. */
const framesOf = (stderr: string): string[] => stderr.trim().split('\n').slice(1);

for (const { name, target } of stagesUnderTest()) {
  describe(`an app that fails on import [${name}]`, () => {
    stageTest(name, 'request-line')('a throw at its top level: one line, then its own frames only, exit 1', async () => {
      const r = await runStage(target, ['spec.apps.import-throws:app', '--port', '0', ...(STAGE_ARGS[name] ?? [])]);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe('nibiru-ts: error: error loading spec.apps.import-throws (spec/apps/import-throws.ts): Error: import-throws: settings.json is missing');
      const frames = framesOf(r.stderr);
      // readSettings, and the top-level call that made the import fail
      expect(frames.length).toBeGreaterThanOrEqual(2);
      expect(frames[0]).toMatch(/^ {4}at readSettings \(.*\/spec\/apps\/import-throws\.ts:11:9\)$/);
      for (const frame of frames) expect(frame).toMatch(/^ {4}at .*\/spec\/apps\/import-throws\.ts:\d+:\d+\)?$/);
      expect(r.stdout).not.toMatch(/listening on/);
    }, 60_000);

    stageTest(name, 'request-line')('a syntax error: one line, then its file:line:column, exit 1', async () => {
      // a folder of its own, outside the repository's type-check; node_modules linked for tsx
      const dir = mkdtempSync(path.join(tmpdir(), 'nibiru-app-'));
      try {
        symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
        mkdirSync(path.join(dir, 'broken'));
        writeFileSync(path.join(dir, 'broken', 'app.ts'), "export function app(): string[] {\n  return ['never'\n}\n");
        const r = await runStage(target, ['broken.app:app', '--port', '0', ...(STAGE_ARGS[name] ?? [])], { cwd: dir });
        expect(r.code).toBe(1);
        expect(r.stderr.trim().split('\n')).toEqual([
          'nibiru-ts: error: error loading broken.app (broken/app.ts): SyntaxError: Expected "]" but found "}"',
          `    at ${path.join(dir, 'broken', 'app.ts')}:3:0`,
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  });
}
