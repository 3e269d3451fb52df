/**
 * Least-connection balancing: which worker gets the next connection.
 *
 * Strategy: keep, for every worker that can take connections, the number of connections the
 * master has handed to it and that the worker has not yet reported closed. The next
 * connection goes to the worker with the fewest. Ties are broken round-robin (the search for
 * the least starts one past the worker picked last), so that idle workers take turns instead
 * of the first one taking every short connection.
 *
 * The module is pure: no sockets, no processes, no clock. The master (`master.ts`) feeds it
 * events (a worker is ready, a connection was handed over, a worker reported a close, a worker
 * died) and asks it {@link LeastConnections.pick}; the unit tests do the same with plain
 * numbers.
 *
 * What it will not do: weigh connections by how busy they are. A keep-alive connection that
 * sits idle counts as much as one running a slow request; the count is all the master knows,
 * because it reads no bytes and so sees no requests (that is the point of passing the
 * descriptor). This is nibiru's "least connection load balancing algorithm" of 2026-01-01.
 */

/**
 * Counts open connections per worker and picks the least loaded one.
 *
 * @typeParam Id how workers are named (the master uses small integers, its worker slots).
 */
export class LeastConnections<Id = number> {
  /** Open connections per worker, in the order workers were added. */
  readonly #open = new Map<Id, number>();
  /** The worker picked last, where the next search for the least starts after. */
  #last: Id | undefined;

  /** Adds a worker that can take connections, with none open. Adding it again resets its count. */
  add(id: Id): void {
    this.#open.set(id, 0);
  }

  /**
   * Removes a worker (it died or is shutting down). Its connections are forgotten: they died
   * with it, and no close will be reported for them.
   */
  remove(id: Id): void {
    this.#open.delete(id);
    if (this.#last === id) this.#last = undefined;
  }

  /** Whether `id` can take connections. */
  has(id: Id): boolean {
    return this.#open.has(id);
  }

  /** The workers that can take connections. */
  get ids(): Id[] {
    return [...this.#open.keys()];
  }

  /**
   * The worker with the fewest open connections, ties broken round-robin, or undefined when
   * no worker can take one. Picking does not count the connection: call {@link opened} once it
   * is handed over.
   */
  pick(): Id | undefined {
    const ids = [...this.#open.keys()];
    if (ids.length === 0) return undefined;
    const start = this.#last === undefined ? 0 : ids.indexOf(this.#last) + 1;
    let best: Id | undefined;
    let bestCount = Infinity;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[(start + i) % ids.length]!;
      const n = this.#open.get(id)!;
      if (n < bestCount) {
        best = id;
        bestCount = n;
      }
    }
    this.#last = best;
    return best;
  }

  /** Counts a connection handed to `id`. Ignored for a worker that is not (or no longer) here. */
  opened(id: Id): void {
    const n = this.#open.get(id);
    if (n !== undefined) this.#open.set(id, n + 1);
  }

  /**
   * Counts a connection of `id` as closed (the worker's completion notification). Ignored for
   * a worker that is not here, and never below zero.
   */
  closed(id: Id): void {
    const n = this.#open.get(id);
    if (n !== undefined && n > 0) this.#open.set(id, n - 1);
  }

  /** How many connections `id` has open, or 0 for a worker that is not here. */
  count(id: Id): number {
    return this.#open.get(id) ?? 0;
  }
}
