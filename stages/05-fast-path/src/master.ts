/**
 * The master process of stage 04: it binds the listening socket once, forks workers that
 * inherit it, and keeps them alive. It never accepts a connection.
 *
 * Strategy:
 *
 * - **Bind, do not accept.** {@link bindShared} binds the address without listening, so the
 *   master's event loop never polls the socket. Each worker is forked with the socket's
 *   descriptor as its fd {@link SHARED_SOCKET_FD} and listens on it; from then on the workers
 *   all wait in `accept` on the same kernel socket, and the kernel gives each connection to
 *   one of them. No message crosses per connection, there is nothing to balance, and the
 *   master does not know connections exist. It keeps its own descriptor open, unused, so that
 *   a replacement worker can inherit it too.
 * - **Supervision.** A worker that dies (an uncaught exception, `kill -9`) loses the
 *   connections it had accepted, and only those: connections still in the kernel's queue are
 *   accepted by the other workers, and a replacement is forked after a {@link Backoff} delay.
 *   One line on stderr per death and per replacement; nothing per request. A worker that
 *   cannot load the application is not replaced: that is fatal, and the master reports the
 *   application's error and exits 1.
 * - **Stuck workers.** Each worker's watchdog thread reports, on a pipe of its own
 *   ({@link WATCHDOG_FD}), an application call that has run longer than `--timeout`; the
 *   master logs the worker, how long and the request line, and kills it with SIGKILL. It is
 *   replaced like any worker that died.
 * - **Shutdown.** Close the master's descriptor and send every worker SIGTERM: each keeps
 *   accepting for one more poll phase, closes its listener, serves what has reached it (with
 *   `Connection: close`) within the grace period, and exits. Once the last descriptor is
 *   closed, the kernel closes the socket. Wait for them (SIGKILL after the grace period and a
 *   margin), and tell whether every request in progress was answered: a worker that cut
 *   requests off reports them, and the master logs them.
 *
 * What it will not do: choose which worker gets a connection. The kernel wakes whichever
 * workers wait in `accept`, and the first to call it wins.
 */

import { fork, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { formatDuration, type Config } from './cli.ts';
import { AppLoadError, ListenError, WorkerStartError } from './errors.ts';
import { createLogger, type Logger } from './log.ts';
import { SHARED_SOCKET_FD, WATCHDOG_FD, type WatchdogReport, type WorkerInit, type WorkerMessage } from './messages.ts';
import { bindShared } from './server.ts';

/** The file every worker process runs. */
export const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** How long past the grace period the master waits for a worker before it SIGKILLs it, in ms. */
export const KILL_MARGIN_MS = 2_000;

/** How to run the master. */
export interface MasterOptions {
  /** Where supervision events go, one line each (default: stderr, at `config.logLevel`). */
  readonly logger?: Logger;
  /** The restart delays (default {@link DEFAULT_BACKOFF}). */
  readonly backoff?: BackoffOptions;
}

/** A running master and its workers. */
export interface Master {
  /** The address the workers listen on. */
  readonly host: string;
  /** The port the workers listen on (the real one when 0 was asked for). */
  readonly port: number;
  /** The pids of the live workers, in slot order. */
  workerPids(): number[];
  /**
   * Settles only if the server cannot go on: a replacement worker could not load the
   * application. `main` prints the error and exits 1.
   */
  readonly failed: Promise<Error>;
  /**
   * Stops accepting, lets the workers serve what has reached them within `graceMs`, and
   * resolves when all have exited: true when every request in progress was answered, false
   * when some were cut off (each one logged) or a worker had to be killed.
   */
  shutdown(graceMs: number): Promise<boolean>;
}

/** One worker slot: the process in it now, and its restart history. */
interface Slot {
  readonly index: number;
  readonly backoff: Backoff;
  child: ChildProcess | undefined;
  ready: boolean;
  startedAt: number;
  restart: NodeJS.Timeout | undefined;
}

/**
 * Binds, forks `config.workers` workers, and resolves once every worker has loaded the
 * application and listens.
 *
 * @throws {@link ListenError} when the address cannot be bound, {@link AppLoadError} when a
 * worker cannot load the application, {@link WorkerStartError} when a worker dies on start.
 */
export async function startMaster(config: Config, options: MasterOptions = {}): Promise<Master> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const shared = await bindShared(config.host, config.port);
  const port = shared.port;

  const slots: Slot[] = [];
  let stopping = false;
  /** Whether a request was cut off, or a worker killed, while stopping. */
  let cutOff = false;
  let starting = true;
  let fail!: (err: Error) => void;
  const failed = new Promise<Error>((resolve) => (fail = resolve));
  let startupFailed: ((err: Error) => void) | undefined;
  let allReady: (() => void) | undefined;

  const init: WorkerInit = { config, port };
  // the worker inherits the shared socket as its fd 4, after the IPC channel's fd 3, and its
  // watchdog reports on a pipe of its own, fd 5
  const stdio: Array<'ignore' | 'inherit' | 'ipc' | 'pipe' | number> = ['ignore', 'inherit', 'inherit', 'ipc'];
  stdio[SHARED_SOCKET_FD] = shared.fd;
  stdio[WATCHDOG_FD] = 'pipe';

  function spawn(slot: Slot): void {
    slot.restart = undefined;
    slot.ready = false;
    slot.startedAt = Date.now();
    const child = fork(WORKER_FILE, [JSON.stringify(init)], {
      // --import tsx (and any inspector or coverage flags) carry over to the worker
      execArgv: process.execArgv,
      stdio,
    });
    slot.child = child;
    const pid = child.pid!;
    child.on('error', () => {}); // a send to a worker that just died; its 'exit' follows
    watchReports(child, pid);
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'cut') {
        cutOff = true;
        for (const request of message.requests) logger.warn(`worker ${pid}: cut off at the end of the grace period: ${request}`);
      } else if (message.type === 'ready') {
        slot.ready = true;
        if (!starting) logger.info(`worker ${pid} started`);
        if (starting && slots.every((s) => s.ready)) allReady?.();
      } else if (message.type === 'start-error') {
        fatal(new AppLoadError(message.message));
      }
    });
    child.on('exit', (code, signal) => {
      if (slot.child === child) slot.child = undefined;
      if (stopping) return;
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (starting && !slot.ready) {
        fatal(new WorkerStartError(`worker ${pid} ${how} before it was ready`));
        return;
      }
      const delay = slot.backoff.delay(Date.now() - slot.startedAt);
      logger.warn(`worker ${pid} ${how}; starting a replacement in ${delay} ms`);
      slot.restart = setTimeout(() => spawn(slot), delay);
    });
  }

  /** Logs and kills a worker whose watchdog reports a call longer than `--timeout`. */
  function watchReports(child: ChildProcess, pid: number): void {
    const pipe = child.stdio.at(WATCHDOG_FD) as Readable;
    pipe.setEncoding('utf8');
    let text = '';
    pipe.on('data', (chunk: string) => {
      text += chunk;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n')) {
        const line = text.slice(0, end);
        text = text.slice(end + 1);
        let report: WatchdogReport;
        try {
          report = JSON.parse(line) as WatchdogReport;
        } catch {
          continue; // not the watchdog's (the application wrote on fd WATCHDOG_FD?): not a reason to kill
        }
        logger.warn(`worker ${pid} has been inside one application call for ${report.ms} ms (--timeout ${formatDuration(config.timeoutMs)}): ${report.request}; killing it (SIGKILL)`);
        child.kill('SIGKILL');
      }
    });
  }

  function fatal(err: Error): void {
    if (stopping) return;
    startupFailed?.(err);
    fail(err);
  }

  async function shutdown(graceMs: number): Promise<boolean> {
    stopping = true;
    shared.close();
    const exits: Promise<void>[] = [];
    for (const slot of slots) {
      clearTimeout(slot.restart);
      const child = slot.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      exits.push(
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => {
            logger.warn(`worker ${child.pid} still running ${KILL_MARGIN_MS} ms after the grace period (${graceMs} ms); killing it (SIGKILL), which cuts off what it holds`);
            cutOff = true;
            child.kill('SIGKILL');
          }, graceMs + KILL_MARGIN_MS);
          // 'close', not 'exit': after it, the worker's last messages (`cut`) have been read
          child.once('close', (code) => {
            clearTimeout(kill);
            // a worker not ready yet (still starting) held no connection, whatever its end
            if (code !== 0 && slot.ready) cutOff = true;
            resolve();
          });
        }),
      );
      // a signal rather than a message: a worker still importing its modules has no message
      // listener yet, and would miss a message, never a signal
      child.kill('SIGTERM');
    }
    await Promise.all(exits);
    return !cutOff;
  }

  for (let index = 0; index < config.workers; index++) {
    const slot: Slot = { index, backoff: new Backoff(options.backoff ?? DEFAULT_BACKOFF), child: undefined, ready: false, startedAt: 0, restart: undefined };
    slots.push(slot);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      allReady = resolve;
      startupFailed = reject;
      for (const slot of slots) spawn(slot);
    });
  } catch (err) {
    await shutdown(0);
    throw err;
  } finally {
    starting = false;
    allReady = undefined;
    startupFailed = undefined;
  }

  return {
    host: config.host,
    port,
    workerPids: () => slots.flatMap((s) => (s.child?.pid === undefined ? [] : [s.child.pid])),
    failed,
    shutdown,
  };
}
