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
 * - **Shutdown.** Close the master's descriptor, send every worker SIGTERM (each closes its
 *   listener, finishes its requests in flight within the grace period and exits 0), wait for
 *   them (SIGKILL after the grace period and a margin), and resolve. Once the last descriptor is closed the kernel
 *   closes the socket.
 *
 * What it will not do: choose which worker gets a connection. The kernel wakes whichever
 * workers wait in `accept`, and the first to call it wins.
 */

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import type { Config } from './cli.ts';
import { AppLoadError, ListenError, WorkerStartError } from './errors.ts';
import { SHARED_SOCKET_FD, type WorkerInit, type WorkerMessage } from './messages.ts';
import { bindShared } from './server.ts';

/** The file every worker process runs. */
export const WORKER_FILE = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** How long past the grace period the master waits for a worker before it SIGKILLs it, in ms. */
export const KILL_MARGIN_MS = 2_000;

/** How to run the master. */
export interface MasterOptions {
  /** Where supervision events go, one line each (default: stderr). */
  readonly log?: (line: string) => void;
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
  /** Stops accepting, lets the workers finish within `graceMs`, and resolves when all exited. */
  shutdown(graceMs: number): Promise<void>;
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
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const shared = await bindShared(config.host, config.port);
  const port = shared.port;

  const slots: Slot[] = [];
  let stopping = false;
  let starting = true;
  let fail!: (err: Error) => void;
  const failed = new Promise<Error>((resolve) => (fail = resolve));
  let startupFailed: ((err: Error) => void) | undefined;
  let allReady: (() => void) | undefined;

  const init: WorkerInit = { config, port };
  // the worker inherits the shared socket as its fd 4, after the IPC channel's fd 3
  const stdio: Array<'ignore' | 'inherit' | 'ipc' | number> = ['ignore', 'inherit', 'inherit', 'ipc'];
  stdio[SHARED_SOCKET_FD] = shared.fd;

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
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        slot.ready = true;
        if (!starting) log(`nibiru-ts: worker ${pid} started`);
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
      log(`nibiru-ts: worker ${pid} ${how}; starting a replacement in ${delay} ms`);
      slot.restart = setTimeout(() => spawn(slot), delay);
    });
  }

  function fatal(err: Error): void {
    if (stopping) return;
    startupFailed?.(err);
    fail(err);
  }

  async function shutdown(graceMs: number): Promise<void> {
    stopping = true;
    shared.close();
    const exits: Promise<void>[] = [];
    for (const slot of slots) {
      clearTimeout(slot.restart);
      const child = slot.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      exits.push(
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), graceMs + KILL_MARGIN_MS);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
        }),
      );
      // a signal rather than a message: a worker still importing its modules has no message
      // listener yet, and would miss a message, never a signal
      child.kill('SIGTERM');
    }
    await Promise.all(exits);
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
