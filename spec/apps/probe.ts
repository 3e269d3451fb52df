/**
 * A test application for the specs: each path shows one thing a server must get right.
 *
 * - `/echo`: the request as the app saw it, as JSON: the CGI keys, every `HTTP_*` key, and the
 *   body read from `wsgi.input` (as text and as its byte length).
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
 * - `/no-content`: 204.
 *
 * Run it as `npm run stage 02 -- spec.apps.probe:app`.
 *
 * @module spec-app-probe
 */

import type { Environ, StartResponse } from '../../stages/01-request-line/src/app.ts';

const TEXT: [string, string] = ['Content-Type', 'text/plain; charset=utf-8'];

/** The `Date` that `/declared` sends: a fixed one, so a `Date` the server adds is told apart. */
export const APP_DATE = 'Sun, 06 Nov 1994 08:49:37 GMT';

function param(environ: Environ, name: string, fallback: number): number {
  const m = new RegExp(`(?:^|&)${name}=(\\d{1,9})(?:&|$)`).exec(environ.QUERY_STRING);
  return m ? Number(m[1]) : fallback;
}

function* stream(n: number): Generator<string> {
  for (let i = 0; i < n; i++) yield `chunk ${i}\n`;
}

/** The probe application. */
export function app(environ: Environ, start: StartResponse): Iterable<string | Uint8Array> {
  switch (environ.PATH_INFO) {
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
    case '/no-content':
      start('204 No Content', []);
      return [];
    default:
      start('404 Not Found', [TEXT]);
      return ['Not Found\n'];
  }
}
