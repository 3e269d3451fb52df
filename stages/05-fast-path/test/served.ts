/**
 * For the tests of stage 05's own steps: a server in the test's process whose connections are
 * served by `handleConnection`, with generous timeouts.
 */

import net from 'node:net';
import type { App } from '../src/app.ts';
import { handleConnection, type ConnectionOptions } from '../src/connection.ts';
import { DEFAULT_LIMITS } from '../src/parser.ts';

/** Connection options for `app`: the default limits, timeouts of ten seconds. */
export function servedOptions(app: App): ConnectionOptions {
  return {
    ...DEFAULT_LIMITS,
    app,
    headerTimeoutMs: 10_000,
    bodyTimeoutMs: 10_000,
    keepAliveTimeoutMs: 10_000,
    lingerMs: 1_000,
    maxWriteBuffer: 1 << 20,
    serverName: 'test',
    serverPort: 80,
    multiprocess: false,
  };
}

/** Runs `fn` with the port of a server that serves `app`, and closes the server after. */
export async function withServer(app: App, fn: (port: number) => Promise<void>): Promise<void> {
  const options = servedOptions(app);
  const server = net.createServer({ allowHalfOpen: true }, (socket) => handleConnection(socket, options));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as net.AddressInfo).port);
  } finally {
    server.close();
  }
}
