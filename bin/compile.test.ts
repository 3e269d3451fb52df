/**
 * The compile cache (`bin/compile.mjs`), through real servers: what an attendee edits is what
 * runs on the next start, whatever state the cache is in, and no server process runs tsx.
 *
 * Strategy: each test starts stage 02 (one process) or 04 (a master and workers) through the
 * spec launcher, with `NIBIRU_CACHE_DIR` pointing at a cache of its own, on an app in a
 * temporary folder whose answer comes from a module it imports (`./word.ts`), and asks `/`
 * what it says. Between starts, a test changes the source, or breaks the cache the way a
 * killed start or a stray edit would, and checks the answer is the source's.
 */

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exchange } from '../harness/client.ts';
import { ROOT, runStage, startStage, type StageProcess } from '../harness/launcher.ts';

const APP = `import { WORD } from './word.ts';
export function app(environ: unknown, startResponse: (s: string, h: [string, string][]) => void): string[] {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [WORD];
}
`;
const word = (w: string): string => `export const WORD: string = ${JSON.stringify(w)};\n`;

let dir: string;
let cache: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'nibiru-compile-'));
  cache = path.join(dir, 'cache');
  writeFileSync(path.join(dir, 'hello.ts'), APP);
  writeFileSync(path.join(dir, 'word.ts'), word('one'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `stage` on the app, with the cache in `cacheDir`, and resolves with what `/` says. */
async function answer(stage = '02', cacheDir = cache, env: Record<string, string> = {}): Promise<{ body: string; server: StageProcess }> {
  const server = await startStage(stage, { app: 'hello:app', cwd: dir, env: { NIBIRU_CACHE_DIR: cacheDir, ...env } });
  const r = await exchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  return { body: r.responses[0]?.body.toString() ?? '', server };
}

/** Asks `/` once and stops the server; resolves with the answer and what it printed on stderr. */
async function once(stage = '02', cacheDir = cache, env: Record<string, string> = {}): Promise<{ body: string; stderr: string }> {
  const { body, server } = await answer(stage, cacheDir, env);
  const stderr = server.stderr();
  expect(await server.stop()).toEqual({ code: 0, signal: null });
  return { body, stderr };
}

/** The complete entries in the cache. */
const entries = (): string[] => readdirSync(cache).filter((n) => /^[0-9a-f]{24}$/.test(n));

/** The entry that holds the app's bundle (with `word.ts` in it), and that file's path in it. */
function wordEntry(): { entry: string; compiled: string } {
  for (const e of entries()) {
    const compiled = path.join(cache, e, dir, 'hello.js');
    try {
      readFileSync(compiled);
      return { entry: path.join(cache, e), compiled };
    } catch {
      // an entry of bin/stage.ts alone
    }
  }
  throw new Error(`no entry holds hello.js in ${cache}`);
}

describe('the compile cache', () => {
  it('serves a changed file on the next start, and reuses an unchanged one', async () => {
    expect((await once()).body).toBe('one');
    const first = entries();
    expect((await once()).body).toBe('one');
    expect(entries()).toEqual(first);
    writeFileSync(path.join(dir, 'word.ts'), word('two'));
    expect((await once()).body).toBe('two');
  }, 120_000);

  it('rebuilds an entry whose marker is missing (a start killed mid-compile) or whose output was changed', async () => {
    expect((await once()).body).toBe('one');
    const { entry, compiled } = wordEntry();
    writeFileSync(compiled, readFileSync(compiled, 'utf8').replace('"one"', '"stale"'));
    expect((await once()).body).toBe('one');
    expect(readFileSync(compiled, 'utf8')).toMatch(/"one"/);
    rmSync(path.join(entry, '.complete'));
    writeFileSync(compiled, readFileSync(compiled, 'utf8').replace('"one"', '"half"'));
    expect((await once()).body).toBe('one');
    expect(readFileSync(compiled, 'utf8')).toMatch(/"one"/);
  }, 120_000);

  it('runs through tsx, with one line of warning, when the cache folder cannot be written', async () => {
    const file = path.join(dir, 'not-a-folder');
    writeFileSync(file, '');
    const { body, server } = await answer('02', path.join(file, 'cache'));
    expect(body).toBe('one');
    expect(server.stderr().trim().split('\n')).toEqual([
      `nibiru-ts: warning: cannot write the compile cache in ${path.join(file, 'cache')} (ENOTDIR); running through tsx (slower to start, heavier)`,
    ]);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('gives four servers started at once one entry, which all of them run', async () => {
    const started = await Promise.all([0, 1, 2, 3].map(() => answer('02')));
    expect(started.map((s) => s.body)).toEqual(['one', 'one', 'one', 'one']);
    for (const s of started) expect(s.server.stderr()).toBe('');
    await Promise.all(started.map((s) => s.server.stop()));
    expect(entries()).toHaveLength(2); // bin/stage.ts's, and the stage's with the app
    // no folder left half-written; beside the entries, what the last starts used
    expect(readdirSync(cache).filter((n) => !entries().includes(n) && !/^last-[0-9a-f]{8}\.json$/.test(n))).toEqual([]);
  }, 180_000);

  it("keeps import.meta's answers those of the source: where the file and its folder are", async () => {
    mkdirSync(path.join(dir, 'meta'));
    writeFileSync(
      path.join(dir, 'meta', 'where.ts'),
      `import { fileURLToPath } from 'node:url';
const seen = [new URL('..', import.meta.url).href, new URL('./data.txt', import.meta.url).href, import.meta.dirname, import.meta.filename, fileURLToPath(import.meta.url)];
export function app(environ: unknown, startResponse: (s: string, h: [string, string][]) => void): string[] {
  startResponse('200 OK', []);
  return [seen.join('\\n')];
}
`,
    );
    const server = await startStage('02', { app: 'meta.where:app', cwd: dir, env: { NIBIRU_CACHE_DIR: cache } });
    const r = await exchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const file = path.join(dir, 'meta', 'where.ts');
    expect(r.responses[0]?.body.toString().split('\n')).toEqual([`file://${dir}/`, `file://${dir}/meta/data.txt`, path.dirname(file), file, file]);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  }, 120_000);

  it("bundles the app's modules into its entry, and a stack through the bundle names the .ts file and line", async () => {
    const throwing = APP.replace('  return [WORD];', "  if (WORD === 'one') throw new Error('thrown by the app');\n  return [WORD];");
    writeFileSync(path.join(dir, 'hello.ts'), throwing);
    const line = throwing.split('\n').findIndex((l) => l.includes('thrown by the app')) + 1;
    const server = await startStage('04', { app: 'hello:app', cwd: dir, env: { NIBIRU_CACHE_DIR: cache }, args: ['--workers', '1'] });
    const r = await exchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(r.responses[0]?.status).toBe(500);
    await expect.poll(() => server.stderr()).toContain(`at app (${path.join(dir, 'hello.ts')}:${line}:`);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    const { entry, compiled } = wordEntry();
    expect(readFileSync(compiled, 'utf8')).toMatch(/"one"/);
    expect(readdirSync(path.join(entry, dir)).filter((f) => f.endsWith('.js'))).toEqual(['hello.js']);
  }, 120_000);

  it('serves an app written in JavaScript as it is', async () => {
    writeFileSync(path.join(dir, 'plain.mjs'), "export function app(environ, startResponse) {\n  startResponse('200 OK', []);\n  return ['plain'];\n}\n");
    const server = await startStage('04', { app: 'plain:app', cwd: dir, env: { NIBIRU_CACHE_DIR: cache } });
    const r = await exchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(r.responses[0]?.body.toString()).toBe('plain');
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('runs the master and the workers with plain node, and NIBIRU_TSX=1 through tsx', async () => {
    const compiled = await answer('04');
    expect(compiled.body).toBe('one');
    for (const pid of [compiled.server.pid, ...compiled.server.workerPids]) {
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')).not.toMatch(/tsx/);
    }
    await compiled.server.stop();
    const tsx = await answer('04', cache, { NIBIRU_TSX: '1' });
    expect(tsx.body).toBe('one');
    for (const pid of tsx.server.workerPids) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toMatch(/--import\0file:.*tsx/);
    await tsx.server.stop();
  }, 180_000);
});

describe('a stage folder of your own', () => {
  let stage: string;
  beforeEach(() => {
    stage = path.join(dir, '02-full-parser');
    cpSync(path.join(ROOT, 'stages', '02-full-parser', 'src'), path.join(stage, 'src'), { recursive: true });
    mkdirSync(path.join(stage, 'test'));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  });

  it('is compiled too: a type error is no compile error', async () => {
    const main = path.join(stage, 'src', 'main.ts');
    writeFileSync(main, readFileSync(main, 'utf8').replace("export const STAGE = '02-full-parser';", "export const STAGE: number = '02-full-parser';"));
    expect((await once(stage)).body).toBe('one');
  }, 120_000);

  it('runs through tsx, with one line of warning, when its app.ts predates the cache', async () => {
    const app = path.join(stage, 'src', 'app.ts');
    writeFileSync(app, readFileSync(app, 'utf8').replaceAll('NIBIRU_COMPILED', 'NIBIRU_ELSEWHERE'));
    const { body, server } = await answer(stage);
    expect(body).toBe('one');
    expect(server.stderr().trim().split('\n')).toEqual([
      `nibiru-ts: warning: ${app} does not load compiled apps (NIBIRU_COMPILED: it is older than the compile cache); running through tsx`,
    ]);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('reports a syntax error as file:line:column, exit 1', async () => {
    const parser = path.join(stage, 'src', 'parser.ts');
    const lines = readFileSync(parser, 'utf8').split('\n');
    const at = lines.length;
    writeFileSync(parser, [...lines, 'export const broken = (;', ''].join('\n'));
    const r = await runStage(stage, ['hello:app', '--port', '0'], { cwd: dir, env: { NIBIRU_CACHE_DIR: cache } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${parser}:${at + 1}:`);
    expect(r.stdout).not.toMatch(/listening on/);
  }, 120_000);
});
