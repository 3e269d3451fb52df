/**
 * A test app whose every process dies shortly after loading it (an uncaught exception from a
 * timer): a crash loop. The master must back off, waiting longer before each replacement.
 *
 * @module worker-crash-loop-app
 */

import { app as docs } from '../../docs/app.ts';

setTimeout(() => {
  throw new Error(`worker-crash-loop: process ${process.pid} dies after 300 ms`);
}, 300);

/** The docs app, for the moment the process lives. */
export const app = docs;
