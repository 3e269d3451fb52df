/**
 * A test application for the specs: each path shows one thing a server must get right.
 *
 * - `/echo`: the request as the app saw it, as JSON: the CGI keys, every `HTTP_*` key, and the
 *   body read from `wsgi.input` (as text and as its byte length). Any path under `/echo/`
 *   answers the same, so that a spec can send a path of its own and read back `PATH_INFO`.
 * - `/ignore`: answers `ignored` without reading the body (the server must drain it).
 * - `/stream?n=N`: a generator of N chunks (`chunk 0\n`...), no `Content-Length`.
 * - `/stream-declared?declared=D&n=N`: the same with `Content-Length: D`, right or wrong.
 * - `/throw`: throws before `startResponse`; `/throw-late`: a generator that yields one chunk,
 *   then throws.
 * - `/bad-header`: a header value holding CRLF (response splitting).
 * - `/wrong-length`: an array body that disagrees with its `Content-Length`.
 * - `/declared`: an array body with its own, right `Content-Length` and its own `Date`
 *   ({@link APP_DATE}): the server must send each once, as the app gave it.
 * - `/big?bytes=N`: N bytes of `x` in one array chunk.
 * - `/stream-big?n=N&size=S`: a generator of N chunks of S bytes each, chunk i all one letter
 *   (`a` to `z`, then again), no `Content-Length`: larger than the socket buffers, it makes
 *   the server wait for a client that does not read ({@link streamBigBody} is the body).
 * - `/no-content`: 204.
 * - `/cached`: `ETag: "v1"` ({@link CACHED_ETAG}) and a body; with `If-None-Match` naming
 *   that tag, 304, and the app hands over the body anyway, as an app that builds its page
 *   before it checks validators does: the server must send none of it.
 *
 * Run it as `npm run stage 02 -- spec.apps.probe:app`.
 *
 * @module spec-app-probe
 */

import type { Environ, StartResponse } from '../../stages/01-request-line/src/app.ts';

const TEXT: [string, string] = ['Content-Type', 'text/plain; charset=utf-8'];

/** The `Date` that `/declared` sends: a fixed one, so a `Date` the server adds is told apart. */
export const APP_DATE = 'Sun, 06 Nov 1994 08:49:37 GMT';

/** The entity tag `/cached` sends, and the `If-None-Match` that gets its 304. */
export const CACHED_ETAG = '"v1"';

/** The letters chunk i of `/stream-big` is made of, cycling `a`..`z`. */
function letter(i: number): string {
  return String.fromCharCode(0x61 + (i % 26));
}

/** The body `/stream-big?n=N&size=S` streams, as bytes: what a spec compares it with. */
export function streamBigBody(n: number, size: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => letter(i).repeat(size)).join(''), 'latin1');
}

function* streamBig(n: number, size: number): Generator<string> {
  for (let i = 0; i < n; i++) yield letter(i).repeat(size);
}

function param(environ: Environ, name: string, fallback: number): number {
  const m = new RegExp(`(?:^|&)${name}=(\\d{1,9})(?:&|$)`).exec(environ.QUERY_STRING);
  return m ? Number(m[1]) : fallback;
}

function* stream(n: number): Generator<string> {
  for (let i = 0; i < n; i++) yield `chunk ${i}\n`;
}

/** The probe application. */
export function app(environ: Environ, start: StartResponse): Iterable<string | Uint8Array> {
  switch (environ.PATH_INFO.startsWith('/echo/') ? '/echo' : environ.PATH_INFO) {
    case '/echo': {
      const body = environ['wsgi.input'].read();
      const seen: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(environ)) if (typeof value === 'string') seen[key] = value;
      seen.body = body.toString('latin1');
      seen.bodyLength = body.length;
      seen.multiprocess = environ['wsgi.multiprocess'];
      start('200 OK', [['Content-Type', 'application/json']]);
      return [JSON.stringify(seen)];
    }
    case '/ignore':
      start('200 OK', [TEXT]);
      return ['ignored'];
    case '/stream':
      start('200 OK', [TEXT]);
      return stream(param(environ, 'n', 3));
    case '/stream-declared':
      start('200 OK', [TEXT, ['Content-Length', String(param(environ, 'declared', 0))]]);
      return stream(param(environ, 'n', 3));
    case '/throw':
      throw new Error('probe: thrown on purpose');
    case '/throw-late':
      return (function* () {
        start('200 OK', [TEXT]);
        yield 'first chunk\n';
        throw new Error('probe: thrown on purpose after the first chunk');
      })();
    case '/bad-header':
      start('200 OK', [TEXT, ['X-Injected', 'a\r\nSet-Cookie: evil=1']]);
      return ['never sent'];
    case '/wrong-length':
      start('200 OK', [TEXT, ['Content-Length', '100']]);
      return ['short'];
    case '/declared':
      start('200 OK', [TEXT, ['Content-Length', '9'], ['Date', APP_DATE]]);
      return ['declared\n'];
    case '/big':
      start('200 OK', [TEXT]);
      return ['x'.repeat(param(environ, 'bytes', 1 << 20))];
    case '/stream-big':
      start('200 OK', [TEXT]);
      return streamBig(param(environ, 'n', 3), param(environ, 'size', 1024));
    case '/cached': {
      const validators: Array<[string, string]> = [['ETag', CACHED_ETAG], ['Cache-Control', 'no-cache']];
      if (environ.HTTP_IF_NONE_MATCH === CACHED_ETAG) start('304 Not Modified', validators);
      else start('200 OK', [TEXT, ...validators]);
      return ['cached body\n'];
    }
    case '/no-content':
      start('204 No Content', []);
      return [];
    default:
      start('404 Not Found', [TEXT]);
      return ['Not Found\n'];
  }
}
