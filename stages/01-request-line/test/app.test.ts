import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BufferInput,
  callApp,
  checkHeaders,
  checkStatus,
  importFailure,
  loadApp,
  parseAppSpec,
  resolveAppModule,
  type App,
  type Environ,
} from '../src/app.ts';
import { AppLoadError, ResponseError } from '../src/errors.ts';

const environ = {} as Environ;

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

describe('checkStatus', () => {
  it('returns the code of a valid status line', () => {
    expect(checkStatus('200 OK')).toBe(200);
    expect(checkStatus('404 ')).toBe(404);
  });
  it.each(['200', 'OK 200', '20 OK', '999 Nope', '099 Low', '200 OK\r\nX: y', '200 O\nK', '200 \0'])('refuses %j', (s) => {
    expect(() => checkStatus(s)).toThrow(ResponseError);
  });
});

describe('checkHeaders', () => {
  it('accepts token names and visible values, repeated names included', () => {
    expect(() => checkHeaders([['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['X-Tab', 'a\tb']])).not.toThrow();
  });
  it.each([
    ['CR in a value (response splitting)', [['X', 'a\r\nSet-Cookie: evil=1']]],
    ['LF in a value', [['X', 'a\nb']]],
    ['NUL in a value', [['X', 'a\0b']]],
    ['a space in a name', [['Bad Name', 'v']]],
    ['a colon in a name', [['Bad:', 'v']]],
    ['an empty name', [['', 'v']]],
    ['a hop-by-hop header', [['Connection', 'keep-alive']]],
    ['Transfer-Encoding from the app', [['Transfer-Encoding', 'chunked']]],
    ['a non-string value', [['X', 5]]],
  ] as const)('refuses %s', (_why, headers) => {
    expect(() => checkHeaders(headers as never)).toThrow(ResponseError);
  });
});

describe('callApp', () => {
  it('collects a list body and its length', () => {
    const app: App = (_e, start) => {
      start('200 OK', [['Content-Type', 'text/plain']]);
      return ['Nibiru', ' ', new Uint8Array([0x44])];
    };
    const res = callApp(app, environ);
    expect(res.code).toBe(200);
    expect(res.length).toBe(8);
    expect(Buffer.concat(res.chunks.map((c) => Buffer.from(c))).toString()).toBe('Nibiru D');
  });
  it('lets a generator call startResponse before its first chunk, and collects all it yields', () => {
    const app: App = function* (_e, start) {
      start('201 Created', []);
      yield 'x';
      yield '';
      yield 'yz';
    };
    expect(callApp(app, environ)).toMatchObject({ code: 201, chunks: ['x', '', 'yz'], length: 3 });
  });
  it('refuses an app that never calls startResponse', () => {
    expect(() => callApp(() => ['x'], environ)).toThrow(/never called startResponse/);
  });
  it('refuses a second startResponse without excInfo, and allows it with', () => {
    const twice: App = (_e, start) => {
      start('200 OK', []);
      start('500 Oops', []);
      return [];
    };
    expect(() => callApp(twice, environ)).toThrow(/twice/);
    const recovered: App = (_e, start) => {
      start('200 OK', []);
      start('500 Oops', [], new Error('x'));
      return [];
    };
    expect(callApp(recovered, environ).code).toBe(500);
  });
  it('refuses a Content-Length that disagrees with the body, and keeps one that agrees', () => {
    const app: App = (_e, start) => {
      start('200 OK', [['Content-Length', '3']]);
      return ['four'];
    };
    expect(() => callApp(app, environ)).toThrow(/does not match/);
    const agrees: App = function* (_e, start) {
      start('200 OK', [['Content-Length', '4'], ['Date', 'Sun, 06 Nov 1994 08:49:37 GMT']]);
      yield 'fo';
      yield 'ur';
    };
    expect(callApp(agrees, environ)).toMatchObject({ declaredLength: 4, hasDate: true, length: 4 });
  });
  it('refuses an interim (1xx) status: only the server sends those', () => {
    expect(() => callApp((_e, start) => (start('103 Early Hints', []), []), environ)).toThrow(/interim/);
  });
  it('refuses a non-iterable result and non-bytes chunks', () => {
    expect(() => callApp(((_e: Environ, s: (a: string, b: []) => void) => (s('200 OK', []), 5)) as never, environ)).toThrow(/iterable/);
    expect(() => callApp(((_e: Environ, s: (a: string, b: []) => void) => (s('200 OK', []), [5])) as never, environ)).toThrow(/strings or Uint8Arrays/);
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
