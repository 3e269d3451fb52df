/**
 * RFC 9112 §2, message format: the shape of a whole request (start-line, field lines, empty
 * line, body) and the robustness rules of §2.2 — over real TCP against every stage.
 */

import { expect } from 'vitest';
import { exchange } from './client.ts';
import { get, message, post } from './messages.ts';
import { describeStages } from './stages.ts';

const APP = 'spec.apps.probe:app';
const echoed = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString()) as Record<string, unknown>;

describeStages(
  'RFC 9112 §2 message format',
  ({ server, spec }) => {
    spec('request-line', '§2.3: an HTTP/1.0 request is answered with an HTTP/1.1 status line', async () => {
      const r = await exchange(server().port, message('GET /ignore HTTP/1.0'));
      expect(r.responses[0]!.version).toBe('HTTP/1.1');
    });

    spec('fields', '§2.2: lines ending in a bare LF are accepted', async () => {
      const r = await exchange(server().port, 'GET /echo?lf=1 HTTP/1.1\nHost: localhost\nX-Lf: yes\nConnection: close\n\n');
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(echoed(r.responses[0]!.body).HTTP_X_LF).toBe('yes');
    });

    spec('fields', '§2.2: empty lines before a request-line are ignored', async () => {
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
