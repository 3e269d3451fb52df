/**
 * `bindShared`: the master binds the address without listening, through Node's internal
 * `net._createServerHandle` (chapter 04 says why: Node has no public bind-without-listen).
 * Real sockets. The first test is the canary: it fails, with a message that says what changed,
 * on a Node that no longer has the helper.
 */

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ListenError } from '../src/errors.ts';
import { bindShared, HAS_CREATE_SERVER_HANDLE, NO_CREATE_SERVER_HANDLE } from '../src/server.ts';

/** Connects to `port` and says how it went: `connected`, or the error's code. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

describe('bindShared', () => {
  it('this Node still has net._createServerHandle (checked on Node 20, 22 and 24)', () => {
    expect(HAS_CREATE_SERVER_HANDLE, NO_CREATE_SERVER_HANDLE).toBe(true);
  });

  it('binds without listening: refused until a server listens on the descriptor, then accepted', async () => {
    const shared = await bindShared('127.0.0.1', 0);
    const server = net.createServer((socket) => socket.end());
    try {
      expect(shared.port).toBeGreaterThan(0);
      expect(await tryConnect(shared.port)).toBe('ECONNREFUSED');
      await new Promise<void>((resolve) => server.listen({ fd: shared.fd }, resolve));
      expect(await tryConnect(shared.port)).toBe('connected');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      shared.close();
    }
  });

  it('a port another server holds: "port in use", before any worker would listen', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const err = await bindShared('127.0.0.1', port).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ListenError);
      expect((err as Error).message).toMatch(/port in use/);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
