/**
 * Exercises of chapter 02, the full parser (docs/guide/02-full-parser.md).
 *
 * Run against the reference: `npx vitest run docs/exercises/02-full-parser.test.ts`;
 * against yours: `npm run check:mine -- path/to/your-02` (this file and the RFC specs), or
 * `NIBIRU_STAGE_DIR=path/to/your/stage npx vitest run docs/exercises/02-full-parser.test.ts`.
 *
 * The wrong versions these specs were tried on: copies of the reference stage with one
 * plausible mistake each, and the spec that fails on it. Those marked * passed every spec of
 * this file until the spec named was added.
 *
 * | exercise | wrong version | caught by |
 * | --- | --- | --- |
 * | 2.1 | every response closes the connection | three pipelined requests … stays open |
 * | 2.1 | HTTP/1.0 persists by default | an HTTP/1.0 request without keep-alive … closed |
 * | 2.1 | `Connection: close` ignored | Connection: close on the second of two requests |
 * | 2.1 | HTTP/1.0's `Connection: keep-alive` ignored (1.0 always closes) * | an HTTP/1.0 request with Connection: keep-alive |
 * | 2.1 | connection options compared case-sensitively * | Connection: Close closes too |
 * | 2.2 | field names upper-cased but `-` kept (`HTTP_IF-NONE-MATCH`) | If-None-Match arrives as HTTP_IF_NONE_MATCH |
 * | 2.2 | a 304 framed like any response (`Content-Length: 0`) * | … no Content-Length of its own |
 * | 2.3 | `Transfer-Encoding` wins over `Content-Length` (§6.1's lenient reading, without closing) | Content-Length together with Transfer-Encoding |
 * | 2.3 | `Content-Length` wins over `Transfer-Encoding` | Content-Length together with Transfer-Encoding |
 * | 2.3 | 400 sent, but the connection kept open | the four 400 specs (`closed`) |
 * | 2.3 | the last of two `Content-Length` fields wins | two different Content-Length values |
 * | 2.3 | `parseInt` for `Content-Length` (`5, 6` reads as 5) * | one Content-Length field listing two different values |
 * | 2.3 | any `Transfer-Encoding` that mentions chunked is chunked * | … final coding is not chunked gets 400 |
 */

import { expect, it } from 'vitest';
import { exchange } from '../../harness/client.ts';
import { describeExercise } from './exercise.ts';

const STAGE = '02-full-parser';
const get = (target: string, extra = ''): string => `GET ${target} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`;

describeExercise(STAGE, 'exercise 2.1: one connection, many requests, answered in order', (server) => {
  it('three pipelined requests in one write get three responses, in order, and the connection stays open', async () => {
    const r = await exchange(server().port, get('/pid') + get('/') + get('/nope'), { responses: 3 });
    expect(r.responses.map((x) => x.status)).toEqual([200, 200, 404]);
    expect(r.responses[1]!.body.toString()).toBe('Nibiru Docs');
    expect(r.responses.every((x) => x.header('connection') !== 'close')).toBe(true);
    expect(r.closed).toBe(false);
  });

  it('an HTTP/1.0 request without keep-alive is answered and the connection closed', async () => {
    const r = await exchange(server().port, 'GET /pid HTTP/1.0\r\n\r\n');
    expect(r.responses.map((x) => x.status)).toEqual([200]);
    expect(r.closed).toBe(true);
  });

  it('an HTTP/1.0 request with Connection: keep-alive keeps the connection, and its response says so', async () => {
    const r = await exchange(server().port, 'GET /pid HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' + get('/', 'Connection: close\r\n'), { responses: 2 });
    expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
    expect(r.responses[0]!.header('connection')?.toLowerCase()).toBe('keep-alive');
  });

  it('connection options are case-insensitive: Connection: Close closes too', async () => {
    const r = await exchange(server().port, get('/pid', 'Connection: Close\r\n'));
    expect(r.responses.map((x) => x.status)).toEqual([200]);
    expect(r.responses[0]!.header('connection')).toBe('close');
    expect(r.closed).toBe(true);
  });

  it('Connection: close on the second of two requests: both answered, then the server closes', async () => {
    const r = await exchange(server().port, get('/') + get('/pid', 'Connection: close\r\n'));
    expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
    expect(r.responses[1]!.header('connection')).toBe('close');
    expect(r.closed).toBe(true);
  });
});

describeExercise(STAGE, 'exercise 2.2: header fields reach the app, and a 304 keeps the connection in step', (server) => {
  it('If-None-Match arrives as HTTP_IF_NONE_MATCH: the docs app answers 304, with no body and no Content-Length of its own', async () => {
    const first = await exchange(server().port, get('/docs/', 'Connection: close\r\n'));
    const etag = first.responses[0]!.header('etag');
    expect(etag).toMatch(/^"/);
    const r = await exchange(server().port, get('/docs/', `If-None-Match: ${etag}\r\nConnection: close\r\n`));
    expect(r.responses[0]!.status).toBe(304);
    expect(r.responses[0]!.header('transfer-encoding')).toBeUndefined();
    // RFC 9110 §8.6: a 304 may carry Content-Length only if it is the 200's; 0 is a lie
    const length = r.responses[0]!.header('content-length');
    if (length !== undefined) expect(length).toBe(first.responses[0]!.header('content-length'));
    expect(r.raw.toString('latin1').endsWith('\r\n\r\n')).toBe(true);
  });

  it('a request after a 304 on the same connection is parsed from the right byte', async () => {
    const etag = (await exchange(server().port, get('/docs/', 'Connection: close\r\n'))).responses[0]!.header('etag')!;
    const r = await exchange(server().port, get('/docs/', `If-None-Match: ${etag}\r\n`) + get('/', 'Connection: close\r\n'));
    expect(r.responses.map((x) => x.status)).toEqual([304, 200]);
    expect(r.responses[1]!.body.toString()).toBe('Nibiru Docs');
  });
});

describeExercise(STAGE, 'exercise 2.3: refuse the smuggler (RFC 9112 §6.1, §6.3)', (server) => {
  it('Content-Length together with Transfer-Encoding: chunked gets 400, and nothing behind it is served', async () => {
    const smuggled = 'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' + get('/pid');
    const r = await exchange(server().port, smuggled);
    expect(r.responses.map((x) => x.status)).toEqual([400]);
    expect(r.responses[0]!.header('connection')).toBe('close');
    expect(r.closed).toBe(true);
  });

  it('two different Content-Length values get 400', async () => {
    const r = await exchange(server().port, 'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!');
    expect(r.responses.map((x) => x.status)).toEqual([400]);
    expect(r.closed).toBe(true);
  });

  it('one Content-Length field listing two different values (5, 6) gets 400', async () => {
    const r = await exchange(server().port, 'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5, 6\r\n\r\nhello!');
    expect(r.responses.map((x) => x.status)).toEqual([400]);
    expect(r.closed).toBe(true);
  });

  it('Transfer-Encoding whose final coding is not chunked gets 400: its length cannot be known', async () => {
    const r = await exchange(server().port, 'POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n' + get('/pid'));
    expect(r.responses.map((x) => x.status)).toEqual([400]);
    expect(r.closed).toBe(true);
  });

  it('a chunked body is read to its end, so the next request is still understood', async () => {
    const chunked = 'POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
    const r = await exchange(server().port, chunked + get('/', 'Connection: close\r\n'));
    expect(r.responses.map((x) => x.status)).toEqual([405, 200]);
    expect(r.responses[1]!.body.toString()).toBe('Nibiru Docs');
  });
});
