/**
 * RFC 9112 §7, chunked transfer coding: chunked request bodies are decoded into `wsgi.input`,
 * malformed framing is refused, and the connection stays in step — over real TCP against
 * every stage.
 */

import { expect } from 'vitest';
import { exchange } from '../harness/client.ts';
import { chunked, get, message } from './messages.ts';
import { describeStages } from './stages.ts';

const APP = 'spec.apps.probe:app';
const chunkedPost = (target: string, body: string, ...fields: string[]): string =>
  message(`POST ${target} HTTP/1.1`, ['Host: localhost', 'Transfer-Encoding: chunked', ...fields], body);
const echoed = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString()) as Record<string, unknown>;

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
      const res = await fetch(server().url + '/echo', { method: 'POST', body, duplex: 'half' } as RequestInit);
      const seen = (await res.json()) as Record<string, unknown>;
      expect(seen.body).toBe('streamed by fetch');
      expect(seen.HTTP_TRANSFER_ENCODING).toBe('chunked');
    });
  },
  { app: APP },
);
