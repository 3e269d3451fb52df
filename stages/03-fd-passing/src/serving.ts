/**
 * What every process that serves connections needs, whether it accepts them itself (stage 02's
 * server) or gets them from a master (the workers of stages 03 and 04).
 *
 * Strategy: {@link connectionOptionsFromConfig} turns the command line's configuration into
 * the options every connection gets, and a {@link ConnectionSet} keeps the open connections,
 * which now outlive a request, so that a shutdown is graceful: idle connections close at
 * once, busy ones after the response in flight (with `Connection: close`), and whatever is
 * still open after the grace period is destroyed.
 */

import type { App } from './app.ts';
import type { Config } from './cli.ts';
import type { Connection, ConnectionOptions } from './connection.ts';

/**
 * The options every connection of a process gets, from the configuration.
 *
 * @param port the port actually listened on (`SERVER_PORT` for requests without `Host`).
 * @param multiprocess `wsgi.multiprocess`: whether several processes serve the app.
 * @param app the application to call.
 */
export function connectionOptionsFromConfig(config: Config, port: number, multiprocess: boolean, app: App): ConnectionOptions {
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
