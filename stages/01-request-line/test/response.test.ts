import { describe, expect, it } from 'vitest';
import type { App, Environ } from '../src/app.ts';
import {
  checkHeaders,
  checkStatus,
  errorResponse,
  httpDate,
  ResponseError,
  runApp,
  serializeHead,
} from '../src/response.ts';

const environ = {} as Environ;

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

describe('runApp', () => {
  it('collects a list body and its length', () => {
    const app: App = (_e, start) => {
      start('200 OK', [['Content-Type', 'text/plain']]);
      return ['Nibiru', ' ', new Uint8Array([0x44])];
    };
    const res = runApp(app, environ);
    expect(res.code).toBe(200);
    expect(res.length).toBe(8);
    expect(Buffer.concat(res.body).toString()).toBe('Nibiru D');
  });
  it('lets a generator call startResponse before its first chunk', () => {
    const app: App = function* (_e, start) {
      start('201 Created', []);
      yield 'x';
    };
    expect(runApp(app, environ).code).toBe(201);
  });
  it('refuses an app that never calls startResponse', () => {
    expect(() => runApp(() => ['x'], environ)).toThrow(/never called startResponse/);
  });
  it('refuses a second startResponse without excInfo, and allows it with', () => {
    const twice: App = (_e, start) => {
      start('200 OK', []);
      start('500 Oops', []);
      return [];
    };
    expect(() => runApp(twice, environ)).toThrow(/twice/);
    const recovered: App = (_e, start) => {
      start('200 OK', []);
      start('500 Oops', [], new Error('x'));
      return [];
    };
    expect(runApp(recovered, environ).code).toBe(500);
  });
  it('refuses a Content-Length that disagrees with the body', () => {
    const app: App = (_e, start) => {
      start('200 OK', [['Content-Length', '3']]);
      return ['four'];
    };
    expect(() => runApp(app, environ)).toThrow(/does not match/);
  });
  it('refuses a non-iterable result and non-bytes chunks', () => {
    expect(() => runApp(((_e: Environ, s: (a: string, b: []) => void) => (s('200 OK', []), 5)) as never, environ)).toThrow(/iterable/);
    expect(() => runApp(((_e: Environ, s: (a: string, b: []) => void) => (s('200 OK', []), [5])) as never, environ)).toThrow(/strings or Uint8Arrays/);
  });
});

describe('serialization', () => {
  it('writes the status line, headers, extra lines and the blank line', () => {
    expect(serializeHead('1.1', '200 OK', [['A', '1']], 'B: 2\r\n')).toBe('HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n');
  });
  it('builds error responses with Connection: close and a Content-Length that fits', () => {
    const text = errorResponse(431).toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(text).toContain('Connection: close\r\n');
    const [head, body] = text.split('\r\n\r\n');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body!)}`);
  });
  it('an error response to HEAD has the same head and no body (RFC 9110 §9.3.2)', () => {
    const noDate = (b: Buffer): string => b.toString('latin1').replace(/Date: [^\r]*\r\n/, '');
    const get = noDate(errorResponse(400));
    expect(noDate(errorResponse(400, '1.1', true))).toBe(get.slice(0, get.indexOf('\r\n\r\n') + 4));
  });
  it('formats Date as IMF-fixdate', () => {
    expect(httpDate(Date.UTC(1994, 10, 6, 8, 49, 37))).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
  });
});
