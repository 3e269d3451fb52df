/**
 * One connection of stage 01: read a request-line, answer it, close.
 *
 * Strategy: buffer bytes until the first LF, parse the request-line (`request-line.ts`), build
 * the environ (`environ.ts`), call the application ({@link callApp}), write the whole response
 * with `Connection: close` (`response.ts`), and close. That is all nibiru did on 2024-08-06. A
 * protocol error (an {@link HttpError} from the parser) gets the server's own response instead,
 * written the same way. A few details make it a server clients can trust:
 *
 * - **The bytes after the request-line.** A client sends its header section (and maybe a
 *   body) right behind the request-line. This stage reads none of it, and closing a TCP socket
 *   whose receive queue still holds unread bytes makes Linux send RST instead of FIN; a client
 *   that has not yet read the response then sees `connection reset by peer` and loses it. So
 *   the connection closes in stages, the "lingering close" of RFC 9112 §9.6: it half-closes
 *   (FIN after the response), keeps reading and discarding until the client closes its side,
 *   and gives up after `lingerMs`.
 * - **Limits.** A line longer than `maxRequestLine` gets 414 as soon as it is, LF or not; a
 *   client that sends no full line within `headerTimeoutMs` is disconnected.
 * - **The first bytes.** Empty lines (CRLF) before the request-line are skipped, as RFC 9112
 *   §2.2 asks, up to {@link MAX_LEADING_EMPTY_BYTES}. After them, a byte that cannot start a
 *   method (a TLS handshake sent to this plain-HTTP port, a bare LF) gets 400 at once, rather
 *   than a wait for a LF that may never come.
 *
 * What it will not do: read header fields or a body, or keep the connection open. Stage 02
 * does both.
 */

import type { Socket } from 'node:net';
import { CR, isTchar, LF } from './abnf.ts';
import { callApp, type App, type AppResponse } from './app.ts';
import { buildEnviron } from './environ.ts';
import { HttpError } from './errors.ts';
import type { AccessRecord } from './log.ts';
import { findLineEnd, parseRequestLine, type RequestLine } from './request-line.ts';
import { logAppError, serverResponse, writeResponse } from './response.ts';

/**
 * How many bytes of empty lines may precede a request-line before it is an error.
 *
 * @see RFC 9112 §2.2 ("a server that is expecting to receive and parse a request-line SHOULD
 * ignore at least one empty line (CRLF) received prior to the request-line")
 */
export const MAX_LEADING_EMPTY_BYTES = 256;

/** What a connection needs to know. */
export interface ConnectionOptions {
  /** The application to call. */
  readonly app: App;
  /** The longest request-line accepted, in bytes; longer gets 414. */
  readonly maxRequestLine: number;
  /** How long a client has to send its request-line, in milliseconds. */
  readonly headerTimeoutMs: number;
  /** How long to keep draining a half-closed connection, in milliseconds. */
  readonly lingerMs: number;
  /** `SERVER_NAME` for the environ. */
  readonly serverName: string;
  /** `SERVER_PORT` for the environ. */
  readonly serverPort: number;
  /** Called once per response, when it has been handed to the socket (`--access-log`). */
  readonly onResponse?: ((record: AccessRecord) => void) | undefined;
}

/**
 * Serves one connection: one request-line, one response, then a lingering close.
 *
 * @see RFC 9112 §3 (request-line), §9.6 (tear-down)
 */
export function handleConnection(socket: Socket, options: ConnectionOptions): void {
  socket.setNoDelay(true);
  let pending: Buffer | null = null;
  let emptyBytes = 0;
  let answered = false;
  /** When the request's first bytes arrived (`performance.now()`), for the access log. */
  let startedAt = 0;

  const timer = setTimeout(() => socket.destroy(), options.headerTimeoutMs);
  timer.unref();

  socket.on('error', () => socket.destroy());
  socket.on('close', () => clearTimeout(timer));
  socket.on('data', (data: Buffer) => {
    if (answered) return; // lingering: discard what follows the request-line
    if (startedAt === 0) startedAt = performance.now();
    const searched = pending === null ? 0 : pending.length; // bytes known to hold no LF
    let buf: Buffer = pending === null ? data : Buffer.concat([pending, data]);
    pending = null;
    // Empty lines (CRLF) before the request-line are skipped (RFC 9112 §2.2), up to a bound.
    let start = 0;
    while (buf[start] === CR && buf[start + 1] === LF) start += 2;
    if (start > 0) {
      emptyBytes += start;
      if (emptyBytes > MAX_LEADING_EMPTY_BYTES) {
        respond(serverResponse(400));
        return;
      }
      buf = buf.subarray(start);
      if (buf.length === 0) return;
    }
    // A request-line starts with a method token; a lone CR may still become an empty line.
    if (!isTchar(buf[0]!) && !(buf.length === 1 && buf[0] === CR)) {
      respond(serverResponse(400));
      return;
    }
    const lf = findLineEnd(buf, start === 0 ? searched : 0);
    if (lf === -1) {
      // The line so far, less a CR that may turn out to be its terminator, against the limit.
      const length = buf.length - (buf[buf.length - 1] === CR ? 1 : 0);
      if (length > options.maxRequestLine) respond(serverResponse(414));
      else pending = buf;
      return;
    }
    let line: RequestLine;
    try {
      line = parseRequestLine(buf, 0, lf, options.maxRequestLine);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      respond(serverResponse(err.status));
      return;
    }
    respond(answer(line, socket, options), line);
  });

  /** Writes `res`, the answer to `line` (null when the request-line could not be read), then closes. */
  function respond(res: AppResponse, line: RequestLine | null = null): void {
    answered = true;
    pending = null;
    clearTimeout(timer);
    const method = line?.method ?? '-';
    const bodyBytes = writeResponse(socket, method, res);
    const ms = performance.now() - startedAt;
    options.onResponse?.({ method, target: line?.target ?? '-', status: res.code, bodyBytes, ms });
    lingeringClose(socket, options.lingerMs);
  }
}

/**
 * What to answer `line` with: what the application answered (the connection calls it,
 * {@link callApp}), or the server's own 400 (a malformed percent-escape in the path, which
 * cannot reach the application) or 500 (an application that throws, or breaks the interface:
 * nothing was sent yet, so a 500 is still honest, and the process keeps serving).
 */
function answer(line: RequestLine, socket: Socket, options: ConnectionOptions): AppResponse {
  let environ;
  try {
    environ = buildEnviron(line, {
      serverName: options.serverName,
      serverPort: String(options.serverPort),
      remoteAddr: socket.remoteAddress ?? '',
      remotePort: String(socket.remotePort ?? ''),
    });
  } catch (err) {
    if (err instanceof HttpError) return serverResponse(err.status);
    throw err;
  }
  try {
    return callApp(options.app, environ);
  } catch (err) {
    logAppError(line, err);
    return serverResponse(500);
  }
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
