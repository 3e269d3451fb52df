/**
 * One connection of stage 02: many requests, each parsed in full, answered in order.
 *
 * Strategy: a small state machine over the pure {@link RequestParser}. Bytes from the socket go
 * into the parser; its events drive the connection:
 *
 * ```text
 *            first byte             header section in          body complete
 *   idle ───────────────▶ head ────────────────────▶ body ────────────────────▶ (call the app,
 *    ▲  keep-alive timeout  │ header timeout: 408       │ body timeout: 408          write the
 *    │  → close silently    ▼                           ▼                            response)
 *    └───────────────────── next pipelined request, or idle ◀─────────────────────────┘
 * ```
 *
 * - **The body is read in full before the app is called**, bounded by `maxBodyBytes` (the
 *   parser answers 413 past it), and becomes `wsgi.input`. Every body event is consumed
 *   whether or not the app reads the body, which is what keeps the next request on the
 *   connection parsing from the right byte (RFC 9112 §9.3: drain, or close).
 * - **Pipelined requests are answered strictly in order**: the parser hands them out one at a
 *   time, and each response is written before the next event is asked for. When more bytes
 *   wait behind a request, the responses are corked and leave in one write. When the responses
 *   waiting to be sent pass `maxWriteBuffer` (a client that pipelines and does not read), the
 *   connection stops taking requests and stops reading until the socket drains, so the
 *   server never holds more than about that much per connection.
 * - **One timer per connection**, never one per request. A deadline is a number (when, and
 *   what to do then); the timer fires at the earliest armed deadline and re-arms itself if the
 *   deadline has moved later since, so the common path only stores a number.
 * - **Errors**: a protocol error (an {@link HttpError} from the parser, or a timeout) gets a
 *   minimal response with `Connection: close` and a lingering close (RFC 9112 §9.6); the
 *   connection is never reused after one. A well-framed request with a method the server
 *   does not implement gets 501 (RFC 9110 §9.1) without reaching the app, and the connection
 *   goes on, since the request was read in full. An application that throws gets a 500 when
 *   nothing of its response was sent, else the connection is destroyed (the client sees a
 *   truncated body, never a wrong one); its stack goes to stderr and the process keeps
 *   serving. An error response to HEAD has no body (RFC 9110 §9.3.2).
 * - **Streaming**: a body the app generates (any iterable that is not an array) is written as
 *   it is produced, chunked for HTTP/1.1, close-delimited for HTTP/1.0, and the generator is
 *   paused while the socket's buffer is full (`drain`), with the socket paused too, so neither
 *   side buffers without bound.
 *
 * What it will not do: run the application asynchronously (a WSGI app blocks the process, the
 * cost stages 03 and 04 measure), upgrade protocols, or answer `CONNECT`.
 */

import { Socket } from 'node:net';
import type { App, Chunk } from './app.ts';
import { buildEnviron, type EnvironContext } from './environ.ts';
import { HttpError, RequestTimeout } from './errors.ts';
import type { AccessRecord } from './log.ts';
import { NEED_DATA, RequestParser, type ParserLimits, type Request } from './parser.ts';
import { KNOWN_METHODS } from './request-line.ts';
import {
  callApp,
  chooseFraming,
  chunkHeader,
  chunkLength,
  CONTINUE,
  errorResponse,
  LAST_CHUNK,
  responseHead,
  toBytes,
  type AppResponse,
  type ConnectionHeader,
  type Framing,
} from './response.ts';

/** What a connection needs to know. The parser limits are read from it as they are. */
export interface ConnectionOptions extends ParserLimits {
  /** The application to call. */
  readonly app: App;
  /** How long a client has, once a request has started, to send its header section (ms); 408. */
  readonly headerTimeoutMs: number;
  /** How long a client has, once the header section is in, to send the body (ms); 408. */
  readonly bodyTimeoutMs: number;
  /** How long a connection with no request in progress stays open (ms); then it closes silently. */
  readonly keepAliveTimeoutMs: number;
  /** How long to keep draining a half-closed connection, in milliseconds. */
  readonly lingerMs: number;
  /**
   * The most bytes of responses that may wait unsent on the connection: past it, pipelined
   * requests are not parsed (and the socket is not read) until the client has read them.
   */
  readonly maxWriteBuffer: number;
  /** `SERVER_NAME` for requests without `Host`. */
  readonly serverName: string;
  /** `SERVER_PORT` for requests without `Host`. */
  readonly serverPort: number;
  /** `wsgi.multiprocess`: true when several processes serve the app (stages 03, 04). */
  readonly multiprocess: boolean;
  /** Called once per response, when its last byte has been handed to the socket (`--access-log`). */
  readonly onResponse?: ((record: AccessRecord) => void) | undefined;
}

/**
 * Where a connection is: `idle` (no request in progress), `head` (a request has started, its
 * header section is not complete), `body` (reading its body), `writing` (a streamed response,
 * or responses to pipelined requests, wait for the socket to drain), `closed` (closing or
 * closed; nothing more is read).
 */
export type ConnectionState = 'idle' | 'head' | 'body' | 'writing' | 'closed';

/** A served connection, as the server (and stages 03, 04) see it. */
export interface Connection {
  /** The socket. */
  readonly socket: Socket;
  /** Where the connection is. */
  readonly state: ConnectionState;
  /** True while a request is in progress: started, being read, or being answered. */
  readonly busy: boolean;
  /**
   * The request in progress, as its method and target (`GET /slow?ms=5000`), once its header
   * section is in; null before, and when there is none.
   */
  readonly request: string | null;
  /**
   * Closes the connection gracefully: once the response in flight has been written (with
   * `Connection: close`), or, when it is idle, after one more turn of the event loop in which
   * a request that has already arrived is read (and then served the same way). Requests
   * pipelined behind it are not served.
   */
  shutdown(): void;
  /** Destroys the socket now, whatever is in flight. */
  destroy(): void;
}

// -------------------------------------------------------------------------------------------
// Reading into one buffer
//
// By default Node reads a socket into a new Buffer each time (a 64 KiB allocation, shrunk to
// what arrived) and hands it through the Readable stream machinery as a 'data' event. A
// request of a hundred bytes does not need any of that. `new net.Socket({ onread })` reads
// into one buffer the caller supplies and calls a function with the byte count instead; a
// server's sockets are created by Node without that option, so each connection switches its
// socket over itself: the two fields the constructor would have set, and the handle's
// `useUserBuffer`, the call the constructor would have made. The fields are found on a socket
// made with `onread`, by their values. If any of it is missing (another Node version), the
// connection uses 'data' events as before. Measured: about a quarter more requests per
// CPU-second on `GET /` (median of 6 rounds of `bench/ab.sh`, docs/performance.md).
//
// One buffer serves every connection of the process, since a read is handled to the end
// before the next one is made. So nothing may keep a view of it past the read: the parser
// copies what it has not consumed ({@link RequestParser.keepBuffered}), and the connection
// copies body chunks.

/** The buffer every socket of this process reads into. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

interface OnreadFields {
  readonly buffer: symbol;
  readonly callback: symbol;
}

/** Where a socket made with `onread` keeps its buffer and its callback, or null. */
const ONREAD_FIELDS: OnreadFields | null = (() => {
  const callback = (): void => undefined;
  // `onread` is documented for the constructor, yet missing from @types/node 20's options type
  const probe = new Socket({ onread: { buffer: READ_BUFFER, callback } } as ConstructorParameters<typeof Socket>[0]);
  let bufferField: symbol | undefined;
  let callbackField: symbol | undefined;
  for (const field of Object.getOwnPropertySymbols(probe)) {
    const value: unknown = (probe as unknown as Record<symbol, unknown>)[field];
    if (value === READ_BUFFER) bufferField = field;
    else if (value === callback) callbackField = field;
  }
  probe.destroy();
  return bufferField && callbackField ? { buffer: bufferField, callback: callbackField } : null;
})();

/**
 * Switches a socket to reading into {@link READ_BUFFER}, calling `onRead(count)` instead of
 * emitting 'data'. Returns false, changing nothing, when that cannot be done.
 */
function readIntoSharedBuffer(socket: Socket, onRead: (count: number) => void): boolean {
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (buffer: Uint8Array) => void } })._handle;
  // a socket that has read already (bytes waiting in its stream buffer) stays as it is
  if (ONREAD_FIELDS === null || typeof handle?.useUserBuffer !== 'function' || socket.readableLength !== 0) return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[ONREAD_FIELDS.buffer] = READ_BUFFER;
  fields[ONREAD_FIELDS.callback] = onRead;
  handle.useUserBuffer(READ_BUFFER);
  return true;
}

// What happens when a deadline passes.
const ON_TIMEOUT_CLOSE = 0; // close silently (idle keep-alive connection)
const ON_TIMEOUT_408 = 1; // answer 408 and close (slow header section or body)
const ON_TIMEOUT_DESTROY = 2; // destroy (a client that does not read a streamed response)

/** The state of a response whose body is still being generated. */
interface Stream {
  readonly res: AppResponse;
  readonly rest: Iterator<Chunk>;
  readonly framing: Framing;
  /** Bytes still owed under `length` framing. */
  remaining: number;
  /** Bytes of body sent so far. */
  sent: number;
  readonly close: boolean;
  readonly request: Request;
}

class ServedConnection implements Connection {
  readonly socket: Socket;
  readonly #options: ConnectionOptions;
  readonly #parser: RequestParser;
  readonly #ctx: EnvironContext;
  #state: ConnectionState = 'idle';
  #request: Request | null = null;
  #body: Buffer[] = [];
  #bodyLength = 0;
  #stream: Stream | null = null;
  #corked = false;
  #shutdown = false;
  #peerEnded = false;
  /** When the bytes of the request in progress began to arrive (`performance.now()`). */
  #startedAt = 0;
  /** Whether the socket reads into {@link READ_BUFFER} (then nothing may keep views of it). */
  readonly #shared: boolean;

  #timer: NodeJS.Timeout | null = null;
  #timerAt = 0;
  #deadline = 0;
  #onDeadline = ON_TIMEOUT_CLOSE;

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.#options = options;
    this.#parser = new RequestParser(options);
    this.#ctx = {
      serverName: options.serverName,
      serverPort: String(options.serverPort),
      remoteAddr: socket.remoteAddress ?? '',
      remotePort: String(socket.remotePort ?? ''),
      multiprocess: options.multiprocess,
    };
    socket.setNoDelay(true);
    this.#shared = readIntoSharedBuffer(socket, this.#onRead);
    if (!this.#shared) socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    this.#arm(options.keepAliveTimeoutMs, ON_TIMEOUT_CLOSE);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get busy(): boolean {
    const s = this.#state;
    return s === 'head' || s === 'body' || s === 'writing';
  }

  get request(): string | null {
    const request = this.#request ?? this.#stream?.request;
    return request ? describe(request) : null;
  }

  shutdown(): void {
    this.#shutdown = true;
    if (this.#state !== 'idle') return;
    // Idle means that no byte of a request has been read, not that none has arrived: a request
    // may be waiting in the kernel's receive buffer, read in the next poll phase. Close only
    // after one more turn of the event loop (an immediate queued from an immediate runs after
    // the next poll phase); a request whose bytes come in that turn is served.
    setImmediate(() =>
      setImmediate(() => {
        if (this.#state === 'idle') this.#close();
      }),
    );
  }

  destroy(): void {
    this.#state = 'closed';
    this.socket.destroy();
  }

  // -------------------------------------------------------------------------------------------
  // Socket events (arrow functions: bound once per connection, not per event)

  #onData = (data: Buffer): void => {
    if (this.#state === 'closed') return; // lingering: discard
    if (this.#state === 'idle') this.#startedAt = performance.now();
    this.#parser.receive(data);
    if (this.#state !== 'writing') this.#pump();
  };

  #onRead = (count: number): void => {
    this.#onData(READ_BUFFER.subarray(0, count));
    // the next read overwrites READ_BUFFER: keep what is still needed
    this.#parser.keepBuffered();
  };

  #onEnd = (): void => {
    this.#peerEnded = true;
    // A request that has not fully arrived never will; one being answered finishes first.
    if (this.#state !== 'writing' && this.#state !== 'closed') this.#close();
  };

  #onError = (): void => {
    this.destroy();
  };

  #onClose = (): void => {
    this.#state = 'closed';
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#stream !== null) this.#endStream();
  };

  // -------------------------------------------------------------------------------------------
  // The request loop

  /** Takes events from the parser until it needs more bytes, answering each request in turn. */
  #pump(): void {
    const parser = this.#parser;
    for (;;) {
      let event;
      try {
        event = parser.next();
      } catch (err) {
        this.#fail(err);
        return;
      }
      if (event === NEED_DATA) break;
      if (event.type === 'request') {
        this.#request = event;
        if (event.body !== 'none') {
          this.#state = 'body';
          this.#arm(this.#options.bodyTimeoutMs, ON_TIMEOUT_408);
          // RFC 9110 §10.1.1: a client that waits for 100 (Continue) gets it, unless it has
          // sent the body anyway.
          if (event.expectContinue && parser.buffered === 0) this.socket.write(CONTINUE);
        }
      } else if (event.type === 'data') {
        // a view of READ_BUFFER would not survive the next read
        this.#body.push(this.#shared ? Buffer.from(event.chunk) : event.chunk);
        this.#bodyLength += event.chunk.length;
      } else {
        // More requests already waiting: cork, so their responses leave in one write.
        if (!this.#corked && parser.buffered !== 0) {
          this.socket.cork();
          this.#corked = true;
        }
        this.#respond();
        if (this.#state !== 'idle') break; // closing, or a streamed response waits for drain
        if (this.socket.writableLength > this.#options.maxWriteBuffer) {
          // The client is not reading its responses: take no more requests until it does.
          this.#waitForDrain();
          break;
        }
      }
    }
    this.#uncork();
    if (this.#state === 'idle' || this.#state === 'head') this.#waitForRequest();
  }

  /** The parser needs more bytes: decide which deadline applies. */
  #waitForRequest(): void {
    if (this.#parser.buffered === 0 && this.#parser.state === 'idle') {
      if (this.#shutdown || this.#peerEnded) {
        this.#close();
        return;
      }
      if (this.#state !== 'idle') this.#state = 'idle';
      this.#arm(this.#options.keepAliveTimeoutMs, ON_TIMEOUT_CLOSE);
    } else if (this.#state === 'idle') {
      // The first bytes of a request: its header section must be complete in time (not
      // refreshed by later bytes, so a client cannot hold the connection a byte at a time).
      this.#state = 'head';
      this.#arm(this.#options.headerTimeoutMs, ON_TIMEOUT_408);
    }
  }

  /** Calls the application for the request whose body is complete, and writes its response. */
  #respond(): void {
    const request = this.#request!;
    this.#request = null;
    const parts = this.#body;
    const body = parts.length === 0 ? null : parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.#bodyLength);
    if (parts.length !== 0) {
      this.#body = [];
      this.#bodyLength = 0;
    }

    // RFC 9110 §9.1: a method the server does not implement gets 501, not the app.
    if (!KNOWN_METHODS.has(request.method)) {
      this.#answerError(request, 501);
      return;
    }

    let res: AppResponse;
    try {
      res = callApp(this.#options.app, buildEnviron(request, body, this.#ctx));
    } catch (err) {
      if (err instanceof HttpError) {
        this.#fail(err, request.method); // e.g. a malformed percent-escape in the path
      } else {
        logAppError(request, err);
        this.#answerError(request, 500);
      }
      return;
    }

    const lengthKnown = res.rest === null || res.declaredLength !== -1;
    const framing = chooseFraming(request.method, request.version, res.code, lengthKnown);
    const close = !request.keepAlive || this.#shutdown || framing === 'close';
    const connection: ConnectionHeader = close ? 'close' : request.version === '1.0' ? 'keep-alive' : 'none';
    const headFraming = request.method === 'HEAD' ? chooseFraming('GET', request.version, res.code, lengthKnown) : 'none';
    const length = res.declaredLength !== -1 ? res.declaredLength : res.length;
    const head = responseHead(res, framing, headFraming, length, connection);
    const socket = this.socket;

    if (framing === 'none' || res.rest === null) {
      if (framing === 'none') {
        socket.write(head, 'latin1');
      } else if (res.ascii) {
        // The common case: head and body in one string, one write.
        let out = head;
        const chunks = res.chunks;
        for (let i = 0; i < chunks.length; i++) out += chunks[i] as string;
        socket.write(out, 'latin1');
      } else {
        socket.write(head, 'latin1');
        for (const chunk of res.chunks) this.#writeChunk(chunk);
      }
      if (res.close !== null || res.rest !== null) closeQuietly(res, request);
      this.#responded(request, res.code, framing === 'none' ? 0 : length);
      if (close) this.#close();
      else this.#state = 'idle';
      return;
    }

    // A streamed body: the head, the first chunk, then as the generator produces.
    socket.write(head, 'latin1');
    this.#stream = { res, rest: res.rest, framing, remaining: res.declaredLength, sent: 0, close, request };
    if (this.#sendStreamed(res.chunks[0]!)) this.#continueStream();
  }

  /**
   * Writes one chunk of a streamed body in its framing. Returns false when the response is
   * over (the app produced more than it declared).
   */
  #sendStreamed(chunk: Chunk): boolean {
    const stream = this.#stream!;
    if (stream.framing === 'chunked') {
      stream.sent += chunkLength(chunk);
      this.socket.write(chunkHeader(chunkLength(chunk)), 'latin1');
      this.#writeChunk(chunk);
      this.socket.write('\r\n', 'latin1');
      return true;
    }
    if (stream.framing === 'length') {
      const bytes = toBytes(chunk);
      if (bytes.length > stream.remaining) {
        // RFC 9110 §8.6: never send more than the declared length; the rest would be read
        // as the next response. Cut it and close.
        this.socket.write(bytes.subarray(0, stream.remaining));
        stream.sent += stream.remaining;
        stream.remaining = 0;
        process.stderr.write(`nibiru-ts: application produced more than its Content-Length on ${describe(stream.request)}; response cut, connection closed\n`);
        this.#endStream();
        this.#close();
        return false;
      }
      stream.remaining -= bytes.length;
      stream.sent += bytes.length;
      this.socket.write(bytes);
      return true;
    }
    stream.sent += chunkLength(chunk);
    this.#writeChunk(chunk);
    return true;
  }

  /** Pulls chunks from the generator while the socket accepts them. */
  #continueStream(): void {
    const socket = this.socket;
    for (;;) {
      const stream = this.#stream;
      if (stream === null) return;
      if (socket.writableNeedDrain) {
        // Back-pressure: stop generating and stop reading until the client catches up.
        this.#waitForDrain();
        return;
      }
      let next: IteratorResult<Chunk>;
      try {
        next = stream.rest.next();
        if (!next.done) chunkLength(next.value); // throws on a chunk that is not text or bytes
      } catch (err) {
        // Part of the response is out: the only honest thing left is to cut the connection.
        logAppError(stream.request, err);
        this.#endStream();
        this.#uncork();
        this.destroy();
        return;
      }
      if (next.done) {
        this.#endStream();
        if (stream.framing === 'chunked') socket.write(LAST_CHUNK, 'latin1');
        if (stream.framing === 'length' && stream.remaining > 0) {
          process.stderr.write(`nibiru-ts: application produced less than its Content-Length on ${describe(stream.request)}; connection closed\n`);
          this.#uncork();
          this.destroy();
          return;
        }
        if (stream.close) {
          this.#close();
        } else {
          this.#state = 'idle';
          if (socket.isPaused()) {
            socket.resume();
            this.#pump(); // requests that arrived while the response was streamed
          }
        }
        return;
      }
      if (chunkLength(next.value) !== 0 && !this.#sendStreamed(next.value)) return;
    }
  }

  /**
   * Back-pressure: the socket holds more than the client has read. Stop reading (and so stop
   * taking requests) and, for a streamed response, stop generating, until it drains. A client
   * that never reads is cut off after the longer of the keep-alive and body timeouts.
   */
  #waitForDrain(): void {
    this.#state = 'writing';
    this.#uncork();
    this.socket.pause();
    this.socket.once('drain', this.#onDrain);
    this.#arm(Math.max(this.#options.keepAliveTimeoutMs, this.#options.bodyTimeoutMs), ON_TIMEOUT_DESTROY);
  }

  #onDrain = (): void => {
    if (this.#state !== 'writing') return;
    if (this.#stream !== null) {
      this.#continueStream();
      return;
    }
    // responses to pipelined requests have gone out: take the next ones
    this.#state = 'idle';
    this.socket.resume();
    this.#pump();
  };

  /** Ends a streamed response's generator (PEP 3333: call `close()` when done). */
  #endStream(): void {
    const stream = this.#stream!;
    this.#stream = null;
    closeQuietly(stream.res, stream.request);
    this.#responded(stream.request, stream.res.code, stream.sent);
  }

  // -------------------------------------------------------------------------------------------
  // Writing and closing

  #writeChunk(chunk: Chunk): void {
    if (typeof chunk === 'string') this.socket.write(chunk, 'utf8');
    else this.socket.write(toBytes(chunk));
  }

  #write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** A response is complete: the access log's one call (`--access-log`). */
  #responded(request: Request | null, status: number, bodyBytes: number, method = request?.method ?? '-'): void {
    this.#options.onResponse?.({ method, target: request?.target ?? '-', status, bodyBytes, ms: performance.now() - this.#startedAt });
  }

  #uncork(): void {
    if (this.#corked) {
      this.#corked = false;
      this.socket.uncork();
    }
  }

  /**
   * A protocol error: the minimal response it names, then close. `method` is the request's,
   * when it is known (the one being read, or the one whose head the parser has parsed).
   */
  #fail(err: unknown, method = this.#request?.method ?? this.#parser.method): void {
    if (!(err instanceof HttpError)) {
      // Not a protocol error: a bug. Do not guess at a response.
      process.stderr.write(`nibiru-ts: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      this.#uncork();
      this.destroy();
      return;
    }
    const response = errorResponse(err.status, '1.1', 'close', method === 'HEAD');
    this.#write(response);
    this.#responded(this.#request, err.status, bodyLength(response), method ?? '-');
    this.#close();
  }

  /**
   * An error status of the server's own for a request read in full (a 500 for an app that
   * threw, a 501 for an unknown method): the connection is still in step, so it stays open if
   * the request allows.
   */
  #answerError(request: Request, status: number): void {
    const close = !request.keepAlive || this.#shutdown;
    const response = errorResponse(status, '1.1', close ? 'close' : request.version === '1.0' ? 'keep-alive' : 'none', request.method === 'HEAD');
    this.#write(response);
    this.#responded(request, status, bodyLength(response));
    if (close) this.#close();
    else this.#state = 'idle';
  }

  /** Closes after what was written: half-close, drain, then destroy (RFC 9112 §9.6). */
  #close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#uncork();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.socket.isPaused()) this.socket.resume();
    lingeringClose(this.socket, this.#options.lingerMs);
  }

  // -------------------------------------------------------------------------------------------
  // The one timer

  /** Sets the deadline `ms` from now, replacing the one before. */
  #arm(ms: number, onDeadline: number): void {
    const at = Date.now() + ms;
    this.#deadline = at;
    this.#onDeadline = onDeadline;
    if (this.#timer === null || at < this.#timerAt) {
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = setTimeout(this.#onTimer, ms);
      this.#timer.unref();
      this.#timerAt = at;
    }
    // else: the timer fires earlier than needed, sees the later deadline and re-arms
  }

  #onTimer = (): void => {
    this.#timer = null;
    if (this.#state === 'closed') return;
    const now = Date.now();
    if (now < this.#deadline) {
      this.#timer = setTimeout(this.#onTimer, this.#deadline - now);
      this.#timer.unref();
      this.#timerAt = this.#deadline;
      return;
    }
    if (this.#onDeadline === ON_TIMEOUT_408) {
      this.#fail(new RequestTimeout(this.#state === 'body' ? 'request body not received in time' : undefined));
    } else if (this.#onDeadline === ON_TIMEOUT_CLOSE) {
      this.#close();
    } else {
      this.destroy();
    }
  };
}

/**
 * Serves one connection until it closes: every request on it, in order. Give it a socket
 * created with `allowHalfOpen: true` so that a client's FIN does not end the response to a
 * request it has already sent (it works without, but then Node ends the socket for it).
 *
 * @returns the {@link Connection}, for graceful shutdown.
 * @see RFC 9112 §9 (connection management), §9.3 (persistence), §9.3.2 (pipelining)
 */
export function handleConnection(socket: Socket, options: ConnectionOptions): Connection {
  return new ServedConnection(socket, options);
}

/**
 * Half-closes the socket after the response, drains whatever the client still sends, and
 * destroys the socket when the client closes or after `lingerMs`.
 *
 * @see RFC 9112 §9.6
 */
export function lingeringClose(socket: Socket, lingerMs: number): void {
  socket.end();
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.resume();
}

/** The body's length in a response the server wrote whole (after its empty line). */
function bodyLength(response: Buffer): number {
  return response.length - response.indexOf('\r\n\r\n') - 4;
}

function describe(request: Request): string {
  return `${request.method} ${request.target}`;
}

function logAppError(request: Request, err: unknown): void {
  process.stderr.write(`nibiru-ts: application error on ${describe(request)}\n`);
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
}

/** Ends the app's iterable: `return()` for a generator cut short, then PEP 3333's `close()`. */
function closeQuietly(res: AppResponse, request: Request): void {
  try {
    res.rest?.return?.();
    res.close?.();
  } catch (err) {
    logAppError(request, err);
  }
}
