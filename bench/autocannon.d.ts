/**
 * The part of autocannon 8's programmatic API that bench/ uses. autocannon ships no typings
 * and there is no `@types/autocannon` in the tree, so this declares what `bench/load.ts`
 * calls, checked against `node_modules/autocannon/lib/run.js` and `lib/httpClient.js`.
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  /** One connection of the load generator (autocannon's `Client`). */
  export interface Client extends EventEmitter {
    /** Writes the next request (autocannon-internal; bench/ wraps it to reconnect after `Connection: close`). */
    _doRequest(): void;
    /** Opens a new connection and writes the first request (autocannon-internal). */
    _connect(): void;
    /** Drops the current connection without reconnecting (autocannon-internal). */
    _destroyConnection(): void;
  }

  /** Options accepted by `autocannon(options)`; only what bench/ uses. */
  export interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    /** Total requests; when set, `duration` is ignored. */
    amount?: number;
    /** Seconds before a request counts as timed out. */
    timeout?: number;
    pipelining?: number;
    headers?: Record<string, string>;
    setupClient?: (client: Client) => void;
  }

  /** A running load: an event emitter (`response`, `reqError`) that settles when the load is over. */
  export interface Instance extends EventEmitter, PromiseLike<unknown> {}

  function autocannon(options: Options): Instance;
  export default autocannon;
}
