/**
 * The listening socket of stage 02: one process, one `node:net` server, persistent connections.
 *
 * Strategy: listen with the configured backlog (the kernel's queue of connections that have
 * completed the TCP handshake but that the server has not accepted yet) and hand every
 * connection to {@link handleConnection}. Connections now outlive a request, so the server
 * keeps them in a {@link ConnectionSet} to shut them down gracefully: nothing that has arrived
 * is lost (the listener gets one more turn to accept what the kernel has queued, an idle
 * connection one more turn to read a request already sent), busy connections close after the
 * response in flight (with `Connection: close`), and whatever is still open after the grace
 * period is destroyed, each request cut off that way reported.
 *
 * {@link connectionOptions} and {@link ConnectionSet} are the pieces stages 03 and 04 reuse
 * unchanged in their workers, which get their connections from a master instead of `listen`.
 */

import net from 'node:net';
import type { App } from './app.ts';
import type { Config } from './cli.ts';
import { handleConnection, type Connection, type ConnectionOptions } from './connection.ts';
import { writeAccessLine } from './log.ts';

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
    onResponse: config.accessLog ? writeAccessLine : undefined,
  };
}

/**
 * The exit status of a server that stopped on SIGINT or SIGTERM but had to cut requests off
 * when the grace period ran out (0 is a clean stop, 1 a server that could not start or go on).
 */
export const EXIT_REQUESTS_CUT = 3;

/**
 * Resolves after the event loop has gone through one more poll phase: the phase in which
 * libuv accepts the connections the kernel has queued on a listening socket and reads the
 * bytes waiting on connected ones. (An immediate runs after the poll phase of its turn; one
 * queued from it runs after the next.)
 */
export function afterNextPoll(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/**
 * The open connections of a process, for graceful shutdown.
 *
 * @see RFC 9112 §9.6 (tear-down), §9.3 (a server that closes sends `Connection: close`)
 */
export class ConnectionSet {
  readonly #all = new Set<Connection>();
  readonly #emptied: Array<() => void> = [];
  #stopping = false;
  #graceOver = false;

  /**
   * Tracks `connection` until its socket closes. Once {@link shutdown} has begun, a connection
   * added is shut down at once (it was accepted in the listener's last turn, or handed over
   * late, and is served only if its request has already arrived), or destroyed once the grace
   * period is over.
   */
  add(connection: Connection): void {
    this.#all.add(connection);
    connection.socket.once('close', () => {
      this.#all.delete(connection);
      if (this.#all.size === 0) for (const resolve of this.#emptied.splice(0)) resolve();
    });
    if (this.#graceOver) connection.destroy();
    else if (this.#stopping) connection.shutdown();
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

  /** What is open, as the line a process logs when it starts to stop says: `2 connections open, 1 busy`. */
  summary(): string {
    return `${this.size} connection${this.size === 1 ? '' : 's'} open, ${this.busy} busy`;
  }

  /**
   * Shuts every connection down (see {@link Connection.shutdown}), now and as they are added,
   * and resolves once all have closed, destroying those still open after `graceMs`.
   *
   * `stopAccepting` closes the listener, or resolves once no more connections can come. It is
   * called after one more poll phase ({@link afterNextPoll}): closing a listening socket resets
   * the connections the kernel has completed but the process has not accepted yet (its event
   * loop was busy in the app, say), and in that phase libuv accepts them all. Connections added
   * until it is done are counted in.
   *
   * @returns the requests cut off when the grace period ran out, one line each (empty when
   * every request in progress was answered).
   */
  async shutdown(graceMs: number, stopAccepting: () => void | Promise<void> = () => {}): Promise<string[]> {
    this.#stopping = true;
    const cut: string[] = [];
    const timer = setTimeout(() => {
      this.#graceOver = true;
      for (const c of this.#all) {
        // a response written but not yet handed to the kernel is cut off too
        if (c.busy || c.socket.writableLength > 0) cut.push(describeCut(c));
        c.destroy();
      }
    }, graceMs);
    for (const c of this.#all) c.shutdown();
    await afterNextPoll();
    await stopAccepting();
    if (this.#all.size > 0) await new Promise<void>((resolve) => this.#emptied.push(resolve));
    clearTimeout(timer);
    return cut;
  }
}

/** One line on a request cut off when the grace period ran out. */
function describeCut(c: Connection): string {
  const peer = `${c.socket.remoteAddress}:${c.socket.remotePort}`;
  switch (c.state) {
    case 'head':
      return `a request from ${peer} (its header section had not all arrived)`;
    case 'body':
      return `${c.request} from ${peer} (its body had not all arrived)`;
    case 'writing':
      return `${c.request} from ${peer} (its response was not all sent)`;
    default:
      return `a response to ${peer} (not all sent)`;
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
