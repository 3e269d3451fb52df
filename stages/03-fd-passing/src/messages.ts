/**
 * What the master and its workers say to each other over the IPC channel that
 * `child_process.fork` opens (a UNIX socket pair carrying one JSON object per line; a
 * message may carry a file descriptor alongside, as `SCM_RIGHTS` ancillary data).
 *
 * Strategy: a few small messages, each a discriminated union member on `type`. Types only:
 * this file has no code, so the master (which never parses HTTP) and the worker can both
 * import it.
 *
 * Per connection, two messages cross: `connection` (master to worker, with the socket's
 * descriptor) and `closed` (worker to master, the completion notification the least-connection
 * count needs). Stage 04 removes both.
 */

import type { Config } from './cli.ts';

/**
 * What the master sends a worker: a connection, whose socket travels as the message's handle.
 * (To stop a worker, the master sends it SIGTERM.)
 */
export type MasterMessage = {
  /** A connection, whose socket travels as the message's handle. */
  readonly type: 'connection';
};

/** What a worker sends the master. */
export type WorkerMessage =
  /** The application is loaded; send connections. */
  | {
      /** The worker is ready. */
      readonly type: 'ready';
    }
  /**
   * The worker cannot serve: the application could not be loaded. `message` says why, and
   * the worker exits 1. The master takes it as fatal, since a replacement would fail alike.
   */
  | {
      /** The worker cannot serve. */
      readonly type: 'start-error';
      /** Why, in one line. */
      readonly message: string;
    }
  /** One connection the master handed over has closed (the completion notification). */
  | {
      /** A connection closed. */
      readonly type: 'closed';
    };

/** What the master gives a new worker (as its one command-line argument, in JSON). */
export interface WorkerInit {
  /** The configuration, as the master parsed it. */
  readonly config: Config;
  /** The port the master listens on, for `SERVER_PORT` (the real one when 0 was asked for). */
  readonly port: number;
}
