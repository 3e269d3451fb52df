import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIRECT_WRITE, DIRECT_WRITE_MAX, writeWhole } from '../src/write-handle.ts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

/** A connected pair: `server` is the accepted socket, `client` reads what it is sent. */
async function withPair(fn: (server: net.Socket, client: net.Socket) => Promise<void>): Promise<void> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  const server = await accepted;
  try {
    await fn(server, client);
  } finally {
    server.destroy();
    client.destroy();
    listener.close();
  }
}

/** Everything `client` receives until the other side ends. */
function received(client: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  client.on('data', (b: Buffer) => parts.push(b));
  return new Promise((resolve) => client.once('end', () => resolve(Buffer.concat(parts))));
}

describe('the feature check', () => {
  it('finds WriteWrap on this Node (checked on Node 20.20, 22 and 24; false means the fallback is in use)', () => {
    expect(process.env.NIBIRU_NO_DIRECT_WRITE === '1' || DIRECT_WRITE).toBe(true);
  });

  it('says no, and every response goes through socket.write, when NIBIRU_NO_DIRECT_WRITE=1', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(path.join(SRC, 'write-handle.ts'))}).then((m) => console.log(m.DIRECT_WRITE))`], {
      env: { ...process.env, NIBIRU_NO_DIRECT_WRITE: '1' },
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('false');
  });
});

describe.runIf(DIRECT_WRITE)('writeWhole', () => {
  it('writes the head as latin1, text as UTF-8 and bytes as they are, in order', async () => {
    await withPair(async (server, client) => {
      const got = received(client);
      const head = 'HTTP/1.1 200 OK\r\nX-Name: caf\u00e9\r\nContent-Length: 9\r\n\r\n';
      expect(writeWhole(server, head, ['n\u00e9', Uint8Array.of(0x00, 0xff), 'ok\u2713'], 9)).toBe(true);
      server.end();
      const bytes = await got;
      expect(bytes).toEqual(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from('n\u00e9', 'utf8'), Buffer.of(0x00, 0xff), Buffer.from('ok\u2713', 'utf8')]));
    });
  });

  it('writes nothing, and says so, while the socket is corked', async () => {
    await withPair(async (server) => {
      server.cork();
      expect(writeWhole(server, 'HTTP/1.1 204\r\n\r\n', [], 0)).toBe(false);
      server.uncork();
    });
  });

  it('writes nothing, and says so, while the stream holds bytes not yet written', async () => {
    await withPair(async (server) => {
      server.cork();
      server.write('held');
      server.uncork(); // hands 'held' to the handle; the stream counts it until the write completes
      const pending = server.writableLength;
      // either the stream still holds it (then no direct write), or it has gone out (then one)
      expect(writeWhole(server, 'HTTP/1.1 204\r\n\r\n', [], 0)).toBe(pending === 0);
    });
  });

  it(`leaves a body over ${DIRECT_WRITE_MAX} bytes to socket.write`, async () => {
    await withPair(async (server) => {
      expect(writeWhole(server, 'HTTP/1.1 200 OK\r\n\r\n', ['x'.repeat(DIRECT_WRITE_MAX + 1)], DIRECT_WRITE_MAX + 1)).toBe(false);
      expect(writeWhole(server, 'HTTP/1.1 200 OK\r\n\r\n', ['x'.repeat(DIRECT_WRITE_MAX)], DIRECT_WRITE_MAX)).toBe(true);
    });
  });

  it('a response the kernel does not take at once still arrives whole, and a later socket.write after it', async () => {
    await withPair(async (server, client) => {
      client.pause(); // fill the socket buffers: the direct write cannot finish at once
      const body = 'y'.repeat(DIRECT_WRITE_MAX);
      const heads = Array.from({ length: 200 }, (_, i) => `HTTP/1.1 200 OK\r\nX-I: ${i}\r\n\r\n`);
      let direct = 0;
      for (const head of heads) {
        if (writeWhole(server, head, [body], body.length)) direct++;
        else server.write(head + body, 'latin1');
      }
      server.end();
      const got = received(client);
      client.resume();
      const bytes = (await got).toString('latin1');
      expect(bytes).toBe(heads.map((h) => h + body).join(''));
      // the first went straight to the handle; once the kernel's buffers were full, the rest
      // went through the stream, behind it
      expect(direct).toBeGreaterThanOrEqual(1);
      expect(direct).toBeLessThan(heads.length);
    });
  });
});
