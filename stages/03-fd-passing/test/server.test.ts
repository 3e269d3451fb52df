import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { DEFAULTS } from '../src/cli.ts';
import { startServer } from '../src/server.ts';

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

describe('ConnectionSet and startServer', () => {
  it('counts open connections and resolves shutdown once idle ones are closed', async () => {
    const running = await startServer(config, ok);
    const a = await connect(running.port);
    const b = await connect(running.port);
    await new Promise((r) => setTimeout(r, 50));
    expect(running.connections.size).toBe(2);
    expect(running.connections.busy).toBe(0);
    await running.close(1000);
    await Promise.all([a.closed, b.closed]);
    expect(running.connections.size).toBe(0);
  });

  it('destroys connections still busy after the grace period', async () => {
    const running = await startServer(config, ok);
    const a = await connect(running.port);
    a.socket.write('GET / HTTP/1.1\r\nHost: x\r\n'); // a header section that never ends
    await new Promise((r) => setTimeout(r, 50));
    expect(running.connections.busy).toBe(1);
    const started = Date.now();
    await running.close(100);
    await a.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(a.text()).toBe('');
  });
});
