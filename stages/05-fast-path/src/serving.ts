/**
 * What every process that serves connections needs, whether it accepts them itself (stage 02's
 * server) or gets them from a master (the workers of stages 03 and 04).
 *
 * Strategy: {@link connectionOptionsFromConfig} turns the command line's configuration into
 * the options every connection gets, and a {@link ConnectionSet} keeps the open connections,
 * which now outlive a request, so that a shutdown is graceful and loses nothing that has
 * arrived: the listener gets one more turn of the event loop to accept what the kernel has
 * queued ({@link afterNextPoll}), an idle connection one more turn to read a request already
 * sent, busy connections close after the response in flight (with `Connection: close`), and
 * whatever is still open after the grace period is destroyed, each request cut off that way
 * reported (and the process exits {@link EXIT_REQUESTS_CUT}).
 */

import type { App } from './app.ts';
import type { Config } from './cli.ts';
import type { Connection, ConnectionOptions } from './connection.ts';
import { writeAccessLine } from './log.ts';

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
        if (c.busy || c.socket.writableLength > 0) cut.push(describeCutRequest(c));
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
function describeCutRequest(c: Connection): string {
  const peer = `${c.socket.remoteAddress}:${c.socket.remotePort}`;
  switch (c.state) {
    case 'head':
      return `a request from ${peer} (its header section had not all arrived)`;
    case 'body':
      return `${c.request} from ${peer} (its body had not all arrived)`;
    case 'writing':
      // a streamed response names its request; responses to a pipeline, all written, do not
      if (c.request !== null) return `${c.request} from ${peer} (its response was not all sent)`;
      return `responses to ${peer} (not all sent)`;
    default:
      return `a response to ${peer} (not all sent)`;
  }
}
