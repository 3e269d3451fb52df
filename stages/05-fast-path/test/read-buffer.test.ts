import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exchange } from '../../../harness/client.ts';
import type { App } from '../src/app.ts';
import { handleConnection, type ConnectionOptions } from '../src/connection.ts';
import { DEFAULT_LIMITS, RequestParser, NEED_DATA } from '../src/parser.ts';
import { readIntoSharedBuffer, SHARED_READ } from '../src/read-buffer.ts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

const echo: App = (environ, start) => {
  start('200 OK', [['Content-Type', 'text/plain']]);
  return [`${environ.PATH_INFO} ${environ['wsgi.input'].read().toString('latin1')}`];
};

const options: ConnectionOptions = {
  ...DEFAULT_LIMITS,
  app: echo,
  headerTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  keepAliveTimeoutMs: 10_000,
  lingerMs: 1_000,
  maxWriteBuffer: 1 << 20,
  serverName: 'test',
  serverPort: 80,
  multiprocess: false,
};

/** A server in this process whose connections are served by handleConnection. */
async function withServer(fn: (port: number) => Promise<void>): Promise<void> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => handleConnection(socket, options));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as net.AddressInfo).port);
  } finally {
    server.close();
  }
}

describe('the feature check', () => {
  it('finds the private onread fields on this Node (checked on Node 20.20, 22.23 and 24.21; false means the fallback is in use)', () => {
    expect(process.env.NIBIRU_NO_SHARED_READ === '1' || SHARED_READ).toBe(true);
  });

  it('says no, and the fallback is taken, when NIBIRU_NO_SHARED_READ=1', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(path.join(SRC, 'read-buffer.ts'))}).then((m) => console.log(m.SHARED_READ))`], {
      env: { ...process.env, NIBIRU_NO_SHARED_READ: '1' },
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('false');
  });

  it('leaves a socket that has already buffered bytes as it is', async () => {
    await withServer(async (port) => {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      expect(readIntoSharedBuffer(socket, () => {})).toBe(SHARED_READ);
      socket.destroy();
    });
  });
});

describe('reading into the shared buffer', () => {
  it('two connections whose requests arrive in pieces, interleaved, each get their own request and body', async () => {
    await withServer(async (port) => {
      const a = exchange(port, ['POST /a HTTP/1.1\r\nHost: x\r\nContent-Le', 'ngth: 6\r\nConnection: close\r\n\r\naaa', 'AAA'], { pauseMs: 30 });
      const b = exchange(port, ['POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nbb', 'b\r\n3\r\nBBB\r\n0\r\n\r\n'], { pauseMs: 45 });
      const [ra, rb] = await Promise.all([a, b]);
      expect(ra.responses.map((r) => r.body.toString())).toEqual(['/a aaaAAA']);
      expect(rb.responses.map((r) => r.body.toString())).toEqual(['/b bbbBBB']);
    });
  });
});

describe('RequestParser.keepBuffered', () => {
  it('copies the unconsumed bytes, so that the caller may overwrite what it passed', () => {
    const parser = new RequestParser();
    const shared = Buffer.from('GET /x HTTP/1.1\r\nHost: a\r\nX-Long: ');
    parser.receive(shared);
    expect(parser.next()).toBe(NEED_DATA);
    parser.keepBuffered();
    shared.fill(0x21); // the next read overwrites the shared buffer
    parser.receive(Buffer.from('yes\r\n\r\n'));
    const request = parser.next();
    expect(request).toMatchObject({ type: 'request', target: '/x', headers: [['host', 'a'], ['x-long', 'yes']] });
  });
});
