/**
 * A preload for the crash-loop spec, given as `NODE_OPTIONS=--require <this file>`: in a worker
 * (a process with an IPC channel, which the master is not), once the file named by
 * `NIBIRU_SPEC_CRASH_FILE` exists, it throws before anything else loads. So a replacement
 * worker dies a moment after it is forked, however slow the machine is: its life stays far
 * below the 10 s after which the restart delay starts again from 100 ms, and the spec sees the
 * delays double. (A plain CommonJS file, because `--require` runs before `--import tsx`.)
 */

'use strict';

const { existsSync } = require('node:fs');

const marker = process.env.NIBIRU_SPEC_CRASH_FILE;
if (typeof process.send === 'function' && marker && existsSync(marker)) {
  throw new Error(`worker-crash-on-start: process ${process.pid} dies as it starts (${marker} exists)`);
}
