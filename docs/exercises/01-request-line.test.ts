/**
 * Exercises of chapter 01, the request-line server (docs/guide/01-request-line.md).
 *
 * Run against the reference: `npx vitest run docs/exercises/01-request-line.test.ts`;
 * against yours: `npm run check:mine -- path/to/your-01` (this file and the RFC specs), or
 * `NIBIRU_STAGE_DIR=path/to/your/stage npx vitest run docs/exercises/01-request-line.test.ts`.
 *
 * The wrong versions these specs were tried on: copies of the reference stage with one
 * plausible mistake each, and the spec that fails on it. Those marked * passed every spec of
 * this file until the spec named was added.
 *
 * | exercise | wrong version | caught by |
 * | --- | --- | --- |
 * | 1.1 | `lingeringClose` is `socket.end(() => socket.destroy())` (the exercise's own) | half-closes and drains |
 * | 1.1 | `socket.destroy()` right after the write | half-closes and drains |
 * | 1.1 | a timer that destroys, but no `socket.end()` (no FIN until it fires) | half-closes and drains |
 * | 1.1 | `end()` and `resume()` but no timer: a client that never closes is kept forever * | dropped once --linger has passed |
 * | 1.1 | no `socket.resume()`: not a mistake here, the `data` listener already keeps the socket flowing (passes, rightly) | — |
 * | 1.2 | the early check without the `+ 1` for a CR still to come * | LF arrives in a later read than its CR |
 * | 1.2 | 414 only once the LF has arrived | 414 comes before the line ends |
 * | 1.2 | `>=` for `>` in the parser's limit | exactly --max-request-line bytes is served |
 * | 1.2 | the limit counts the CRLF | exactly --max-request-line bytes is served |
 * | 1.2 | the flag ignored, 8192 hard-wired | one byte more gets 414 |
 * | 1.3 | the method upper-cased before the lookup | lower-case "get" … 501 |
 * | 1.3 | an unknown method gets 400, not 501 | lower-case "get" … 501 |
 * | 1.3 | only HTTP/1.0 and 1.1 accepted, 1.9 gets 505 | HTTP/1.9 is answered |
 * | 1.3 | HTTP/2.0 gets 400, not 505 | HTTP/1.9 is answered … HTTP/2.0 gets 505 |
 * | 1.3 | runs of spaces between the parts accepted * | two spaces after the method / before the version |
 * | 1.3 | the naive parser: `split(/\s+/)` and `/^HTTP\/(\d)\.(\d+)$/i` * | the seven malformed request-lines |
 */

import net from 'node:net';
import { expect, it } from 'vitest';
import { exchange } from '../../harness/client.ts';
import { describeExercise } from './exercise.ts';

const STAGE = '01-request-line';

/**
 * Sends `head`, waits for the response and the server's FIN, then keeps writing `more` bytes
 * the way a client still uploading a body would, and reports whether the server reset.
 */
function writeAfterResponse(port: number, head: string, more: number): Promise<{ response: string; reset: boolean; finReceived: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let response = '';
    let reset = false;
    let finReceived = false;
    const done = (): void => {
      socket.destroy();
      resolve({ response, reset, finReceived });
    };
    socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      reset = err.code === 'ECONNRESET' || err.code === 'EPIPE';
      done();
    });
    socket.on('end', () => {
      finReceived = true;
      // the server has answered and half-closed: go on sending what is left of the body
      socket.write(Buffer.alloc(more, 0x78));
      setTimeout(() => socket.write(Buffer.alloc(more, 0x78), () => setTimeout(done, 200)), 100);
    });
    socket.write(head);
    // a deadline against hanging (the response and the FIN end it long before on any machine)
    setTimeout(done, 20_000);
  });
}

/**
 * Sends `head`, waits for the response and the server's FIN, then keeps the connection open,
 * writing one byte every 200 ms (a server that has really closed answers such a write with
 * RST), until the server resets it or `deadlineMs` passes.
 */
function untilReset(port: number, head: string, deadlineMs: number): Promise<{ response: string; reset: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let response = '';
    let poke: NodeJS.Timeout | undefined;
    const done = (reset: boolean): void => {
      clearInterval(poke);
      clearTimeout(deadline);
      socket.destroy();
      resolve({ response, reset });
    };
    const deadline = setTimeout(() => done(false), deadlineMs);
    socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNRESET' || err.code === 'EPIPE'));
    socket.on('end', () => {
      poke = setInterval(() => socket.write('x'), 200);
    });
    socket.write(head);
  });
}

describeExercise(STAGE, 'exercise 1.1: the response survives the bytes the server never reads', (server) => {
  it('the server half-closes and drains: a client still sending its body is not reset', async () => {
    const head = 'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1048576\r\n\r\n';
    const r = await writeAfterResponse(server().port, head, 64 * 1024);
    expect(r.response).toMatch(/^HTTP\/1\.1 405 /); // the app allows GET and HEAD on /
    expect(r.response).toMatch(/\r\nconnection: close\r\n/i);
    expect(r.finReceived).toBe(true);
    expect(r.reset).toBe(false);
  });

  it('a client that keeps its side open after the response is dropped once --linger (2 s by default) has passed', async () => {
    const r = await untilReset(server().port, 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n', 8000);
    expect(r.response).toMatch(/^HTTP\/1\.1 200 /);
    expect(r.reset).toBe(true);
  }, 12_000);

  it('a request with a 256 KiB body in one write gets its whole response', async () => {
    const body = 'x'.repeat(256 * 1024);
    const r = await exchange(server().port, `POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(r.reset).toBe(false);
    expect(r.responses.map((x) => x.status)).toEqual([405]);
  });
});

describeExercise(
  STAGE,
  'exercise 1.2: the request-line limit is a command-line flag, counted without the CRLF',
  (server) => {
    const line = (length: number): string => {
      const head = 'GET /?';
      const tail = ' HTTP/1.1';
      return head + 'p'.repeat(length - head.length - tail.length) + tail;
    };
    it('a request-line of exactly --max-request-line bytes is served', async () => {
      expect(line(64)).toHaveLength(64);
      const r = await exchange(server().port, `${line(64)}\r\nHost: localhost\r\n\r\n`);
      expect(r.responses[0]!.status).toBe(200);
    });
    it('a line of exactly the limit whose LF arrives in a later read than its CR is served (the CR is not counted)', async () => {
      const r = await exchange(server().port, [`${line(64)}\r`, '\nHost: localhost\r\n\r\n'], { pauseMs: 100 });
      expect(r.responses.map((x) => x.status)).toEqual([200]);
    });
    it('one byte more gets 414 URI Too Long', async () => {
      const r = await exchange(server().port, `${line(65)}\r\nHost: localhost\r\n\r\n`);
      expect(r.responses[0]!.status).toBe(414);
    });
    it('414 comes before the line ends, as soon as the limit is passed', async () => {
      const r = await exchange(server().port, `${line(65)}`.slice(0, 66) + 'p'.repeat(100), { responses: 1 });
      expect(r.timedOut).toBe(false);
      expect(r.responses[0]!.status).toBe(414);
    });
  },
  { args: ['--max-request-line', '64'] },
);

describeExercise(STAGE, 'exercise 1.3: methods are case-sensitive tokens, versions are checked', (server) => {
  it('lower-case "get" is an unknown method: 501', async () => {
    const r = await exchange(server().port, 'get / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(r.responses[0]!.status).toBe(501);
  });
  it('HTTP/1.9 is answered (as HTTP/1.1), HTTP/2.0 gets 505, HTTP/1 gets 400', async () => {
    const ask = async (version: string): Promise<number> =>
      (await exchange(server().port, `GET / ${version}\r\nHost: localhost\r\n\r\n`)).responses[0]!.status;
    expect(await ask('HTTP/1.9')).toBe(200);
    expect(await ask('HTTP/2.0')).toBe(505);
    expect(await ask('HTTP/1')).toBe(400);
  });
  it.each([
    ['two spaces after the method', 'GET  / HTTP/1.1'],
    ['two spaces before the version', 'GET /  HTTP/1.1'],
    ['a space at the end', 'GET / HTTP/1.1 '],
    ['a space at the start', ' GET / HTTP/1.1'],
    ['tabs for spaces', 'GET\t/\tHTTP/1.1'],
    ['a lower-case HTTP-name', 'GET / http/1.1'],
    ['a two-digit minor version', 'GET / HTTP/1.10'],
  ])('%s (%j) is a malformed request-line: 400 and Connection: close', async (_what, requestLine) => {
    const r = await exchange(server().port, `${requestLine}\r\nHost: localhost\r\n\r\n`);
    expect(r.responses.map((x) => x.status)).toEqual([400]);
    expect(r.responses[0]!.header('connection')).toBe('close');
  });
});
