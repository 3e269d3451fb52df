/**
 * The watchdog of a worker process: it notices an application call that has run longer than
 * `--timeout`, and tells the master, which kills the worker and forks a replacement
 * (gunicorn's `--timeout`, uWSGI's "harakiri").
 *
 * Strategy: a worker stuck in a synchronous application call runs none of its own code until
 * the call returns, which may be never. So the watch runs beside it, in a `worker_threads`
 * thread ({@link startWatchdog}, code in `watchdog-thread.mjs`), and the two share a few bytes
 * of memory (a `SharedArrayBuffer`):
 *
 * - **Per call, a few stores.** Before each application call (and each step of a streamed
 *   body: pulling a generator runs application code too) the main thread writes the call's
 *   request line into the shared memory and counts the call in; after it, it counts it out
 *   ({@link watchApp}). The count is odd while a call runs. No clock, no system call and no
 *   message per request: stage 04's lesson, nothing per request crosses between processes,
 *   holds.
 * - **The thread looks**, ten times per timeout (at most once a second), and keeps the time:
 *   when it finds the same odd count for longer than the timeout, one call has run that long
 *   (at least). It writes one line (how long, which request) on a pipe of its own to the
 *   master: the master forks each worker with that pipe as fd `WATCHDOG_FD` (`messages.ts`),
 *   since a thread cannot use the IPC channel of `process.send`. The master logs the line and
 *   sends the worker SIGKILL. The client's connection dies with the worker: the kernel closes
 *   it.
 * - **A master that is gone** cannot kill anyone: the thread finds its pipe broken, says so
 *   on stderr, and ends its own process with SIGKILL.
 * - **A worker frozen as a whole** (stopped by SIGSTOP, or in the kernel) freezes its thread
 *   too, so the thread writes an empty line on the same pipe at each look: a ping, which
 *   costs the main thread nothing. The master kills a worker whose pings have stopped for
 *   longer than the timeout (`supervisor.ts`), as gunicorn's arbiter does a worker whose
 *   heartbeat file is that old, whatever froze it.
 *
 * Why this, and not what others do: gunicorn's workers touch a file before each request and
 * the master checks its time, a system call per request; uWSGI's master reads shared memory
 * that its workers write, which Node cannot share between processes. A heartbeat message from
 * the worker's event loop every few seconds would cost nothing per request, but the master
 * would not know which request was stuck, and nothing would end a stuck worker whose master
 * died. The thread knows both and costs a few memory writes per request.
 *
 * What it will not do: stop the call. Nothing can interrupt a JavaScript function from outside
 * its thread; only the whole process can be ended. Nor does it watch anything but application
 * calls: the server's own code between them does not block.
 */

import { Worker } from 'node:worker_threads';
import type { App, Chunk, Environ } from './app.ts';

/** Where the count of calls begun and ended is (Int32 index): odd while a call runs. */
const CALLS = 0;
/** Where the length of the request line of the last call begun is (Int32 index). */
const LINE_LENGTH = 1;
/** Where the request line's bytes begin. */
const LINE_OFFSET = 8;
/** The most bytes of a request line kept: enough to name it in a log line. */
export const MAX_LINE_BYTES = 256;

/**
 * The main thread's side of the watchdog: marks the start and the end of each application
 * call in the memory the watchdog thread reads.
 */
export class AppCallWatch {
  /** The memory shared with the watchdog thread. */
  readonly memory = new SharedArrayBuffer(LINE_OFFSET + MAX_LINE_BYTES);
  readonly #slots = new Int32Array(this.memory, 0, 2);
  readonly #line = new Uint8Array(this.memory, LINE_OFFSET, MAX_LINE_BYTES);
  readonly #encoder = new TextEncoder();
  /** Calls begun and ended (an Int32 that wraps: what matters is odd or even, and a change). */
  #calls = 0;

  /** A call for `requestLine` starts now. */
  enter(requestLine: string): void {
    const { written } = this.#encoder.encodeInto(requestLine, this.#line);
    Atomics.store(this.#slots, LINE_LENGTH, written);
    this.#calls = (this.#calls + 1) | 0;
    // stored last: the thread reads an odd count, then the line written before it
    Atomics.store(this.#slots, CALLS, this.#calls);
  }

  /** The call has returned (or thrown). */
  leave(): void {
    this.#calls = (this.#calls + 1) | 0;
    Atomics.store(this.#slots, CALLS, this.#calls);
  }
}

/**
 * How often the watchdog thread looks and pings, in ms: ten times per timeout, at most once a
 * second (and at least every 10 ms).
 */
export function lookIntervalMs(timeoutMs: number): number {
  return Math.min(1_000, Math.max(10, Math.floor(timeoutMs / 10)));
}

/** A running watchdog. */
export interface Watchdog {
  /** The watch to mark application calls with ({@link watchApp}). */
  readonly watch: AppCallWatch;
  /** The thread that watches; `terminate()` stops it (the tests do). */
  readonly thread: Worker;
  /** Settles once the thread runs: from then on it pings the master. */
  readonly running: Promise<void>;
}

/**
 * Starts the watchdog thread of this process.
 *
 * @param timeoutMs how long one application call may run (`--timeout`), more than 0.
 * @param reportFd the pipe to the master the thread writes its report on.
 */
export function startWatchdog(timeoutMs: number, reportFd: number): Watchdog {
  const watch = new AppCallWatch();
  const thread = new Worker(new URL('./watchdog-thread.mjs', import.meta.url), {
    workerData: {
      memory: watch.memory,
      timeoutMs,
      intervalMs: lookIntervalMs(timeoutMs),
      reportFd,
    },
    // the thread needs none of the flags the process was started with (tsx's among them)
    execArgv: [],
    // a thread is a V8 heap and a Node environment of its own, paid by every worker, most of it
    // whatever the thread runs; this one allocates next to nothing, so its heap is kept small:
    // the young generation is what a resting heap holds on to (1 MB instead of Node's default),
    // the old generation's limit only caps it (Node 22 and 24 need about 7 MB to start a
    // thread), and its stack holds one loop. `npm run bench:compare -- --memory` weighs the
    // thread: stage 04's workers with it and with `--timeout 0`.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 12, stackSizeMb: 1 },
  });
  // the thread never ends by itself; it must not keep the process alive
  thread.unref();
  const running = new Promise<void>((resolve) => thread.once('online', () => resolve()));
  return { watch, thread, running };
}

/** `GET /slow?ms=5000`: the request line as the log names it. */
function requestLine(environ: Environ): string {
  const query = environ.QUERY_STRING;
  return `${environ.REQUEST_METHOD} ${environ.PATH_INFO}${query === '' ? '' : `?${query}`}`;
}

/**
 * Wraps `app` so that each call to it, and each step of a body it streams (a generator's
 * `next`, `return`, and PEP 3333's `close`), is marked in `watch`. An array body needs no
 * wrapping: once the app has returned it, no application code runs for that response.
 */
export function watchApp(app: App, watch: AppCallWatch): App {
  return (environ, startResponse) => {
    const line = requestLine(environ);
    let body: Iterable<Chunk>;
    watch.enter(line);
    try {
      body = app(environ, startResponse);
    } finally {
      watch.leave();
    }
    if (Array.isArray(body) || body == null || typeof body[Symbol.iterator] !== 'function') return body;
    return watchedBody(body, line, watch);
  };
}

/** A streamed body whose every step is marked in `watch`. */
function watchedBody(body: Iterable<Chunk>, line: string, watch: AppCallWatch): Iterable<Chunk> {
  function watched<T>(step: () => T): T {
    watch.enter(line);
    try {
      return step();
    } finally {
      watch.leave();
    }
  }
  const wrapped: Iterable<Chunk> & { close?: () => void } = {
    [Symbol.iterator]: () => {
      const it = watched(() => body[Symbol.iterator]());
      return {
        next: () => watched(() => it.next()),
        return: (value?: unknown) => watched(() => it.return?.(value) ?? { done: true as const, value: undefined }),
      };
    },
  };
  const close = (body as { close?: unknown }).close;
  if (typeof close === 'function') wrapped.close = () => watched(() => close.call(body));
  return wrapped;
}
