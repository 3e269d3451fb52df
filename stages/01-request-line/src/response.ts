/**
 * Response serialization: from what an application returned to the bytes on the wire.
 *
 * Strategy: check everything the application hands over before a byte is written. A status
 * line or header that holds CR, LF or NUL would let an application (or whoever controls the
 * data it echoes) split one response into two, so it becomes a {@link ResponseError}, which
 * the connection answers with a 500. Headers the server owns (`Connection`, framing) are
 * refused from the application, as PEP 3333 asks of hop-by-hop headers.
 *
 * ```abnf
 * status-line = HTTP-version SP status-code SP [ reason-phrase ]   ; RFC 9112 §4
 * status-code = 3DIGIT
 * reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
 * field-line  = field-name ":" OWS field-value OWS                ; RFC 9112 §5
 * field-value = *field-content                                    ; RFC 9110 §5.5
 * ```
 */

import type { App, Chunk, Environ, HeaderList, StartResponse } from './app.ts';
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
    if (HOP_BY_HOP.has(name.toLowerCase())) {
      throw new ResponseError(`hop-by-hop header ${name} is the server's to set`);
    }
  }
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
  if (!/^\d{1,15}$/.test(declared) || Number(declared) !== actual) {
    throw new ResponseError(`Content-Length ${JSON.stringify(declared)} does not match the body's ${actual} bytes`);
  }
}

/** Encodes body chunks as bytes: strings as UTF-8, bytes as they are. */
export function toBytes(chunk: unknown): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
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
 * `Content-Length`, with `Connection: close`. For a request known to be HEAD, pass `head`: the
 * same header fields, no body (RFC 9110 §9.3.2).
 */
export function errorResponse(status: number, version = '1.1', head = false): Buffer {
  const reason = STATUS_TEXT[status] ?? 'Error';
  const body = `${status} ${reason}\n`;
  return Buffer.from(
    `HTTP/${version} ${status} ${reason}\r\n` +
      `Date: ${httpDate()}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${body.length}\r\n` +
      'Connection: close\r\n\r\n' +
      (head ? '' : body),
    'latin1',
  );
}

/** What an application answered, collected in full and checked. */
export interface AppResponse {
  /** The status line as the application gave it, e.g. `200 OK`. */
  readonly status: string;
  /** The status code. */
  readonly code: number;
  /** The application's headers, checked. */
  readonly headers: HeaderList;
  /** The body chunks as bytes. */
  readonly body: Buffer[];
  /** The body's total length in bytes. */
  readonly length: number;
}

/**
 * Calls a WSGI-style application and collects its whole response. `startResponse` may be
 * called before the app returns or lazily, before the first chunk (as a generator does).
 *
 * @throws whatever the application throws, or a {@link ResponseError} when it breaks the
 * interface (no `startResponse`, a second call without `excInfo`, bad status or headers).
 * @see PEP 3333, "The start_response() Callable"
 */
export function runApp(app: App, environ: Environ): AppResponse {
  let status: string | undefined;
  let headers: HeaderList = [];
  const startResponse: StartResponse = (s, h, excInfo) => {
    if (status !== undefined && excInfo === undefined) {
      throw new ResponseError('startResponse called twice without excInfo');
    }
    checkStatus(s);
    checkHeaders(h);
    status = s;
    headers = h;
  };
  const result = app(environ, startResponse);
  if (result == null || typeof (result as Iterable<Chunk>)[Symbol.iterator] !== 'function') {
    throw new ResponseError('the application must return an iterable of chunks');
  }
  const body: Buffer[] = [];
  let length = 0;
  for (const chunk of result) {
    const bytes = toBytes(chunk);
    length += bytes.length;
    body.push(bytes);
  }
  if (status === undefined) throw new ResponseError('the application never called startResponse');
  const declared = findHeader(headers, 'content-length');
  if (declared !== undefined) checkContentLength(declared, length);
  return { status, code: checkStatus(status), headers, body, length };
}
