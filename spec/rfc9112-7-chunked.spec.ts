/**
 * RFC 9112 §7, chunked transfer coding: chunked request bodies are decoded into `wsgi.input`,
 * malformed framing is refused, and the connection stays in step; a streamed response is
 * framed in chunks whose sizes are hexadecimal byte counts — over real TCP against every stage.
 *
 * The responses are decoded here by {@link decodeChunked}, strictly, rather than by the
 * harness's lenient parser: a chunk-size written in decimal or counted in characters must make
 * the decoding fail, not be smoothed over.
 */

import { expect } from 'vitest';
import { exchange, EXCHANGE_TIMEOUT_MS } from '../harness/client.ts';
import { chunkFill } from './apps/chunks.ts';
import { chunked, get, message } from './messages.ts';
import { describeStages } from './stages.ts';

const APP = 'spec.apps.probe:app';
const chunkedPost = (target: string, body: string, ...fields: string[]): string =>
  message(`POST ${target} HTTP/1.1`, ['Host: localhost', 'Transfer-Encoding: chunked', ...fields], body);
const echoed = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString()) as Record<string, unknown>;

/** What {@link decodeChunked} read: each chunk-size as sent, and the data they framed. */
interface DecodedChunks {
  /** The chunk-size lines, without their CRLF, last-chunk included. */
  readonly sizeLines: string[];
  /** The chunk-data, concatenated. */
  readonly data: Buffer;
  /** What followed the chunked body (nothing, on a connection the server closed after it). */
  readonly rest: Buffer;
}

/**
 * Decodes a chunked body byte by byte as RFC 9112 §7.1 defines it, and throws, saying where,
 * at the first byte that does not fit: each chunk-size is `1*HEXDIG` (a chunk extension is
 * allowed), followed by CRLF, exactly that many bytes of data, and CRLF; the last-chunk and
 * an empty trailer section end it.
 *
 * ```abnf
 * chunked-body = *chunk last-chunk trailer-section CRLF
 * chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 * ```
 */
function decodeChunked(wire: Buffer): DecodedChunks {
  const sizeLines: string[] = [];
  const data: Buffer[] = [];
  let p = 0;
  for (;;) {
    const crlf = wire.indexOf('\r\n', p, 'latin1');
    if (crlf === -1) throw new Error(`chunk-size line at byte ${p} has no CRLF`);
    const line = wire.toString('latin1', p, crlf);
    const m = /^([0-9A-Fa-f]+)(?:;.*)?$/.exec(line);
    if (!m) throw new Error(`chunk-size line at byte ${p} is not hexadecimal: ${JSON.stringify(line.slice(0, 40))}`);
    sizeLines.push(line);
    const size = Number.parseInt(m[1]!, 16);
    p = crlf + 2;
    if (size === 0) break;
    if (p + size + 2 > wire.length) throw new Error(`chunk ${JSON.stringify(line)} at byte ${crlf - line.length} runs past the end of the body`);
    data.push(wire.subarray(p, p + size));
    p += size;
    if (wire.toString('latin1', p, p + 2) !== '\r\n') {
      throw new Error(`chunk ${JSON.stringify(line)}: its ${size} bytes of data are followed by ${JSON.stringify(wire.toString('latin1', p, p + 8))}, not CRLF`);
    }
    p += 2;
  }
  if (wire.toString('latin1', p, p + 2) !== '\r\n') throw new Error(`no empty line after the last-chunk, at byte ${p}`);
  return { sizeLines, data: Buffer.concat(data), rest: wire.subarray(p + 2) };
}

/** The head of the one response in `raw` and its body's bytes as they came on the wire. */
function splitResponse(raw: Buffer): { head: string; wire: Buffer } {
  const end = raw.indexOf('\r\n\r\n', 0, 'latin1');
  expect(end).toBeGreaterThan(0);
  return { head: raw.toString('latin1', 0, end), wire: raw.subarray(end + 4) };
}

describeStages(
  'RFC 9112 §7 chunked transfer coding',
  ({ server, spec }) => {
    spec('body', '§7.1: a chunked request body reaches wsgi.input decoded, with its decoded CONTENT_LENGTH', async () => {
      const r = await exchange(server().port, chunkedPost('/echo', chunked('hello, ', 'chunked ', 'world'), 'Connection: close'));
      const seen = echoed(r.responses[0]!.body);
      expect(seen.body).toBe('hello, chunked world');
      expect(seen.CONTENT_LENGTH).toBe('20');
      expect(seen.HTTP_TRANSFER_ENCODING).toBe('chunked');
    });

    spec('body', '§7.1: chunk sizes are hexadecimal, in either case, with leading zeros allowed', async () => {
      const body = `A\r\n${'a'.repeat(10)}\r\n00f\r\n${'b'.repeat(15)}\r\n0\r\n\r\n`;
      const r = await exchange(server().port, chunkedPost('/echo', body, 'Connection: close'));
      expect(echoed(r.responses[0]!.body).bodyLength).toBe(25);
    });

    spec('body', '§7.1: a chunked body sent a few bytes at a time is decoded the same', async () => {
      const bytes = chunkedPost('/echo', chunked('abc', 'defgh'), 'Connection: close');
      const pieces = bytes.match(/[\s\S]{1,7}/g)!;
      const r = await exchange(server().port, pieces, { pauseMs: 5 });
      expect(echoed(r.responses[0]!.body).body).toBe('abcdefgh');
    });

    spec('body', '§7.1.1: chunk extensions are accepted and ignored', async () => {
      const body = '5;name=value\r\nhello\r\n6 ; quoted="a;b" ; flag\r\n world\r\n0;last\r\n\r\n';
      const r = await exchange(server().port, chunkedPost('/echo', body, 'Connection: close'));
      expect(echoed(r.responses[0]!.body).body).toBe('hello world');
    });

    spec('body', '§7.1.2: a trailer section is read, and the next request on the connection parses right', async () => {
      const body = '5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n';
      const r = await exchange(server().port, chunkedPost('/echo', body) + get('/echo?next=1', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(echoed(r.responses[0]!.body).body).toBe('hello');
      expect(echoed(r.responses[0]!.body).HTTP_X_CHECKSUM).toBeUndefined(); // RFC 9110 §6.5.1: not merged
      expect(echoed(r.responses[1]!.body).QUERY_STRING).toBe('next=1');
    });

    spec('body', '§7.1: a chunked body the app does not read is drained; the request behind it is served', async () => {
      const r = await exchange(server().port, chunkedPost('/ignore', chunked('x'.repeat(5000), 'GET /evil HTTP/1.1\r\n\r\n')) + get('/echo?after=1', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(echoed(r.responses[1]!.body).QUERY_STRING).toBe('after=1');
    });

    for (const [why, body] of [
      ['a chunk-size that is not hexadecimal', 'g\r\nhello\r\n0\r\n\r\n'],
      ['an empty chunk-size', '\r\nhello\r\n0\r\n\r\n'],
      ['a negative chunk-size', '-5\r\nhello\r\n0\r\n\r\n'],
      ['chunk-data longer than its size', '3\r\nhello\r\n0\r\n\r\n'],
      ['a chunk-size line ending in a bare LF', '5\nhello\r\n0\r\n\r\n'],
      ['chunk-data followed by a bare LF', '5\r\nhello\n0\r\n\r\n'],
      ['a last-chunk line ending in a bare LF', '5\r\nhello\r\n0\n\r\n'],
      ['a trailer field line ending in a bare LF', '5\r\nhello\r\n0\r\nX-T: 1\n\r\n'],
      ['a bare LF as the empty line that ends the trailer section', '5\r\nhello\r\n0\r\n\n'],
      ['chunk-data not followed by CRLF', '5\r\nhelloXX0\r\n\r\n'],
      ['a chunk-size too large to represent', 'fffffffffffffffff\r\nhello\r\n0\r\n\r\n'],
      ['a malformed chunk extension', '5;=x\r\nhello\r\n0\r\n\r\n'],
    ] as const) {
      spec('body', `§7.1: ${why} gets 400 and Connection: close`, async () => {
        const r = await exchange(server().port, chunkedPost('/ignore', body));
        expect(r.responses.map((x) => x.status)).toEqual([400]);
        expect(r.responses[0]!.header('connection')).toBe('close');
        expect(r.closed).toBe(true);
      });
    }

    spec('body', '§7: chunked applied twice gets 400', async () => {
      const r = await exchange(server().port, message('POST /ignore HTTP/1.1', ['Host: localhost', 'Transfer-Encoding: chunked, chunked'], '0\r\n\r\n'));
      expect(r.responses.map((x) => x.status)).toEqual([400]);
    });

    spec('body', '§6.1: Transfer-Encoding split over two field lines is one list (chunked, chunked: 400)', async () => {
      const r = await exchange(server().port, message('POST /ignore HTTP/1.1', ['Host: localhost', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], '0\r\n\r\n'));
      expect(r.responses.map((x) => x.status)).toEqual([400]);
    });

    spec('body', '§7.1: fetch streaming a request body (chunked) reaches wsgi.input', async () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('streamed '));
          controller.enqueue(new TextEncoder().encode('by fetch'));
          controller.close();
        },
      });
      const res = await fetch(server().url + '/echo', { method: 'POST', body, duplex: 'half', signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS) } as RequestInit);
      const seen = (await res.json()) as Record<string, unknown>;
      expect(seen.body).toBe('streamed by fetch');
      expect(seen.HTTP_TRANSFER_ENCODING).toBe('chunked');
    });

    // Extensions are parsed and dropped, so the parser bounds their bytes per message (16 KiB,
    // counted from the ";" to the CRLF): spread over many chunks, each line stays far under the
    // 4 KiB chunk-line limit, and only a count over the whole message stops them.
    spec('body', '§7.1.1: chunk extensions are limited per message, not per line: 16 KiB spread over 8 chunks are served, one byte more gets 413', async () => {
      const extension = (bytes: number): string => `;e=${'x'.repeat(bytes - 3)}`; // ";e=" and the value
      const body = (lastExtension: number): string =>
        Array.from({ length: 7 }, () => `1${extension(2048)}\r\nz\r\n`).join('') + `1${extension(lastExtension)}\r\nz\r\n0\r\n\r\n`;
      const served = await exchange(server().port, chunkedPost('/echo', body(2048), 'Connection: close'));
      expect(served.responses.map((x) => x.status)).toEqual([200]);
      expect(echoed(served.responses[0]!.body).body).toBe('z'.repeat(8));
      const refused = await exchange(server().port, chunkedPost('/echo', body(2049)));
      expect(refused.responses.map((x) => x.status)).toEqual([413]);
      expect(refused.responses[0]!.header('connection')).toBe('close');
      expect(refused.closed).toBe(true);
    });
  },
  { app: APP },
);

describeStages(
  'RFC 9112 §7 chunked transfer coding: responses',
  ({ server, spec }) => {
    // Below 10 bytes a size reads the same in decimal and in hexadecimal: these are not.
    const sizes = [10, 26, 255, 4096, 65536];

    spec('body', `§7.1: a streamed response's chunk sizes are hexadecimal byte counts (chunks of ${sizes.join(', ')} bytes)`, async () => {
      const r = await exchange(server().port, get(`/chunks?sizes=${sizes.join(',')}`, 'Connection: close'));
      const { head, wire } = splitResponse(r.raw);
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      expect(head).toMatch(/\r\nTransfer-Encoding: chunked(\r\n|$)/i);
      const decoded = decodeChunked(wire);
      expect(decoded.data.toString('latin1')).toBe(sizes.map((size, i) => chunkFill(i, size)).join(''));
      expect(decoded.rest.length).toBe(0);
      expect(r.closed).toBe(true);
    });

    spec('body', '§7.1: a chunk-size counts the bytes of a text chunk in UTF-8, not its characters', async () => {
      const r = await exchange(server().port, get('/utf8?chars=300', 'Connection: close'));
      const decoded = decodeChunked(splitResponse(r.raw).wire);
      expect(decoded.data.toString('utf8')).toBe('é'.repeat(300) + 'end');
    });

    spec('persistence', '§7.1: after a chunked response with large chunks, the next response on the connection starts where the last-chunk ends', async () => {
      const r = await exchange(server().port, get('/chunks?sizes=300,17') + get('/chunks?sizes=5', 'Connection: close'));
      const { wire } = splitResponse(r.raw);
      const first = decodeChunked(wire);
      expect(first.data.toString('latin1')).toBe(chunkFill(0, 300) + chunkFill(1, 17));
      expect(first.rest.toString('latin1')).toMatch(/^HTTP\/1\.1 200 /);
      expect(decodeChunked(splitResponse(first.rest).wire).data.toString('latin1')).toBe(chunkFill(0, 5));
    });
  },
  { app: 'spec.apps.chunks:app' },
);
