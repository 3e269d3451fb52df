/**
 * The response: from what an application returned to the bytes on the wire.
 *
 * Strategy: everything a response is decided and written here, once per response. A
 * {@link ResponseWriter} calls the application ({@link callApp}, which checks what the app
 * hands over), decides the framing ({@link chooseFraming}: `Content-Length` when the whole body
 * is known or the app declared its length, chunked when an HTTP/1.1 client gets a body still
 * being generated, close-delimited for an HTTP/1.0 one, none for 204 and 304), writes the
 * status line and headers ({@link responseHead}), then the body. A body that is still being
 * generated is written as it is produced, and the generator is paused while the socket's
 * buffer is full: the writer answers `blocked`, and the connection calls
 * {@link ResponseWriter.resume} on `drain`. The connection is told, at the end, whether it
 * may carry the next request.
 *
 * A response whose body is known in full (the usual case) is encoded into one buffer and
 * written at once: one write, one system call. A streamed body is written chunk by chunk, and
 * what one call writes is corked so that it leaves in one send.
 * The minimal responses the server makes itself (an error, `100 Continue`) are here too; to a
 * HEAD request, an error response has no body either.
 *
 * ```abnf
 * status-line = HTTP-version SP status-code SP [ reason-phrase ]   ; RFC 9112 §4
 * field-line  = field-name ":" OWS field-value OWS                ; RFC 9112 §5
 * ```
 *
 * What it will not do: send a body the application did not produce, or more of it than the
 * application declared; repair a broken response once part of it is out (the connection is cut
 * instead, so the client sees a truncated response, never a wrong one).
 */

import type { Socket } from 'node:net';
import { callApp, chunkLength, type App, type AppResponse, type Chunk, type Environ } from './app.ts';
import type { HttpVersion } from './request-line.ts';
import type { Request } from './parser.ts';

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

/**
 * Picks the framing of a response. A response to HEAD is framed as the response to GET would
 * be (its headers say so), and then sends no body.
 *
 * @param lengthKnown whether the whole body is known (or the application declared its length).
 * @see RFC 9112 §6.3, §7; RFC 9110 §6.4.1 (204 and 304 have no content), §9.3.2 (HEAD)
 */
export function chooseFraming(version: HttpVersion, code: number, lengthKnown: boolean): Framing {
  if (code === 204 || code === 304) return 'none';
  if (lengthKnown) return 'length';
  // §7: chunked only for a client that says it is HTTP/1.1; an HTTP/1.0 one gets a body
  // delimited by the end of the connection (§6.3 item 8)
  return version === '1.1' ? 'chunked' : 'close';
}

/** The `Connection` header a response carries: none, `close`, or `keep-alive` (for HTTP/1.0). */
export type ConnectionHeader = 'none' | 'close' | 'keep-alive';

/**
 * The `Connection` header of a response to `version`: `close` when the connection closes after
 * it; `keep-alive` to an HTTP/1.0 client, which would otherwise assume it closes; else none.
 *
 * @see RFC 9112 §9.3
 */
export function connectionHeader(version: HttpVersion, close: boolean): ConnectionHeader {
  if (close) return 'close';
  return version === '1.0' ? 'keep-alive' : 'none';
}

/**
 * Serializes the head of an application's response: always `HTTP/1.1` in the status line (a
 * server answers with the highest minor version it speaks, RFC 9110 §6.2), the application's
 * headers, then `Date`, the framing and `Connection` as the server decides them.
 *
 * @see RFC 9112 §4, §6.3, §9.3
 */
export function responseHead(res: AppResponse, framing: Framing, connection: ConnectionHeader): string {
  let head = `HTTP/1.1 ${res.status}\r\n`;
  for (const [name, value] of res.headers) head += `${name}: ${value}\r\n`;
  if (!res.hasDate) head += `Date: ${httpDate()}\r\n`;
  if (framing === 'length' && res.declaredLength === -1) head += `Content-Length: ${res.length}\r\n`;
  if (framing === 'chunked') head += 'Transfer-Encoding: chunked\r\n';
  if (connection !== 'none') head += `Connection: ${connection}\r\n`;
  return head + '\r\n';
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

// ---------------------------------------------------------------------------------------------
// The responses the server makes itself

/**
 * A minimal response the server sends on its own, for an error: plain text, framed by
 * `Content-Length`, with `Connection: close` by default (a connection is never reused after a
 * protocol error or a timeout). A 500 for an application error, or a 501 for an unknown
 * method, whose request was read in full, may keep the connection: pass `connection` as the
 * request allows. `method` is the request's, when it is known: a response to HEAD has the
 * same header fields and no body (RFC 9110 §9.3.2).
 */
export function errorResponse(status: number, connection: ConnectionHeader = 'close', method: string | null = null): Buffer {
  const reason = STATUS_TEXT[status] ?? 'Error';
  const body = `${status} ${reason}\n`;
  return Buffer.from(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      `Date: ${httpDate()}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${body.length}\r\n` +
      (connection === 'none' ? '' : `Connection: ${connection}\r\n`) +
      '\r\n' +
      (method === 'HEAD' ? '' : body),
    'latin1',
  );
}

/** The length of the body of a response written whole: the bytes after its empty line. */
export function bodyLength(response: Buffer): number {
  return response.length - response.indexOf('\r\n\r\n') - 4;
}

/**
 * Writes the interim response that tells a client waiting with `Expect: 100-continue` to send
 * its body.
 *
 * @see RFC 9110 §10.1.1, §15.2.1
 */
export function sendContinue(socket: Socket): void {
  socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
}

// ---------------------------------------------------------------------------------------------
// Writing an application's response

/**
 * Where a response is after {@link ResponseWriter.start} or {@link ResponseWriter.resume}:
 *
 * - `keep-alive`: written in full; the connection may carry the next request;
 * - `close`: written in full (or cut at its declared length); close the connection;
 * - `blocked`: the socket's buffer is full; call `resume()` once it drains;
 * - `abort`: the response cannot be finished honestly (the app failed part-way, or produced
 *   less than it declared); destroy the connection.
 */
export type ResponseProgress = 'keep-alive' | 'close' | 'blocked' | 'abort';

/** A body still being generated. */
interface Stream {
  readonly res: AppResponse;
  readonly rest: Iterator<Chunk>;
  readonly framing: Framing;
  /** Bytes still owed under `length` framing. */
  remaining: number;
  /** Whether the connection closes after the response. */
  readonly close: boolean;
}

/**
 * Writes the response to one request, from calling the application to its last byte.
 *
 * @see RFC 9112 §6.3 (framing), §7.1 (chunked), §9.3 (persistence); RFC 9110 §9.3.2 (HEAD)
 */
export class ResponseWriter {
  readonly #socket: Socket;
  readonly #request: Request;
  readonly #mustClose: boolean;
  #stream: Stream | null = null;
  #status = 0;
  #bodyBytes = 0;

  /**
   * @param mustClose whether the connection closes after this response whatever its framing
   * (the request asked for it, or the server is shutting down).
   */
  constructor(socket: Socket, request: Request, mustClose: boolean) {
    this.#socket = socket;
    this.#request = request;
    this.#mustClose = mustClose;
  }

  /** The request this response answers. */
  get request(): Request {
    return this.#request;
  }

  /** The status sent, once the head is written (for the access log). */
  get status(): number {
    return this.#status;
  }

  /** Bytes of body written so far (for the access log). */
  get bodyBytes(): number {
    return this.#bodyBytes;
  }

  /** Calls the application with `environ` and writes its response, as far as the socket takes it. */
  start(app: App, environ: Environ): ResponseProgress {
    let res: AppResponse;
    try {
      res = callApp(app, environ);
    } catch (err) {
      logAppError(this.#request, err);
      return this.sendError(500);
    }
    return this.#writeResponse(res);
  }

  /**
   * Answers with an error status of the server's own (a 500 for an app that threw before it
   * sent anything, a 501 for a method the server does not implement). The request was read
   * in full, so the connection is still in step: it stays open if the request allows.
   */
  sendError(status: number): ResponseProgress {
    const request = this.#request;
    const response = errorResponse(status, connectionHeader(request.version, this.#mustClose), request.method);
    this.#socket.write(response);
    this.#status = status;
    this.#bodyBytes = bodyLength(response);
    return this.#mustClose ? 'close' : 'keep-alive';
  }

  /** Writes more of a streamed body, after the socket drained. */
  resume(): ResponseProgress {
    this.#socket.cork();
    try {
      return this.#pull();
    } finally {
      this.#socket.uncork();
    }
  }

  /** The connection is gone before the response was written: end the application's body. */
  abandon(): void {
    if (this.#stream !== null) this.#endBody();
  }

  #writeResponse(res: AppResponse): ResponseProgress {
    const request = this.#request;
    const socket = this.#socket;
    const framing = chooseFraming(request.version, res.code, res.rest === null || res.declaredLength !== -1);
    // HEAD: the headers GET would get, yet no body (RFC 9110 §9.3.2)
    const sendsBody = request.method !== 'HEAD' && framing !== 'none';
    const close = this.#mustClose || (sendsBody && framing === 'close');
    const head = responseHead(res, framing, connectionHeader(request.version, close));
    this.#status = res.code;

    if (!sendsBody || res.rest === null) {
      const chunks = sendsBody ? res.chunks : [];
      const length = sendsBody ? res.length : 0;
      // step 3: an ASCII body goes with the head as one latin1 string, which the socket's
      // handle encodes in C++; any other body is encoded into one buffer here
      const ascii = asciiBody(chunks, length);
      if (ascii !== null) socket.write(head + ascii, 'latin1');
      else socket.write(encodeResponse(head, chunks, length));
      this.#bodyBytes = length;
      closeBody(res, request);
      return close ? 'close' : 'keep-alive';
    }
    // A streamed body: the head and the first chunk, then the others as the generator produces them.
    socket.cork();
    try {
      socket.write(head, 'latin1');
      this.#stream = { res, rest: res.rest, framing, remaining: res.declaredLength, close };
      return this.#writeStreamed(res.chunks[0]!) ?? this.#pull();
    } finally {
      socket.uncork();
    }
  }

  /** Pulls chunks from the generator while the socket accepts them. */
  #pull(): ResponseProgress {
    const stream = this.#stream!;
    for (;;) {
      if (this.#socket.writableNeedDrain) return 'blocked';
      let next: IteratorResult<Chunk>;
      try {
        next = stream.rest.next();
        if (!next.done) chunkLength(next.value); // throws on a chunk that is not text or bytes
      } catch (err) {
        // Part of the response is out: the only honest thing left is to cut the connection.
        logAppError(this.#request, err);
        this.#endBody();
        return 'abort';
      }
      if (next.done) {
        this.#endBody();
        if (stream.framing === 'chunked') this.#socket.write('0\r\n\r\n', 'latin1'); // last-chunk, no trailers
        if (stream.framing === 'length' && stream.remaining > 0) {
          process.stderr.write(`nibiru-ts: application produced less than its Content-Length on ${describeRequest(this.#request)}; connection closed\n`);
          return 'abort';
        }
        return stream.close ? 'close' : 'keep-alive';
      }
      if (chunkLength(next.value) !== 0) {
        const end = this.#writeStreamed(next.value);
        if (end !== null) return end;
      }
    }
  }

  /**
   * Writes one chunk of a streamed body in its framing. Returns null, or `close` when the
   * response is over because the app produced more than it declared.
   */
  #writeStreamed(chunk: Chunk): ResponseProgress | null {
    const stream = this.#stream!;
    const socket = this.#socket;
    if (stream.framing === 'chunked') {
      // chunk = chunk-size CRLF chunk-data CRLF (RFC 9112 §7.1)
      socket.write(`${chunkLength(chunk).toString(16)}\r\n`, 'latin1');
      this.#writeChunk(chunk);
      socket.write('\r\n', 'latin1');
    } else if (stream.framing === 'length') {
      const bytes = toBytes(chunk);
      if (bytes.length > stream.remaining) {
        // RFC 9110 §8.6: never send more than the declared length; the rest would be read as
        // the next response. Cut it and close.
        socket.write(bytes.subarray(0, stream.remaining));
        this.#bodyBytes += stream.remaining;
        stream.remaining = 0;
        process.stderr.write(`nibiru-ts: application produced more than its Content-Length on ${describeRequest(this.#request)}; response cut, connection closed\n`);
        this.#endBody();
        return 'close';
      }
      stream.remaining -= bytes.length;
      this.#bodyBytes += bytes.length;
      socket.write(bytes);
    } else {
      this.#writeChunk(chunk);
    }
    return null;
  }

  #writeChunk(chunk: Chunk): void {
    this.#bodyBytes += chunkLength(chunk);
    if (typeof chunk === 'string') this.#socket.write(chunk, 'utf8');
    else this.#socket.write(chunk);
  }

  #endBody(): void {
    const stream = this.#stream!;
    this.#stream = null;
    closeBody(stream.res, this.#request);
  }
}

/**
 * A whole response as one buffer: the head in latin1 (one byte per character, as its header
 * values were checked to be), then the body, text as UTF-8 and bytes as they are. `length` is
 * the body's length in bytes, so the buffer is filled to its end.
 */
function encodeResponse(head: string, chunks: readonly Chunk[], length: number): Buffer {
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
 * The body as one string when it is all text in ASCII, else null. `length` is its length in
 * UTF-8 bytes, which equals its length in characters exactly when every character is ASCII;
 * then its latin1 bytes are its UTF-8 bytes, and it can go out with the head, as latin1.
 */
function asciiBody(chunks: readonly Chunk[], length: number): string | null {
  let characters = 0;
  for (const chunk of chunks) {
    if (typeof chunk !== 'string') return null;
    characters += chunk.length;
  }
  if (characters !== length) return null;
  return chunks.length === 1 ? (chunks[0] as string) : chunks.join('');
}

/** A chunk as bytes: strings as UTF-8, bytes as they are. */
function toBytes(chunk: Chunk): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Ends the application's iterable: `return()` for a generator cut short (its `finally`
 * blocks run), then PEP 3333's `close()`. What they throw is logged, never sent.
 */
function closeBody(res: AppResponse, request: Request): void {
  try {
    res.rest?.return?.();
    res.close?.();
  } catch (err) {
    logAppError(request, err);
  }
}

/** The request as its method and target (`GET /path`), for a log line. */
export function describeRequest(request: Request): string {
  return `${request.method} ${request.target}`;
}

/** Logs an application's error, with its stack, to stderr; the process keeps serving. */
function logAppError(request: Request, err: unknown): void {
  process.stderr.write(`nibiru-ts: application error on ${describeRequest(request)}\n`);
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
}
