/**
 * RFC 9112 §6, the message body: how its length is determined, on requests (what reaches
 * `wsgi.input`, and what is refused as a smuggling attempt) and on responses (Content-Length,
 * chunked, close-delimited) — over real TCP against every stage.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { EXCHANGE_TIMEOUT_MS, exchange, KeepAliveClient } from '../harness/client.ts';
import { CACHED_ETAG } from './apps/probe.ts';
import { curl, get, HAS_CURL, message, post } from './messages.ts';
import { settled } from './processes.ts';
import { describeStages } from './stages.ts';

const APP = 'spec.apps.probe:app';
const echoed = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString()) as Record<string, unknown>;

describeStages(
  'RFC 9112 §6 message body',
  ({ server, spec, stage }) => {
    // --- request framing (§6.1, §6.2, §6.3)

    spec('body', '§6.2: a Content-Length body reaches wsgi.input whole, with CONTENT_LENGTH', async () => {
      const body = 'a=1&b=' + 'x'.repeat(3000);
      const r = await exchange(server().port, post('/echo', body, 'Content-Type: application/x-www-form-urlencoded', 'Connection: close'));
      const seen = echoed(r.responses[0]!.body);
      expect(seen.body).toBe(body);
      expect(seen.CONTENT_LENGTH).toBe(String(body.length));
      expect(seen.CONTENT_TYPE).toBe('application/x-www-form-urlencoded');
    });

    spec('body', '§6.2: a body split across many writes is still read whole before the app is called', async () => {
      const head = message('POST /echo HTTP/1.1', ['Host: localhost', 'Content-Length: 10', 'Connection: close']);
      const r = await exchange(server().port, [head, '01234', '567', '89'], { pauseMs: 40 });
      expect(echoed(r.responses[0]!.body).body).toBe('0123456789');
    });

    spec('body', '§6.2: two connections whose requests arrive in interleaved pieces each get their own body', async () => {
      // Stages 02-04 read every socket into one buffer per process: what one connection has not
      // consumed must survive the other's reads.
      const split = (tag: string): string[] => {
        const body = tag.repeat(12);
        const whole = message(`POST /echo?${tag} HTTP/1.1`, ['Host: localhost', `X-Tag: ${tag}`, `Content-Length: ${body.length}`, 'Connection: close'], body);
        return [whole.slice(0, 10), whole.slice(10, 40), whole.slice(40, whole.length - 7), whole.slice(-7, -3), whole.slice(-3)];
      };
      const [a, b] = await Promise.all([
        exchange(server().port, split('A'), { pauseMs: 30 }),
        exchange(server().port, split('B'), { pauseMs: 30 }),
      ]);
      for (const [r, tag] of [[a, 'A'], [b, 'B']] as const) {
        const seen = echoed(r.responses[0]!.body);
        expect(seen.body).toBe(tag.repeat(12));
        expect(seen.QUERY_STRING).toBe(tag);
        expect(seen.HTTP_X_TAG).toBe(tag);
      }
    });

    spec('body', '§6.3 item 7: a request with neither Content-Length nor Transfer-Encoding has no body', async () => {
      const r = await exchange(server().port, message('POST /echo HTTP/1.1', ['Host: localhost']) + get('/echo', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(echoed(r.responses[0]!.body).bodyLength).toBe(0);
      expect(echoed(r.responses[0]!.body).CONTENT_LENGTH).toBeUndefined();
    });

    spec('body', '§6.3 item 3: Content-Length together with Transfer-Encoding gets 400, and nothing behind it is served', async () => {
      const smuggle = message('POST /ignore HTTP/1.1', ['Host: localhost', 'Content-Length: 5', 'Transfer-Encoding: chunked'], '0\r\n\r\n') + get('/echo');
      const r = await exchange(server().port, smuggle);
      expect(r.responses.map((x) => x.status)).toEqual([400]);
      expect(r.responses[0]!.header('connection')).toBe('close');
      expect(r.closed).toBe(true);
    });

    spec('body', '§6.3 item 5: two different Content-Length values get 400 and close', async () => {
      const r = await exchange(server().port, message('POST /ignore HTTP/1.1', ['Host: localhost', 'Content-Length: 5', 'Content-Length: 6'], 'hello!'));
      expect(r.responses.map((x) => x.status)).toEqual([400]);
      expect(r.closed).toBe(true);
    });

    spec('body', '§6.3 item 5: a Content-Length list of one repeated value is that length', async () => {
      const r = await exchange(server().port, message('POST /echo HTTP/1.1', ['Host: localhost', 'Content-Length: 5, 5', 'Connection: close'], 'hello'));
      expect(echoed(r.responses[0]!.body).body).toBe('hello');
    });

    for (const [why, value] of [['a sign', '+5'], ['a negative number', '-1'], ['letters', 'five'], ['a hex number', '0x5'], ['a list of different values', '5, 6']] as const) {
      spec('body', `§6.3 item 5: a Content-Length with ${why} gets 400`, async () => {
        const r = await exchange(server().port, message('POST /ignore HTTP/1.1', ['Host: localhost', `Content-Length: ${value}`], 'hello'));
        expect(r.responses.map((x) => x.status)).toEqual([400]);
        expect(r.closed).toBe(true);
      });
    }

    spec('body', '§6.1: Transfer-Encoding in an HTTP/1.0 request gets 400', async () => {
      const r = await exchange(server().port, message('POST /ignore HTTP/1.0', ['Transfer-Encoding: chunked'], '0\r\n\r\n'));
      expect(r.responses.map((x) => x.status)).toEqual([400]);
    });

    spec('body', '§6.3 item 4: a Transfer-Encoding whose final coding is not chunked gets 400', async () => {
      const r = await exchange(server().port, message('POST /ignore HTTP/1.1', ['Host: localhost', 'Transfer-Encoding: gzip'], 'xx'));
      expect(r.responses.map((x) => x.status)).toEqual([400]);
      expect(r.closed).toBe(true);
    });

    spec('body', '§6.1: a transfer coding the server does not know, before chunked, gets 501', async () => {
      const r = await exchange(server().port, message('POST /ignore HTTP/1.1', ['Host: localhost', 'Transfer-Encoding: gzip, chunked'], '0\r\n\r\n'));
      expect(r.responses.map((x) => x.status)).toEqual([501]);
      expect(r.closed).toBe(true);
    });

    spec('body', 'RFC 9110 §10.1.1: Expect: 100-continue gets 100 Continue before the body is sent, then the response', async () => {
      const c = await KeepAliveClient.connect(server().port);
      try {
        c.write(message('POST /echo HTTP/1.1', ['Host: localhost', 'Content-Length: 5', 'Expect: 100-continue', 'Connection: close']));
        // the body goes out only once the 100 is in, as a client that waits for it does
        const interim = await c.response();
        expect([interim.status, interim.reason, interim.headers]).toEqual([100, 'Continue', []]);
        c.write('hello');
        const final = await c.response();
        expect(final.status).toBe(200);
        expect(echoed(final.body).body).toBe('hello');
        await c.closedByServer();
      } finally {
        c.destroy();
      }
    });

    spec('body', 'RFC 9110 §10.1.1: a client that sends its body without waiting gets no 100, just the response', async () => {
      const r = await exchange(server().port, post('/echo', 'hello', 'Expect: 100-continue', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(r.raw.toString('latin1')).not.toContain('100 Continue');
      expect(echoed(r.responses[0]!.body).body).toBe('hello');
    });

    spec('body', 'RFC 9110 §10.1.1: an HTTP/1.0 client that sends Expect: 100-continue gets no 100 (Continue), only the response', async () => {
      // "A server MUST NOT send a 100 (Continue) response to an HTTP/1.0 client": such a client
      // may not know an interim response, and would take the 100 for the answer.
      const c = await KeepAliveClient.connect(server().port);
      try {
        c.write(message('POST /echo HTTP/1.0', ['Content-Length: 5', 'Expect: 100-continue']));
        // the header section alone, seen by the server: a 100 would be on its way now
        await settled(server());
        c.write('hello');
        const first = await c.response();
        expect(first.status, 'the first response the server sent').toBe(200);
        expect(echoed(first.body).body).toBe('hello');
        await c.closedByServer();
      } finally {
        c.destroy();
      }
    });

    if (HAS_CURL) {
      spec('body', 'RFC 9110 §10.1.1: curl posting 200 KB with Expect: 100-continue gets its body echoed', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'nibiru-spec-'));
        try {
          const file = path.join(dir, 'body');
          writeFileSync(file, 'y'.repeat(200_000));
          const r = await curl(['-H', 'Expect: 100-continue', '--data-binary', `@${file}`, server().url + '/echo']);
          expect(r.code).toBe(0);
          expect(JSON.parse(r.stdout).bodyLength).toBe(200_000);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    } else {
      it.skip(`RFC 9110 §10.1.1: curl with Expect: 100-continue [${stage}] (curl is not installed)`);
    }

    // --- response framing (§6.3 from the client's side)

    spec('request-line', '§6.3: a response whose length the app gave as a list carries Content-Length', async () => {
      const r = await exchange(server().port, get('/ignore', 'Connection: close'));
      expect(r.responses[0]!.header('content-length')).toBe('7');
      expect(r.responses[0]!.body.toString()).toBe('ignored');
    });

    spec('body', '§7: an HTTP/1.1 app that streams without Content-Length is sent chunked', async () => {
      const r = await exchange(server().port, get('/stream?n=4', 'Connection: close'));
      expect(r.responses[0]!.chunked).toBe(true);
      expect(r.responses[0]!.header('content-length')).toBeUndefined();
      expect(r.responses[0]!.body.toString()).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\n');
    });

    spec('body', '§6.3 item 8: to an HTTP/1.0 client a streamed body is close-delimited', async () => {
      const r = await exchange(server().port, message('GET /stream?n=3 HTTP/1.0', ['Connection: keep-alive']));
      expect(r.responses[0]!.chunked).toBe(false);
      expect(r.responses[0]!.header('transfer-encoding')).toBeUndefined();
      expect(r.responses[0]!.header('content-length')).toBeUndefined();
      expect(r.responses[0]!.header('connection')).toBe('close');
      expect(r.closed).toBe(true);
      expect(r.responses[0]!.body.toString()).toBe('chunk 0\nchunk 1\nchunk 2\n');
    });

    spec('body', '§6.3: a streamed body with a right Content-Length is sent with it, and the connection kept', async () => {
      const r = await exchange(server().port, get('/stream-declared?n=2&declared=16') + get('/ignore', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(r.responses[0]!.header('content-length')).toBe('16');
      expect(r.responses[0]!.body.toString()).toBe('chunk 0\nchunk 1\n');
    });

    spec('body', 'RFC 9110 §8.6: a streamed body longer than its Content-Length is cut there and the connection closed', async () => {
      const r = await exchange(server().port, get('/stream-declared?n=3&declared=10') + get('/ignore'));
      expect(r.responses).toHaveLength(1);
      expect(r.responses[0]!.body.toString()).toBe('chunk 0\nch');
      expect(r.raw.toString('latin1').endsWith('chunk 0\nch')).toBe(true);
      expect(r.closed).toBe(true);
    });

    spec('body', 'RFC 9110 §8.6: a streamed body shorter than its Content-Length ends in a closed connection, not a hang', async () => {
      const r = await exchange(server().port, get('/stream-declared?n=1&declared=100'));
      expect(r.closed).toBe(true);
      expect(r.timedOut).toBe(false);
      expect(r.responses).toHaveLength(0); // the body never completed
    });

    spec('request-line', 'RFC 9110 §9.3.2: HEAD gets the headers GET would get and no body', async () => {
      const r = await exchange(server().port, message('HEAD /ignore HTTP/1.1', ['Host: localhost', 'Connection: close']), { head: [0] });
      expect(r.responses[0]!.header('content-length')).toBe('7');
      expect(r.raw.toString('latin1').endsWith('\r\n\r\n')).toBe(true);
    });

    // An error the server answers a HEAD request with is a response to HEAD like any other.
    const afterHead = (r: Awaited<ReturnType<typeof exchange>>): string => {
      const raw = r.raw.toString('latin1');
      return raw.slice(raw.indexOf('\r\n\r\n') + 4);
    };

    spec('fields', 'RFC 9110 §9.3.2: a 400 to HEAD (no Host) has no body', async () => {
      const r = await exchange(server().port, message('HEAD /echo HTTP/1.1'), { head: [0] });
      expect(r.responses.map((x) => x.status)).toEqual([400]);
      expect(r.closed).toBe(true);
      expect(afterHead(r)).toBe('');
    });

    spec('request-line', 'RFC 9110 §9.3.2: a 400 to HEAD (a malformed percent-escape) has no body', async () => {
      const r = await exchange(server().port, message('HEAD /%zz HTTP/1.1', ['Host: localhost']), { head: [0] });
      expect(r.responses.map((x) => x.status)).toEqual([400]);
      expect(r.closed).toBe(true);
      expect(afterHead(r)).toBe('');
    });

    spec('request-line', 'RFC 9110 §9.3.2: a 500 to HEAD (an app that throws) has no body', async () => {
      const r = await exchange(server().port, message('HEAD /throw HTTP/1.1', ['Host: localhost', 'Connection: close']), { head: [0] });
      expect(r.responses.map((x) => x.status)).toEqual([500]);
      expect(r.closed).toBe(true);
      expect(afterHead(r)).toBe('');
    });

    spec('persistence', 'RFC 9110 §9.3.2: a 500 to HEAD keeps the connection in step: the request behind it is served', async () => {
      const r = await exchange(server().port, message('HEAD /throw HTTP/1.1', ['Host: localhost']) + get('/ignore', 'Connection: close'), { head: [0] });
      expect(r.responses.map((x) => x.status)).toEqual([500, 200]);
      expect(r.responses[1]!.body.toString()).toBe('ignored');
    });

    spec('body', 'RFC 9110 §9.3.2: HEAD of a streamed response says chunked, as GET would, and sends nothing', async () => {
      const r = await exchange(server().port, message('HEAD /stream HTTP/1.1', ['Host: localhost']) + get('/ignore', 'Connection: close'), { head: [0] });
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(r.responses[0]!.header('transfer-encoding')).toBe('chunked');
      expect(r.responses[1]!.body.toString()).toBe('ignored');
    });

    spec('body', 'RFC 9110 §15.3.5: a 204 has no body and no Content-Length, and the connection stays in step', async () => {
      const r = await exchange(server().port, get('/no-content') + get('/ignore', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([204, 200]);
      expect(r.responses[0]!.header('content-length')).toBeUndefined();
    });

    spec('body', 'RFC 9110 §15.4.5, RFC 9112 §6.3 item 1: a 304 has no content: no body bytes, no Content-Length of the server\'s making', async () => {
      // /cached hands over a body with its 304; the response must end at its empty line, or
      // the client reads that body as the start of the next response
      const r = await exchange(server().port, get('/cached', `If-None-Match: ${CACHED_ETAG}`) + get('/ignore', 'Connection: close'));
      const raw = r.raw.toString('latin1');
      const end = raw.indexOf('\r\n\r\n') + 4;
      const head = raw.slice(0, end);
      expect(head).toMatch(/^HTTP\/1\.1 304 /);
      expect(head).toContain(`\r\nETag: ${CACHED_ETAG}\r\n`);
      expect(head, 'the 304\'s header section').not.toMatch(/\r\n(content-length|transfer-encoding):/i);
      expect(raw.slice(end, end + 13), 'what follows the 304\'s empty line').toBe('HTTP/1.1 200 ');
      expect(r.responses.map((x) => x.status)).toEqual([304, 200]);
      expect(r.responses[1]!.body.toString()).toBe('ignored');
      expect(r.closed).toBe(true);
    });

    spec('request-line', '§6: a 1 MB response reaches a slow reader whole (the server waits for the socket to drain)', async () => {
      const r = await exchange(server().port, get('/big?bytes=1000000', 'Connection: close'));
      expect(r.responses[0]!.body.length).toBe(1_000_000);
    });

    spec('body', 'fetch reads a chunked, streamed response', async () => {
      const res = await fetch(server().url + '/stream?n=5', { signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS) });
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      expect((await res.text()).split('\n')).toHaveLength(6);
    });
  },
  { app: APP },
);
