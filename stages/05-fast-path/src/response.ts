/**
 * The response: what the server decides about it, and writing it to the socket.
 *
 * Strategy: the connection hands a {@link ResponseWriter} the request and what to answer (an
 * application's response, or one of the server's own, {@link serverResponse}: an error, a 500,
 * a 501), and whether the server is shutting down. The writer decides, once per response, the
 * framing ({@link chooseFraming}: `Content-Length` when the whole body is known or the app
 * declared its length, chunked when an HTTP/1.1 client gets a body still being generated,
 * close-delimited for an HTTP/1.0 one, none for 204 and 304) and whether the connection
 * persists ({@link persists}, the one place that decides it), and has the bytes encoded by
 * `writer.ts`. A body known in full (the usual case) leaves with its head in one write. A body
 * still being generated is written as it is produced, and the generator is paused while the
 * socket's buffer is full: the writer answers `blocked`, and the connection calls
 * {@link ResponseWriter.resume} on `drain`. The writer counts what it sent, for the access log.
 *
 * Stage 05, step 3 (chapter 05), on top of the writer: a whole body that is all ASCII text
 * leaves with its head as one latin1 string ({@link ResponseWriter.start}), which the socket's
 * handle encodes in C++, instead of being copied into one buffer by `encodeResponse`.
 *
 * What it will not do: call the application (the connection does, with `callApp`); send a body
 * the application did not produce, or more of it than the application declared; repair a
 * broken response once part of it is out (the connection is cut instead, so the client sees a
 * truncated response, never a wrong one).
 */

import type { Socket } from 'node:net';
import { chunkLength, type AppResponse, type Chunk } from './app.ts';
import type { Request } from './parser.ts';
import type { HttpVersion } from './request-line.ts';
import {
  bodyWriter,
  encodeHead,
  encodeResponse,
  httpDate,
  STATUS_TEXT,
  type BodyWriter,
  type ConnectionHeader,
  type Framing,
  type Head,
} from './writer.ts';

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

/**
 * Whether the connection carries another request after this response: the one place that
 * decides it. HTTP/1.1 persists unless the request's `Connection` has `close`; HTTP/1.0 only
 * when it has `keep-alive` (and not `close`). Neither when the body sent ends with the
 * connection, nor when the server is shutting down.
 *
 * @param sent how the body that is sent is framed: `none` when none is sent (HEAD, 204, 304).
 * @see RFC 9112 §9.3, §6.3 item 8
 */
export function persists(request: Pick<Request, 'version' | 'connection'>, sent: Framing, shuttingDown: boolean): boolean {
  const asked = !request.connection.close && (request.version === '1.1' || request.connection.keepAlive);
  return asked && sent !== 'close' && !shuttingDown;
}

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
 * The head of an application's response: its status and headers, then `Date` (unless the app
 * set one), the framing and `Connection` as the server decides them.
 *
 * @see RFC 9112 §4, §6.3, §9.3
 */
export function responseHead(res: AppResponse, framing: Framing, connection: ConnectionHeader): string {
  return encodeHead({
    status: res.status,
    headers: res.headers,
    date: res.hasDate ? null : httpDate(),
    contentLength: framing === 'length' && res.declaredLength === -1 ? res.length : -1,
    chunked: framing === 'chunked',
    connection,
  });
}

// ---------------------------------------------------------------------------------------------
// The responses the server makes itself

/**
 * A minimal response of the server's own, for an error: plain text, its body known (so framed
 * by `Content-Length`). It is written like an application's response; a protocol error or a
 * timeout closes the connection ({@link persists} is told the request cannot go on), a 500
 * for an application error or a 501 for an unknown method, whose request was read in full,
 * keeps it as the request allows. To HEAD it has the same fields and no body (RFC 9110 §9.3.2).
 */
export function serverResponse(code: number): AppResponse {
  const status = `${code} ${STATUS_TEXT[code] ?? 'Error'}`;
  const body = `${status}\n`;
  return {
    status,
    code,
    headers: [['Date', httpDate()], ['Content-Type', 'text/plain; charset=utf-8']],
    declaredLength: -1,
    hasDate: true,
    chunks: [body],
    length: body.length,
    rest: null,
    close: null,
  };
}

/** `100 Continue`: an interim response is a status line alone (no `Date`: RFC 9110 §6.6.1 asks it of final responses). */
const CONTINUE: Head = { status: '100 Continue', headers: [], date: null, contentLength: -1, chunked: false, connection: 'none' };

/**
 * Writes the interim response that tells a client waiting with `Expect: 100-continue` to send
 * its body.
 *
 * @see RFC 9110 §10.1.1, §15.2.1
 */
export function sendContinue(socket: Socket): void {
  socket.write(encodeHead(CONTINUE), 'latin1');
}

// ---------------------------------------------------------------------------------------------
// Writing a response

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

/** What a response needs to know of its request: a parsed {@link Request}, or what is known of one the server could not read. */
export type Answered = Pick<Request, 'method' | 'target' | 'version' | 'connection'>;

/**
 * Writes one response, from its head to its last byte, as far as the socket takes it.
 *
 * @see RFC 9112 §6.3 (framing), §7.1 (chunked), §9.3 (persistence); RFC 9110 §9.3.2 (HEAD)
 */
export class ResponseWriter {
  readonly #socket: Socket;
  readonly #request: Answered;
  readonly #res: AppResponse;
  readonly #shuttingDown: boolean;
  /** The framing of a body still being generated, while it is. */
  #body: BodyWriter | null = null;
  #close = false;
  #bodyBytes = 0;

  /**
   * @param res what to answer: the application's response, or {@link serverResponse}.
   * @param shuttingDown whether the server is shutting down (then the connection closes after
   * this response).
   */
  constructor(socket: Socket, request: Answered, res: AppResponse, shuttingDown: boolean) {
    this.#socket = socket;
    this.#request = request;
    this.#res = res;
    this.#shuttingDown = shuttingDown;
  }

  /** The request this response answers. */
  get request(): Answered {
    return this.#request;
  }

  /** The status code (for the access log). */
  get status(): number {
    return this.#res.code;
  }

  /** Bytes of body written so far, framing not counted (for the access log). */
  get bodyBytes(): number {
    return this.#body?.bodyBytes ?? this.#bodyBytes;
  }

  /** Writes the response, as far as the socket takes it. */
  start(): ResponseProgress {
    const request = this.#request;
    const res = this.#res;
    const socket = this.#socket;
    const framing = chooseFraming(request.version, res.code, res.rest === null || res.declaredLength !== -1);
    // HEAD: the headers GET would get, yet no body (RFC 9110 §9.3.2)
    const sendsBody = request.method !== 'HEAD' && framing !== 'none';
    this.#close = !persists(request, sendsBody ? framing : 'none', this.#shuttingDown);
    const head = responseHead(res, framing, connectionHeader(request.version, this.#close));

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
      return this.#close ? 'close' : 'keep-alive';
    }
    // A streamed body: the head and the first chunk, then the others as the generator produces them.
    socket.cork();
    try {
      socket.write(head, 'latin1');
      this.#body = bodyWriter(framing as 'length' | 'chunked' | 'close', res.declaredLength);
      return this.#send(res.chunks[0]!) ?? this.#pull();
    } finally {
      socket.uncork();
    }
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
    if (this.#body !== null) this.#endBody();
  }

  /** Pulls chunks from the generator while the socket accepts them. */
  #pull(): ResponseProgress {
    const rest = this.#res.rest!;
    for (;;) {
      if (this.#socket.writableNeedDrain) return 'blocked';
      let next: IteratorResult<Chunk>;
      try {
        next = rest.next();
        if (!next.done) chunkLength(next.value); // throws on a chunk that is not text or bytes
      } catch (err) {
        // Part of the response is out: the only honest thing left is to cut the connection.
        logAppError(this.#request, err);
        this.#endBody();
        return 'abort';
      }
      if (next.done) {
        const body = this.#endBody();
        this.#writeAll(body.end());
        if (body.broken === 'too short') {
          process.stderr.write(`nibiru-ts: application produced less than its Content-Length on ${describeRequest(this.#request)}; connection closed\n`);
          return 'abort';
        }
        return this.#close ? 'close' : 'keep-alive';
      }
      if (chunkLength(next.value) !== 0) {
        const end = this.#send(next.value);
        if (end !== null) return end;
      }
    }
  }

  /**
   * Writes one chunk of a streamed body in its framing. Returns null, or `close` when the
   * response is over because the app produced more than it declared.
   */
  #send(chunk: Chunk): ResponseProgress | null {
    const body = this.#body!;
    this.#writeAll(body.data(toBytes(chunk)));
    if (body.broken !== 'too long') return null;
    // RFC 9110 §8.6: never send more than the declared length; the rest would be read as the
    // next response. It was cut: close.
    process.stderr.write(`nibiru-ts: application produced more than its Content-Length on ${describeRequest(this.#request)}; response cut, connection closed\n`);
    this.#endBody();
    return 'close';
  }

  #writeAll(pieces: readonly Uint8Array[]): void {
    for (const piece of pieces) this.#socket.write(piece);
  }

  /** Ends the application's body; returns its writer, whose count stays the access log's. */
  #endBody(): BodyWriter {
    const body = this.#body!;
    this.#bodyBytes = body.bodyBytes;
    this.#body = null;
    closeBody(this.#res, this.#request);
    return body;
  }
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
function closeBody(res: AppResponse, request: Answered): void {
  try {
    res.rest?.return?.();
    res.close?.();
  } catch (err) {
    logAppError(request, err);
  }
}

/** The request as its method and target (`GET /path`), for a log line. */
export function describeRequest(request: Pick<Request, 'method' | 'target'>): string {
  return `${request.method} ${request.target}`;
}

/** Logs an application's error, with its stack, to stderr; the process keeps serving. */
export function logAppError(request: Pick<Request, 'method' | 'target'>, err: unknown): void {
  process.stderr.write(`nibiru-ts: application error on ${describeRequest(request)}\n`);
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
}
