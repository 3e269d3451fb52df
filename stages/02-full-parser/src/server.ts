/**
 * The listening socket of stage 02: one process, one `node:net` server, persistent connections.
 *
 * Strategy: listen with the configured backlog (the kernel's queue of connections that have
 * completed the TCP handshake but that the server has not accepted yet) and hand every
 * connection to {@link handleConnection}. Connections now outlive a request, so the server
 * keeps them in a {@link ConnectionSet} to shut them down gracefully: idle ones close at once,
 * busy ones after the response in flight (with `Connection: close`), and whatever is still
 * open after the grace period is destroyed.
 *
 * {@link connectionOptions} and {@link ConnectionSet} are the pieces stages 03 and 04 reuse
 * unchanged in their workers, which get their connections from a master instead of `listen`.
 */

import net from 'node:net';
import type { App } from './app.ts';
import type { Config } from './cli.ts';
import { handleConnection, type Connection, type ConnectionOptions } from './connection.ts';

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
   * after `graceMs` (default: the configured `--grace`).
   */
  close(graceMs?: number): Promise<void>;
}

/** The server could not listen; the message says why in one line. */
export class ListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}

/**
 * The options every connection of a server gets, from the configuration.
 *
 * @param port the port actually listened on (`SERVER_PORT` for requests without `Host`).
 * @param multiprocess `wsgi.multiprocess`: whether several processes serve the app.
 * @param app the application to call.
 */
export function connectionOptions(config: Config, port: number, multiprocess: boolean, app: App): ConnectionOptions {
  return {
    app,
    maxRequestLine: config.maxRequestLine,
    maxHeaderBytes: config.maxHeaderBytes,
    maxHeaderCount: config.maxHeaderCount,
    maxBodyBytes: config.maxBodyBytes,
    headerTimeoutMs: config.headerTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    lingerMs: config.lingerMs,
    maxWriteBuffer: config.maxWriteBuffer,
    serverName: config.host,
    serverPort: port,
    multiprocess,
  };
}

/**
 * The open connections of a process, for graceful shutdown.
 *
 * @see RFC 9112 §9.6 (tear-down), §9.3 (a server that closes sends `Connection: close`)
 */
export class ConnectionSet {
  readonly #all = new Set<Connection>();
  readonly #emptied: Array<() => void> = [];

  /** Tracks `connection` until its socket closes. */
  add(connection: Connection): void {
    this.#all.add(connection);
    connection.socket.once('close', () => {
      this.#all.delete(connection);
      if (this.#all.size === 0) for (const resolve of this.#emptied.splice(0)) resolve();
    });
  }

  /** How many connections are open. */
  get size(): number {
    return this.#all.size;
  }

  /** How many of them have a request in progress. */
  get busy(): number {
    let n = 0;
    for (const c of this.#all) if (c.busy) n++;
    return n;
  }

  /**
   * Shuts every connection down (see {@link Connection.shutdown}) and resolves once all have
   * closed, destroying those still open after `graceMs`.
   */
  shutdown(graceMs: number): Promise<void> {
    for (const c of this.#all) c.shutdown();
    if (this.#all.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        for (const c of this.#all) c.destroy();
      }, graceMs);
      this.#emptied.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
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
  options = connectionOptions(config, port, false, app);
  return {
    server,
    host: config.host,
    port,
    connections,
    close: async (graceMs = config.graceMs) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await connections.shutdown(graceMs);
      await closed;
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
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = `${host}:${port}`;
      if (err.code === 'EADDRINUSE') reject(new ListenError(`port in use: ${where} (is another server running?)`));
      else if (err.code === 'EACCES') reject(new ListenError(`permission denied to listen on ${where}`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new ListenError(`cannot listen on ${where}: no such local address`));
      else reject(new ListenError(`cannot listen on ${where}: ${err.message}`));
    };
    server.once('error', onError);
    server.listen({ host, port, backlog }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
