/**
 * Limits: every part of a request has a bound, a documented default and a flag, and crossing
 * it gets its status and `Connection: close` (RFC 9112 §3 for 414, RFC 6585 §5 for 431, RFC
 * 9110 §15.5.14 for 413, §15.5.9 for 408). Timeouts close idle and slow connections, while a
 * client that is slow but within them is still served. Over real TCP against every stage.
 *
 * The servers here run with small limits and short timeouts, given as flags, to the stages
 * that have them (stage 01 knows only `--max-request-line` and `--header-timeout`). The
 * server's timeouts are what the specs check; the specs' own deadlines are the client's
 * generous default, so a slow machine makes them slower, never wrong.
 */

import net from 'node:net';
import { expect } from 'vitest';
import { exchange, EXCHANGE_TIMEOUT_MS, KeepAliveClient, parseResponses, sleep, type ExchangeResult } from '../harness/client.ts';
import { chunked, get, message, post } from './messages.ts';
import { describeStages, expects } from './stages.ts';

const APP = 'spec.apps.probe:app';
const SMALL = ['--max-request-line', '256', '--max-header-size', '1024', '--max-headers', '20', '--max-body-size', '4096'];
const SHORT = ['--header-timeout', '500ms', '--body-timeout', '500ms', '--keep-alive-timeout', '1s'];
const HEADER_TIMEOUT_MS = 500;
/**
 * How late after `--header-timeout` a 408 may come and still count as on time: the timer's own
 * lateness on a busy machine, not part of the rule. A server that restarts the deadline at each
 * read never answers while bytes keep coming, however long that is.
 */
const HEADER_MARGIN_MS = 2500;
const small = (stage: string) => ({ app: APP, args: expects(stage, 'limits') ? SMALL : ['--max-request-line', '256'] });
const short = (stage: string) => ({ app: APP, args: expects(stage, 'limits') ? SHORT : [] });
const expectRefused = (r: Awaited<ReturnType<typeof exchange>>, status: number): void => {
  expect(r.responses.map((x) => x.status)).toEqual([status]);
  expect(r.responses[0]!.header('connection')).toBe('close');
  expect(r.closed).toBe(true);
};

/** A request-line of exactly `length` bytes (its CRLF not counted) for the probe's `/echo`. */
const requestLine = (length: number): string => {
  const head = 'GET /echo?';
  const tail = ' HTTP/1.1';
  return head + 'p'.repeat(length - head.length - tail.length) + tail;
};

/** The bytes of a request's header section: its field lines with their CRLFs, and the empty line. */
const headerBytes = (request: string): number => request.indexOf('\r\n\r\n') + 4 - (request.indexOf('\r\n') + 2);

/**
 * `fields`, then one `name: xxx…` line padded so that the field lines with their CRLFs and one
 * empty line come to exactly `bytes`.
 */
const padFields = (fields: readonly string[], name: string, bytes: number): string[] => {
  const used = fields.reduce((n, f) => n + f.length + 2, 0) + `${name}: `.length + 2 + 2;
  return [...fields, `${name}: ${'x'.repeat(bytes - used)}`];
};

/** What {@link trickle} saw. */
interface Trickled {
  /** The exchange: what the server sent, and whether it closed. */
  readonly result: ExchangeResult;
  /** When the server's first byte (or its close) came, in ms after the client's first byte. */
  readonly answeredAfterMs: number;
}

/**
 * Sends `first`, then `byte` every `everyMs`, until the server answers or closes, or until
 * `forMs` after the first byte; then waits for the server's answer (up to the exchange's
 * deadline) and says when it came.
 */
function trickle(port: number, first: string, byte: string, everyMs: number, forMs: number): Promise<Trickled> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let startedAt = 0;
    let answeredAt = 0;
    let closed = false;
    let reset = false;
    let ticker: NodeJS.Timeout | undefined;
    const answered = (): void => {
      if (answeredAt !== 0) return;
      answeredAt = performance.now();
      clearInterval(ticker);
    };
    const finish = (timedOut: boolean): void => {
      clearTimeout(deadline);
      clearInterval(ticker);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      const result = { raw, responses: parseResponses(raw).responses, closed, reset, timedOut };
      resolve({ result, answeredAfterMs: Math.round((answeredAt || performance.now()) - startedAt) });
    };
    const deadline = setTimeout(() => finish(true), EXCHANGE_TIMEOUT_MS);
    socket.on('connect', () => {
      startedAt = performance.now();
      socket.write(first, 'latin1');
      ticker = setInterval(() => {
        if (performance.now() - startedAt >= forMs) {
          clearInterval(ticker);
          return;
        }
        socket.write(byte, 'latin1');
      }, everyMs);
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      answered();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      reset ||= err.code === 'ECONNRESET';
      closed = true;
      answered();
      finish(false);
    });
    socket.on('end', () => {
      closed = true;
      answered();
      finish(false);
    });
  });
}

describeStages(
  'limits: sizes',
  ({ server, spec }) => {
    spec('request-line', '--max-request-line 256: a 300-byte request-line gets 414 and close', async () => {
      expectRefused(await exchange(server().port, get(`/${'a'.repeat(300)}`)), 414);
    });

    spec('limits', '--max-header-size 1024: a header section over it gets 431 and close', async () => {
      expectRefused(await exchange(server().port, get('/echo', `X-Big: ${'b'.repeat(1100)}`)), 431);
    });

    spec('limits', '--max-header-size 1024: 431 comes before the end of an endless header section', async () => {
      const r = await exchange(server().port, `GET /echo HTTP/1.1\r\nHost: localhost\r\nX-Endless: ${'e'.repeat(2000)}`);
      expectRefused(r, 431);
    });

    spec('limits', '--max-header-size 1024: a header section just under it is served', async () => {
      const r = await exchange(server().port, get('/echo', `X-Big: ${'b'.repeat(900)}`, 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(JSON.parse(r.responses[0]!.body.toString()).HTTP_X_BIG).toHaveLength(900);
    });

    spec('limits', '--max-headers 20: 21 field lines get 431 and close', async () => {
      const fields = Array.from({ length: 20 }, (_, i) => `X-F${i}: ${i}`);
      expectRefused(await exchange(server().port, get('/echo', ...fields)), 431);
    });

    spec('limits', '--max-headers 20: 20 field lines are served', async () => {
      const fields = Array.from({ length: 18 }, (_, i) => `X-F${i}: ${i}`);
      const r = await exchange(server().port, get('/echo', ...fields, 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(JSON.parse(r.responses[0]!.body.toString()).HTTP_X_F17).toBe('17');
    });

    spec('limits', '--max-body-size 4096: a Content-Length over it gets 413 and close, before the body is sent', async () => {
      const r = await exchange(server().port, message('POST /echo HTTP/1.1', ['Host: localhost', 'Content-Length: 5000']));
      expectRefused(r, 413);
    });

    spec('limits', '--max-body-size 4096: Expect: 100-continue with a body over it gets 413, not 100', async () => {
      const r = await exchange(server().port, message('POST /echo HTTP/1.1', ['Host: localhost', 'Content-Length: 5000', 'Expect: 100-continue']));
      expectRefused(r, 413);
      expect(r.raw.toString('latin1')).not.toContain('100 Continue');
    });

    spec('limits', '--max-body-size 4096: a chunked body that grows over it gets 413 and close', async () => {
      const chunk = `800\r\n${'c'.repeat(0x800)}\r\n`;
      const r = await exchange(server().port, message('POST /echo HTTP/1.1', ['Host: localhost', 'Transfer-Encoding: chunked'], chunk.repeat(3)));
      expectRefused(r, 413);
    });

    spec('limits', '--max-body-size 4096: a body of exactly 4096 bytes is served', async () => {
      const r = await exchange(server().port, post('/echo', 'd'.repeat(4096), 'Connection: close'));
      expect(JSON.parse(r.responses[0]!.body.toString()).bodyLength).toBe(4096);
    });

    // --- Exact boundaries: the limit passes, one byte (or line) more fails, counted as each
    // flag's --help says.

    spec('request-line', '--max-request-line 256 counts the line without its CRLF: 256 bytes are served, 257 get 414', async () => {
      expect(requestLine(256)).toHaveLength(256);
      const r = await exchange(server().port, `${requestLine(256)}\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expectRefused(await exchange(server().port, `${requestLine(257)}\r\nHost: localhost\r\nConnection: close\r\n\r\n`), 414);
    });

    spec('request-line', '--max-request-line 256: 257 bytes whose LF has not arrived get 414 at once', async () => {
      const r = await exchange(server().port, requestLine(257), { responses: 1, timeoutMs: 5000 });
      expect(r.timedOut).toBe(false);
      expect(r.responses.map((x) => x.status)).toEqual([414]);
    });

    spec('request-line', '--max-request-line 256: 256 bytes and a CR whose LF comes later are served (the CR may be the terminator)', async () => {
      const r = await exchange(server().port, [`${requestLine(256)}\r`, '\nHost: localhost\r\nConnection: close\r\n\r\n'], { pauseMs: 100 });
      expect(r.responses.map((x) => x.status)).toEqual([200]);
    });

    spec('request-line', '--max-request-line 256: empty lines before the request-line do not count against it', async () => {
      const r = await exchange(server().port, `\r\n\r\n${requestLine(256)}\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      expect(r.responses.map((x) => x.status)).toEqual([200]);
    });

    spec('limits', '--max-header-size 1024 counts field lines with their CRLFs and the empty line: 1024 bytes are served, 1025 get 431', async () => {
      const at = (bytes: number): string => {
        const request = message('GET /echo HTTP/1.1', padFields(['Host: localhost', 'Connection: close'], 'X-Pad', bytes));
        expect(headerBytes(request)).toBe(bytes);
        return request;
      };
      const r = await exchange(server().port, at(1024));
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expectRefused(await exchange(server().port, at(1025)), 431);
    });

    spec('limits', '--max-header-size 1024 counts the header and trailer sections together: 1024 bytes are served, 1025 get 431', async () => {
      const fields = ['Host: localhost', 'Transfer-Encoding: chunked', 'Connection: close'];
      const head = message('POST /echo HTTP/1.1', fields);
      const at = (bytes: number): string => {
        // the trailer section: its field lines and the empty line that ends it
        const trailers = padFields([], 'X-Trail', bytes - headerBytes(head)).map((f) => `${f}\r\n`).join('') + '\r\n';
        expect(headerBytes(head) + trailers.length).toBe(bytes);
        return head + `5\r\nhello\r\n0\r\n${trailers}`;
      };
      const r = await exchange(server().port, at(1024));
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(JSON.parse(r.responses[0]!.body.toString()).body).toBe('hello');
      expectRefused(await exchange(server().port, at(1025)), 431);
    });

    spec('limits', '--max-headers 20 counts the header and trailer sections together: 20 field lines are served, 21 get 431', async () => {
      const fields = ['Host: localhost', 'Transfer-Encoding: chunked', 'Connection: close', ...Array.from({ length: 16 }, (_, i) => `X-F${i}: ${i}`)];
      const at = (trailers: number): string =>
        message('POST /echo HTTP/1.1', fields, `5\r\nhello\r\n0\r\n${'X-T: t\r\n'.repeat(trailers)}\r\n`);
      const r = await exchange(server().port, at(1)); // 19 + 1
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expectRefused(await exchange(server().port, at(2)), 431); // 19 + 2
    });

    spec('limits', '--max-body-size 4096 with Content-Length: 4096 bytes are served, 4097 get 413', async () => {
      const r = await exchange(server().port, post('/echo', 'd'.repeat(4096), 'Connection: close'));
      expect(JSON.parse(r.responses[0]!.body.toString()).bodyLength).toBe(4096);
      expectRefused(await exchange(server().port, post('/echo', 'd'.repeat(4097))), 413);
    });

    spec('limits', '--max-body-size 4096 with chunked framing counts decoded bytes: 4096 are served, 4097 get 413', async () => {
      const at = (bytes: number): string =>
        message('POST /echo HTTP/1.1', ['Host: localhost', 'Transfer-Encoding: chunked', 'Connection: close'], chunked('c'.repeat(2048), 'c'.repeat(bytes - 2048)));
      const r = await exchange(server().port, at(4096));
      expect(JSON.parse(r.responses[0]!.body.toString()).bodyLength).toBe(4096);
      expectRefused(await exchange(server().port, at(4097)), 413);
    });
  },
  small,
);

describeStages(
  'limits: default sizes',
  ({ server, spec }) => {
    spec('limits', 'the default header section limit (16 KiB) gets 431 for 20 KB of fields', async () => {
      expectRefused(await exchange(server().port, get('/echo', `X-Big: ${'b'.repeat(20_000)}`)), 431);
    });

    spec('limits', 'the default body limit (1 MiB) gets 413 for a 2 MB Content-Length', async () => {
      expectRefused(await exchange(server().port, message('POST /echo HTTP/1.1', ['Host: localhost', 'Content-Length: 2000000'])), 413);
    });

    spec('body', 'a client that sends a request one byte at a time, within the timeouts, is still served', async () => {
      const bytes = post('/echo', 'one byte at a time', 'X-Slow: yes', 'Connection: close');
      const r = await exchange(server().port, bytes.split(''), { pauseMs: 2 });
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(JSON.parse(r.responses[0]!.body.toString()).body).toBe('one byte at a time');
    });
  },
  { app: APP },
);

describeStages(
  'limits: timeouts',
  ({ server, spec }) => {
    spec('limits', '--header-timeout 500ms: a header section not complete in time gets 408 and close', async () => {
      const r = await exchange(server().port, 'GET /echo HTTP/1.1\r\nHost: localhost\r\n');
      expectRefused(r, 408);
      expect(r.timedOut).toBe(false);
    });

    spec('limits', `--header-timeout 500ms counts from the request's first byte: a byte every 100 ms does not extend it (slowloris); 408 within ${HEADER_TIMEOUT_MS + HEADER_MARGIN_MS} ms`, async () => {
      const t = await trickle(server().port, 'GET /echo HTTP/1.1\r\nHost: localhost\r\nX-Slow: ', 'x', 100, HEADER_TIMEOUT_MS + HEADER_MARGIN_MS);
      expect(t.answeredAfterMs, 'ms from the first byte to the answer (the client sends a byte every 100 ms until then)').toBeLessThan(HEADER_TIMEOUT_MS + HEADER_MARGIN_MS);
      expectRefused(t.result, 408);
    });

    spec('limits', '--body-timeout 500ms: a body not complete in time gets 408 and close', async () => {
      const r = await exchange(server().port, message('POST /echo HTTP/1.1', ['Host: localhost', 'Content-Length: 10'], 'only5'));
      expectRefused(r, 408);
    });

    spec('limits', '--keep-alive-timeout 1s: an idle connection is closed silently', async () => {
      const r = await exchange(server().port, get('/ignore'));
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(r.responses[0]!.header('connection')).toBeUndefined();
      expect(r.closed).toBe(true);
      expect(r.timedOut).toBe(false);
      // nothing after the response: no 408 for a connection that had no request in progress
      expect(r.raw.toString('latin1').match(/HTTP\/1\.1 /g)).toHaveLength(1);
    });

    spec('lifecycle', '--keep-alive-timeout 1s (stage 01: its header timeout): a connection that never sends a byte is closed silently', async () => {
      const r = await exchange(server().port, []);
      expect(r.raw.length).toBe(0);
      expect(r.closed).toBe(true);
      expect(r.timedOut).toBe(false);
    });

    spec('limits', 'requests spaced within the keep-alive timeout keep one connection open past it', async () => {
      // A request every 100 ms, for longer than the 1000 ms timeout: it counts idle time from
      // the last response, so the connection stays open. (Each gap is 100 ms plus a round trip,
      // far inside the timeout even on a busy machine.)
      const c = await KeepAliveClient.connect(server().port);
      try {
        expect((await c.get('/ignore')).status).toBe(200);
        const first = Date.now();
        while (Date.now() - first < 1500) {
          await sleep(100);
          expect((await c.get('/ignore')).status).toBe(200);
        }
        expect(c.closed).toBe(false);
      } finally {
        c.destroy();
      }
    });
  },
  short,
);
