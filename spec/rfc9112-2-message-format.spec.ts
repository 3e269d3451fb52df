/**
 * RFC 9112 §2, message format: the shape of a whole request (start-line, field lines, empty
 * line, body) and the robustness rules of §2.2 — over real TCP against every stage.
 */

import { expect } from 'vitest';
import { exchange } from '../harness/client.ts';
import { get, message, post } from './messages.ts';
import { describeStages } from './stages.ts';

const APP = 'spec.apps.probe:app';
const echoed = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString()) as Record<string, unknown>;
const expectRefused = (r: Awaited<ReturnType<typeof exchange>>, status: number): void => {
  expect(r.responses.map((x) => x.status)).toEqual([status]);
  expect(r.responses[0]!.header('connection')).toBe('close');
  expect(r.closed).toBe(true);
};

describeStages(
  'RFC 9112 §2 message format',
  ({ server, spec }) => {
    spec('request-line', '§2.3: an HTTP/1.0 request is answered with an HTTP/1.1 status line', async () => {
      const r = await exchange(server().port, message('GET /ignore HTTP/1.0'));
      expect(r.responses[0]!.version).toBe('HTTP/1.1');
    });

    // §2.3: the major version says which grammar a message follows, the minor one what the
    // sender can do; a higher minor of the same major is answered as the highest this server
    // speaks (RFC 9110 §6.2), never as HTTP/1.0.
    spec('persistence', '§2.3, RFC 9110 §6.2: an HTTP/1.2 request is handled as HTTP/1.1: answered HTTP/1.1, the connection kept open by default', async () => {
      const r = await exchange(server().port, message('GET /echo?first HTTP/1.2', ['Host: localhost']) + get('/echo?second', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(r.responses[0]!.version).toBe('HTTP/1.1');
      expect(r.responses[0]!.header('connection')).toBeUndefined();
      expect(r.responses.map((x) => echoed(x.body).QUERY_STRING)).toEqual(['first', 'second']);
    });

    spec('fields', '§2.3, §3.2: an HTTP/1.2 request without Host gets 400, as an HTTP/1.1 one does', async () => {
      expectRefused(await exchange(server().port, message('GET /echo HTTP/1.2', ['Connection: close'])), 400);
    });

    // §2.2 lets a recipient accept a bare LF as a line terminator (MAY). A server that may sit
    // behind a proxy must not: a proxy that reads the line differently would see other fields.
    spec('request-line', '§2.2: a request-line ending in a bare LF gets 400 and close', async () => {
      expectRefused(await exchange(server().port, 'GET /echo HTTP/1.1\nHost: localhost\r\nConnection: close\r\n\r\n'), 400);
    });

    spec('fields', '§2.2: a field line ending in a bare LF gets 400 and close (a Content-Length cannot hide behind it)', async () => {
      const smuggle = 'POST /echo HTTP/1.1\r\nHost: localhost\r\nX-Note: a\nContent-Length: 5\r\n\r\nhello';
      expectRefused(await exchange(server().port, smuggle), 400);
    });

    spec('fields', '§2.2: a bare LF as the empty line that ends the header section gets 400 and close', async () => {
      expectRefused(await exchange(server().port, 'GET /echo HTTP/1.1\r\nHost: localhost\r\n\n'), 400);
    });

    spec('request-line', '§2.2: a bare LF before the request-line is not an empty line: 400 and close', async () => {
      expectRefused(await exchange(server().port, '\n' + get('/echo', 'Connection: close')), 400);
    });

    spec('request-line', '§2.2: a first byte that cannot start a request-line (a TLS ClientHello) gets 400 and close at once', async () => {
      // A TLS record header and the start of a ClientHello, as a client that speaks TLS to a
      // plain-HTTP port sends it: no LF in sight, so only its first byte can tell. The server's
      // header timeout is 10 s; the exchange gives up after 5.
      const hello = Buffer.from('1603010200010001fc0303' + '5b'.repeat(32) + '20' + '7e'.repeat(32), 'hex');
      const r = await exchange(server().port, hello, { timeoutMs: 5000 });
      expect(r.timedOut).toBe(false);
      expectRefused(r, 400);
    });

    spec('request-line', '§2.2: empty lines before a request-line are ignored', async () => {
      const r = await exchange(server().port, '\r\n\r\n' + get('/echo?after=blank', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(echoed(r.responses[0]!.body).QUERY_STRING).toBe('after=blank');
    });

    spec('fields', '§2.2: an empty line after a request\'s body (a stray CRLF) does not break the next request', async () => {
      const r = await exchange(server().port, post('/echo', 'abc') + '\r\n' + get('/echo?next=1', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(echoed(r.responses[1]!.body).QUERY_STRING).toBe('next=1');
    });

    spec('fields', '§2.2: whitespace between the start-line and the first field line gets 400', async () => {
      const r = await exchange(server().port, 'GET /echo HTTP/1.1\r\n Host: localhost\r\n\r\n');
      expect(r.responses.map((x) => x.status)).toEqual([400]);
      expect(r.closed).toBe(true);
    });

    spec('fields', '§2.2: a bare CR in the header section gets 400', async () => {
      const r = await exchange(server().port, 'GET /echo HTTP/1.1\r\nHost: localhost\rX: y\r\n\r\n');
      expect(r.responses.map((x) => x.status)).toEqual([400]);
    });

    spec('body', '§2.1: a whole request sent one byte at a time is served', async () => {
      const bytes = post('/echo?slow=1', 'bytewise', 'Connection: close');
      const r = await exchange(server().port, bytes.split(''), { pauseMs: 1 });
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(echoed(r.responses[0]!.body).body).toBe('bytewise');
    });

    spec('persistence', '§2.1: a request and its neighbour in one write are told apart by framing alone', async () => {
      const r = await exchange(server().port, post('/echo', 'GET / HTTP/1.1\r\n\r\n') + get('/echo?second', 'Connection: close'));
      expect(r.responses.map((x) => echoed(x.body).QUERY_STRING)).toEqual(['', 'second']);
    });
  },
  { app: APP },
);
