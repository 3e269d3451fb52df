/**
 * One connection of stage 01: read a request-line, answer it, close.
 *
 * Strategy: buffer bytes until the first LF, parse the request-line, call the application,
 * write the whole response with `Connection: close`, and close. That is all nibiru did on
 * 2024-08-06. Two details make it a server clients can trust:
 *
 * - **The bytes after the request-line.** A client sends its header section (and maybe a
 *   body) right behind the request-line. This stage reads none of it, and closing a TCP socket
 *   whose receive queue still holds unread bytes makes Linux send RST instead of FIN; a client
 *   that has not yet read the response then sees `connection reset by peer` and loses it. So
 *   the connection closes in stages, the "lingering close" of RFC 9112 §9.6: it half-closes
 *   (FIN after the response), keeps reading and discarding until the client closes its side,
 *   and gives up after `lingerMs`.
 * - **Limits.** A line longer than `maxRequestLine` gets 414; a client that sends no full
 *   line within `headerTimeoutMs` is disconnected.
 *
 * What it will not do: read header fields or a body, or keep the connection open. Stage 02
 * does both.
 */

import type { Socket } from 'node:net';
import { BufferInput, stderrStream, type App, type Environ } from './app.ts';
import { HttpError } from './errors.ts';
import { decodePath, findLineEnd, parseRequestLine, splitTarget, type RequestLine } from './request-line.ts';
import { errorResponse, httpDate, runApp, serializeHead } from './response.ts';

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
}

/**
 * Serves one connection: one request-line, one response, then a lingering close.
 *
 * @see RFC 9112 §3 (request-line), §9.6 (tear-down)
 */
export function handleConnection(socket: Socket, options: ConnectionOptions): void {
  socket.setNoDelay(true);
  let pending: Buffer | null = null;
  let answered = false;

  const timer = setTimeout(() => socket.destroy(), options.headerTimeoutMs);
  timer.unref();

  socket.on('error', () => socket.destroy());
  socket.on('close', () => clearTimeout(timer));
  socket.on('data', (data: Buffer) => {
    if (answered) return; // lingering: discard what follows the request-line
    const buf: Buffer = pending === null ? data : Buffer.concat([pending, data]);
    const lf = findLineEnd(buf, pending === null ? 0 : pending.length - 1);
    if (lf === -1) {
      // +1: the CR that may still come before the LF does not count against the limit
      if (buf.length > options.maxRequestLine + 1) respond(errorResponse(414));
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
    respond(answer(line, socket, options));
  });

  function respond(bytes: Buffer | Buffer[]): void {
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
    lingeringClose(socket, options.lingerMs);
  }
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
    if (err instanceof HttpError) return errorResponse(err.status);
    throw err;
  }
  try {
    const res = runApp(options.app, environ);
    let extra = `Date: ${httpDate()}\r\n`;
    if (!res.headers.some(([n]) => n.toLowerCase() === 'content-length')) {
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
    return errorResponse(500);
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
