/**
 * The listening socket: one `node:net` server per process, persistent connections.
 *
 * Strategy: listen with the configured backlog (the kernel's queue of connections that have
 * completed the TCP handshake but that the server has not accepted yet) and hand every
 * connection to {@link handleConnection}. Connections now outlive a request, so the server
 * keeps them in a {@link ConnectionSet} (`serving.ts`, which the workers of the later stages
 * reuse) to shut them down gracefully: what has arrived is served, the rest is closed, and
 * what is still open after the grace period is destroyed and reported.
 */

import net from 'node:net';
import type { App } from './app.ts';
import type { Config } from './cli.ts';
import { handleConnection, type ConnectionOptions } from './connection.ts';
import { ListenError } from './errors.ts';
import { ConnectionSet, connectionOptionsFromConfig } from './serving.ts';

/** A running server. */
export interface RunningServer {
  /** The underlying `node:net` server. */
  readonly server: net.Server;
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on (the real one when 0 was asked for). */
  readonly port: number;
  /** The open connections. */
  readonly connections: ConnectionSet;
  /**
   * Stops accepting, shuts every connection down gracefully, and destroys those still open
   * after `graceMs` (default: the configured `--grace`); see {@link ConnectionSet.shutdown}.
   *
   * @returns the requests cut off when the grace period ran out, one line each.
   */
  close(graceMs?: number): Promise<string[]>;
}

/**
 * Starts listening and serving `app`.
 *
 * @throws {@link ListenError} when the address is in use or cannot be bound.
 */
export async function startServer(config: Config, app: App): Promise<RunningServer> {
  const connections = new ConnectionSet();
  let options: ConnectionOptions | undefined;
  // allowHalfOpen: a client's FIN ends its requests, not the responses it is owed
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    connections.add(handleConnection(socket, options!));
  });
  await listen(server, config.host, config.port, config.backlog);
  const port = (server.address() as net.AddressInfo).port;
  options = connectionOptionsFromConfig(config, port, false, app);
  return {
    server,
    host: config.host,
    port,
    connections,
    close: async (graceMs = config.graceMs) => {
      let closed!: Promise<void>;
      const cut = await connections.shutdown(graceMs, () => {
        closed = new Promise<void>((resolve) => server.close(() => resolve()));
      });
      await closed;
      return cut;
    },
  };
}

/**
 * `server.listen` as a promise, with the usual failures turned into one-line messages.
 *
 * @throws {@link ListenError}
 */
export function listen(server: net.Server, host: string, port: number, backlog: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(listenError(err, host, port));
    server.once('error', onError);
    server.listen({ host, port, backlog }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Turns a failure to bind or listen into a one-line {@link ListenError}. */
function listenError(err: { code?: string | undefined; message: string }, host: string, port: number): ListenError {
  const where = `${host}:${port}`;
  if (err.code === 'EADDRINUSE') return new ListenError(`port in use: ${where} (is another server running?)`);
  if (err.code === 'EACCES') return new ListenError(`permission denied to listen on ${where}`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new ListenError(`cannot listen on ${where}: no such local address`);
  return new ListenError(`cannot listen on ${where}: ${err.message}`);
}
