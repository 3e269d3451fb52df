/**
 * The listening socket of stage 01: one process, one `node:net` server.
 *
 * Strategy: listen with the configured backlog (the kernel's queue of connections that have
 * completed the TCP handshake but that the server has not accepted yet; when it is full, new
 * connections are refused or dropped, which is what the log's `connection reset by peer`
 * errors were) and hand every connection to {@link handleConnection}.
 */

import net from 'node:net';
import type { App } from './app.ts';
import type { Config } from './cli.ts';
import { handleConnection } from './connection.ts';
import { ListenError } from './errors.ts';
import { writeAccessLine } from './log.ts';

/** A running server. */
export interface RunningServer {
  /** The underlying `node:net` server. */
  readonly server: net.Server;
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on (the real one when 0 was asked for). */
  readonly port: number;
  /** Stops accepting, waits up to `graceMs` for open connections, then destroys them. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts listening and serving `app`.
 *
 * @throws {@link ListenError} when the address is in use or cannot be bound.
 */
export async function startServer(config: Config, app: App): Promise<RunningServer> {
  const sockets = new Set<net.Socket>();
  let port = config.port;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    handleConnection(socket, {
      app,
      maxRequestLine: config.maxRequestLine,
      headerTimeoutMs: config.headerTimeoutMs,
      lingerMs: config.lingerMs,
      serverName: config.host,
      serverPort: port,
      onResponse: config.accessLog ? writeAccessLine : undefined,
    });
  });
  await listen(server, config.host, config.port, config.backlog);
  port = (server.address() as net.AddressInfo).port;
  return {
    server,
    host: config.host,
    port,
    close: (graceMs = 1000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
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
