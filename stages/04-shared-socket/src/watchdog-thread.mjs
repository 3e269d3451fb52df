// @ts-check
/**
 * The watchdog thread of a worker process; `watchdog.ts` starts it and explains the design.
 *
 * Plain JavaScript: the stages run through tsx, and Node 20 does not carry tsx (`--import`)
 * into a worker thread, so the thread could not load a `.ts` file. It is small on purpose.
 *
 * Every `intervalMs` it reads the memory the main thread writes before and after each
 * application call. When the call in progress started `timeoutMs` ago or longer, it reports
 * that call once, one JSON line (`{"ms":1003,"request":"GET /slow?ms=5000"}`) on the pipe to
 * the master, which logs it and kills the process. If the pipe is broken, the master is gone
 * and nobody else will end this worker: the thread says so on stderr and ends the process.
 */

import { writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

/** @type {{ memory: SharedArrayBuffer, timeoutMs: number, intervalMs: number, reportFd: number, origin: number }} */
const { memory, timeoutMs, intervalMs, reportFd, origin } = workerData;

// the layout watchdog.ts writes: [started, line length] as Int32, the line's bytes from byte 8
const slots = new Int32Array(memory, 0, 2);
const line = new Uint8Array(memory, 8);
const nap = new Int32Array(new SharedArrayBuffer(4));
const decoder = new TextDecoder();

/** Now, on the main thread's clock: milliseconds since its process started, as an Int32. */
function now() {
  return Math.round(performance.timeOrigin + performance.now() - origin) | 0;
}

let reported = 0;
for (;;) {
  Atomics.wait(nap, 0, 0, intervalMs); // sleeps: nobody ever wakes it
  const started = Atomics.load(slots, 0);
  if (started === 0 || started === reported) continue;
  const elapsed = (now() - started) | 0;
  if (elapsed < timeoutMs) continue;
  // slice: a copy, since TextDecoder does not read shared memory
  const request = decoder.decode(line.slice(0, Atomics.load(slots, 1)));
  if (Atomics.load(slots, 0) !== started) continue; // the call ended while we read its line
  reported = started;
  try {
    writeSync(reportFd, `${JSON.stringify({ ms: elapsed, request })}\n`);
  } catch {
    try {
      writeSync(2, `nibiru-ts: worker ${process.pid} has been in one application call for ${elapsed} ms (${request}), past --timeout, and its master is gone: ending it\n`);
    } finally {
      process.kill(process.pid, 'SIGKILL');
    }
  }
}
