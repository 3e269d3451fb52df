/**
 * Least-connection balancing: which worker gets the next connection.
 *
 * Strategy: keep, for every worker that can take connections, the number of connections the
 * master has handed to it and that the worker has not yet reported closed. The next
 * connection goes to the worker with the fewest. Ties are broken round-robin (the search for
 * the least starts one past the worker picked last), so that idle workers take turns instead
 * of the first one taking every short connection.
 *
 * A worker stuck in a long application call takes none of the connections handed to it, and
 * it holds few of them, so it would be picked again and again (10 of 2,000 requests at 20
 * concurrent connections hung that way, issue 10). So each worker acknowledges every
 * connection it takes (`accepted`), and a worker whose oldest unacknowledged hand-off is
 * older than {@link STALLED_AFTER_MS} is passed over, unless every worker is in that state.
 * It is picked again once it has acknowledged them.
 *
 * The module is pure: no sockets, no processes, no clock. The master (`master.ts`) feeds it
 * events (a worker is ready, a connection was handed over at a time, a worker took one, a
 * worker reported a close, a worker died) and asks it {@link LeastConnections.pick} with the
 * time; the unit tests do the same with plain numbers.
 *
 * What it will not do: weigh connections by how busy they are. A keep-alive connection that
 * sits idle counts as much as one running a slow request; the count is all the master knows,
 * because it reads no bytes and so sees no requests (that is the point of passing the
 * descriptor). This is nibiru's "least connection load balancing algorithm" of 2026-01-01.
 */

/**
 * How long a connection handed to a worker may wait for the worker to take it (ms) before the
 * worker counts as stalled and is passed over. A worker whose event loop runs takes a
 * connection within milliseconds, even under load; one that has not for a second is inside
 * a long application call.
 */
export const STALLED_AFTER_MS = 1_000;

/** What the balancer knows of one worker. */
interface WorkerLoad {
  /** Connections handed over and not reported closed. */
  open: number;
  /** When each hand-off the worker has not acknowledged yet happened, oldest first. */
  readonly unacknowledged: number[];
}

/**
 * Counts open connections per worker and picks the least loaded one that is taking
 * connections.
 *
 * @typeParam Id how workers are named (the master uses their pids).
 */
export class LeastConnections<Id = number> {
  /** Per worker, in the order workers were added. */
  readonly #workers = new Map<Id, WorkerLoad>();
  /** The worker picked last, where the next search for the least starts after. */
  #last: Id | undefined;
  readonly #stalledAfterMs: number;

  /** @param stalledAfterMs see {@link STALLED_AFTER_MS}. */
  constructor(stalledAfterMs: number = STALLED_AFTER_MS) {
    this.#stalledAfterMs = stalledAfterMs;
  }

  /** Adds a worker that can take connections, with none open. Adding it again resets it. */
  add(id: Id): void {
    this.#workers.set(id, { open: 0, unacknowledged: [] });
  }

  /**
   * Removes a worker (it died or is shutting down). Its connections are forgotten: they died
   * with it, and no close will be reported for them.
   */
  remove(id: Id): void {
    this.#workers.delete(id);
    if (this.#last === id) this.#last = undefined;
  }

  /** Whether `id` can take connections. */
  has(id: Id): boolean {
    return this.#workers.has(id);
  }

  /** The workers that can take connections. */
  get ids(): Id[] {
    return [...this.#workers.keys()];
  }

  /**
   * The worker with the fewest open connections, ties broken round-robin, among those not
   * stalled at `now` (see {@link isStalled}), or among all when every one is; undefined when no
   * worker can take one. Picking does not count the connection: call {@link opened} once it is
   * handed over.
   *
   * @param now the time, in milliseconds, on the clock {@link opened} is given.
   */
  pick(now: number): Id | undefined {
    const ids = [...this.#workers.keys()];
    if (ids.length === 0) return undefined;
    const start = this.#last === undefined ? 0 : ids.indexOf(this.#last) + 1;
    let best: Id | undefined;
    let bestCount = Infinity;
    for (const skipStalled of [true, false]) {
      for (let i = 0; i < ids.length; i++) {
        const id = ids[(start + i) % ids.length]!;
        if (skipStalled && this.isStalled(id, now)) continue;
        const n = this.#workers.get(id)!.open;
        if (n < bestCount) {
          best = id;
          bestCount = n;
        }
      }
      if (best !== undefined) break;
    }
    this.#last = best;
    return best;
  }

  /**
   * Counts a connection handed to `id` at `now`, to be acknowledged. Ignored for a worker that
   * is not (or no longer) here.
   */
  opened(id: Id, now: number): void {
    const w = this.#workers.get(id);
    if (w === undefined) return;
    w.open++;
    w.unacknowledged.push(now);
  }

  /** `id` has taken the oldest connection handed to it that it had not acknowledged. */
  accepted(id: Id): void {
    this.#workers.get(id)?.unacknowledged.shift();
  }

  /**
   * Counts a connection of `id` as closed (the worker's completion notification). Ignored for
   * a worker that is not here, and never below zero.
   */
  closed(id: Id): void {
    const w = this.#workers.get(id);
    if (w !== undefined && w.open > 0) w.open--;
  }

  /** How many connections `id` has open, or 0 for a worker that is not here. */
  count(id: Id): number {
    return this.#workers.get(id)?.open ?? 0;
  }

  /** How long the oldest connection handed to `id` has waited for it to take it, or 0. */
  unacknowledgedFor(id: Id, now: number): number {
    const oldest = this.#workers.get(id)?.unacknowledged[0];
    return oldest === undefined ? 0 : now - oldest;
  }

  /** Whether `id` has left a connection untaken for {@link STALLED_AFTER_MS} or longer. */
  isStalled(id: Id, now: number): boolean {
    const oldest = this.#workers.get(id)?.unacknowledged[0];
    return oldest !== undefined && now - oldest >= this.#stalledAfterMs;
  }
}
