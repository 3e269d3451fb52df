/**
 * Exercises of chapter 05, the fast path (docs/guide/05-fast-path.md).
 *
 * Run against the reference: `npx vitest run docs/exercises/05-fast-path.test.ts`;
 * against yours: `NIBIRU_STAGE_DIR=path/to/your/stage npx vitest run docs/exercises/05-fast-path.test.ts`
 * (your stage is started with `--workers 2`, and for 5.1 with `--workers 1`, so that two
 * connections share one process and its read buffer), or `npm run check:mine -- path/to/your-05`,
 * which also runs every RFC and worker spec: an optimization must not change what the server does.
 *
 * The wrong versions these specs were tried on: copies of the reference stage with one
 * plausible mistake each, and the spec that fails on it (each run with `NIBIRU_STAGE_DIR` on 2026-12-02;
 * every other spec of this file passed on each).
 *
 * | exercise | wrong version | caught by |
 * | --- | --- | --- |
 * | 5.1 | the parser keeps a view of the shared buffer (no `keepBuffered` after a read) | a request-line and header section split across two reads, another connection read in between |
 * | 5.1 | body bytes pushed as views of the shared buffer (no copy) | a body split across two reads, another connection read in between, is echoed intact (and its chunked twin) |
 * | 5.2 | the socket uncorked only when the loop ends normally, not before a wait for `drain` | a pipelined request for a streamed body larger than the socket buffer, then a GET (and its twin for a whole body past `--max-write-buffer`): both time out |
 * | 5.2 | the socket still corked when a response is cut (`abort`, an app that throws after its first chunk) | not this file: `spec/wsgi.spec.ts`, an app that throws after its first chunk (`check:mine` runs it); the reference had this bug until `npm test` caught it |
 * | 5.3 | the fallback forgets to listen for `'data'` | every spec of 5.3 (no request is ever read) |
 * | 5.4 | every whole text body sent as latin1 with its head, ASCII or not | a body with é echoed back (its two UTF-8 bytes sent as one) and the request behind it |
 */

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { exchange, KeepAliveClient } from '../../harness/client.ts';
import { describeExercise } from './exercise.ts';

const STAGE = '05-fast-path';
const PROBE = 'spec.apps.probe:app';

/** Writes `bytes` on `socket` and resolves once the kernel has them (the write's callback). */
function written(socket: net.Socket, bytes: string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(bytes, 'latin1', (err) => (err ? reject(err) : resolve())));
}

/**
 * Sends `first` on one connection, then a whole request on a second connection to the same
 * (single) worker and waits for its response, then `second` on the first connection: the
 * worker has read the second connection's bytes between the two halves. Returns the first
 * connection's response.
 */
async function splitAroundAnother(port: number, first: string, second: string): Promise<{ status: number; body: string }> {
  const client = await KeepAliveClient.connect(port);
  try {
    await written(client.socket, first);
    // The first half is in the worker's receive queue before this connection exists, so the
    // worker reads it no later than it accepts this one, and reads this request after that.
    const other = await exchange(port, `POST /echo HTTP/1.1\r\nHost: other\r\nContent-Length: 40\r\nConnection: close\r\n\r\n${'Z'.repeat(40)}`, { responses: 1 });
    expect(other.responses.map((r) => r.status)).toEqual([200]);
    await written(client.socket, second);
    const response = await client.response();
    return { status: response.status, body: response.body.toString('latin1') };
  } finally {
    client.socket.destroy();
  }
}

describeExercise(
  STAGE,
  'chapter 05 exercise 5.1: nothing keeps a view of the shared read buffer',
  (server) => {
    it('a request-line and header section split across two reads, another connection read in between, is parsed as sent', async () => {
      const r = await splitAroundAnother(server().port, 'POST /echo HTTP/1.1\r\nHost: fir', 'st\r\nX-Split: kept\r\nContent-Length: 5\r\n\r\nhello');
      expect(r.status).toBe(200);
      const seen = JSON.parse(r.body) as Record<string, unknown>;
      expect(seen).toMatchObject({ HTTP_HOST: 'first', HTTP_X_SPLIT: 'kept', body: 'hello' });
    });

    it('a body split across two reads, another connection read in between, is echoed intact', async () => {
      const r = await splitAroundAnother(server().port, `POST /echo HTTP/1.1\r\nHost: first\r\nContent-Length: 40\r\n\r\n${'a'.repeat(20)}`, 'b'.repeat(20));
      expect(r.status).toBe(200);
      expect((JSON.parse(r.body) as { body: string }).body).toBe(`${'a'.repeat(20)}${'b'.repeat(20)}`);
    });

    it('a chunked body split across two reads, another connection read in between, is echoed intact', async () => {
      const r = await splitAroundAnother(
        server().port,
        'POST /echo HTTP/1.1\r\nHost: first\r\nTransfer-Encoding: chunked\r\n\r\n14\r\naaaaaaaaaa',
        'aaaaaaaaaa\r\n5\r\nbbbbb\r\n0\r\n\r\n',
      );
      expect(r.status).toBe(200);
      expect((JSON.parse(r.body) as { body: string }).body).toBe(`${'a'.repeat(20)}bbbbb`);
    });
  },
  { app: PROBE, args: ['--workers', '1'] },
);

describeExercise(
  STAGE,
  'chapter 05 exercise 5.2: responses to pipelined requests in one write',
  (server) => {
    it('a pipelined request for a streamed body larger than the socket buffer, then a GET: both are answered, in order', async () => {
      // 4,000 chunks of about 11 bytes with their chunked framing: past the 16 KiB at which a
      // socket asks its writer to wait for 'drain'
      const r = await exchange(server().port, 'GET /stream?n=4000 HTTP/1.1\r\nHost: p\r\n\r\nGET /ignore HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n');
      expect(r.timedOut).toBe(false);
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(r.responses[0]!.body.toString().split('\n').length).toBe(4001);
      expect(r.responses[1]!.body.toString()).toBe('ignored');
    });

    it('a pipelined request for a whole body larger than --max-write-buffer, then a GET: both are answered, in order', async () => {
      const r = await exchange(server().port, 'GET /big?bytes=200000 HTTP/1.1\r\nHost: p\r\n\r\nGET /ignore HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n');
      expect(r.timedOut).toBe(false);
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(r.responses[0]!.body.length).toBe(200000);
    });

    it('ten pipelined requests in one write get ten responses, in order', async () => {
      const requests = Array.from({ length: 10 }, (_, i) => `GET /echo?i=${i} HTTP/1.1\r\nHost: p\r\n${i === 9 ? 'Connection: close\r\n' : ''}\r\n`).join('');
      const r = await exchange(server().port, requests);
      expect(r.responses.map((x) => (JSON.parse(x.body.toString()) as { QUERY_STRING: string }).QUERY_STRING)).toEqual(
        Array.from({ length: 10 }, (_, i) => `i=${i}`),
      );
    });
  },
  { app: PROBE, args: ['--max-write-buffer', '65536'] },
);

describeExercise(
  STAGE,
  'chapter 05 exercise 5.3: the fallback when the private API is missing',
  (server) => {
    describe('with NIBIRU_NO_SHARED_READ=1 (the feature check says no)', () => {
      it('GET is answered on a kept-alive connection, three times', async () => {
        const client = await KeepAliveClient.connect(server().port);
        try {
          for (let i = 0; i < 3; i++) expect((await client.get('/ignore')).body.toString()).toBe('ignored');
        } finally {
          client.socket.destroy();
        }
      });

      it('pipelined requests are answered in order', async () => {
        const r = await exchange(server().port, 'GET /echo HTTP/1.1\r\nHost: p\r\n\r\nGET /ignore HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n');
        expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
        expect(r.responses[1]!.body.toString()).toBe('ignored');
      });

      it('a POST body sent in three pieces is read in full', async () => {
        const r = await exchange(server().port, ['POST /echo HTTP/1.1\r\nHost: p\r\nContent-Length: 6\r\nConnection: close\r\n\r\n', 'ab', 'cdef'], { pauseMs: 50 });
        expect(r.responses.map((x) => x.status)).toEqual([200]);
        expect((JSON.parse(r.responses[0]!.body.toString()) as { body: string }).body).toBe('abcdef');
      });

      it('a malformed request gets 400 with Connection: close', async () => {
        const r = await exchange(server().port, 'GET / HTTP/1.1\r\nHost: p\r\nBad Header: x\r\n\r\n');
        expect(r.responses.map((x) => x.status)).toEqual([400]);
        expect(r.responses[0]!.header('connection')).toBe('close');
        expect(r.closed).toBe(true);
      });
    });
  },
  { app: PROBE, env: { NIBIRU_NO_SHARED_READ: '1' } },
);

describeExercise(
  STAGE,
  'chapter 05 exercise 5.4: an ASCII body leaves with its head as one string, any other as UTF-8',
  (server) => {
    it('an ASCII body, and the request pipelined behind it, arrive exactly', async () => {
      const r = await exchange(server().port, 'POST /echo HTTP/1.1\r\nHost: p\r\nContent-Length: 5\r\n\r\nplainGET /ignore HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n');
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect((JSON.parse(r.responses[0]!.body.toString('utf8')) as { body: string }).body).toBe('plain');
      expect(r.responses[1]!.body.toString()).toBe('ignored');
    });

    it('a body with text beyond ASCII is sent as UTF-8, its length counted in bytes, and the request behind it still parses', async () => {
      // the probe echoes the body decoded as latin1: the byte 0xE9 comes back as the text é,
      // two bytes in UTF-8
      const post = Buffer.concat([
        Buffer.from('POST /echo HTTP/1.1\r\nHost: p\r\nContent-Length: 4\r\n\r\ncaf', 'latin1'),
        Buffer.of(0xe9),
        Buffer.from('GET /ignore HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n', 'latin1'),
      ]);
      const r = await exchange(server().port, post);
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      const first = r.responses[0]!;
      expect(Number(first.header('content-length'))).toBe(first.body.length);
      expect((JSON.parse(first.body.toString('utf8')) as { body: string }).body).toBe('caf\u00e9');
      expect(r.responses[1]!.body.toString()).toBe('ignored');
    });
  },
  { app: PROBE },
);
