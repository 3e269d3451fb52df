/**
 * One connection of stage 01: read a request-line, answer it, close.
 *
 * Strategy: buffer bytes until the first LF, parse the request-line, call the application,
 * write the whole response with `Connection: close`, and close. That is all nibiru did on
 * 2024-08-06. A few details make it a server clients can trust:
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
import { BufferInput, stderrStream, type App, type Environ } from './app.ts';
import { HttpError } from './errors.ts';
import type { AccessRecord } from './log.ts';
import { decodePath, findLineEnd, parseRequestLine, splitTarget, TCHAR, type RequestLine } from './request-line.ts';
import { errorResponse, findHeader, httpDate, runApp, serializeHead } from './response.ts';

const CR = 0x0d;
const LF = 0x0a;

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
        respond(errorResponse(400));
        return;
      }
      buf = buf.subarray(start);
      if (buf.length === 0) return;
    }
    // A request-line starts with a method token; a lone CR may still become an empty line.
    if (TCHAR[buf[0]!] !== 1 && !(buf.length === 1 && buf[0] === CR)) {
      respond(errorResponse(400));
      return;
    }
    const lf = findLineEnd(buf, start === 0 ? searched : 0);
    if (lf === -1) {
      // The line so far, less a CR that may turn out to be its terminator, against the limit.
      const length = buf.length - (buf[buf.length - 1] === CR ? 1 : 0);
      if (length > options.maxRequestLine) respond(errorResponse(414));
      else pending = buf;
      return;
    }
    let line: RequestLine;
    try {
      line = parseRequestLine(buf, 0, lf, options.maxRequestLine);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      respond(errorResponse(err.status));
      return;
    }
    respond(answer(line, socket, options), line);
  });

  function respond(bytes: Buffer | Buffer[], line: RequestLine | null = null): void {
    answered = true;
    pending = null;
    clearTimeout(timer);
    if (Array.isArray(bytes)) {
      socket.cork();
      for (const b of bytes) socket.write(b);
      socket.uncork();
    } else {
      socket.write(bytes);
    }
    options.onResponse?.(accessRecord(bytes, line, performance.now() - startedAt));
    lingeringClose(socket, options.lingerMs);
  }
}

/** What the access log says of a response: its status and body length, read from its bytes. */
function accessRecord(bytes: Buffer | Buffer[], line: RequestLine | null, ms: number): AccessRecord {
  const [head, ...body] = Array.isArray(bytes) ? bytes : [bytes];
  // `HTTP/1.1 200 OK`: the status code is at bytes 9 to 12
  const status = Number(head!.toString('latin1', 9, 12));
  let bodyBytes = head!.length - head!.indexOf('\r\n\r\n') - 4;
  for (const b of body) bodyBytes += b.length;
  return { method: line?.method ?? '-', target: line?.target ?? '-', status, bodyBytes, ms };
}

/**
 * Calls the application for one request-line and returns the response bytes. An application
 * that throws, or breaks the interface, gets a 500 and the process keeps serving.
 */
function answer(line: RequestLine, socket: Socket, options: ConnectionOptions): Buffer | Buffer[] {
  let environ: Environ;
  try {
    const { path, query } = splitTarget(line.target, line.form);
    environ = {
      REQUEST_METHOD: line.method,
      SCRIPT_NAME: '',
      PATH_INFO: decodePath(path),
      QUERY_STRING: query,
      SERVER_NAME: options.serverName,
      SERVER_PORT: String(options.serverPort),
      SERVER_PROTOCOL: `HTTP/${line.version}`,
      REMOTE_ADDR: socket.remoteAddress ?? '',
      REMOTE_PORT: String(socket.remotePort ?? ''),
      'wsgi.version': [1, 0],
      'wsgi.url_scheme': 'http',
      'wsgi.input': new BufferInput(),
      'wsgi.errors': stderrStream,
      'wsgi.multithread': false,
      'wsgi.multiprocess': false,
      'wsgi.run_once': false,
    };
  } catch (err) {
    if (err instanceof HttpError) return errorResponse(err.status, '1.1', line.method === 'HEAD');
    throw err;
  }
  try {
    const res = runApp(options.app, environ);
    // Date and Content-Length unless the application gave its own: never one twice (RFC 9110
    // §5.3), and an origin server with a clock sends a Date (§6.6.1).
    let extra = findHeader(res.headers, 'date') === undefined ? `Date: ${httpDate()}\r\n` : '';
    if (findHeader(res.headers, 'content-length') === undefined) {
      extra += `Content-Length: ${res.length}\r\n`;
    }
    extra += 'Connection: close\r\n';
    // Always HTTP/1.1: a server answers with the highest version it speaks (RFC 9110 §6.2)
    const head = Buffer.from(serializeHead('1.1', res.status, res.headers, extra), 'latin1');
    // HEAD: the same headers as GET, no body (RFC 9110 §9.3.2)
    return line.method === 'HEAD' ? head : [head, ...res.body];
  } catch (err) {
    process.stderr.write(`nibiru-ts: application error on ${line.method} ${line.target}\n`);
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    return errorResponse(500, '1.1', line.method === 'HEAD');
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
