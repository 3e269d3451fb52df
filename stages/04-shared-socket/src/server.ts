/**
 * The listening socket: one `node:net` server per process, persistent connections.
 *
 * Strategy: listen with the configured backlog (the kernel's queue of connections that have
 * completed the TCP handshake but that the server has not accepted yet) and hand every
 * connection to {@link handleConnection}. Connections now outlive a request, so the server
 * keeps them in a {@link ConnectionSet} (`serving.ts`, which the workers of the later stages
 * reuse) to shut them down gracefully: what has arrived is served, the rest is closed, and
 * what is still open after the grace period is destroyed and reported.
 *
 * {@link bindShared} is for a master whose workers share one socket: it binds the address
 * without listening, and the workers it forks inherit the socket and listen on it (`worker.ts`).
 */

import dns from 'node:dns/promises';
import net from 'node:net';
import util from 'node:util';
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

/** A TCP socket bound to the listen address, not listening: what the workers share. */
export interface SharedSocket {
  /** Its file descriptor in this process; forked workers inherit it. */
  readonly fd: number;
  /** The address it is bound to. */
  readonly host: string;
  /** The port it is bound to (the real one when 0 was asked for). */
  readonly port: number;
  /** Closes this process's descriptor; the socket lives on while a worker holds one. */
  close(): void;
}

/** The part of Node's internal TCP handle (`tcp_wrap`) that {@link bindShared} uses. */
interface TcpHandle {
  readonly fd: number;
  getsockname(out: { port?: number }): number;
  close(): void;
}

/**
 * `net._createServerHandle(address, port, addressType, fd, flags)`: Node's internal helper
 * that creates a TCP handle and binds it without listening. `node:cluster` uses it for its
 * shared-handle mode (`lib/internal/cluster/shared_handle.js`); it returns the handle or a
 * negative libuv error number.
 */
const createServerHandle = (
  net as unknown as {
    _createServerHandle?: (address: string, port: number, addressType: number, fd: undefined, flags: number) => TcpHandle | number;
  }
)._createServerHandle;

/**
 * Whether this Node still has the internal helper {@link bindShared} needs. Node has no public
 * "bind without listen" to fall back on, so a Node without it cannot run this stage:
 * `bindShared` then says so in one line, and `test/bind-shared.test.ts` fails with the same
 * words, so that a Node that changes it is noticed by the tests first.
 */
export const HAS_CREATE_SERVER_HANDLE = typeof createServerHandle === 'function';

/** What {@link bindShared} says on a Node without `net._createServerHandle`. */
export const NO_CREATE_SERVER_HANDLE = `this Node (${process.version}) has no net._createServerHandle, the internal helper this stage binds a socket with without listening (node:cluster's shared-handle mode uses it; Node has no public way): run the stage on a Node that has it, Node 20 to 24 do`;

/**
 * Binds `host:port` without listening or accepting, for workers to inherit and listen on.
 *
 * Node's public API has no "bind without listen": `server.listen()` binds, listens and starts
 * accepting in this process's event loop, and a master that accepted would be stage 03 again.
 * So this uses the internal helper `node:cluster` uses for the same purpose (see
 * `createServerHandle`). The port is bound here, once, so a port in use (or port 0)
 * is settled before any worker is forked.
 *
 * @throws {@link ListenError} when the address is in use, cannot be resolved, or cannot be bound.
 */
export async function bindShared(host: string, port: number): Promise<SharedSocket> {
  let address: string;
  let family: number;
  try {
    ({ address, family } = await dns.lookup(host));
  } catch (err) {
    throw listenError(err as NodeJS.ErrnoException, host, port);
  }
  if (createServerHandle === undefined) throw new ListenError(NO_CREATE_SERVER_HANDLE);
  const handle = createServerHandle(address, port, family, undefined, 0);
  if (typeof handle === 'number') {
    const code = util.getSystemErrorName(handle);
    throw listenError({ code, message: code }, host, port);
  }
  // libuv defers EADDRINUSE from bind() to listen() (uv_tcp_bind keeps it as a "delayed
  // error"), and listen() is the workers' to call. A socket whose bind failed has no port yet,
  // so ask the kernel: a worker that listened on it would get a random port instead.
  const name: { port?: number } = {};
  const err = handle.getsockname(name);
  if (err !== 0 || !name.port) {
    handle.close();
    throw listenError({ code: 'EADDRINUSE', message: 'address in use' }, host, port);
  }
  return { fd: handle.fd, host, port: name.port, close: () => handle.close() };
}
