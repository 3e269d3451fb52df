/**
 * How connections reach the workers in stage 03: the master accepts every connection and
 * passes it, still unread, to the worker with the fewest open connections.
 *
 * Strategy:
 *
 * - **Accept, never read.** The listening server is created with `pauseOnConnect`, so the
 *   master's event loop never reads a byte from a connection. It hands the socket to a worker
 *   with `child.send({ type: 'connection' }, socket)`: Node sends the socket's file descriptor
 *   over the IPC channel (a UNIX socket pair) as `SCM_RIGHTS` ancillary data, and the master
 *   closes its own copy once the worker says it has taken it. The master never parses HTTP.
 * - **Least connections.** {@link LeastConnections} counts, per worker, the connections
 *   handed over and not yet reported closed; each worker sends `closed` when one of its
 *   sockets closes (the log's "completion notifications"), and `accepted` when it takes one,
 *   so that a worker stuck in the application is passed over (one line on stderr when that
 *   starts, one when it ends).
 * - **Workers come and go.** A worker that dies loses the connections it had taken, and only
 *   those: its count is dropped, and new connections go to the others (or wait in a queue when
 *   there is none, until a replacement is ready). The ones still on their way to it, unread,
 *   go to another worker: the master still holds them. That is what saves the connections
 *   handed to a worker frozen as a whole (SIGSTOP) before it was passed over and killed.
 * - **Shutdown.** While the workers get SIGTERM, keep accepting for one more poll phase
 *   (closing the listener resets the connections the kernel has queued) and hand those over
 *   too, close the listener, then send every worker `stop`, which follows the last connection
 *   sent to it on the channel: a worker exits once it has it and has served what it holds. A
 *   worker stopped on its own (an operator's SIGTERM) says `stopping`: it gets no more
 *   connections, then `stop`, and is replaced when it exits.
 *
 * What it will not do: look at requests, so it cannot balance by request, only by connection.
 */

import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { LeastConnections } from './balancer.ts';
import type { Config } from './cli.ts';
import type { ListenError } from './errors.ts';
import type { Logger } from './log.ts';
import type { MasterMessage, WorkerMessage } from './messages.ts';
import { listen } from './server.ts';
import { afterNextPoll } from './serving.ts';
import type { Intake } from './supervisor.ts';

/** The master's listener, and the count of connections each worker holds. */
export class Dispatcher implements Intake {
  /** The port it listens on (the real one when 0 was asked for). */
  readonly port: number;
  readonly #server: net.Server;
  readonly #logger: Logger;
  readonly #balancer = new LeastConnections<number>();
  /** The workers the balancer passes over, stalled; logged once each time. */
  readonly #passedOver = new Set<number>();
  readonly #children = new Map<number, ChildProcess>();
  /** Per worker, the connections handed over that it has not taken yet, oldest first. */
  readonly #untaken = new Map<number, net.Socket[]>();
  readonly #waiting: net.Socket[] = [];
  #closing = false;

  /**
   * Listens on `config.host:config.port` and dispatches every connection from then on.
   *
   * @throws {@link ListenError} when the address cannot be bound.
   */
  static async listen(config: Config, logger: Logger): Promise<Dispatcher> {
    // pauseOnConnect: the master never reads from a connection, it only passes it on
    const server = net.createServer({ pauseOnConnect: true });
    await listen(server, config.host, config.port, config.backlog);
    return new Dispatcher(server, logger);
  }

  private constructor(server: net.Server, logger: Logger) {
    this.#server = server;
    this.#logger = logger;
    this.port = (server.address() as net.AddressInfo).port;
    server.on('connection', (socket: net.Socket) => this.#dispatch(socket));
  }

  /** Tracks a new worker; it gets connections once it is ready. */
  forked(child: ChildProcess): void {
    this.#children.set(child.pid!, child);
    this.#untaken.set(child.pid!, []);
  }

  /** Counts `accepted` and `closed`; answers `stopping` with `stop`, once none is on its way. */
  message(child: ChildProcess, message: WorkerMessage): void {
    const pid = child.pid!;
    if (message.type === 'accepted') {
      // the channel keeps order: this is the oldest connection handed over, now the worker's
      this.#untaken.get(pid)?.shift()?.destroy();
      this.#balancer.accepted(pid);
      if (this.#passedOver.delete(pid)) this.#logger.info(`worker ${pid} takes connections again`);
    } else if (message.type === 'closed') {
      this.#balancer.closed(pid);
    } else if (message.type === 'stopping') {
      // stopped by someone else than this master: hand it nothing more, and say so
      if (this.#closing) return;
      this.#balancer.remove(pid);
      this.#passedOver.delete(pid);
      const stop: MasterMessage = { type: 'stop' };
      child.send(stop);
    }
  }

  /** Lets a worker take connections, the queued ones first. */
  ready(pid: number): void {
    this.#balancer.add(pid);
    while (this.#waiting.length > 0 && this.#balancer.ids.length > 0) this.#dispatch(this.#waiting.shift()!);
  }

  /** Forgets a dead worker, and hands the connections it had not taken to the others. */
  exited(pid: number): void {
    this.#children.delete(pid);
    this.#balancer.remove(pid);
    this.#passedOver.delete(pid);
    const untaken = this.#untaken.get(pid)!;
    this.#untaken.delete(pid);
    // its copies died with it, unread; once closing, no worker takes more (the client sees a close)
    for (const socket of untaken) {
      if (this.#closing) socket.destroy();
      else this.#dispatch(socket);
    }
  }

  /** Accepts for one more poll phase, closes the listener, and sends each worker `stop`. */
  async close(): Promise<void> {
    this.#closing = true;
    // The listener's last turn: closing it resets the connections the kernel has queued, and
    // in one more poll phase the master accepts and hands them over (serving.ts: afterNextPoll).
    await afterNextPoll();
    this.#server.close();
    for (const socket of this.#waiting.splice(0)) socket.destroy();
    // no more connections: `stop` follows the last one sent to each worker on its channel
    const stop: MasterMessage = { type: 'stop' };
    for (const child of this.#children.values()) if (child.connected) child.send(stop);
  }

  /** Logs, once, each worker the balancer now passes over. */
  #noticeStalls(now: number): void {
    for (const pid of this.#balancer.ids) {
      if (this.#passedOver.has(pid) || !this.#balancer.isStalled(pid, now)) continue;
      this.#passedOver.add(pid);
      this.#logger.warn(`worker ${pid} has not taken a connection handed to it ${this.#balancer.unacknowledgedFor(pid, now)} ms ago; passing it over`);
    }
  }

  /** Hands one accepted connection to the least loaded worker, or queues it. */
  #dispatch(socket: net.Socket): void {
    const now = Date.now();
    this.#noticeStalls(now);
    const pid = this.#balancer.pick(now);
    const child = pid === undefined ? undefined : this.#children.get(pid);
    if (pid === undefined || child === undefined || !child.connected) {
      if (pid !== undefined) this.#balancer.remove(pid);
      if (this.#balancer.ids.length > 0) return this.#dispatch(socket);
      // no worker can take it now (all died at once): hold it until a replacement is ready
      this.#waiting.push(socket);
      socket.once('close', () => {
        const i = this.#waiting.indexOf(socket);
        if (i !== -1) this.#waiting.splice(i, 1);
      });
      return;
    }
    this.#balancer.opened(pid, now);
    this.#untaken.get(pid)!.push(socket);
    const message: MasterMessage = { type: 'connection' };
    // keepOpen: the master closes its copy itself, once the worker says `accepted`, or hands it
    // to another worker if this one dies first (Node's own close would leave no copy to hand on)
    child.send(message, socket, { keepOpen: true });
  }
}
