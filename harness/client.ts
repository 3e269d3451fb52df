/**
 * A raw HTTP/1.1 client for the specs: bytes out, bytes in, a small, strict parser of
 * the responses that came back.
 *
 * Strategy: the specs check what a server puts on the wire, so they talk to it with sockets,
 * not with a client library that would smooth over mistakes. `exchange` writes bytes (all at
 * once, or in pieces with pauses between them) and reads until the server closes, until the
 * expected number of responses has arrived, or until a timeout; it reports which of these
 * happened, so a spec can tell "closed" from "kept open" from "hung". The timeout is a deadline
 * against hanging ({@link EXCHANGE_TIMEOUT_MS} unless told), never the normal end of an
 * exchange: one that expects the connection to stay open asks for a number of responses.
 * `KeepAliveClient` holds
 * one persistent connection and sends one request at a time, for specs (and exercises) that
 * keep a connection on a worker and ask it which process answers.
 */

import net from 'node:net';

/**
 * How long an exchange or a {@link KeepAliveClient} waits for the server before it gives up, in
 * milliseconds: generous, because on a busy machine a server can take seconds to answer, and
 * no spec measures it.
 */
export const EXCHANGE_TIMEOUT_MS = 20_000;

/** One response as parsed from the wire. */
export interface RawResponse {
  /** The status code. */
  readonly status: number;
  /** The reason phrase. */
  readonly reason: string;
  /** The version in the status line, e.g. `HTTP/1.1`. */
  readonly version: string;
  /** Header fields in order, names lowercased. */
  readonly headers: Array<[string, string]>;
  /** The (de-chunked) body. */
  readonly body: Buffer;
  /** Whether the body was chunked on the wire. */
  readonly chunked: boolean;
  /** Returns the first value of a header, or undefined. */
  header(name: string): string | undefined;
}

/** What an exchange saw. */
export interface ExchangeResult {
  /** Every byte the server sent. */
  readonly raw: Buffer;
  /** The responses parsed from them (a HEAD response must be asked for with `head`). */
  readonly responses: RawResponse[];
  /** True when the server closed (FIN or RST) before the exchange ended. */
  readonly closed: boolean;
  /** True when the server reset the connection. */
  readonly reset: boolean;
  /** True when the exchange ended by timeout. */
  readonly timedOut: boolean;
}

/** How to run an exchange. */
export interface ExchangeOptions {
  /** Stop reading once this many complete responses arrived (default: read until close). */
  readonly responses?: number;
  /** Give up after this many milliseconds (default {@link EXCHANGE_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
  /** Pause between pieces when the request is given as several, in milliseconds. */
  readonly pauseMs?: number;
  /** Indexes of responses that answer HEAD requests (they have no body). */
  readonly head?: readonly number[];
  /** Send FIN after writing (default false). */
  readonly endAfterWrite?: boolean;
}

/**
 * Connects to `port`, writes `request` (a string is sent as latin1; an array is sent piece by
 * piece with `pauseMs` between), and collects what comes back.
 */
export function exchange(
  port: number,
  request: string | Buffer | ReadonlyArray<string | Buffer>,
  options: ExchangeOptions = {},
  host = '127.0.0.1',
): Promise<ExchangeResult> {
  const pieces = (Array.isArray(request) ? request : [request]).map((p) =>
    typeof p === 'string' ? Buffer.from(p, 'latin1') : (p as Buffer),
  );
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const chunks: Buffer[] = [];
    let done = false;
    let closed = false;
    let reset = false;
    let timedOut = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      resolve({ raw, responses: parseResponses(raw, options.head).responses, closed, reset, timedOut });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      finish();
    }, options.timeoutMs ?? EXCHANGE_TIMEOUT_MS);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      if (options.responses !== undefined) {
        const { responses } = parseResponses(Buffer.concat(chunks), options.head);
        if (responses.length >= options.responses) finish();
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') reset = true;
      closed = true;
      finish();
    });
    socket.on('end', () => {
      closed = true;
      finish();
    });
    socket.on('connect', async () => {
      for (let i = 0; i < pieces.length; i++) {
        if (done) return;
        socket.write(pieces[i]!);
        if (i < pieces.length - 1 && options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
      }
      if (options.endAfterWrite) socket.end();
    });
  });
}

/**
 * Parses as many complete responses as `buf` holds. A response without `Content-Length` or
 * chunked framing runs to the end of `buf` (close-delimited) and is only complete if it is
 * last; the caller decides whether the connection closed.
 */
export function parseResponses(buf: Buffer, head: readonly number[] = []): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let pos = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', pos, 'latin1');
    if (end === -1) break;
    const lines = buf.toString('latin1', pos, end).split('\r\n');
    const m = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(lines[0]!);
    if (!m) break;
    const headers: Array<[string, string]> = lines.slice(1).map((l) => {
      const c = l.indexOf(':');
      return [l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()];
    });
    const get = (name: string): string | undefined => headers.find(([n]) => n === name)?.[1];
    const status = Number(m[2]);
    let bodyStart = end + 4;
    let body: Buffer;
    let chunked = false;
    const noBody = head.includes(responses.length) || status === 204 || status === 304 || (status >= 100 && status < 200);
    if (noBody) {
      body = Buffer.alloc(0);
    } else if (/chunked/i.test(get('transfer-encoding') ?? '')) {
      chunked = true;
      const parts: Buffer[] = [];
      let p = bodyStart;
      let complete = false;
      for (;;) {
        const le = buf.indexOf('\r\n', p, 'latin1');
        if (le === -1) break;
        const size = parseInt(buf.toString('latin1', p, le).split(';')[0]!, 16);
        if (Number.isNaN(size)) break;
        if (size === 0) {
          // last-chunk, then a trailer section that ends with an empty line
          const after = le + 2;
          if (buf[after] === 0x0d && buf[after + 1] === 0x0a) {
            p = after + 2;
            complete = true;
          } else {
            const te = buf.indexOf('\r\n\r\n', after, 'latin1');
            if (te !== -1) {
              p = te + 4;
              complete = true;
            }
          }
          break;
        }
        if (le + 2 + size + 2 > buf.length) break;
        parts.push(buf.subarray(le + 2, le + 2 + size));
        p = le + 2 + size + 2;
      }
      if (!complete) break;
      body = Buffer.concat(parts);
      bodyStart = p;
    } else if (get('content-length') !== undefined) {
      const len = Number(get('content-length'));
      if (bodyStart + len > buf.length) break;
      body = buf.subarray(bodyStart, bodyStart + len);
      bodyStart += len;
    } else {
      body = buf.subarray(bodyStart);
      bodyStart = buf.length;
    }
    responses.push({
      status,
      reason: m[3]!,
      version: m[1]!,
      headers,
      body,
      chunked,
      header: (name: string) => get(name.toLowerCase()),
    });
    pos = bodyStart;
    if (status >= 100 && status < 200) continue;
  }
  return { responses, rest: buf.subarray(pos) };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One persistent connection that sends one request at a time. */
export class KeepAliveClient {
  /** The socket. */
  readonly socket: net.Socket;
  /** Whether the connection has closed. */
  closed = false;
  #buf: Buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  /** Opens a connection to `port` on 127.0.0.1. */
  static connect(port: number): Promise<KeepAliveClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(new KeepAliveClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends raw bytes as they are. */
  write(bytes: string): void {
    this.socket.write(bytes, 'latin1');
  }

  /** Waits for the next complete response (an interim `100 Continue` counts as one). */
  async response(timeoutMs = EXCHANGE_TIMEOUT_MS): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { responses, rest } = parseResponses(this.#buf);
      if (responses.length > 0) {
        this.#buf = rest;
        return responses[0]!;
      }
      if (this.closed) throw new Error('the connection closed before a complete response');
      if (Date.now() > deadline) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        this.#wake = r;
        setTimeout(r, 100);
      });
    }
  }

  /** `GET path` on this connection. */
  async get(path: string, timeoutMs?: number): Promise<RawResponse> {
    this.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    return this.response(timeoutMs);
  }

  /** The pid of the process that answers on this connection (`GET /pid`). */
  async pid(): Promise<number> {
    return Number((await this.get('/pid')).body.toString().trim());
  }

  /**
   * Waits until the server closes the connection, without closing this side; rejects after
   * `timeoutMs`.
   */
  async closedByServer(timeoutMs = EXCHANGE_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`the server did not close the connection within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        this.#wake = r;
        setTimeout(r, 100);
      });
    }
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Closes this side and waits until the server has closed too. */
  async close(): Promise<void> {
    this.socket.end();
    while (!this.closed) await sleep(10);
  }
}
