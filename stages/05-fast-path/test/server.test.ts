import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { DEFAULTS } from '../src/cli.ts';
import { handleConnection, type Connection } from '../src/connection.ts';
import { startServer } from '../src/server.ts';
import { ConnectionSet, connectionOptionsFromConfig } from '../src/serving.ts';

const ok: App = (_e, start) => (start('200 OK', []), ['ok']);
const config = { ...DEFAULTS, app: 'test', port: 0 };

function connect(port: number): Promise<{ socket: net.Socket; text: () => string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve({ socket, text: () => text, closed }));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('error', () => {});
  });
}

/** Waits until `check()` holds: the server's side of a connection lags the client's. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe('ConnectionSet and startServer', () => {
  it('counts open connections and resolves shutdown once idle ones are closed', async () => {
    const running = await startServer(config, ok);
    const a = await connect(running.port);
    const b = await connect(running.port);
    await until(() => running.connections.size === 2);
    expect(running.connections.busy).toBe(0);
    await running.close(1000);
    await Promise.all([a.closed, b.closed]);
    expect(running.connections.size).toBe(0);
  });

  it('destroys connections still busy after the grace period, and reports each request cut off', async () => {
    const running = await startServer(config, ok);
    const a = await connect(running.port);
    a.socket.write('GET / HTTP/1.1\r\nHost: x\r\n'); // a header section that never ends
    await until(() => running.connections.busy === 1);
    const b = await connect(running.port);
    b.socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nhalf'); // a body that never ends
    await until(() => running.connections.busy === 2);
    const ports = [a.socket.localPort, b.socket.localPort];
    const started = Date.now();
    const cut = await running.close(100);
    await Promise.all([a.closed, b.closed]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(a.text()).toBe('');
    expect(cut.sort()).toEqual([
      `POST /upload from 127.0.0.1:${ports[1]} (its body had not all arrived)`,
      `a request from 127.0.0.1:${ports[0]} (its header section had not all arrived)`,
    ]);
  });

  it('reports nothing cut off when every request was answered in time', async () => {
    const running = await startServer(config, ok);
    const a = await connect(running.port);
    a.socket.write('GET / HTTP/1.1\r\nHost: x\r\n'); // the rest comes after the shutdown began
    await until(() => running.connections.busy === 1);
    const closing = running.close(5_000);
    a.socket.write('\r\n');
    expect(await closing).toEqual([]);
    await a.closed;
    expect(a.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close\r\n\r\nok$/);
  });

  it('keeps accepting for one turn of the event loop, and serves what that turn brings, with Connection: close', async () => {
    const set = new ConnectionSet();
    const server = net.createServer({ allowHalfOpen: true }, (socket) => set.add(handleConnection(socket, connectionOptionsFromConfig(config, 0, false, ok))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    let accepted = 0;
    server.on('connection', () => accepted++);
    const shutdown = set.shutdown(5_000, () => void server.close());
    // connects (and sends its request) after the shutdown began, before the listener's last turn
    const a = await connect((server.address() as net.AddressInfo).port);
    a.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await shutdown).toEqual([]);
    expect(accepted).toBe(1);
    await a.closed;
    expect(a.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close\r\n\r\nok$/);
    expect(server.listening).toBe(false);
  });
});

describe('ConnectionSet: a client that does not read its responses', () => {
  it('pipelined responses still unsent when the grace period runs out are reported as such', async () => {
    const big: App = (_e, start) => (start('200 OK', []), [Buffer.alloc(1 << 20, 0x61)]);
    const set = new ConnectionSet();
    let connection!: Connection;
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      connection = handleConnection(socket, connectionOptionsFromConfig({ ...config, maxWriteBuffer: 1024 }, 0, false, big));
      set.add(connection);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    client.on('error', () => {});
    client.pause(); // never reads: the kernel's buffers fill, then Node's
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(32));
    await until(() => connection?.state === 'writing');
    const port = client.localPort;
    const cut = await set.shutdown(100, () => void server.close());
    client.destroy(); // a paused client sees no end of what it does not read
    expect(cut).toEqual([`responses to 127.0.0.1:${port} (not all sent)`]);
  });
});
