/**
 * A test application that streams chunks of sizes the spec chooses, so that the chunked framing
 * of a response can be checked byte by byte: a chunk-size written in decimal reads the same as
 * hexadecimal below 10 bytes, so the sizes here go well past that.
 *
 * - `/chunks?sizes=10,26,255,4096`: a generator of one chunk per size, chunk `i` filled with
 *   the letter `a` + i (mod 26), given as a string for even `i` and as bytes for odd `i`.
 * - `/utf8?chars=N`: a generator of one string of N `é` (2N bytes in UTF-8), then `end`.
 *
 * No `Content-Length`: the server must frame the body itself (chunked for HTTP/1.1). What it
 * will not do: check its input beyond digits and commas (anything else is a 400 from the app).
 *
 * Run it as `npm run stage 02 -- spec.apps.chunks:app`.
 *
 * @module spec-app-chunks
 */

import type { Environ, StartResponse } from '../../stages/01-request-line/src/app.ts';

const TEXT: [string, string] = ['Content-Type', 'text/plain; charset=utf-8'];

/** The chunk sizes in the query's `sizes=`, or undefined when it is missing or malformed. */
export function chunkSizes(query: string): number[] | undefined {
  const m = /(?:^|&)sizes=(\d{1,7}(?:,\d{1,7})*)(?:&|$)/.exec(query);
  return m ? m[1]!.split(',').map(Number) : undefined;
}

/** The bytes chunk `i` of `/chunks` holds: `size` times one letter. */
export function chunkFill(i: number, size: number): string {
  return String.fromCharCode(0x61 + (i % 26)).repeat(size);
}

function* chunks(sizes: readonly number[]): Generator<string | Uint8Array> {
  for (const [i, size] of sizes.entries()) {
    const fill = chunkFill(i, size);
    yield i % 2 === 0 ? fill : Buffer.from(fill, 'latin1');
  }
}

function* utf8(chars: number): Generator<string> {
  yield 'é'.repeat(chars);
  yield 'end';
}

/** The chunks application. */
export function app(environ: Environ, start: StartResponse): Iterable<string | Uint8Array> {
  const sizes = chunkSizes(environ.QUERY_STRING);
  const chars = /(?:^|&)chars=(\d{1,6})(?:&|$)/.exec(environ.QUERY_STRING);
  if (environ.PATH_INFO === '/chunks' && sizes) {
    start('200 OK', [TEXT]);
    return chunks(sizes);
  }
  if (environ.PATH_INFO === '/utf8' && chars) {
    start('200 OK', [TEXT]);
    return utf8(Number(chars[1]));
  }
  start('400 Bad Request', [TEXT]);
  return ['try /chunks?sizes=10,26,255,4096 or /utf8?chars=8\n'];
}
