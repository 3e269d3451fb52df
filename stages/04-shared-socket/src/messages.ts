/**
 * What the master and its workers say to each other over the IPC channel that
 * `child_process.fork` opens (a UNIX socket pair carrying one JSON object per line; a
 * message may carry a file descriptor alongside, as `SCM_RIGHTS` ancillary data).
 *
 * Strategy: a few small messages, each a discriminated union member on `type`. Types and
 * constants only, so the master (which never parses HTTP) and the worker can both import it.
 *
 * No message crosses per connection: the workers inherit the listening socket when they are
 * forked and accept on it themselves. What is left is the life cycle, from the workers:
 * `ready`, `start-error` and `cut`; the master sends nothing (it stops a worker with SIGTERM).
 * Stage 03 also had `connection`, carrying each connection's descriptor to a worker,
 * `accepted` and `closed`, which its least-connection count needed, and `stopping` and `stop`,
 * which made sure no descriptor on its way to a stopping worker was lost. A worker's watchdog
 * reports on a pipe of its own ({@link WATCHDOG_FD}), since it runs in a thread.
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
    }
  /**
   * The worker is stopping and had to cut requests off when the grace period ran out; it
   * exits with `EXIT_REQUESTS_CUT` after this message. The master logs each request.
   */
  | {
      /** Requests were cut off. */
      readonly type: 'cut';
      /** One line per request, e.g. `GET /big from 127.0.0.1:51234 (its response was not all sent)`. */
      readonly requests: readonly string[];
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

/**
 * What a worker's watchdog thread writes, one JSON object per line, on the pipe
 * {@link WATCHDOG_FD} when an application call has run past `--timeout`. Between reports, an
 * empty line at each look is its ping: the worker is not frozen.
 */
export interface WatchdogReport {
  /** How long the call had run, in milliseconds. */
  readonly ms: number;
  /** Its request line, e.g. `GET /slow?ms=5000`. */
  readonly request: string;
}

/** The file descriptor of the pipe a worker's watchdog reports on: the one after the shared socket. */
export const WATCHDOG_FD = 5;
