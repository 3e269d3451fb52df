/**
 * The application interface (PEP 3333 adapted, `docs/wsgi.md`) as seen from the wire: what
 * `environ` holds, how an app's response is checked and framed, and what happens when an app
 * fails — over real TCP against every stage.
 */

import { expect } from 'vitest';
import { exchange } from '../harness/client.ts';
import { get, message, post } from './messages.ts';
import { APP_DATE } from './apps/probe.ts';
import { describeStages, expects } from './stages.ts';

const APP = 'spec.apps.probe:app';
const echoed = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString()) as Record<string, unknown>;

describeStages(
  'WSGI application interface',
  ({ server, spec, stage }) => {
    spec('request-line', 'environ: REQUEST_METHOD, PATH_INFO (decoded), QUERY_STRING (not decoded), SCRIPT_NAME', async () => {
      const r = await exchange(server().port, get('/ec%68o?q=a%20b&x=1', 'Connection: close'));
      const seen = echoed(r.responses[0]!.body);
      expect(seen.REQUEST_METHOD).toBe('GET');
      expect(seen.PATH_INFO).toBe('/echo');
      expect(seen.QUERY_STRING).toBe('q=a%20b&x=1');
      expect(seen.SCRIPT_NAME).toBe('');
    });

    spec('request-line', 'PEP 3333 (CGI, RFC 3875 §4.1.5): PATH_INFO is percent-decoded in full, %2F, %3F, %23 and %25 included', async () => {
      // PATH_INFO is CGI's: the path with every escape decoded, the reserved ones too (which
      // JavaScript's decodeURI, unlike decodeURIComponent, leaves encoded)
      const r = await exchange(server().port, get('/echo/a%2Fb%3Fc%23d%25e%20f?x=%2F', 'Connection: close'));
      const seen = echoed(r.responses[0]!.body);
      expect(seen.PATH_INFO).toBe('/echo/a/b?c#d%e f');
      expect(seen.QUERY_STRING).toBe('x=%2F');
    });

    spec('request-line', 'environ: SERVER_PROTOCOL is the version of the request, REMOTE_ADDR the client', async () => {
      const r = await exchange(server().port, message('GET /echo?x=1 HTTP/1.0'));
      const seen = echoed(r.responses[0]!.body);
      expect(seen.SERVER_PROTOCOL).toBe('HTTP/1.0');
      expect(seen.QUERY_STRING).toBe('x=1');
      expect(seen.REMOTE_ADDR).toBe('127.0.0.1');
      expect(seen.multiprocess).toBe(expects(stage, 'workers')); // wsgi.multiprocess
    });

    spec('fields', 'environ: every request field as HTTP_*, and SERVER_NAME/SERVER_PORT from Host', async () => {
      const r = await exchange(server().port, message('GET /echo HTTP/1.1', ['Host: example.test:81', 'Accept-Language: en', 'X-Request-Id: 42', 'Connection: close']));
      const seen = echoed(r.responses[0]!.body);
      expect(seen).toMatchObject({ HTTP_ACCEPT_LANGUAGE: 'en', HTTP_X_REQUEST_ID: '42', HTTP_CONNECTION: 'close', SERVER_NAME: 'example.test', SERVER_PORT: '81' });
    });

    spec('body', 'wsgi.input: the decoded body, chunked or not, and empty when there is none', async () => {
      const plain = echoed((await exchange(server().port, post('/echo', 'plain body', 'Connection: close'))).responses[0]!.body);
      const none = echoed((await exchange(server().port, get('/echo', 'Connection: close'))).responses[0]!.body);
      expect(plain.body).toBe('plain body');
      expect(none.bodyLength).toBe(0);
    });

    spec('body', 'wsgi.input: binary bodies arrive byte for byte', async () => {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const head = message('POST /echo HTTP/1.1', ['Host: localhost', `Content-Length: ${bytes.length}`, 'Connection: close']);
      const r = await exchange(server().port, Buffer.concat([Buffer.from(head, 'latin1'), bytes]));
      expect(Buffer.from(echoed(r.responses[0]!.body).body as string, 'latin1').equals(bytes)).toBe(true);
    });

    spec('request-line', 'an app that throws before responding gets a 500, its stack goes to stderr, and the process keeps serving', async () => {
      const r = await exchange(server().port, get('/throw', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([500]);
      // stderr and the socket are two pipes: the stack may be read after the response
      await server().waitForStderr(/Error: probe: thrown on purpose\n\s+at /);
      const after = await exchange(server().port, get('/ignore', 'Connection: close'));
      expect(after.responses.map((x) => x.status)).toEqual([200]);
    });

    spec('body', 'an app that throws after its first chunk was sent: the connection is closed, the body left incomplete', async () => {
      const r = await exchange(server().port, get('/throw-late') + get('/ignore'));
      expect(r.closed).toBe(true);
      expect(r.timedOut).toBe(false);
      expect(r.raw.toString('latin1')).toContain('first chunk');
      expect(r.raw.toString('latin1')).not.toContain('0\r\n\r\n'); // no last-chunk: the client knows it is cut
      expect(r.responses).toHaveLength(0);
      await server().waitForStderr(/thrown on purpose after the first chunk/);
    });

    spec('request-line', 'response splitting: a header value holding CR LF gets a 500, never the injected header', async () => {
      const r = await exchange(server().port, get('/bad-header', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([500]);
      expect(r.raw.toString('latin1')).not.toMatch(/Set-Cookie: evil/i);
    });

    spec('request-line', 'an array body that disagrees with its Content-Length gets a 500', async () => {
      const r = await exchange(server().port, get('/wrong-length', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([500]);
    });

    // RFC 9110 §5.3: a sender must not repeat a field that is not a list; a recipient of two
    // Content-Length lines may refuse the response, and one of two Dates is a guess.
    const headLines = (r: Awaited<ReturnType<typeof exchange>>, name: string): string[] => {
      const raw = r.raw.toString('latin1');
      const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
      return head.split('\r\n').filter((line) => line.toLowerCase().startsWith(`${name}:`));
    };

    spec('request-line', 'RFC 9110 §8.6: the app\'s own Content-Length is sent once, not repeated by the server', async () => {
      const r = await exchange(server().port, get('/declared', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(headLines(r, 'content-length')).toEqual(['Content-Length: 9']);
      const head = await exchange(server().port, message('HEAD /declared HTTP/1.1', ['Host: localhost', 'Connection: close']), { head: [0] });
      expect(headLines(head, 'content-length')).toEqual(['Content-Length: 9']);
      const streamed = await exchange(server().port, get('/stream-declared?n=2&declared=16', 'Connection: close'));
      expect(headLines(streamed, 'content-length')).toEqual(['Content-Length: 16']);
    });

    spec('request-line', 'RFC 9110 §6.6.1: the app\'s own Date is sent as it is, and the server adds none', async () => {
      const r = await exchange(server().port, get('/declared', 'Connection: close'));
      expect(headLines(r, 'date')).toEqual([`Date: ${APP_DATE}`]);
      // and without one from the app, the server sends exactly one
      const plain = await exchange(server().port, get('/ignore', 'Connection: close'));
      expect(headLines(plain, 'date')).toHaveLength(1);
      expect(headLines(plain, 'date')[0]).toMatch(/^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    });

    spec('fields', 'RFC 9112 §3.2.2: an absolute-form target\'s authority, not Host, gives SERVER_NAME, SERVER_PORT and HTTP_HOST', async () => {
      const r = await exchange(server().port, message('GET http://a.example:81/echo?q=1 HTTP/1.1', ['Host: x', 'Connection: close']));
      expect(echoed(r.responses[0]!.body)).toMatchObject({ SERVER_NAME: 'a.example', SERVER_PORT: '81', HTTP_HOST: 'a.example:81', PATH_INFO: '/echo', QUERY_STRING: 'q=1' });
      const noPort = await exchange(server().port, message('GET http://b.example/echo HTTP/1.1', ['Host: x:8080', 'Connection: close']));
      expect(echoed(noPort.responses[0]!.body)).toMatchObject({ SERVER_NAME: 'b.example', SERVER_PORT: '80', HTTP_HOST: 'b.example' });
    });

    spec('body', 'a generator body is streamed to an HTTP/1.1 client chunked', async () => {
      const r = await exchange(server().port, get('/stream?n=2', 'Connection: close'));
      expect(r.responses[0]!.header('transfer-encoding')).toBe('chunked');
      expect(r.raw.toString('latin1')).toMatch(/\r\n8\r\nchunk 0\n\r\n8\r\nchunk 1\n\r\n0\r\n\r\n$/);
    });
  },
  { app: APP },
);
