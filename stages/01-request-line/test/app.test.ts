import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppLoadError, BufferInput, importFailure, loadApp, parseAppSpec, resolveAppModule } from '../src/app.ts';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'nibiru-app-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('parseAppSpec', () => {
  it('splits module.path:callable', () => {
    expect(parseAppSpec('docs.app:app')).toEqual({ module: 'docs.app', callable: 'app' });
  });
  it('defaults the callable to app, as Gunicorn does', () => {
    expect(parseAppSpec('docs.app')).toEqual({ module: 'docs.app', callable: 'app' });
  });
  it.each(['', ':app', 'docs..app', 'docs/app', 'docs.app:', 'docs.app:a:b', 'docs.app:app()'])('rejects %j', (spec) => {
    expect(() => parseAppSpec(spec)).toThrow(AppLoadError);
  });
});

describe('resolveAppModule', () => {
  it('maps dots to folders and finds .ts first', () => {
    const dir = project({ 'a/b.ts': '', 'a/b.js': '' });
    expect(resolveAppModule('a.b', dir)).toBe(path.join(dir, 'a', 'b.ts'));
  });
  it('finds .js when there is no .ts', () => {
    const dir = project({ 'a/b.js': '' });
    expect(resolveAppModule('a.b', dir)).toBe(path.join(dir, 'a', 'b.js'));
  });
  it('names the files it looked for when none exists', () => {
    expect(() => resolveAppModule('x.y', project({}))).toThrow(/module not found: x\.y \(looked for x\/y\.ts, x\/y\.js/);
  });
});

describe('loadApp', () => {
  it('loads a callable from a .js module', async () => {
    const dir = project({ 'm.js': 'export function app() { return ["hi"]; }\nexport function other() {}' });
    expect(typeof (await loadApp('m', dir))).toBe('function');
    expect(typeof (await loadApp('m:other', dir))).toBe('function');
  });
  it('reports a missing callable with the exports it found', async () => {
    const dir = project({ 'm.js': 'export const x = 1;' });
    await expect(loadApp('m:app', dir)).rejects.toThrow("m has no export 'app' (its exports: x)");
  });
  it('reports an export that is not a function', async () => {
    const dir = project({ 'm.js': 'export const app = 42;' });
    await expect(loadApp('m', dir)).rejects.toThrow('m:app is not callable (it is a value of type number)');
  });
  it('reports a module that throws while loading', async () => {
    const dir = project({ 'm.js': 'throw new Error("boom");' });
    await expect(loadApp('m', dir)).rejects.toThrow(/error loading m \(m\.js\): Error: boom/);
  });
});

describe('BufferInput (wsgi.input)', () => {
  it('reads by size, by line and to the end', () => {
    const input = new BufferInput(Buffer.from('one\ntwo\nthree'));
    expect(input.read(2).toString()).toBe('on');
    expect(input.readline().toString()).toBe('e\n');
    expect(input.readlines().map(String)).toEqual(['two\n', 'three']);
    expect(input.read().length).toBe(0);
  });
  it('limits readline by size and iterates lines', () => {
    const input = new BufferInput(Buffer.from('abcdef\ngh'));
    expect(input.readline(3).toString()).toBe('abc');
    expect([...input].map(String)).toEqual(['def\n', 'gh']);
  });
});

describe('importFailure', () => {
  it("keeps the app's own frames, above Node's module loader, without tsx's", () => {
    const err = new Error('boom');
    err.stack = [
      'Error: boom',
      '    at readSettings (/home/me/site/app.ts:2:9)',
      '    at Object.transformer (/home/me/site/node_modules/tsx/dist/register.cjs:22:2188)',
      '    at file:///home/me/site/app.ts:5:17',
      '    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)',
      '    at async main (/home/me/site/main.ts:9:3)',
    ].join('\n');
    expect(importFailure(err)).toBe('Error: boom\n    at readSettings (/home/me/site/app.ts:2:9)\n    at file:///home/me/site/app.ts:5:17');
  });
  it("gives esbuild's syntax error as a SyntaxError at its file:line:column", () => {
    const err = Object.assign(new Error('Transform failed with 1 error:\n/site/app.ts:3:0: ERROR: Expected "]" but found "}"'), { name: 'TransformError' });
    expect(importFailure(err)).toBe('SyntaxError: Expected "]" but found "}"\n    at /site/app.ts:3:0');
  });
});
