/**
 * `listen`: the failures to listen that people meet, each as the one-line message the command
 * line prints. Real sockets: a port taken by another server, an address this machine does not
 * have (192.0.2.1, TEST-NET-1, reserved for documentation: binding to it fails locally and
 * sends nothing).
 */

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ListenError } from '../src/errors.ts';
import { listen } from '../src/server.ts';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
});
const server = (): net.Server => {
  const s = net.createServer();
  servers.push(s);
  return s;
};

describe('listen', () => {
  it('resolves once listening, with the backlog it was given', async () => {
    const s = server();
    await listen(s, '127.0.0.1', 0, 7);
    expect(s.listening).toBe(true);
  });

  it('a port another server holds: "port in use", naming the address', async () => {
    const first = server();
    await listen(first, '127.0.0.1', 0, 8);
    const port = (first.address() as net.AddressInfo).port;
    const err = await listen(server(), '127.0.0.1', port, 8).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListenError);
    expect((err as Error).message).toBe(`port in use: 127.0.0.1:${port} (is another server running?)`);
  });

  it('an address this machine does not have: "no such local address"', async () => {
    const err = await listen(server(), '192.0.2.1', 0, 8).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListenError);
    expect((err as Error).message).toBe('cannot listen on 192.0.2.1:0: no such local address');
  });
});
