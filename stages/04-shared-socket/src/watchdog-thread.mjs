// @ts-check
/**
 * The watchdog thread of a worker process; `watchdog.ts` starts it and explains the design.
 *
 * Plain JavaScript: the stages run through tsx, and Node 20 does not carry tsx (`--import`)
 * into a worker thread, so the thread could not load a `.ts` file. It is small on purpose.
 *
 * Every `intervalMs` it reads the count of application calls the main thread keeps in the
 * shared memory (odd while a call runs) and notes when it first saw each odd count. When the
 * same call has been running for `timeoutMs` or longer, it reports that call once, one JSON line
 * (`{"ms":1003,"request":"GET /slow?ms=5000"}`, the time being at least that long) on the pipe
 * to the master, which logs it and kills the process. If the pipe is broken, the master is
 * gone and nobody else will end this worker: the thread says so on stderr and ends the process.
 *
 * At each look, and once as it starts, it also writes an empty line: the ping by which the
 * master knows the process is not frozen as a whole. A ping that cannot be written changes
 * nothing else: a full pipe means a busy master, a broken one a master gone, which the worker
 * notices itself unless it is stuck, and then the report above ends it.
 */

import { writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

/** @type {{ memory: SharedArrayBuffer, timeoutMs: number, intervalMs: number, reportFd: number }} */
const { memory, timeoutMs, intervalMs, reportFd } = workerData;

// the layout watchdog.ts writes: [calls, line length] as Int32, the line's bytes from byte 8
const slots = new Int32Array(memory, 0, 2);
const line = new Uint8Array(memory, 8);
const nap = new Int32Array(new SharedArrayBuffer(4));
const decoder = new TextDecoder();

let seen = 0; // the count last seen
let since = 0; // when it was first seen
let reported = 0; // the count of the call reported, if any
let pinging = true; // until the pipe is found broken
for (;;) {
  if (pinging) {
    try {
      writeSync(reportFd, '\n');
    } catch (err) {
      // EAGAIN: the master has not read for a while, and is alive; anything else: it is gone
      pinging = /** @type {NodeJS.ErrnoException} */ (err).code === 'EAGAIN';
    }
  }
  Atomics.wait(nap, 0, 0, intervalMs); // sleeps: nobody ever wakes it
  const calls = Atomics.load(slots, 0);
  const now = performance.now();
  if (calls !== seen) {
    seen = calls;
    since = now;
    continue;
  }
  if ((calls & 1) === 0 || calls === reported || now - since < timeoutMs) continue;
  // slice: a copy, since TextDecoder does not read shared memory
  const request = decoder.decode(line.slice(0, Atomics.load(slots, 1)));
  if (Atomics.load(slots, 0) !== calls) continue; // the call ended while we read its line
  const ms = Math.round(now - since);
  try {
    writeSync(reportFd, `${JSON.stringify({ ms, request })}\n`);
    reported = calls;
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'EAGAIN') continue; // a busy master: at the next look
    try {
      writeSync(2, `nibiru-ts: worker ${process.pid} has been in one application call for ${ms} ms (${request}), past --timeout, and its master is gone: ending it\n`);
    } finally {
      process.kill(process.pid, 'SIGKILL');
    }
  }
}
