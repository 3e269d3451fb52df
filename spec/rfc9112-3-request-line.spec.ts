/**
 * RFC 9112 §3, the request-line, over real TCP against every stage.
 */

import { expect } from 'vitest';
import { exchange, EXCHANGE_TIMEOUT_MS } from '../harness/client.ts';
import { describeStages } from './stages.ts';

const ok = (line: string): string => `${line}\r\nHost: localhost\r\nConnection: close\r\n\r\n`;

describeStages('RFC 9112 §3 request-line', ({ server, spec }) => {
  spec('request-line', '§3: GET / is answered 200 with the application body (fetch)', async () => {
    const res = await fetch(server().url + '/', { headers: { connection: 'close' }, signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Nibiru Docs');
    expect(res.headers.get('content-length')).toBe('11');
    expect(res.headers.get('date')).toMatch(/GMT$/);
  });

  spec('request-line', '§3: a well-formed request-line is answered with one HTTP/1.1 response', async () => {
    const r = await exchange(server().port, ok('GET / HTTP/1.1'));
    expect(r.responses).toHaveLength(1);
    expect(r.responses[0]!.version).toBe('HTTP/1.1');
    expect(r.responses[0]!.status).toBe(200);
    expect(r.responses[0]!.body.toString()).toBe('Nibiru Docs');
  });

  spec('request-line', '§3: a request-line split across many reads is still one request', async () => {
    const r = await exchange(server().port, ['GE', 'T / HT', 'TP/1.1\r', '\nHost: localhost\r\nConnection: close\r\n\r\n'], { pauseMs: 30 });
    expect(r.responses.map((x) => x.status)).toEqual([200]);
  });

  spec('request-line', '§3: the query string reaches the application (GET /slow?ms=1)', async () => {
    const r = await exchange(server().port, ok('GET /slow?ms=1 HTTP/1.1'));
    expect(r.responses[0]!.body.toString()).toMatch(/^slept 1 ms/);
  });

  spec('request-line', '§3.2.2: an absolute-form target is served by its path', async () => {
    const r = await exchange(server().port, ok('GET http://localhost/pid HTTP/1.1'));
    expect(r.responses[0]!.status).toBe(200);
    expect(r.responses[0]!.body.toString()).toMatch(/^\d+\n$/);
  });

  spec('request-line', '§3: an unknown path gets 404 from the application', async () => {
    const r = await exchange(server().port, ok('GET /nope HTTP/1.1'));
    expect(r.responses[0]!.status).toBe(404);
  });

  spec('request-line', 'RFC 9110 §15.5.6: a method the app does not allow gets 405 with Allow', async () => {
    const r = await exchange(server().port, ok('DELETE / HTTP/1.1'));
    expect(r.responses[0]!.status).toBe(405);
    expect(r.responses[0]!.header('allow')).toBe('GET, HEAD');
  });

  spec('request-line', 'RFC 9110 §9.3.2: HEAD gets the headers of GET and no body', async () => {
    const r = await exchange(server().port, ok('HEAD / HTTP/1.1'), { head: [0] });
    expect(r.responses[0]!.status).toBe(200);
    expect(r.responses[0]!.header('content-length')).toBe('11');
    expect(r.raw.toString('latin1').endsWith('\r\n\r\n')).toBe(true);
  });

  spec('request-line', 'RFC 9110 §9.1: an unknown method token gets 501', async () => {
    const r = await exchange(server().port, ok('BREW / HTTP/1.1'));
    expect(r.responses.map((x) => x.status)).toEqual([501]);
    expect(r.responses[0]!.header('connection')).toBe('close'); // asked for by the request
    expect(r.closed).toBe(true);
  });

  spec('request-line', "RFC 9110 §5.6.2, §9.1: a method made of any tchar (here ' and the other 14 symbols) is a token: 501, not 400", async () => {
    for (const method of ["BREW'", "!#$%&'*+-.^_`|~09azAZ"]) {
      const r = await exchange(server().port, ok(`${method} / HTTP/1.1`));
      expect(r.responses.map((x) => x.status), method).toEqual([501]);
    }
  });

  spec('persistence', 'RFC 9110 §9.1: a well-framed request with an unknown method gets 501, its body is drained, the connection stays open', async () => {
    // Bodies that look like requests: answered as requests, they would show up as a 404.
    const smuggled = 'GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n';
    const withLength = `BREW /pot HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`;
    const withChunks = `BREW /pot HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
    const r = await exchange(server().port, withLength + withChunks + ok('GET / HTTP/1.1'));
    expect(r.responses.map((x) => x.status)).toEqual([501, 501, 200]);
    expect(r.responses.slice(0, 2).map((x) => x.header('connection'))).toEqual([undefined, undefined]);
    expect(r.responses[2]!.body.toString()).toBe('Nibiru Docs');
  });

  spec('body', 'RFC 9110 §9.1: a request with an unknown method and invalid framing gets 400 and close, not 501', async () => {
    const r = await exchange(server().port, 'BREW /pot HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' + ok('GET / HTTP/1.1'));
    expect(r.responses.map((x) => x.status)).toEqual([400]);
    expect(r.responses[0]!.header('connection')).toBe('close');
    expect(r.closed).toBe(true);
  });

  spec('fields', '§3.2.2, RFC 9110 §4.2.1: an absolute-form target without a host (http:///p) gets 400 and close', async () => {
    const r = await exchange(server().port, ok('GET http:///p HTTP/1.1'));
    expect(r.responses.map((x) => x.status)).toEqual([400]);
    expect(r.closed).toBe(true);
  });

  spec('fields', '§3.2.2: an absolute-form target with a port above 65535 gets 400 and close', async () => {
    const r = await exchange(server().port, ok('GET http://localhost:65536/ HTTP/1.1'));
    expect(r.responses.map((x) => x.status)).toEqual([400]);
    expect(r.closed).toBe(true);
  });

  spec('fields', 'RFC 9110 §4.2.4: an absolute-form target with userinfo gets 400 and close', async () => {
    const r = await exchange(server().port, ok('GET http://user@localhost/ HTTP/1.1'));
    expect(r.responses.map((x) => x.status)).toEqual([400]);
    expect(r.closed).toBe(true);
  });

  spec('request-line', '§2.3: a major version other than 1 gets 505', async () => {
    const r = await exchange(server().port, ok('GET / HTTP/2.0'));
    expect(r.responses[0]!.status).toBe(505);
    expect(r.closed).toBe(true);
  });

  for (const [why, line] of [
    ['a missing HTTP-version', 'GET /'],
    ['two spaces between method and target', 'GET  / HTTP/1.1'],
    ['a lowercase protocol name', 'GET / http/1.1'],
    ['a tab as separator', 'GET\t/ HTTP/1.1'],
    ['a control byte in the target', 'GET /a\x01b HTTP/1.1'],
    ['a two-digit minor version', 'GET / HTTP/1.10'],
    ['a bare CR inside the line', 'GET /\r HTTP/1.1'],
  ] as const) {
    spec('request-line', `§3: ${why} gets 400 and Connection: close`, async () => {
      const r = await exchange(server().port, ok(line));
      expect(r.responses[0]?.status).toBe(400);
      expect(r.responses[0]!.header('connection')).toBe('close');
      expect(r.closed).toBe(true);
    });
  }

  spec('request-line', '§3: a request-line longer than 8 KiB gets 414', async () => {
    const r = await exchange(server().port, ok(`GET /${'a'.repeat(9000)} HTTP/1.1`));
    expect(r.responses[0]?.status).toBe(414);
    expect(r.closed).toBe(true);
  });

  spec('request-line', '§3: a request-line over the limit gets 414 before its end has arrived', async () => {
    const r = await exchange(server().port, `GET /${'a'.repeat(9000)}`);
    expect(r.responses[0]?.status).toBe(414);
  });

  spec('request-line', '§9.6: a request with a header section and a body is answered, not reset', async () => {
    const body = 'x'.repeat(20_000);
    const r = await exchange(
      server().port,
      `POST /nope HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(r.reset).toBe(false);
    expect(r.responses[0]?.status).toBe(404);
  });

  spec('request-line', '§9.6: Connection: close is honoured, the server closes after the response', async () => {
    const r = await exchange(server().port, ok('GET / HTTP/1.1'));
    expect(r.responses[0]!.header('connection')).toBe('close');
    expect(r.closed).toBe(true);
    expect(r.timedOut).toBe(false);
  });
});
