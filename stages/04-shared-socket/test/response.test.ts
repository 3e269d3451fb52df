import { describe, expect, it } from 'vitest';
import type { App, Environ } from '../src/app.ts';
import {
  callApp,
  checkHeaders,
  checkStatus,
  chooseFraming,
  errorResponse,
  HOP_BY_HOP,
  httpDate,
  isHopByHop,
  responseHead,
  ResponseError,
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

describe('isHopByHop', () => {
  it('knows every hop-by-hop name, in any case', () => {
    for (const name of HOP_BY_HOP) {
      expect(isHopByHop(name)).toBe(true);
      expect(isHopByHop(name.toUpperCase())).toBe(true);
      expect(() => checkHeaders([['X', 'y'], [name.replace(/^./, (c) => c.toUpperCase()), 'v']])).toThrow(ResponseError);
    }
  });
  it('passes other names, those of the same lengths included', () => {
    for (const name of ['Tx', 'Trailers', 'Content-Type', 'Connectio', 'Connections', 'X-Connection', 'Keep_Alive', 'Transfer-Encodings', 'Proxy-Authenticat', 'A'.repeat(40), '']) {
      expect(isHopByHop(name)).toBe(false);
    }
    expect(isHopByHop('Tx'.replace('x', 'E'))).toBe(true); // "TE"
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
    expect(res.rest).toBeNull();
    expect(res.ascii).toBe(false);
    expect(res.chunks).toHaveLength(3);
  });
  it('counts strings as UTF-8 and knows when a body is plain ASCII', () => {
    const app: App = (_e, start) => (start('200 OK', []), ['é', 'a']);
    expect(callApp(app, environ)).toMatchObject({ length: 3, ascii: false });
    expect(callApp((_e, start) => (start('200 OK', []), ['ab', 'c']), environ)).toMatchObject({ length: 3, ascii: true });
  });
  it('lets a generator call startResponse before its first chunk, and stops there', () => {
    let pulled = 0;
    const app: App = function* (_e, start) {
      start('201 Created', []);
      yield '';
      pulled++;
      yield 'x';
      pulled++;
      yield 'y';
    };
    const res = callApp(app, environ);
    expect(res.code).toBe(201);
    expect(res.chunks).toEqual(['x']);
    expect(res.rest).not.toBeNull();
    expect(pulled).toBe(1);
  });
  it('treats a generator that ends before any non-empty chunk as a known, empty body', () => {
    const app: App = function* (_e, start) {
      start('200 OK', []);
      yield '';
    };
    expect(callApp(app, environ)).toMatchObject({ rest: null, length: 0 });
  });
  it('reads the declared Content-Length and whether Date was set', () => {
    const app: App = (_e, start) => (start('200 OK', [['content-length', '2'], ['Date', 'x']]), ['ab']);
    expect(callApp(app, environ)).toMatchObject({ declaredLength: 2, hasDate: true });
  });
  it('refuses an interim status from the application', () => {
    expect(() => callApp((_e, start) => (start('101 Switching Protocols', []), []), environ)).toThrow(/interim/);
  });
  it('calls close() on the iterable when the app breaks the interface', () => {
    let closed = false;
    const body = Object.assign(['x'], { close: () => void (closed = true) });
    expect(() => callApp(() => body, environ)).toThrow(/never called startResponse/);
    expect(closed).toBe(true);
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
  it('refuses a Content-Length that disagrees with the body', () => {
    const app: App = (_e, start) => {
      start('200 OK', [['Content-Length', '3']]);
      return ['four'];
    };
    expect(() => callApp(app, environ)).toThrow(/does not match/);
  });
  it('refuses a non-iterable result and non-bytes chunks', () => {
    expect(() => callApp(((_e: Environ, s: (a: string, b: []) => void) => (s('200 OK', []), 5)) as never, environ)).toThrow(/iterable/);
    expect(() => callApp(((_e: Environ, s: (a: string, b: []) => void) => (s('200 OK', []), [5])) as never, environ)).toThrow(/strings or Uint8Arrays/);
  });
});

describe('framing', () => {
  it('uses Content-Length when the length is known', () => {
    expect(chooseFraming('GET', '1.1', 200, true)).toBe('length');
    expect(chooseFraming('GET', '1.0', 200, true)).toBe('length');
  });
  it('streams chunked to HTTP/1.1 clients and close-delimited to HTTP/1.0 ones', () => {
    expect(chooseFraming('GET', '1.1', 200, false)).toBe('chunked');
    expect(chooseFraming('GET', '1.0', 200, false)).toBe('close');
  });
  it('sends no body for HEAD, 204 and 304', () => {
    expect(chooseFraming('HEAD', '1.1', 200, true)).toBe('none');
    expect(chooseFraming('GET', '1.1', 204, true)).toBe('none');
    expect(chooseFraming('GET', '1.1', 304, false)).toBe('none');
  });
  it('writes Date, the framing header GET would get, and Connection as asked', () => {
    const res = callApp((_e, start) => (start('200 OK', [['A', '1']]), ['hello']), environ);
    const head = responseHead(res, 'none', 'length', 5, 'keep-alive');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\nA: 1\r\nDate: .* GMT\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n$/);
    expect(responseHead(res, 'chunked', 'none', 0, 'close')).toContain('Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
    expect(responseHead(res, 'length', 'none', 5, 'none')).not.toContain('Connection');
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
    expect(noDate(errorResponse(400, '1.1', 'close', true))).toBe(get.slice(0, get.indexOf('\r\n\r\n') + 4));
  });
  it('formats Date as IMF-fixdate', () => {
    expect(httpDate(Date.UTC(1994, 10, 6, 8, 49, 37))).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
  });
});
