/**
 * What the master and its workers say to each other over the IPC channel that
 * `child_process.fork` opens (a UNIX socket pair carrying one JSON object per line; a
 * message may carry a file descriptor alongside, as `SCM_RIGHTS` ancillary data).
 *
 * Strategy: a few small messages, each a discriminated union member on `type`. Types and
 * constants only, so the master (which never parses HTTP) and the worker can both import it.
 *
 * Per connection, three messages cross: `connection` (master to worker, with the socket's
 * descriptor), `accepted` (worker to master: it has taken it) and `closed` (worker to master,
 * the completion notification the least-connection count needs). Stage 04 removes all three.
 * The rest is the life cycle: `ready`, `start-error`, `stopping`, `stop` and `cut`. A worker's
 * watchdog reports on a pipe of its own ({@link WATCHDOG_FD}), since it runs in a thread.
 */

import type { Config } from './cli.ts';

/**
 * What the master sends a worker: a connection, whose socket travels as the message's handle,
 * or `stop`.
 */
export type MasterMessage =
  /** A connection, whose socket travels as the message's handle. */
  | {
      /** A connection. */
      readonly type: 'connection';
    }
  /**
   * No more connections will come: a worker that is stopping may exit once it has served the
   * ones it holds. A message, so that it arrives after every connection sent before it (the
   * channel keeps them in order). What tells a worker to stop is SIGTERM, which overtakes the
   * descriptors still in the channel, so that what has already arrived is answered with
   * `Connection: close`.
   */
  | {
      /** No more connections. */
      readonly type: 'stop';
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
  /**
   * The worker has taken a connection the master handed over: it is making progress, and the
   * master closes its own copy. A worker stuck in the application sends none, and the balancer
   * passes it over.
   */
  | {
      /** A connection was taken. */
      readonly type: 'accepted';
    }
  /** One connection the master handed over has closed (the completion notification). */
  | {
      /** A connection closed. */
      readonly type: 'closed';
    }
  /**
   * The worker is stopping (SIGTERM): send it no more connections, and `stop` once none is on
   * its way.
   */
  | {
      /** The worker is stopping. */
      readonly type: 'stopping';
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
  /** The port the master listens on, for `SERVER_PORT` (the real one when 0 was asked for). */
  readonly port: number;
}

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

/**
 * The file descriptor of the pipe a worker's watchdog reports on: the one after stdin,
 * stdout, stderr (0-2) and the IPC channel (3).
 */
export const WATCHDOG_FD = 4;
