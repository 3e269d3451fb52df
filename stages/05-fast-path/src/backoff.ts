/**
 * How long to wait before replacing a worker that died: exponential backoff against crash
 * loops.
 *
 * Strategy: the first replacement starts after `initialMs`; each further death of the same
 * worker slot doubles the wait, up to `maxMs`. A worker that lived at least `resetAfterMs`
 * before dying was healthy, so its replacement starts after `initialMs` again. A worker that
 * crashes on every request (or on start) thus costs the server one start every `maxMs` at
 * worst, instead of a busy loop of forks; one killed by accident is back within `initialMs`.
 *
 * Pure: the caller passes how long the worker lived, and schedules the timer itself.
 */

/** The backoff policy's parameters, in milliseconds. */
export interface BackoffOptions {
  /** The first delay. */
  readonly initialMs: number;
  /** The longest delay. */
  readonly maxMs: number;
  /** A worker that lived this long resets the delay to `initialMs`. */
  readonly resetAfterMs: number;
}

/** The defaults: 100 ms, doubling up to 5 s, reset after 10 s of life. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5_000, resetAfterMs: 10_000 };

/** The restart delays of one worker slot. */
export class Backoff {
  readonly #options: BackoffOptions;
  #next: number;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF) {
    this.#options = options;
    this.#next = options.initialMs;
  }

  /**
   * The delay before starting a replacement for a worker that lived `livedMs`, and the step
   * to the delay after it.
   */
  delay(livedMs: number): number {
    if (livedMs >= this.#options.resetAfterMs) this.#next = this.#options.initialMs;
    const now = this.#next;
    this.#next = Math.min(now * 2, this.#options.maxMs);
    return now;
  }
}
