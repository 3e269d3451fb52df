/**
 * One connection: many requests, each parsed in full, answered in order.
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
 *   time, and each response is written (by a {@link ResponseWriter}) before the next event is
 *   asked for; after a response that closes the connection, none is. When the responses
 *   waiting to be sent pass `maxWriteBuffer` (a client that pipelines and does not read), the
 *   connection stops taking requests and stops reading until the socket drains, so the server
 *   never holds more than about that much per connection. A streamed response whose client
 *   does not read waits the same way: `writing`.
 * - **Shutdown** (`shutdown()`, which the `ConnectionSet` of `serving.ts` calls): a busy
 *   connection finishes the response in flight, with `Connection: close`; an idle one gets
 *   one more turn of the event loop first, since idle only means that no byte has been read,
 *   and a request already waiting in the kernel is read and served in that turn.
 * - **One timer per connection**, never one per request. A deadline is a time and what to do
 *   then; the timer fires at the earliest deadline armed and re-arms itself if the deadline
 *   has moved later since, so the common path only stores a number.
 * - **The connection calls the application** ({@link callApp}) once a request is read in full,
 *   and hands what to answer to a {@link ResponseWriter}, which decides framing and
 *   persistence and writes it. Every response goes that way, the server's own too
 *   ({@link serverResponse}): a protocol error (an {@link HttpError} from the parser, or a
 *   timeout) gets a minimal response with `Connection: close` (and no body, to HEAD) and a
 *   lingering close (RFC 9112 §9.6), and the connection is never reused after one; a
 *   well-framed request with a method the server does not implement gets 501 (RFC 9110 §9.1)
 *   without reaching the app, and an app that throws before answering gets 500, and the
 *   connection goes on in both cases, since the request was read in full. An app that fails
 *   once part of its response is out gets its connection cut (`response.ts`).
 *
 * What it will not do: run the application asynchronously (a WSGI app blocks the process, the
 * cost stages 03 and 04 measure), upgrade protocols, or answer `CONNECT`.
 */

import type { Socket } from 'node:net';
import { callApp, type App, type AppResponse } from './app.ts';
import { buildEnviron, type EnvironContext } from './environ.ts';
import { HttpError, RequestTimeout } from './errors.ts';
import type { AccessRecord } from './log.ts';
import { NEED_DATA, RequestParser, type ParserLimits, type Request } from './parser.ts';
import { readIntoSharedBuffer } from './read-buffer.ts';
import { KNOWN_METHODS } from './request-line.ts';
import {
  describeRequest,
  logAppError,
  ResponseWriter,
  sendContinue,
  serverResponse,
  type ResponseProgress,
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

/**
 * What happens when the connection's deadline passes: close an idle connection silently,
 * answer a request that is too slow with 408, or destroy a connection whose client does not
 * read its responses.
 */
type OnDeadline = 'close' | 'timeout' | 'destroy';

class ServedConnection implements Connection {
  readonly socket: Socket;
  readonly #options: ConnectionOptions;
  readonly #parser: RequestParser;
  readonly #environContext: EnvironContext;
  #state: ConnectionState = 'idle';
  /** The request being read, and its body so far. */
  #request: Request | null = null;
  #body: Buffer[] = [];
  /** The response that waits for the socket to drain, if any. */
  #response: ResponseWriter | null = null;
  #shutdown = false;
  #peerEnded = false;
  /** When the bytes of the request in progress began to arrive (`performance.now()`). */
  #startedAt = 0;
  /** Whether #pump has corked the socket for pipelined responses. */
  #corked = false;
  /** Whether the socket reads into the process's one read buffer (`read-buffer.ts`). */
  readonly #shared: boolean;

  #timer: NodeJS.Timeout | null = null;
  #timerAt = 0;
  #deadline = 0;
  #onDeadline: OnDeadline = 'close';

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.#options = options;
    this.#parser = new RequestParser(options);
    this.#environContext = {
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
    this.#arm(options.keepAliveTimeoutMs, 'close');
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get busy(): boolean {
    return this.#state === 'head' || this.#state === 'body' || this.#state === 'writing';
  }

  get request(): string | null {
    const request = this.#request ?? this.#response?.request;
    return request ? describeRequest(request) : null;
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

  #onRead = (bytes: Buffer): void => {
    this.#onData(bytes);
    // the next read overwrites the shared buffer: keep what the parser still needs
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
    this.#response?.abandon();
    this.#response = null;
  };

  // -------------------------------------------------------------------------------------------
  // The request loop

  /**
   * Takes events from the parser until it needs more bytes, answering each request in turn.
   * Step 2 (chapter 05), on top of the writer: when more requests are already buffered behind
   * the one answered (pipelining), the socket is corked until the loop ends, so that their
   * responses leave in one write.
   */
  #pump(): void {
    try {
      for (;;) {
        let event;
        try {
          event = this.#parser.next();
        } catch (err) {
          this.#fail(err);
          return;
        }
        if (event === NEED_DATA) break;
        if (event.type === 'request') {
          this.#startRequest(event);
        } else if (event.type === 'data') {
          // a view of the shared read buffer would not survive the next read
          this.#body.push(this.#shared ? Buffer.from(event.chunk) : event.chunk);
        } else {
          // step 2: cork while pipelined requests wait behind this one
          if (!this.#corked && this.#parser.buffered !== 0) {
            this.socket.cork();
            this.#corked = true;
          }
          if (!this.#respond()) return; // closing, or a streamed response waits for drain
          if (this.socket.writableLength > this.#options.maxWriteBuffer) {
            // The client is not reading its responses: take no more requests until it does.
            this.#waitForDrain();
            return;
          }
        }
      }
      this.#waitForRequest();
    } finally {
      // what was corked leaves now, before any wait for 'drain' (which only a write can bring)
      this.#uncork();
    }
  }

  /** Sends what #pump corked (step 2). */
  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.socket.uncork();
  }

  /** A request's head is in: wait for its body, if it has one. */
  #startRequest(request: Request): void {
    this.#request = request;
    if (request.body === 'none') return;
    this.#state = 'body';
    this.#arm(this.#options.bodyTimeoutMs, 'timeout');
    // RFC 9110 §10.1.1: a client that waits for 100 (Continue) gets it, unless it has sent
    // the body anyway.
    if (request.expectContinue && this.#parser.buffered === 0) sendContinue(this.socket);
  }

  /** The parser needs more bytes: decide which deadline applies. */
  #waitForRequest(): void {
    if (this.#state === 'body') return; // the body timeout runs
    if (this.#parser.buffered === 0 && this.#parser.state === 'idle') {
      // between requests
      if (this.#shutdown || this.#peerEnded) {
        this.#close();
        return;
      }
      this.#state = 'idle';
      this.#arm(this.#options.keepAliveTimeoutMs, 'close');
    } else if (this.#state === 'idle') {
      // The first bytes of a request: its header section must be complete in time (not
      // refreshed by later bytes, so a client cannot hold the connection a byte at a time).
      this.#state = 'head';
      this.#arm(this.#options.headerTimeoutMs, 'timeout');
    }
  }

  /**
   * Answers the request whose body is complete: hands what to answer to a
   * {@link ResponseWriter}. Returns true when the connection may go on to the next request.
   */
  #respond(): boolean {
    const request = this.#request!;
    let body: Buffer | null = null;
    if (this.#body.length !== 0) {
      body = Buffer.concat(this.#body);
      this.#body = [];
    }
    this.#request = null;

    const answer = this.#answer(request, body);
    if (answer === null) return false; // a 400 has been sent, and the connection closes
    const response = new ResponseWriter(this.socket, request, answer, this.#shutdown);
    return this.#afterResponse(response, response.start());
  }

  /**
   * What to answer `request` with: what the application answered (the connection calls it,
   * {@link callApp}), or the server's own 501 or 500. Null when the request cannot reach the
   * application at all (a malformed percent-escape in its path): it has been answered 400.
   */
  #answer(request: Request, body: Buffer | null): AppResponse | null {
    // RFC 9110 §9.1: a method the server does not implement gets 501, not the app
    if (!KNOWN_METHODS.has(request.method)) return serverResponse(501);
    let environ;
    try {
      environ = buildEnviron(request, body, this.#environContext);
    } catch (err) {
      this.#fail(err, request.method);
      return null;
    }
    try {
      return callApp(this.#options.app, environ);
    } catch (err) {
      // Nothing was sent yet, so a 500 is still honest; and the request was read in full, so
      // the connection is still in step.
      logAppError(request, err);
      return serverResponse(500);
    }
  }

  /**
   * Acts on where the response is: written (then the next request, or close), blocked, or
   * broken. Returns true when the connection may go on to the next request.
   */
  #afterResponse(response: ResponseWriter, progress: ResponseProgress): boolean {
    this.#response = progress === 'blocked' ? response : null;
    if (progress !== 'blocked') this.#responded(response);
    switch (progress) {
      case 'keep-alive':
        this.#state = 'idle';
        return true;
      case 'close':
        this.#close();
        return false;
      case 'blocked':
        this.#waitForDrain();
        return false;
      case 'abort':
        this.#uncork(); // the part of the response already written goes out before the cut
        this.destroy();
        return false;
    }
  }

  /**
   * Back-pressure: the socket holds more than the client has read. Stop reading (and so stop
   * taking requests) and, for a streamed response, stop generating, until it drains. A client
   * that never reads is cut off after the longer of the keep-alive and body timeouts.
   */
  #waitForDrain(): void {
    this.#state = 'writing';
    this.socket.pause();
    this.socket.once('drain', this.#onDrain);
    this.#arm(Math.max(this.#options.keepAliveTimeoutMs, this.#options.bodyTimeoutMs), 'destroy');
  }

  #onDrain = (): void => {
    if (this.#state !== 'writing') return;
    const response = this.#response;
    if (response !== null && !this.#afterResponse(response, response.resume())) return;
    // the responses have gone out: take the requests that arrived meanwhile
    this.#state = 'idle';
    this.socket.resume();
    this.#pump();
  };

  // -------------------------------------------------------------------------------------------
  // Closing

  /**
   * A protocol error: the minimal response it names, then close. `method` is the request's,
   * when it is known (the one being read, or the one whose head the parser has parsed).
   */
  #fail(err: unknown, method = this.#request?.method ?? this.#parser.method): void {
    if (!(err instanceof HttpError)) {
      // Not a protocol error: a bug. Do not guess at a response.
      process.stderr.write(`nibiru-ts: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      this.destroy();
      return;
    }
    // The connection cannot go on: the request's bytes were not all read, or not understood.
    // It is answered as HTTP/1.1, with `Connection: close`, whatever version it claimed.
    const answered = {
      method: method ?? '-',
      target: this.#request?.target ?? '-',
      version: '1.1',
      connection: { close: true, keepAlive: false },
    } as const;
    const response = new ResponseWriter(this.socket, answered, serverResponse(err.status), this.#shutdown);
    this.#afterResponse(response, response.start());
  }

  /** A response is complete: the access log's one call (`--access-log`), with the writer's figures. */
  #responded(response: ResponseWriter): void {
    const { method, target } = response.request;
    const ms = performance.now() - this.#startedAt;
    this.#options.onResponse?.({ method, target, status: response.status, bodyBytes: response.bodyBytes, ms });
  }

  /** Closes after what was written: half-close, drain, then destroy (RFC 9112 §9.6). */
  #close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    lingeringClose(this.socket, this.#options.lingerMs);
  }

  // -------------------------------------------------------------------------------------------
  // The one timer

  /** Sets the deadline `ms` from now, replacing the one before. */
  #arm(ms: number, onDeadline: OnDeadline): void {
    const at = Date.now() + ms;
    this.#deadline = at;
    this.#onDeadline = onDeadline;
    if (this.#timer === null || at < this.#timerAt) {
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = setTimeout(this.#onTimer, ms).unref();
      this.#timerAt = at;
    }
    // else: the timer fires earlier than needed, sees the later deadline and re-arms
  }

  #onTimer = (): void => {
    this.#timer = null;
    if (this.#state === 'closed') return;
    const now = Date.now();
    if (now < this.#deadline) {
      this.#timer = setTimeout(this.#onTimer, this.#deadline - now).unref();
      this.#timerAt = this.#deadline;
      return;
    }
    switch (this.#onDeadline) {
      case 'close':
        this.#close();
        break;
      case 'timeout':
        this.#fail(new RequestTimeout(this.#state === 'body' ? 'request body not received in time' : undefined));
        break;
      case 'destroy':
        this.destroy();
        break;
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
