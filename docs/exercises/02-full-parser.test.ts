/**
 * Exercises of chapter 02, the full parser (docs/guide/02-full-parser.md).
 *
 * Run against the reference: `npx vitest run docs/exercises/02-full-parser.test.ts`;
 * against yours: `NIBIRU_STAGE_DIR=path/to/your/stage npx vitest run docs/exercises/02-full-parser.test.ts`.
 */

import { expect, it } from 'vitest';
import { exchange } from '../../spec/client.ts';
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

  it('Connection: close on the second of two requests: both answered, then the server closes', async () => {
    const r = await exchange(server().port, get('/') + get('/pid', 'Connection: close\r\n'));
    expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
    expect(r.responses[1]!.header('connection')).toBe('close');
    expect(r.closed).toBe(true);
  });
});

describeExercise(STAGE, 'exercise 2.2: header fields reach the app, and a 304 keeps the connection in step', (server) => {
  it('If-None-Match arrives as HTTP_IF_NONE_MATCH: the docs app answers 304, with no body', async () => {
    const first = await exchange(server().port, get('/docs/', 'Connection: close\r\n'));
    const etag = first.responses[0]!.header('etag');
    expect(etag).toMatch(/^"/);
    const r = await exchange(server().port, get('/docs/', `If-None-Match: ${etag}\r\nConnection: close\r\n`));
    expect(r.responses[0]!.status).toBe(304);
    expect(r.responses[0]!.header('transfer-encoding')).toBeUndefined();
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

  it('a chunked body is read to its end, so the next request is still understood', async () => {
    const chunked = 'POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
    const r = await exchange(server().port, chunked + get('/', 'Connection: close\r\n'));
    expect(r.responses.map((x) => x.status)).toEqual([405, 200]);
    expect(r.responses[1]!.body.toString()).toBe('Nibiru Docs');
  });
});
