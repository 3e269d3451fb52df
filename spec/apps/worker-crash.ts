/**
 * A test app for supervision specs: "Nibiru Docs", plus `GET /crash`, which answers and then
 * kills its process with an uncaught exception (thrown from a timer, outside any request, so
 * the server cannot turn it into a 500). The master must replace the worker.
 *
 * @module worker-crash-app
 */

import type { Chunk, Environ, StartResponse } from '../../stages/01-request-line/src/app.ts';
import { app as docs } from '../../docs/app.ts';

/** Docs app, plus `/crash`. */
export function app(environ: Environ, start: StartResponse): Iterable<Chunk> {
  if (environ.PATH_INFO !== '/crash') return docs(environ, start);
  setTimeout(() => {
    throw new Error(`worker-crash: process ${process.pid} crashes on purpose`);
  }, 50);
  start('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
  return [`crashing ${process.pid}\n`];
}
