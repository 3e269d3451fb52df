/**
 * The master's supervision of its workers: fork them, replace the ones that die, kill the ones
 * stuck in the application or frozen, and stop them all on shutdown. How connections reach the workers
 * is not its business: that is an {@link Intake}, the part of the master that differs from one
 * stage to the next, which the supervisor tells as workers come and go.
 *
 * Strategy:
 *
 * - **Slots.** `config.workers` slots, each holding one worker process at a time and its own
 *   {@link Backoff}. A worker that dies (an uncaught exception, `kill -9`) loses the
 *   connections it held, and only those; its slot forks a replacement after a backoff delay.
 *   One line on stderr per death and per replacement; nothing per request. A worker that
 *   cannot load the application is not replaced: that is fatal, and the master reports the
 *   application's error and exits 1.
 * - **Stuck workers.** Each worker's watchdog thread reports, on a pipe of its own
 *   ({@link WATCHDOG_FD}), an application call that has run longer than `--timeout`; the
 *   supervisor logs the worker, how long and the request line, and kills it with SIGKILL. It
 *   is replaced like any worker that died.
 * - **Frozen workers.** A worker stopped as a whole (SIGSTOP, or frozen in the kernel) cannot
 *   report anything: its watchdog thread is stopped with it. The thread also pings on its pipe
 *   at each look (ten per timeout, at most a second apart), and the supervisor checks as
 *   often: a worker whose pings have stopped for longer than `--timeout` is logged and killed
 *   with SIGKILL, which ends a stopped process too, and is replaced. Nothing per request: a
 *   worker costs its master one read per look. A master that did not run for a while itself
 *   (stopped with its workers by ^Z, say) has not read their pings: it counts from then.
 * - **Shutdown.** Close the intake and send every worker SIGTERM: each serves what has reached
 *   it, with `Connection: close`, and exits. Wait for them (SIGKILL after the grace period and
 *   a margin), and tell whether every request in progress was answered: a worker that cut
 *   requests off reports them (`cut`), and the supervisor logs them.
 *
 * What it will not do: touch a connection, or know how connections reach the workers.
 */

import { fork, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { formatDuration, type Config } from './cli.ts';
import { AppLoadError, WorkerStartError } from './errors.ts';
import type { Logger } from './log.ts';
import { WATCHDOG_FD, type WatchdogReport, type WorkerInit, type WorkerMessage } from './messages.ts';
import { lookIntervalMs } from './watchdog.ts';

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
  /** The address the server listens on. */
  readonly host: string;
  /** The port the server listens on (the real one when 0 was asked for). */
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

/**
 * How connections reach the workers: the part of the master that is not supervision. The
 * supervisor calls each method that is there as workers come and go.
 */
export interface Intake {
  /** The port the server listens on (the real one when 0 was asked for). */
  readonly port: number;
  /** Descriptors of this process that every worker inherits, by their fd number in the worker. */
  readonly inherited?: ReadonlyMap<number, number>;
  /** A worker has been forked. */
  forked?(child: ChildProcess): void;
  /** A message from a worker that is not about its life cycle (`ready`, `start-error`, `cut`). */
  message?(child: ChildProcess, message: WorkerMessage): void;
  /** A worker has loaded the application. */
  ready?(pid: number): void;
  /** A worker has exited. */
  exited?(pid: number): void;
  /**
   * Shutdown has begun (called just before the workers get SIGTERM): stop taking connections.
   * The supervisor waits for it to settle, then for the workers to exit.
   */
  close(): Promise<void>;
}

/** One worker slot: the process in it now, and its restart history. */
interface Slot {
  readonly backoff: Backoff;
  child: ChildProcess | undefined;
  ready: boolean;
  startedAt: number;
  restart: NodeJS.Timeout | undefined;
  /** When the worker's watchdog was last heard (`performance.now()`); undefined before it is ready. */
  heardAt: number | undefined;
}

/**
 * Forks `config.workers` workers that get their connections through `intake`, and resolves
 * once every worker has loaded the application.
 *
 * @throws {@link AppLoadError} when a worker cannot load the application,
 * {@link WorkerStartError} when a worker dies on start.
 */
export async function supervise(config: Config, intake: Intake, logger: Logger, backoff: BackoffOptions = DEFAULT_BACKOFF): Promise<Master> {
  const supervisor = new Supervisor(config, intake, logger, backoff);
  await supervisor.start();
  return {
    host: config.host,
    port: intake.port,
    workerPids: () => supervisor.workerPids(),
    failed: supervisor.failed,
    shutdown: (graceMs) => supervisor.shutdown(graceMs),
  };
}

/** The slots, and what the supervisor knows of the whole: starting, stopping, cut off. */
class Supervisor {
  readonly #config: Config;
  readonly #intake: Intake;
  readonly #logger: Logger;
  readonly #slots: Slot[] = [];
  readonly #init: WorkerInit;
  readonly #stdio: Array<'ignore' | 'inherit' | 'ipc' | 'pipe' | number> = ['ignore', 'inherit', 'inherit', 'ipc'];
  #starting = true;
  #stopping = false;
  /** Whether a request was cut off, or a worker killed, while stopping. */
  #cutOff = false;
  #startup: { resolve(): void; reject(err: Error): void } | undefined;
  /** The check for frozen workers, once per look of their watchdogs (with `--timeout`). */
  #silenceCheck: NodeJS.Timeout | undefined;
  #checkedAt = performance.now();
  #fail!: (err: Error) => void;
  /** Settles only if the server cannot go on (see {@link Master.failed}). */
  readonly failed = new Promise<Error>((resolve) => (this.#fail = resolve));

  constructor(config: Config, intake: Intake, logger: Logger, backoff: BackoffOptions) {
    this.#config = config;
    this.#intake = intake;
    this.#logger = logger;
    this.#init = { config, port: intake.port };
    for (const [fd, own] of intake.inherited ?? []) this.#stdio[fd] = own;
    // the worker's watchdog reports on a pipe of its own, after the IPC channel (fd 3) and
    // the descriptors the intake hands down
    this.#stdio[WATCHDOG_FD] = 'pipe';
    for (let i = 0; i < config.workers; i++) {
      this.#slots.push({ backoff: new Backoff(backoff), child: undefined, ready: false, startedAt: 0, restart: undefined, heardAt: undefined });
    }
    if (config.timeoutMs > 0) {
      const lookMs = lookIntervalMs(config.timeoutMs);
      this.#silenceCheck = setInterval(() => this.#killSilent(lookMs), lookMs).unref();
    }
  }

  /** Forks a worker into every slot; resolves once all are ready, or stops them and throws. */
  async start(): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        this.#startup = { resolve, reject };
        for (const slot of this.#slots) this.#spawn(slot);
      });
    } catch (err) {
      await this.shutdown(0);
      throw err;
    } finally {
      this.#starting = false;
      this.#startup = undefined;
    }
  }

  /** The pids of the live workers, in slot order. */
  workerPids(): number[] {
    return this.#slots.flatMap((s) => (s.child?.pid === undefined ? [] : [s.child.pid]));
  }

  #spawn(slot: Slot): void {
    slot.restart = undefined;
    slot.ready = false;
    slot.startedAt = Date.now();
    slot.heardAt = undefined;
    const child = fork(WORKER_FILE, [JSON.stringify(this.#init)], {
      // --import tsx (and any inspector or coverage flags) carry over to the worker
      execArgv: process.execArgv,
      stdio: this.#stdio,
    });
    slot.child = child;
    this.#intake.forked?.(child);
    child.on('error', () => {}); // a send to a worker that just died; its 'exit' follows
    this.#watchReports(slot, child);
    child.on('message', (message: WorkerMessage) => this.#onMessage(slot, child, message));
    child.on('exit', (code, signal) => this.#onExit(slot, child, code, signal));
  }

  #onMessage(slot: Slot, child: ChildProcess, message: WorkerMessage): void {
    const pid = child.pid!;
    if (message.type === 'ready') {
      slot.ready = true;
      // a ready worker's watchdog runs (worker.ts): its silence counts from now
      slot.heardAt = performance.now();
      this.#intake.ready?.(pid);
      if (!this.#starting) this.#logger.info(`worker ${pid} started`);
      if (this.#starting && this.#slots.every((s) => s.ready)) this.#startup?.resolve();
    } else if (message.type === 'start-error') {
      this.#fatal(new AppLoadError(message.message));
    } else if (message.type === 'cut') {
      this.#cutOff = true;
      for (const request of message.requests) this.#logger.warn(`worker ${pid}: cut off at the end of the grace period: ${request}`);
    } else {
      this.#intake.message?.(child, message);
    }
  }

  #onExit(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    const pid = child.pid!;
    this.#intake.exited?.(pid);
    if (slot.child === child) slot.child = undefined;
    if (this.#stopping) return;
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    if (this.#starting && !slot.ready) {
      this.#fatal(new WorkerStartError(`worker ${pid} ${how} before it was ready`));
      return;
    }
    const delay = slot.backoff.delay(Date.now() - slot.startedAt);
    this.#logger.warn(`worker ${pid} ${how}; starting a replacement in ${delay} ms`);
    slot.restart = setTimeout(() => this.#spawn(slot), delay);
  }

  /** Notes each ping of a worker's watchdog; logs and kills a worker it reports stuck. */
  #watchReports(slot: Slot, child: ChildProcess): void {
    const pipe = child.stdio.at(WATCHDOG_FD) as Readable;
    pipe.setEncoding('utf8');
    let text = '';
    pipe.on('data', (chunk: string) => {
      if (slot.child === child) slot.heardAt = performance.now();
      text += chunk;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n')) {
        const line = text.slice(0, end);
        text = text.slice(end + 1);
        if (line === '') continue; // a ping
        let report: WatchdogReport;
        try {
          report = JSON.parse(line) as WatchdogReport;
        } catch {
          continue; // not the watchdog's (the application wrote on fd WATCHDOG_FD?): not a reason to kill
        }
        this.#logger.warn(`worker ${child.pid} has been inside one application call for ${report.ms} ms (--timeout ${formatDuration(this.#config.timeoutMs)}): ${report.request}; killing it (SIGKILL)`);
        child.kill('SIGKILL');
      }
    });
  }

  /** Kills the workers whose watchdogs have not been heard for longer than `--timeout`. */
  #killSilent(lookMs: number): void {
    const now = performance.now();
    const late = now - this.#checkedAt - lookMs;
    this.#checkedAt = now;
    const timeoutMs = this.#config.timeoutMs;
    for (const slot of this.#slots) {
      const child = slot.child;
      if (child === undefined || slot.heardAt === undefined) continue;
      // this master did not run for a while: the silence is its own, the pings are unread
      if (late > timeoutMs / 2) slot.heardAt = now;
      const silentMs = Math.round(now - slot.heardAt);
      if (silentMs <= timeoutMs) continue;
      this.#logger.warn(`worker ${child.pid} has not been heard from for ${silentMs} ms (--timeout ${formatDuration(timeoutMs)}): stopped or frozen; killing it (SIGKILL)`);
      slot.heardAt = undefined;
      child.kill('SIGKILL');
    }
  }

  #fatal(err: Error): void {
    if (this.#stopping) return;
    this.#startup?.reject(err);
    this.#fail(err);
  }

  /** See {@link Master.shutdown}. */
  async shutdown(graceMs: number): Promise<boolean> {
    this.#stopping = true;
    clearInterval(this.#silenceCheck);
    const closed = this.#intake.close();
    const exits: Promise<void>[] = [];
    for (const slot of this.#slots) {
      clearTimeout(slot.restart);
      const child = slot.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      exits.push(this.#reaped(slot, child, graceMs));
      // a signal rather than a message: it overtakes whatever is still on its way to the
      // worker in the IPC channel, and a worker still importing its modules has no message
      // listener yet, and would miss a message, never a signal
      child.kill('SIGTERM');
    }
    await closed;
    await Promise.all(exits);
    return !this.#cutOff;
  }

  /** Resolves when `child` has exited, killing it if it outlives the grace period. */
  #reaped(slot: Slot, child: ChildProcess, graceMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const kill = setTimeout(() => {
        this.#logger.warn(`worker ${child.pid} still running ${KILL_MARGIN_MS} ms after the grace period (${graceMs} ms); killing it (SIGKILL), which cuts off what it holds`);
        this.#cutOff = true;
        child.kill('SIGKILL');
      }, graceMs + KILL_MARGIN_MS);
      // 'close', not 'exit': after it, the worker's last messages (`cut`) have been read
      child.once('close', (code) => {
        clearTimeout(kill);
        // a worker not ready yet (still starting) held no connection, whatever its end
        if (code !== 0 && slot.ready) this.#cutOff = true;
        resolve();
      });
    });
  }
}
