import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exchange } from '../../../harness/client.ts';
import type { App } from '../src/app.ts';
import { RequestParser, NEED_DATA } from '../src/parser.ts';
import { readIntoSharedBuffer, SHARED_READ } from '../src/read-buffer.ts';
import { withServer } from './served.ts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

const echo: App = (environ, start) => {
  start('200 OK', [['Content-Type', 'text/plain']]);
  return [`${environ.PATH_INFO} ${environ['wsgi.input'].read().toString('latin1')}`];
};

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
    await withServer(echo, async (port) => {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      // a socket with nothing buffered yet may switch
      expect(socket.readableLength).toBe(0);
      socket.pause();
      socket.write('GET /buffered HTTP/1.1\r\nHost: x\r\n\r\n');
      // paused, not flowing: the response waits in the stream's own buffer
      const deadline = Date.now() + 20_000;
      while (socket.readableLength === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(socket.readableLength).toBeGreaterThan(0);
      // switching now would leave those bytes behind in the stream's buffer
      expect(readIntoSharedBuffer(socket, () => {})).toBe(false);
      expect(socket.read()?.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\/buffered $/);
      socket.destroy();
    });
  });

  it('switches a socket that has nothing buffered, where the private fields exist', async () => {
    await withServer(echo, async (port) => {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      expect(readIntoSharedBuffer(socket, () => {})).toBe(SHARED_READ);
      socket.destroy();
    });
  });
});

describe('reading into the shared buffer', () => {
  it('two connections whose requests arrive in pieces, interleaved, each get their own request and body', async () => {
    await withServer(echo, async (port) => {
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
