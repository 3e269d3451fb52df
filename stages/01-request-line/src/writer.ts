/**
 * The response writer: an event in, bytes out.
 *
 * Strategy: pure, in the manner of h11's `_writers`. {@link encodeHead} turns a status line and
 * header fields into the head's text, and {@link encodeResponse} a head and a body known in
 * full into one buffer. Nothing here touches a socket, a clock (the `Date` value is handed in)
 * or the application. In this stage every response is framed by `Content-Length` and closes
 * its connection; what to answer is `response.ts`'s, and writing it the connection's.
 *
 * ```abnf
 * status-line  = HTTP-version SP status-code SP [ reason-phrase ]   ; RFC 9112 §4
 * field-line   = field-name ":" OWS field-value OWS                 ; RFC 9112 §5
 * ```
 *
 * What it will not do: check what it is given (the application's status and headers were
 * checked by `callApp`), or frame a body whose length is not known (stage 02 does).
 */

import type { Chunk, HeaderList } from './app.ts';

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

/** A response's head: its status line and fields, and the fields the server adds. */
export interface Head {
  /** The status line after `HTTP/1.1 `, e.g. `200 OK`. */
  readonly status: string;
  /** The header fields, in order, as given. */
  readonly headers: HeaderList;
  /** The `Date` value to add, or null to add none (the fields have one). */
  readonly date: string | null;
  /** The `Content-Length` to add, or -1 to add none. */
  readonly contentLength: number;
}

/**
 * The text of a head, ending with its empty line; one byte per character (latin1), as the
 * field values were checked to be. The status line always says `HTTP/1.1`: a server answers
 * with the highest minor version it speaks (RFC 9110 §6.2).
 *
 * Every response of this stage ends with `Connection: close`: the connection closes after it.
 *
 * @see RFC 9112 §4, §5, §6.3, §9.6
 */
export function encodeHead(head: Head): string {
  let text = `HTTP/1.1 ${head.status}\r\n`;
  for (const [name, value] of head.headers) text += `${name}: ${value}\r\n`;
  if (head.date !== null) text += `Date: ${head.date}\r\n`;
  if (head.contentLength !== -1) text += `Content-Length: ${head.contentLength}\r\n`;
  return text + 'Connection: close\r\n\r\n';
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
