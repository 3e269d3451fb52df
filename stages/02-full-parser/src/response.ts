/**
 * Response serialization: from what an application returned to the bytes on the wire.
 *
 * Strategy: check everything the application hands over before a byte is written. A status
 * line or header that holds CR, LF or NUL would let an application (or whoever controls the
 * data it echoes) split one response into two, so it becomes a {@link ResponseError}, which
 * the connection answers with a 500. Headers the server owns (`Connection`, framing) are
 * refused from the application, as PEP 3333 asks of hop-by-hop headers.
 *
 * Stage 02 adds framing for persistent connections (RFC 9112 §6.3): {@link callApp} runs the
 * application up to its first non-empty chunk (PEP 3333: no header is sent before it), which
 * tells whether the whole body is known; {@link chooseFraming} then picks `Content-Length`
 * (body known, or declared by the app), chunked (an HTTP/1.1 client and a body still being
 * generated), close-delimited (the same for an HTTP/1.0 client, which knows no chunked) or
 * none (HEAD, 204, 304). The connection writes the bytes; this file only decides them.
 *
 * ```abnf
 * status-line = HTTP-version SP status-code SP [ reason-phrase ]   ; RFC 9112 §4
 * status-code = 3DIGIT
 * reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
 * field-line  = field-name ":" OWS field-value OWS                ; RFC 9112 §5
 * field-value = *field-content                                    ; RFC 9110 §5.5
 * ```
 */

import type { App, Chunk, Environ, HeaderList } from './app.ts';
import { TCHAR } from './request-line.ts';

/** The application produced a response the server must not send; the client gets a 500. */
export class ResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseError';
  }
}

/** Reason phrases for the statuses this server generates itself. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  100: 'Continue',
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

/**
 * Hop-by-hop headers belong to the connection, which the server manages; an application
 * must not set them (PEP 3333, "Other HTTP Features"; RFC 9110 §7.6.1).
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

// The lengths of the HOP_BY_HOP names: most headers are ruled out without lowercasing them.
const HOP_BY_HOP_LENGTHS = new Uint8Array(32);
for (const name of HOP_BY_HOP) HOP_BY_HOP_LENGTHS[name.length] = 1;

/** Whether a header name (any case) is one of {@link HOP_BY_HOP}. */
export function isHopByHop(name: string): boolean {
  return name.length < 32 && HOP_BY_HOP_LENGTHS[name.length] === 1 && HOP_BY_HOP.has(name.toLowerCase());
}

/**
 * Checks a status line such as `"200 OK"` and returns its code.
 *
 * @throws {@link ResponseError} when the line is not `3DIGIT SP reason` with a code from
 * 100 to 599 and a reason free of control characters.
 * @see RFC 9112 §4
 */
export function checkStatus(status: string): number {
  if (typeof status !== 'string' || status.length < 4 || status.charCodeAt(3) !== 0x20) {
    throw new ResponseError(`invalid status line ${JSON.stringify(status)}: expected e.g. "200 OK"`);
  }
  let code = 0;
  for (let i = 0; i < 3; i++) {
    const d = status.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) throw new ResponseError(`invalid status code in ${JSON.stringify(status)}`);
    code = code * 10 + d;
  }
  if (code < 100 || code > 599) throw new ResponseError(`status code out of range: ${code}`);
  for (let i = 4; i < status.length; i++) {
    const c = status.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) {
      throw new ResponseError(`invalid character in reason phrase of ${JSON.stringify(status)}`);
    }
  }
  return code;
}

/**
 * Checks the application's headers: names are tokens, values hold no CR, LF, NUL or other
 * control character (HTAB aside), and no header is one the server owns.
 *
 * @throws {@link ResponseError} on the first bad header.
 * @see RFC 9110 §5.1, §5.5
 */
export function checkHeaders(headers: HeaderList): void {
  if (!Array.isArray(headers)) throw new ResponseError('headers must be a list of [name, value] pairs');
  for (const pair of headers) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new ResponseError('each header must be a [name, value] pair');
    }
    const [name, value] = pair;
    if (typeof name !== 'string' || typeof value !== 'string') {
      throw new ResponseError('header names and values must be strings');
    }
    if (name.length === 0) throw new ResponseError('empty header name');
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c > 0x7f || TCHAR[c] !== 1) throw new ResponseError(`invalid header name ${JSON.stringify(name)}`);
    }
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) {
        throw new ResponseError(`invalid character in value of header ${name}`);
      }
    }
    if (isHopByHop(name)) {
      throw new ResponseError(`hop-by-hop header ${name} is the server's to set`);
    }
  }
}

/**
 * Reads an application-given `Content-Length`.
 *
 * @throws {@link ResponseError} when it is not 1 to 15 decimal digits.
 * @see RFC 9110 §8.6
 */
export function parseDeclaredLength(declared: string): number {
  if (!/^\d{1,15}$/.test(declared)) throw new ResponseError(`invalid Content-Length ${JSON.stringify(declared)}`);
  return Number(declared);
}

/** Returns the value of the first header called `name` (case-insensitive), if any. */
export function findHeader(headers: HeaderList, name: string): string | undefined {
  for (const [n, v] of headers) if (n.length === name.length && n.toLowerCase() === name) return v;
  return undefined;
}

/**
 * Checks an application-given `Content-Length` against the body it returned.
 *
 * @throws {@link ResponseError} when the value is not a decimal length or disagrees with the
 * body: sending it would desynchronize the client.
 * @see RFC 9110 §8.6
 */
export function checkContentLength(declared: string, actual: number): void {
  if (parseDeclaredLength(declared) !== actual) {
    throw new ResponseError(`Content-Length ${JSON.stringify(declared)} does not match the body's ${actual} bytes`);
  }
}

/** Encodes body chunks as bytes: strings as UTF-8, bytes as they are. */
export function toBytes(chunk: unknown): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new ResponseError(`body chunks must be strings or Uint8Arrays, got ${typeof chunk}`);
}

/** The byte length of a chunk as it will be sent (strings as UTF-8). */
export function chunkLength(chunk: unknown): number {
  if (typeof chunk === 'string') return chunk.length === 0 ? 0 : Buffer.byteLength(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  throw new ResponseError(`body chunks must be strings or Uint8Arrays, got ${typeof chunk}`);
}

let cachedDate = '';
let cachedSecond = -1;

/**
 * The value of the `Date` header for now, in IMF-fixdate, computed at most once a second.
 *
 * @see RFC 9110 §6.6.1 (an origin server with a clock MUST send Date)
 */
export function httpDate(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedDate = new Date(second * 1000).toUTCString();
  }
  return cachedDate;
}

/**
 * Serializes a response head: status line, the application's headers, then `extra` header
 * lines the server adds (each ending in CRLF), then the blank line.
 */
export function serializeHead(version: string, status: string, headers: HeaderList, extra: string): string {
  let head = `HTTP/${version} ${status}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  return head + extra + '\r\n';
}

/**
 * A minimal response the server sends on its own, for an error: plain text, framed by
 * `Content-Length`, with `Connection: close` by default (a connection is never reused after a
 * protocol error or a timeout). A 500 for an application error, or a 501 for an unknown
 * method, whose request was read in full, may keep the connection: pass `connection` as the
 * request allows. For a request known to be HEAD, pass `head`: the same header fields, no body
 * (RFC 9110 §9.3.2).
 */
export function errorResponse(status: number, version = '1.1', connection: ConnectionHeader = 'close', head = false): Buffer {
  const reason = STATUS_TEXT[status] ?? 'Error';
  const body = `${status} ${reason}\n`;
  return Buffer.from(
    `HTTP/${version} ${status} ${reason}\r\n` +
      `Date: ${httpDate()}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${body.length}\r\n` +
      (connection === 'close' ? 'Connection: close\r\n' : connection === 'keep-alive' ? 'Connection: keep-alive\r\n' : '') +
      '\r\n' +
      (head ? '' : body),
    'latin1',
  );
}

/** The interim response that tells a client to send its body (RFC 9110 §10.1.1, §15.2.1). */
export const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

/**
 * What an application answered: its status and headers, checked, and the start of its body.
 * For an array the whole body is in `chunks`; for any other iterable, `chunks` holds its first
 * non-empty chunk and `rest` the iterator to pull the others from.
 */
export interface AppResponse {
  /** The status line as the application gave it, e.g. `200 OK`. */
  readonly status: string;
  /** The status code. */
  readonly code: number;
  /** The application's headers, checked. */
  readonly headers: HeaderList;
  /** The `Content-Length` the application declared, or -1. */
  readonly declaredLength: number;
  /** Whether the application set `Date` itself. */
  readonly hasDate: boolean;
  /** The body chunks known so far (strings stay strings until they are written). */
  readonly chunks: Chunk[];
  /** Their total length in bytes, strings counted as UTF-8. */
  readonly length: number;
  /** Whether every chunk is a string of ASCII characters (then head and body make one string). */
  readonly ascii: boolean;
  /** The rest of a streamed body; null when `chunks` is the whole body. */
  readonly rest: Iterator<Chunk> | null;
  /** The iterable's `close()` (PEP 3333), to call when the response is done or abandoned. */
  readonly close: (() => void) | null;
}

/**
 * Calls a WSGI-style application and runs it up to its first non-empty body chunk (or its
 * end). `startResponse` may be called before the app returns or lazily, before the first chunk
 * (as a generator does).
 *
 * @throws whatever the application throws, or a {@link ResponseError} when it breaks the
 * interface (no `startResponse`, a second call without `excInfo`, bad status or headers).
 * @see PEP 3333, "The start_response() Callable" and "Buffering and Streaming"
 */
export function callApp(app: App, environ: Environ): AppResponse {
  let status: string | undefined;
  let headers: HeaderList = [];
  // The startResponse callable, written in place rather than held in a named const: tsx
  // (esbuild's keepNames) wraps a named function expression in a call that defines its `name`,
  // and doing that for every request cost measurable CPU (see docs/performance.md).
  const result = app(environ, (s: string, h: HeaderList, excInfo?: unknown) => {
    if (status !== undefined && excInfo === undefined) {
      throw new ResponseError('startResponse called twice without excInfo');
    }
    checkStatus(s);
    checkHeaders(h);
    status = s;
    headers = h;
  });
  if (result == null || typeof (result as Iterable<Chunk>)[Symbol.iterator] !== 'function') {
    throw new ResponseError('the application must return an iterable of chunks');
  }
  const close = typeof (result as { close?: unknown }).close === 'function'
    ? () => (result as unknown as { close(): void }).close()
    : null;
  const chunks: Chunk[] = [];
  let length = 0;
  let ascii = true;
  let rest: Iterator<Chunk> | null = null;
  try {
    if (Array.isArray(result)) {
      for (let i = 0; i < result.length; i++) {
        const chunk = result[i] as Chunk;
        const n = chunkLength(chunk);
        if (ascii && (typeof chunk !== 'string' || n !== chunk.length)) ascii = false;
        length += n;
        chunks.push(chunk);
      }
    } else {
      // PEP 3333: hold the headers back until the first non-empty chunk, or the end.
      const it = result[Symbol.iterator]();
      for (;;) {
        const r = it.next();
        if (r.done) break;
        const n = chunkLength(r.value);
        if (n === 0) continue;
        if (typeof r.value !== 'string' || n !== r.value.length) ascii = false;
        length = n;
        chunks.push(r.value);
        rest = it;
        break;
      }
    }
    if (status === undefined) throw new ResponseError('the application never called startResponse');
  } catch (err) {
    close?.();
    throw err;
  }
  let declaredLength = -1;
  let hasDate = false;
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i]![0];
    if (name.length === 14 && name.toLowerCase() === 'content-length') {
      const n = parseDeclaredLength(headers[i]![1]);
      if (declaredLength !== -1 && n !== declaredLength) throw new ResponseError('differing Content-Length headers');
      declaredLength = n;
    } else if (name.length === 4 && name.toLowerCase() === 'date') {
      hasDate = true;
    }
  }
  const code = checkStatus(status);
  if (code < 200) throw new ResponseError(`the application may not send a ${code} (interim) response`);
  if (rest === null && declaredLength !== -1) checkContentLength(String(declaredLength), length);
  return { status, code, headers, declaredLength, hasDate, chunks, length, ascii, rest, close };
}

/**
 * How a response body is delimited on the wire.
 *
 * - `length`: `Content-Length` bytes follow the head;
 * - `chunked`: `Transfer-Encoding: chunked`;
 * - `close`: the body runs until the server closes the connection;
 * - `none`: there is no body (HEAD, 204, 304), whatever the headers say.
 *
 * @see RFC 9112 §6.3
 */
export type Framing = 'length' | 'chunked' | 'close' | 'none';

/**
 * Picks the framing of a response.
 *
 * @param lengthKnown whether the whole body is known (or the application declared its length).
 * @see RFC 9112 §6.3, §7; RFC 9110 §6.4.1 (HEAD, 204 and 304 have no content)
 */
export function chooseFraming(method: string, version: '1.0' | '1.1', code: number, lengthKnown: boolean): Framing {
  if (method === 'HEAD' || code === 204 || code === 304) return 'none';
  if (lengthKnown) return 'length';
  // §7: chunked only for a client that says it is HTTP/1.1; an HTTP/1.0 one gets a body
  // delimited by the end of the connection (§6.3 item 8).
  return version === '1.1' ? 'chunked' : 'close';
}

/** The `Connection` header a response carries: none, `close`, or `keep-alive` (for HTTP/1.0). */
export type ConnectionHeader = 'none' | 'close' | 'keep-alive';

/**
 * Serializes the head of an application's response: always `HTTP/1.1` in the status line (a
 * server answers with the highest minor version it speaks, RFC 9110 §6.2), the application's
 * headers, then `Date`, the framing and `Connection` as the server decides them.
 *
 * @param length the body length, for `length` framing (and for HEAD's `Content-Length`).
 * @see RFC 9112 §4, §6.3, §9.3
 */
export function responseHead(
  res: AppResponse,
  framing: Framing,
  headFraming: Framing,
  length: number,
  connection: ConnectionHeader,
): string {
  let head = 'HTTP/1.1 ' + res.status + '\r\n';
  const headers = res.headers;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    head += h[0] + ': ' + h[1] + '\r\n';
  }
  if (!res.hasDate) head += 'Date: ' + httpDate() + '\r\n';
  // HEAD: the framing headers GET would get (RFC 9110 §9.3.2), yet no body
  const shown = framing === 'none' ? headFraming : framing;
  if (shown === 'length' && res.declaredLength === -1) head += 'Content-Length: ' + length + '\r\n';
  else if (shown === 'chunked') head += 'Transfer-Encoding: chunked\r\n';
  if (connection === 'close') head += 'Connection: close\r\n';
  else if (connection === 'keep-alive') head += 'Connection: keep-alive\r\n';
  return head + '\r\n';
}

/** The chunked framing of one body chunk (RFC 9112 §7.1): size in hex, CRLF, data, CRLF. */
export function chunkHeader(size: number): string {
  return size.toString(16) + '\r\n';
}

/** The last-chunk and the empty trailer section that end a chunked body (RFC 9112 §7.1). */
export const LAST_CHUNK = '0\r\n\r\n';
