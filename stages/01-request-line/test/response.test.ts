/**
 * Unit tests of response.ts: the head, the server's own responses, and writeResponse writing
 * to a real loopback socket.
 */

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { callApp, type App, type AppResponse, type Environ } from '../src/app.ts';
import { responseHead, serverResponse, writeResponse } from '../src/response.ts';

const environ = {} as Environ;

describe('the head', () => {
  it('writes the status line, the app headers, Date, Content-Length and Connection: close', () => {
    const res = callApp((_e, start) => (start('200 OK', [['A', '1']]), ['hello']), environ);
    expect(responseHead(res)).toMatch(/^HTTP\/1\.1 200 OK\r\nA: 1\r\nDate: .* GMT\r\nContent-Length: 5\r\nConnection: close\r\n\r\n$/);
  });
  it("keeps the app's own Content-Length and Date rather than adding a second", () => {
    const res = callApp((_e, start) => (start('200 OK', [['Content-Length', '2'], ['Date', 'then']]), ['hi']), environ);
    const head = responseHead(res);
    expect(head.match(/Content-Length/gi)).toHaveLength(1);
    expect(head.match(/Date/g)).toHaveLength(1);
  });
});

describe('writeResponse', () => {
  const servers: net.Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  /** Writes `res` (or the response of `app`) for `method` on a loopback socket; what the client read, and the body bytes reported. */
  async function write(app: App | AppResponse, method = 'GET'): Promise<{ text: string; bodyBytes: number }> {
    let bodyBytes = -1;
    const server = net.createServer((socket) => {
      bodyBytes = writeResponse(socket, method, typeof app === 'function' ? callApp(app, environ) : app);
      socket.end();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    await new Promise((r) => client.on('close', r));
    return { text: text.replace(/Date: [^\r]*\r\n/, ''), bodyBytes };
  }

  it('writes the head and the whole body, text as UTF-8, bytes as they are', async () => {
    const r = await write(function* (_e, start) {
      start('200 OK', []);
      yield 'é';
      yield new Uint8Array([0x63]);
    });
    expect(r.text).toBe('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n\xc3\xa9c');
    expect(r.bodyBytes).toBe(3);
  });
  it('answers HEAD with the headers GET would get and no body (RFC 9110 §9.3.2)', async () => {
    const r = await write((_e, start) => (start('200 OK', []), ['hello']), 'HEAD');
    expect(r.text).toBe('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n');
    expect(r.bodyBytes).toBe(0);
  });
  it("builds the server's own error responses with a Content-Length that fits", async () => {
    const r = await write(serverResponse(431));
    expect(r.text).toBe(
      'HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 36\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large\n',
    );
  });
  it('an error response to HEAD has the same head and no body', async () => {
    const get = (await write(serverResponse(400))).text;
    expect((await write(serverResponse(400), 'HEAD')).text).toBe(get.slice(0, get.indexOf('\r\n\r\n') + 4));
  });
});
