/**
 * The master process of stage 03: it accepts every connection and passes it, still unread,
 * to the worker with the fewest open connections.
 *
 * Strategy:
 *
 * - **Accept, never read.** The listening server is created with `pauseOnConnect`, so the
 *   master's event loop never reads a byte from a connection. It hands the socket to a worker
 *   with `child.send({ type: 'connection' }, socket)`: Node sends the socket's file descriptor
 *   over the IPC channel (a UNIX socket pair) as `SCM_RIGHTS` ancillary data, and the master
 *   closes its own copy once the descriptor is in the channel. The master never parses HTTP.
 * - **Least connections.** {@link LeastConnections} counts, per worker, the connections
 *   handed over and not yet reported closed; each worker sends `closed` when one of its
 *   sockets closes (the log's "completion notifications"), and `accepted` when it takes one,
 *   so that a worker stuck in the application is passed over (one line on stderr when that
 *   starts, one when it ends).
 * - **Supervision.** A worker that dies (an uncaught exception, `kill -9`) loses the
 *   connections it held, and only those: its count is dropped, new connections go to the
 *   others (or wait in a queue when there is none), and a replacement is forked after a
 *   {@link Backoff} delay. One line on stderr per death and per replacement; nothing per
 *   request. A worker that cannot load the application is not replaced: that is fatal, and
 *   the master reports the application's error and exits 1.
 * - **Stuck workers.** Each worker's watchdog thread reports, on a pipe of its own
 *   ({@link WATCHDOG_FD}), an application call that has run longer than `--timeout`; the
 *   master logs the worker, how long and the request line, and kills it with SIGKILL. It is
 *   replaced like any worker that died.
 * - **Shutdown.** Send every worker SIGTERM: each serves what has reached it, with
 *   `Connection: close`. Keep accepting for one more poll phase (closing the listener resets
 *   the connections the kernel has queued) and hand those over too, close the listener, then
 *   send every worker `stop`, which follows the last connection sent to it on the channel: a
 *   worker exits once it has it and has served what it holds. Wait for them (SIGKILL after the
 *   grace period and a margin), and tell whether every request in progress was answered: a
 *   worker that cut requests off reports them, and the master logs them. A worker stopped on
 *   its own (an operator's SIGTERM) says `stopping`: it gets no more connections, then `stop`,
 *   and is replaced when it exits.
 *
 * What it will not do: look at requests, so it cannot balance by request, only by connection.
 */

import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { LeastConnections } from './balancer.ts';
import { formatDuration, type Config } from './cli.ts';
import { AppLoadError, ListenError, WorkerStartError } from './errors.ts';
import { createLogger, type Logger } from './log.ts';
import { WATCHDOG_FD, type MasterMessage, type WatchdogReport, type WorkerInit, type WorkerMessage } from './messages.ts';
import { listen } from './server.ts';
import { afterNextPoll } from './serving.ts';

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
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on (the real one when 0 was asked for). */
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
 * Listens, forks `config.workers` workers, and resolves once every worker has loaded the
 * application.
 *
 * @throws {@link ListenError} when the address cannot be bound, {@link AppLoadError} when a
 * worker cannot load the application, {@link WorkerStartError} when a worker dies on start.
 */
export async function startMaster(config: Config, options: MasterOptions = {}): Promise<Master> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // pauseOnConnect: the master never reads from a connection, it only passes it on
  const server = net.createServer({ pauseOnConnect: true });
  await listen(server, config.host, config.port, config.backlog);
  const port = (server.address() as net.AddressInfo).port;

  const balancer = new LeastConnections<number>();
  /** The workers the balancer passes over, stalled; logged once each time. */
  const passedOver = new Set<number>();
  const children = new Map<number, ChildProcess>();
  /** Per worker, the connections handed to `send` whose descriptor is not yet in the channel. */
  const inFlight = new Map<number, Set<net.Socket>>();
  const slots: Slot[] = [];
  const waiting: net.Socket[] = [];
  let stopping = false;
  /** Whether a request was cut off, or a worker killed, while stopping. */
  let cutOff = false;
  let starting = true;
  let fail!: (err: Error) => void;
  const failed = new Promise<Error>((resolve) => (fail = resolve));
  let startupFailed: ((err: Error) => void) | undefined;
  let allReady: (() => void) | undefined;

  const init: WorkerInit = { config, port };
  // the worker's watchdog reports on a pipe of its own, fd 4, after the IPC channel's fd 3
  const stdio: Array<'ignore' | 'inherit' | 'ipc' | 'pipe'> = ['ignore', 'inherit', 'inherit', 'ipc'];
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
    children.set(pid, child);
    inFlight.set(pid, new Set());
    child.on('error', () => {}); // a send to a worker that just died; its 'exit' follows
    watchReports(child, pid);
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'accepted') {
        balancer.accepted(pid);
        if (passedOver.delete(pid)) logger.info(`worker ${pid} takes connections again`);
      } else if (message.type === 'closed') {
        balancer.closed(pid);
      } else if (message.type === 'stopping') {
        // stopped by someone else than this master: hand it nothing more, and say so
        if (stopping) return;
        balancer.remove(pid);
        passedOver.delete(pid);
        const stop: MasterMessage = { type: 'stop' };
        child.send(stop);
      } else if (message.type === 'cut') {
        cutOff = true;
        for (const request of message.requests) logger.warn(`worker ${pid}: cut off at the end of the grace period: ${request}`);
      } else if (message.type === 'ready') {
        slot.ready = true;
        balancer.add(pid);
        if (!starting) logger.info(`worker ${pid} started`);
        if (starting && slots.every((s) => s.ready)) allReady?.();
        drain();
      } else if (message.type === 'start-error') {
        fatal(new AppLoadError(message.message));
      }
    });
    child.on('exit', (code, signal) => {
      children.delete(pid);
      balancer.remove(pid);
      passedOver.delete(pid);
      // connections still queued for the dead worker die with it (the client sees a close)
      for (const socket of inFlight.get(pid)!) socket.destroy();
      inFlight.delete(pid);
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

  /** Logs, once, each worker the balancer now passes over. */
  function noticeStalls(now: number): void {
    for (const pid of balancer.ids) {
      if (passedOver.has(pid) || !balancer.isStalled(pid, now)) continue;
      passedOver.add(pid);
      logger.warn(`worker ${pid} has not taken a connection handed to it ${balancer.unacknowledgedFor(pid, now)} ms ago; passing it over`);
    }
  }

  /** Hands one accepted connection to the least loaded worker, or queues it. */
  function dispatch(socket: net.Socket): void {
    const now = Date.now();
    noticeStalls(now);
    const pid = balancer.pick(now);
    const child = pid === undefined ? undefined : children.get(pid);
    if (pid === undefined || child === undefined || !child.connected) {
      if (pid !== undefined) balancer.remove(pid);
      if (balancer.ids.length > 0) return dispatch(socket);
      // no worker can take it now (all died at once): hold it until a replacement is ready
      waiting.push(socket);
      socket.once('close', () => {
        const i = waiting.indexOf(socket);
        if (i !== -1) waiting.splice(i, 1);
      });
      return;
    }
    balancer.opened(pid, now);
    const sending = inFlight.get(pid)!;
    sending.add(socket);
    const message: MasterMessage = { type: 'connection' };
    // keepOpen: the master closes its copy itself, as soon as the descriptor is written into
    // the channel (by default Node would wait for the worker's acknowledgement, and a worker
    // that died before sending it would leave the connection open, and its client hanging)
    child.send(message, socket, { keepOpen: true }, () => {
      sending.delete(socket);
      socket.destroy();
    });
  }

  function drain(): void {
    while (waiting.length > 0 && balancer.ids.length > 0) dispatch(waiting.shift()!);
  }

  function fatal(err: Error): void {
    if (stopping) return;
    startupFailed?.(err);
    fail(err);
  }

  async function shutdown(graceMs: number): Promise<boolean> {
    stopping = true;
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
      // a signal rather than a message: it overtakes the connections still in the channel
      // (so the worker answers them with Connection: close), and a worker still importing its
      // modules has no message listener yet, and would miss a message, never a signal
      child.kill('SIGTERM');
    }
    // The listener's last turn: closing it resets the connections the kernel has queued, and
    // in one more poll phase the master accepts and hands them over (serving.ts: afterNextPoll).
    await afterNextPoll();
    server.close();
    for (const socket of waiting.splice(0)) socket.destroy();
    // no more connections: `stop` follows the last one sent to each worker on its channel
    const stop: MasterMessage = { type: 'stop' };
    for (const slot of slots) if (slot.child?.connected) slot.child.send(stop);
    await Promise.all(exits);
    return !cutOff;
  }

  server.on('connection', dispatch);
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
