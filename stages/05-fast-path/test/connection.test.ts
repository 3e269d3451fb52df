import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { handleConnection, type Connection, type ConnectionOptions } from '../src/connection.ts';
import type { AccessRecord } from '../src/log.ts';
import { DEFAULT_LIMITS } from '../src/parser.ts';

// A real loopback pair: a server socket handled by handleConnection, and a client socket.

const ok: App = (_e, start) => (start('200 OK', [['Content-Type', 'text/plain']]), ['ok']);

function options(app: App, overrides: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return {
    ...DEFAULT_LIMITS,
    app,
    headerTimeoutMs: 10_000,
    bodyTimeoutMs: 10_000,
    keepAliveTimeoutMs: 10_000,
    lingerMs: 500,
    maxWriteBuffer: 1 << 20,
    serverName: '127.0.0.1',
    serverPort: 0,
    multiprocess: false,
    ...overrides,
  };
}

interface Pair {
  readonly client: net.Socket;
  readonly connection: Connection;
  /** Everything the client received so far, as latin1. */
  received(): string;
  /** Resolves when the client sees the server close (FIN or RST). */
  readonly closed: Promise<void>;
}

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function pair(app: App, overrides: Partial<ConnectionOptions> = {}): Promise<Pair> {
  let resolveConnection!: (c: Connection) => void;
  const connected = new Promise<Connection>((r) => (resolveConnection = r));
  const server = net.createServer({ allowHalfOpen: true }, (socket) => resolveConnection(handleConnection(socket, options(app, overrides))));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  let text = '';
  client.on('data', (d: Buffer) => (text += d.toString('latin1')));
  const closed = new Promise<void>((r) => {
    client.on('end', () => r());
    client.on('error', () => r());
  });
  const connection = await connected;
  return { client, connection, received: () => text, closed };
}

// a deadline against hanging, not a measure: generous for a busy machine
const until = async (check: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** Resolves with `read()` once it has stayed the same over 20 looks, 5 ms apart. */
const steady = async (read: () => number): Promise<number> => {
  let last = read();
  for (let same = 0; same < 20; ) {
    await new Promise((r) => setTimeout(r, 5));
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
};

const GET = (target: string, extra = ''): string => `GET ${target} HTTP/1.1\r\nHost: x\r\n${extra ? `${extra}\r\n` : ''}\r\n`;

describe('handleConnection', () => {
  it('answers pipelined requests in order, in one write each batch, and stays open', async () => {
    const app: App = (e, start) => (start('200 OK', []), [e.PATH_INFO]);
    const p = await pair(app);
    p.client.write(GET('/a') + GET('/b') + GET('/c'));
    await until(() => (p.received().match(/HTTP\/1\.1 200/g) ?? []).length === 3);
    expect(p.received().replace(/Date: [^\r]*\r\n/g, '')).toBe(
      ['/a', '/b', '/c'].map((b) => `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n${b}`).join(''),
    );
    expect(p.connection.state).toBe('idle');
    expect(p.connection.busy).toBe(false);
    p.client.destroy();
  });

  it('is busy while a request is only partly in: head, then body', async () => {
    const p = await pair(ok);
    p.client.write('POST / HTTP/1.1\r\nHo');
    await until(() => p.connection.state === 'head');
    expect(p.connection.busy).toBe(true);
    p.client.write('st: x\r\nContent-Length: 4\r\n\r\nab');
    await until(() => p.connection.state === 'body');
    p.client.write('cd');
    await until(() => p.received().includes('\r\n\r\nok'));
    expect(p.connection.state).toBe('idle');
    p.client.destroy();
  });

  it('shutdown() closes an idle connection, with nothing sent, after one turn of the event loop', async () => {
    const p = await pair(ok);
    p.connection.shutdown();
    expect(p.connection.state).toBe('idle');
    await p.closed;
    expect(p.received()).toBe('');
    expect(p.connection.state).toBe('closed');
  });

  it('shutdown() of an idle connection whose request has arrived but is not read yet serves it, with Connection: close', async () => {
    const p = await pair(ok);
    // the bytes are in the server socket's receive buffer; this process has not polled since
    await new Promise<void>((r) => p.client.write(GET('/'), () => r()));
    expect(p.connection.state).toBe('idle');
    p.connection.shutdown();
    await p.closed;
    expect(p.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close\r\n\r\nok$/);
  });

  it('shutdown() of a busy connection lets its response finish, with Connection: close', async () => {
    const p = await pair(ok);
    p.client.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n');
    await until(() => p.connection.state === 'body');
    p.connection.shutdown();
    expect(p.connection.state).toBe('body');
    p.client.write('hi' + GET('/not-served'));
    await p.closed;
    expect(p.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close\r\n\r\nok$/);
  });

  it('stops pulling a generator while the client does not read, and finishes when it does', async () => {
    let pulled = 0;
    const chunk = 'x'.repeat(64 * 1024);
    const app: App = function* (_e, start) {
      start('200 OK', []);
      for (let i = 0; i < 400; i++) {
        pulled++;
        yield chunk; // 25 MB in all
      }
    };
    const p = await pair(app);
    p.client.pause();
    p.client.write(GET('/', 'Connection: close'));
    await until(() => p.connection.state === 'writing');
    // the socket's buffers fill first, however long that takes here; then the pulling stops
    const stalled = await steady(() => pulled);
    await new Promise((r) => setTimeout(r, 100));
    expect(pulled).toBe(stalled);
    expect(pulled).toBeLessThan(400);
    p.client.resume();
    await p.closed;
    expect(pulled).toBe(400);
    expect(p.received().endsWith('\r\n0\r\n\r\n')).toBe(true);
  });

  it('serves the requests that arrived while a streamed response waited for drain', async () => {
    const big: App = function* (e, start) {
      start('200 OK', []);
      if (e.PATH_INFO === '/big') for (let i = 0; i < 100; i++) yield 'y'.repeat(64 * 1024);
      else yield 'small';
    };
    const p = await pair(big);
    p.client.pause();
    p.client.write(GET('/big') + GET('/small', 'Connection: close'));
    await until(() => p.connection.state === 'writing');
    p.client.resume();
    await p.closed;
    expect(p.received().endsWith('5\r\nsmall\r\n0\r\n\r\n')).toBe(true);
  });

  it('closes an idle connection silently after the keep-alive timeout', async () => {
    const p = await pair(ok, { keepAliveTimeoutMs: 100 });
    p.client.write(GET('/'));
    await p.closed;
    expect(p.received().match(/HTTP\/1\.1/g)).toHaveLength(1);
  });

  it('answers 408 when the header section is late, even when the keep-alive timer was armed first', async () => {
    const p = await pair(ok, { keepAliveTimeoutMs: 5000, headerTimeoutMs: 100 });
    p.client.write('GET / HTTP/1.1\r\n');
    await p.closed;
    expect(p.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('a client FIN after a complete request: the response is still written, then the connection closes', async () => {
    const p = await pair(ok);
    p.client.end(GET('/'));
    await p.closed;
    expect(p.received()).toMatch(/\r\n\r\nok$/);
  });

  it('answers a well-framed unknown method with 501 without calling the app, and stays open', async () => {
    let calls = 0;
    const app: App = (e, start) => (calls++, start('200 OK', []), [e.REQUEST_METHOD]);
    const p = await pair(app);
    p.client.write('BREW / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntea' + GET('/'));
    await until(() => p.received().endsWith('\r\n\r\nGET'));
    expect(p.received()).toMatch(/^HTTP\/1\.1 501 Not Implemented\r\n[^]*\r\n\r\n501 Not Implemented\nHTTP\/1\.1 200 OK\r\n/);
    expect(p.received()).not.toContain('Connection: close');
    expect(calls).toBe(1);
    expect(p.connection.state).toBe('idle');
    p.client.destroy();
  });

  it('answers an error to HEAD without a body: a parser error, and a 408', async () => {
    const noHost = await pair(ok);
    noHost.client.write('HEAD / HTTP/1.1\r\n\r\n');
    await noHost.closed;
    expect(noHost.received()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*Connection: close\r\n\r\n$/);
    const late = await pair(ok, { headerTimeoutMs: 100 });
    late.client.write('HEAD / HTTP/1.1\r\nHost: x\r\n');
    await late.closed;
    expect(late.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[^]*Connection: close\r\n\r\n$/);
  });

  it('ends a generator it does not run to the end (HEAD): its finally block runs', async () => {
    let finished = false;
    const app: App = function* (_e, start) {
      start('200 OK', []);
      try {
        yield 'a';
        yield 'b';
      } finally {
        finished = true;
      }
    };
    const p = await pair(app);
    p.client.write('HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await p.closed;
    expect(p.received()).toMatch(/Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n$/);
    expect(finished).toBe(true);
  });

  it('a malformed percent-escape in the path: 400 before the app runs, and the connection closes', async () => {
    let called = false;
    const p = await pair((e, start) => ((called = true), ok(e, start)));
    p.client.write(GET('/a%zzb'));
    await p.closed;
    expect(p.received()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(p.received()).toMatch(/\r\nConnection: close\r\n/i);
    expect(called).toBe(false);
  });

  it('an app that throws before answering: 500, logged, and the connection serves on', async () => {
    let calls = 0;
    const app: App = (e, start) => {
      if (++calls === 1) throw new Error('boom (expected by the test)');
      return ok(e, start);
    };
    const records: AccessRecord[] = [];
    const p = await pair(app, { onResponse: (r) => records.push(r) });
    p.client.write(GET('/') + GET('/'));
    await until(() => records.length === 2 && p.received().endsWith('ok'));
    expect(p.received()).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n[^]*\r\n\r\n500 Internal Server Error\nHTTP\/1\.1 200 OK\r\n/);
    expect(p.received()).not.toContain('Connection: close');
    expect(records.map((r) => [r.status, r.bodyBytes])).toEqual([[500, 26], [200, 2]]);
    p.client.end();
    await p.closed;
  });

  it('an iterable whose close() throws: the response stands, the error is logged, the connection serves on', async () => {
    const app: App = (_e, start) => {
      start('200 OK', []);
      return Object.assign(['one'], {
        close: () => {
          throw new Error('close failed on purpose');
        },
      });
    };
    const p = await pair(app);
    p.client.write(GET('/') + GET('/'));
    await until(() => (p.received().match(/one/g) ?? []).length === 2);
    expect(p.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    p.client.end();
    await p.closed;
  });
});
