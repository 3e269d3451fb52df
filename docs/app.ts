/**
 * "Nibiru Docs": the application the performance log benchmarks, as a WSGI-style app.
 *
 * Strategy: `GET /` answers the tiny fixed response every benchmark measures, so keep it
 * tiny. `/slow?ms=N` blocks the process synchronously, the way a blocking WSGI app would; the
 * later stages use it to show why workers and balancing matter. `/pid` tells which process
 * answered, so specs and benchmarks can see how connections spread across workers.
 *
 * Run it with `npm run stage 01 -- docs.app:app`. The site is served from the repository the
 * app lives in, or from the folder `NIBIRU_DOCS_ROOT` names (see `site.ts`).
 *
 * @module docs-app
 */

import type { Environ, HeaderList, StartResponse } from '../stages/01-request-line/src/app.ts';
import { isSitePath, site } from './site.ts';

/** The body of `GET /`, the response the log's benchmarks measure. */
export const BODY = 'Nibiru Docs';

/** The longest `/slow` may block, in milliseconds. */
export const MAX_SLOW_MS = 10_000;

const TEXT = 'text/plain; charset=utf-8';
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the whole process for `ms` milliseconds, as a synchronous WSGI app would. */
export function blockFor(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function text(start: StartResponse, status: string, body: string, extra?: HeaderList): string[] {
  start(status, extra === undefined ? [['Content-Type', TEXT]] : [['Content-Type', TEXT], ...extra]);
  return [body];
}

/**
 * The Nibiru Docs application.
 *
 * - `GET /` (and `HEAD /`): 200 `Nibiru Docs`; other methods: 405 with `Allow`.
 * - `GET /slow?ms=N`: blocks for N ms (default 50, at most {@link MAX_SLOW_MS}).
 * - `GET /pid`: the pid of the process that answered.
 * - `/docs/`, `/api/`, `/bench/`, `/files/`, `/playground/`: the docs site (the workshop
 *   guide, the TypeDoc site, the bench charts, the sources, the parser playground), see
 *   {@link site}. Checked after `/`, which stays
 *   the first and cheapest test.
 * - anything else: 404.
 */
export function app(environ: Environ, start: StartResponse): Array<string | Uint8Array> {
  const method = environ.REQUEST_METHOD;
  const path = environ.PATH_INFO;
  const isRead = method === 'GET' || method === 'HEAD';
  if (path === '/' || path === '/slow' || path === '/pid') {
    if (!isRead) return text(start, '405 Method Not Allowed', 'Method Not Allowed\n', [['Allow', 'GET, HEAD']]);
    if (path === '/') return text(start, '200 OK', BODY);
    if (path === '/pid') return text(start, '200 OK', `${process.pid}\n`);
    const asked = /(?:^|&)ms=(\d{1,9})(?:&|$)/.exec(environ.QUERY_STRING);
    const ms = Math.min(asked ? Number(asked[1]) : 50, MAX_SLOW_MS);
    blockFor(ms);
    return text(start, '200 OK', `slept ${ms} ms in ${process.pid}\n`);
  }
  if (isSitePath(path)) return site(environ, start);
  return text(start, '404 Not Found', 'Not Found\n');
}
