/**
 * The response writer: an event in, bytes out. The mirror of the parser.
 *
 * Strategy: as pure as `parser.ts`, in the manner of h11's `_writers`. {@link encodeHead} turns
 * a status line and header fields into the head's text; a {@link BodyWriter} turns each piece
 * of a body into the bytes that frame it: {@link LengthWriter} (`Content-Length`: the bytes as
 * they are, never more than declared), {@link ChunkedWriter} (each piece as a chunk, then the
 * last chunk) and {@link CloseWriter} (the bytes as they are; the end of the connection ends
 * the body). {@link encodeResponse} is the common case: a head and a body known in full, in
 * one buffer. Nothing here touches a socket, a clock (the `Date` value is handed in) or the
 * application, so a test can feed a body one byte at a time and read the bytes back with the
 * parser.
 *
 * What is written is decided elsewhere: how a body is framed and whether the connection
 * persists are `response.ts`'s ({@link chooseFraming}, {@link persists}), which also writes
 * the bytes to the socket.
 *
 * ```abnf
 * status-line  = HTTP-version SP status-code SP [ reason-phrase ]   ; RFC 9112 §4
 * field-line   = field-name ":" OWS field-value OWS                 ; RFC 9112 §5
 * chunked-body = *chunk last-chunk trailer-section CRLF             ; RFC 9112 §7.1
 * chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 * ```
 *
 * What it will not do: check what it is given (the application's status and headers were
 * checked by `callApp`), send trailers or chunk extensions, or write a body the framing has
 * no room for (a {@link LengthWriter} cuts it and says so).
 */

import type { Chunk, HeaderList } from './app.ts';

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
 * How a response body is delimited on the wire.
 *
 * - `length`: `Content-Length` bytes follow the head;
 * - `chunked`: `Transfer-Encoding: chunked`;
 * - `close`: the body runs until the server closes the connection;
 * - `none`: the status has no content (204, 304), whatever the headers say.
 *
 * @see RFC 9112 §6.3
 */
export type Framing = 'length' | 'chunked' | 'close' | 'none';

/** The `Connection` header a response carries: none, `close`, or `keep-alive` (for HTTP/1.0). */
export type ConnectionHeader = 'none' | 'close' | 'keep-alive';

/** A response's head: its status line and fields, and the fields the server adds. */
export interface Head {
  /** The status line after `HTTP/1.1 `, e.g. `200 OK`. */
  readonly status: string;
  /** The header fields, in order, as given. */
  readonly headers: HeaderList;
  /** The `Date` value to add, or null to add none (the fields have one, or the response is interim). */
  readonly date: string | null;
  /** The `Content-Length` to add, or -1 to add none. */
  readonly contentLength: number;
  /** Whether to add `Transfer-Encoding: chunked`. */
  readonly chunked: boolean;
  /** The `Connection` field to add. */
  readonly connection: ConnectionHeader;
}

/**
 * The text of a head, ending with its empty line; one byte per character (latin1), as the
 * field values were checked to be. The status line always says `HTTP/1.1`: a server answers
 * with the highest minor version it speaks (RFC 9110 §6.2).
 *
 * @see RFC 9112 §4, §5, §6.3, §9.3
 */
export function encodeHead(head: Head): string {
  let text = `HTTP/1.1 ${head.status}\r\n`;
  for (const [name, value] of head.headers) text += `${name}: ${value}\r\n`;
  if (head.date !== null) text += `Date: ${head.date}\r\n`;
  if (head.contentLength !== -1) text += `Content-Length: ${head.contentLength}\r\n`;
  if (head.chunked) text += 'Transfer-Encoding: chunked\r\n';
  if (head.connection !== 'none') text += `Connection: ${head.connection}\r\n`;
  return text + '\r\n';
}

let cachedDate = '';
let cachedSecond = -1;

/**
 * The value of the `Date` header for `now`, in IMF-fixdate, computed at most once a second.
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
 * A whole response as one buffer: the head in latin1, then the body, text as UTF-8 and bytes
 * as they are. `length` is the body's length in bytes, so the buffer is filled to its end.
 * One buffer is one write, and one system call.
 */
export function encodeResponse(head: string, chunks: readonly Chunk[], length: number): Buffer {
  const bytes = Buffer.allocUnsafe(head.length + length);
  let at = bytes.write(head, 0, 'latin1');
  for (const chunk of chunks) {
    if (typeof chunk === 'string') {
      at += bytes.write(chunk, at, 'utf8');
    } else {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
  }
  return bytes;
}

/**
 * Frames a body that is written piece by piece. `data()` returns the bytes to send for one
 * piece, `end()` those that end the body; both in the order they must be sent.
 */
export interface BodyWriter {
  /** The bytes that carry `bytes` of body (none for an empty piece). */
  data(bytes: Uint8Array): Uint8Array[];
  /** The bytes that end the body. */
  end(): Uint8Array[];
  /** Bytes of body written so far, framing not counted (what the access log reports). */
  readonly bodyBytes: number;
  /**
   * Whether the body broke its framing: more than a declared length was given (the rest was
   * cut), or, after `end()`, less.
   */
  readonly broken: 'no' | 'too long' | 'too short';
}

/**
 * A body delimited by its `Content-Length`: the bytes as they are, up to the declared length.
 * Given more, it returns what fits and reports `too long`: the rest would be read as the next
 * response (RFC 9110 §8.6). Ended short, it reports `too short`.
 *
 * @see RFC 9112 §6.2
 */
export class LengthWriter implements BodyWriter {
  bodyBytes = 0;
  broken: BodyWriter['broken'] = 'no';
  #remaining: number;

  constructor(length: number) {
    this.#remaining = length;
  }

  data(bytes: Uint8Array): Uint8Array[] {
    if (bytes.byteLength > this.#remaining) {
      this.broken = 'too long';
      bytes = bytes.subarray(0, this.#remaining);
    }
    this.#remaining -= bytes.byteLength;
    this.bodyBytes += bytes.byteLength;
    return [bytes];
  }

  end(): Uint8Array[] {
    if (this.#remaining > 0) this.broken = 'too short';
    return [];
  }
}

/**
 * A body in chunked transfer coding: each non-empty piece as one chunk (its size in hex, CRLF,
 * the bytes, CRLF), then the last chunk and an empty trailer section. An empty piece is
 * skipped: as a chunk it would read as the last one.
 *
 * @see RFC 9112 §7.1
 */
export class ChunkedWriter implements BodyWriter {
  bodyBytes = 0;
  readonly broken = 'no';

  data(bytes: Uint8Array): Uint8Array[] {
    if (bytes.byteLength === 0) return [];
    this.bodyBytes += bytes.byteLength;
    return [Buffer.from(`${bytes.byteLength.toString(16)}\r\n`, 'latin1'), bytes, CRLF];
  }

  end(): Uint8Array[] {
    return [LAST_CHUNK];
  }
}

const CRLF = Buffer.from('\r\n', 'latin1');
// last-chunk = 1*("0") CRLF, then trailer-section (empty) CRLF
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

/**
 * A body delimited by the end of the connection (HTTP/1.0 without a length): the bytes as they
 * are; the connection's close ends the body.
 *
 * @see RFC 9112 §6.3 item 8
 */
export class CloseWriter implements BodyWriter {
  bodyBytes = 0;
  readonly broken = 'no';

  data(bytes: Uint8Array): Uint8Array[] {
    this.bodyBytes += bytes.byteLength;
    return [bytes];
  }

  end(): Uint8Array[] {
    return [];
  }
}

/** The writer for a body framed as `framing`; `length` is the declared length, for `length`. */
export function bodyWriter(framing: 'length' | 'chunked' | 'close', length: number): BodyWriter {
  if (framing === 'length') return new LengthWriter(length);
  return framing === 'chunked' ? new ChunkedWriter() : new CloseWriter();
}
