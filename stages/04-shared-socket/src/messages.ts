/**
 * What the master and its workers say to each other over the IPC channel that
 * `child_process.fork` opens (a UNIX socket pair carrying one JSON object per line; a
 * message may carry a file descriptor alongside, as `SCM_RIGHTS` ancillary data).
 *
 * Strategy: a few small messages, each a discriminated union member on `type`. Types and
 * one constant only, so the master (which never parses HTTP) and the worker can both import
 * it.
 *
 * No message crosses per connection: the workers inherit the listening socket when they are
 * forked and accept on it themselves. What is left is the life cycle, from the workers:
 * `ready` and `start-error`; the master sends nothing (it stops a worker with SIGTERM). Stage
 * 03 also had `connection`, carrying each connection's descriptor to a worker, and `closed`,
 * the completion notification its least-connection count needed.
 */

import type { Config } from './cli.ts';

/** What a worker sends the master. */
export type WorkerMessage =
  /** The application is loaded and the worker accepts on the shared socket. */
  | {
      /** The worker is ready. */
      readonly type: 'ready';
    }
  /**
   * The worker cannot serve: the application could not be loaded, or the inherited socket
   * could not be listened on. `message` says why, and the worker exits 1. The master takes it
   * as fatal, since a replacement would fail alike.
   */
  | {
      /** The worker cannot serve. */
      readonly type: 'start-error';
      /** Why, in one line. */
      readonly message: string;
    };

/** What the master gives a new worker (as its one command-line argument, in JSON). */
export interface WorkerInit {
  /** The configuration, as the master parsed it. */
  readonly config: Config;
  /** The port the master bound, for `SERVER_PORT` (the real one when 0 was asked for). */
  readonly port: number;
}

/**
 * The file descriptor under which a worker inherits the shared listening socket: the one
 * after stdin, stdout, stderr (0-2) and the IPC channel (3).
 */
export const SHARED_SOCKET_FD = 4;
