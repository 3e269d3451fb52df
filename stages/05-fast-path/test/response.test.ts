/**
 * Unit tests of response.ts: framing (RFC 9112 §6.3), persistence (§9.3), the head, the
 * server's own responses, and a ResponseWriter writing to a real loopback socket.
 */

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { callApp, type App, type AppResponse, type Environ } from '../src/app.ts';
import type { Request } from '../src/parser.ts';
import {
  chooseFraming,
  connectionHeader,
  persists,
  responseHead,
  ResponseWriter,
  serverResponse,
  type Answered,
  type ResponseProgress,
} from '../src/response.ts';
import { encodeHead, encodeResponse } from '../src/writer.ts';

const environ = {} as Environ;

describe('framing', () => {
  it('uses Content-Length when the length is known', () => {
    expect(chooseFraming('1.1', 200, true)).toBe('length');
    expect(chooseFraming('1.0', 200, true)).toBe('length');
  });
  it('streams chunked to HTTP/1.1 clients and close-delimited to HTTP/1.0 ones', () => {
    expect(chooseFraming('1.1', 200, false)).toBe('chunked');
    expect(chooseFraming('1.0', 200, false)).toBe('close');
  });
  it('frames no body for 204 and 304', () => {
    expect(chooseFraming('1.1', 204, true)).toBe('none');
    expect(chooseFraming('1.1', 304, false)).toBe('none');
  });
  it('says Connection: close when closing, keep-alive to an HTTP/1.0 client that stays', () => {
    expect(connectionHeader('1.1', true)).toBe('close');
    expect(connectionHeader('1.0', true)).toBe('close');
    expect(connectionHeader('1.0', false)).toBe('keep-alive');
    expect(connectionHeader('1.1', false)).toBe('none');
  });
});

describe('persistence: one decision (RFC 9112 §9.3)', () => {
  const asked = (close: boolean, keepAlive: boolean, version: '1.0' | '1.1' = '1.1') => ({ version, connection: { close, keepAlive } });
  it('persists when the request allows it, the body does not end with the connection, and the server goes on', () => {
    expect(persists(asked(false, false), 'length', false)).toBe(true);
    expect(persists(asked(false, false), 'chunked', false)).toBe(true);
    expect(persists(asked(false, false), 'none', false)).toBe(true);
    expect(persists(asked(true, false), 'length', false)).toBe(false);
    expect(persists(asked(false, false), 'close', false)).toBe(false);
    expect(persists(asked(false, false), 'length', true)).toBe(false);
  });
  it('HTTP/1.0 persists only when asked to, and not past close', () => {
    expect(persists(asked(false, false, '1.0'), 'length', false)).toBe(false);
    expect(persists(asked(false, true, '1.0'), 'length', false)).toBe(true);
    expect(persists(asked(true, true, '1.0'), 'length', false)).toBe(false);
    expect(persists(asked(false, true, '1.0'), 'close', false)).toBe(false);
  });
});

describe('the head', () => {
  it('writes the status line, the app headers, Date, the framing header and Connection as asked', () => {
    const res = callApp((_e, start) => (start('200 OK', [['A', '1']]), ['hello']), environ);
    expect(responseHead(res, 'length', 'keep-alive')).toMatch(/^HTTP\/1\.1 200 OK\r\nA: 1\r\nDate: .* GMT\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n$/);
    expect(responseHead(res, 'chunked', 'close')).toContain('Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
    expect(responseHead(res, 'length', 'none')).not.toContain('Connection');
    expect(responseHead(res, 'none', 'none')).not.toContain('Content-Length');
  });
  it("keeps the app's own Content-Length and Date rather than adding a second", () => {
    const res = callApp((_e, start) => (start('200 OK', [['Content-Length', '2'], ['Date', 'then']]), ['hi']), environ);
    const head = responseHead(res, 'length', 'none');
    expect(head.match(/Content-Length/gi)).toHaveLength(1);
    expect(head.match(/Date/g)).toHaveLength(1);
  });
});

describe("the server's own responses", () => {
  /** The bytes of `res` written whole to `request`, as ResponseWriter writes them. */
  function whole(res: AppResponse, connection: 'none' | 'close' | 'keep-alive', method = 'GET'): string {
    const head = responseHead(res, 'length', connection);
    return encodeResponse(head, method === 'HEAD' ? [] : res.chunks, method === 'HEAD' ? 0 : res.length).toString('latin1');
  }
  it('builds error responses with a Content-Length that fits', () => {
    const text = whole(serverResponse(431), 'close');
    expect(text).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\nDate: [^\r]* GMT\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
    expect(text).toContain('Connection: close\r\n');
    const [head, body] = text.split('\r\n\r\n');
    expect(body).toBe('431 Request Header Fields Too Large\n');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body!)}`);
  });
  it('an error response to HEAD has the same head and no body (RFC 9110 §9.3.2)', () => {
    const get = whole(serverResponse(400), 'close');
    expect(whole(serverResponse(400), 'close', 'HEAD')).toBe(get.slice(0, get.indexOf('\r\n\r\n') + 4));
  });
  it('100 Continue is a status line alone', () => {
    const head = encodeHead({ status: '100 Continue', headers: [], date: null, contentLength: -1, chunked: false, connection: 'none' });
    expect(head).toBe('HTTP/1.1 100 Continue\r\n\r\n');
  });
});

describe('ResponseWriter', () => {
  const servers: net.Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  /** Writes the response of `app` to `request` on a loopback socket; what the client read, and the progress. */
  async function write(app: App | AppResponse, request: Partial<Request> = {}): Promise<{ text: string; progress: ResponseProgress; bodyBytes: number }> {
    let progress!: ResponseProgress;
    let bodyBytes = -1;
    const server = net.createServer((socket) => {
      const full: Answered = { method: 'GET', target: '/', version: '1.1', connection: { close: false, keepAlive: true }, ...request };
      const writer = new ResponseWriter(socket, full, typeof app === 'function' ? callApp(app, environ) : app, false);
      progress = writer.start();
      bodyBytes = writer.bodyBytes;
      socket.end();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    await new Promise((r) => client.on('close', r));
    return { text: text.replace(/Date: [^\r]*\r\n/, ''), progress, bodyBytes };
  }

  it('writes a known body with Content-Length, and keeps the connection', async () => {
    const r = await write((_e, start) => (start('200 OK', []), ['hello']));
    expect(r.text).toBe('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    expect(r.progress).toBe('keep-alive');
  });
  it('streams a generator chunked to an HTTP/1.1 client', async () => {
    const r = await write(function* (_e, start) {
      start('200 OK', []);
      yield 'ab';
      yield new Uint8Array([0x63]);
    });
    expect(r.text).toBe('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n');
    expect(r.progress).toBe('keep-alive');
    expect(r.bodyBytes).toBe(3);
  });
  it('streams a generator close-delimited to an HTTP/1.0 client, then asks to close', async () => {
    const r = await write(function* (_e, start) {
      start('200 OK', []);
      yield 'ab';
    }, { version: '1.0' });
    expect(r.text).toBe('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nab');
    expect(r.progress).toBe('close');
  });
  it('answers HEAD with the headers GET would get and no body', async () => {
    const r = await write((_e, start) => (start('200 OK', []), ['hello']), { method: 'HEAD' });
    expect(r.text).toBe('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
  });
  it('sends no body with 204 or 304, even when the app gives one (RFC 9110 §6.4.1)', async () => {
    for (const status of ['204 No Content', '304 Not Modified']) {
      const r = await write((_e, start) => (start(status, []), ['hello']));
      expect(r.text).toBe(`HTTP/1.1 ${status}\r\n\r\n`);
      expect(r.progress).toBe('keep-alive');
    }
  });
  it("writes the server's own 501 like any response: keeps the connection; to HEAD, without a body", async () => {
    const r = await write(serverResponse(501), { method: 'HEAD' });
    expect(r.text).toMatch(/^HTTP\/1\.1 501 Not Implemented\r\n[^]*Content-Length: 20\r\n\r\n$/);
    expect(r.text).not.toContain('Connection');
    expect(r.progress).toBe('keep-alive');
    expect(r.bodyBytes).toBe(0);
  });
  it('closes after a response to a request that cannot go on, with Connection: close', async () => {
    const r = await write(serverResponse(400), { connection: { close: true, keepAlive: false } });
    expect(r.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*Connection: close\r\n\r\n400 Bad Request\n$/);
    expect(r.progress).toBe('close');
    expect(r.bodyBytes).toBe(16);
  });
  it('cuts a streamed body at its declared length and asks to close', async () => {
    const r = await write(function* (_e, start) {
      start('200 OK', [['Content-Length', '3']]);
      yield 'ab';
      yield 'cd';
    });
    expect(r.text).toBe('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc');
    expect(r.progress).toBe('close');
    expect(r.bodyBytes).toBe(3);
  });
  it('gives up on a streamed body shorter than its declared length (abort)', async () => {
    const r = await write(function* (_e, start) {
      start('200 OK', [['Content-Length', '3']]);
      yield 'ab';
    });
    expect(r.progress).toBe('abort');
  });
});
