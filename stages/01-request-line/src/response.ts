/**
 * The response: what the server answers, and writing it to the socket.
 *
 * Strategy: the connection hands {@link writeResponse} what to answer (an application's
 * response, checked by `callApp`, or one of the server's own, {@link serverResponse}: an error
 * or a 500) and the request's method. The head is the application's status and headers, then
 * `Date` (unless the app set one), `Content-Length` (unless the app declared it) and
 * `Connection: close`; `writer.ts` encodes it, with the whole body, into one buffer, which
 * leaves in one write. A response to HEAD has the head GET would get, and no body.
 *
 * What it will not do: call the application (the connection does, with `callApp`); stream a
 * body, or keep the connection open for another request: stage 02 does both.
 */

import type { Socket } from 'node:net';
import type { AppResponse } from './app.ts';
import type { RequestLine } from './request-line.ts';
import { encodeHead, encodeResponse, httpDate, STATUS_TEXT } from './writer.ts';

/**
 * The head of an application's response: its status and headers, then `Date` (unless the app
 * set one), `Content-Length` (unless the app declared it) and `Connection: close`.
 *
 * @see RFC 9112 §4, §6.3, §9.6; RFC 9110 §6.6.1 (Date), §8.6 (never one Content-Length twice)
 */
export function responseHead(res: AppResponse): string {
  return encodeHead({
    status: res.status,
    headers: res.headers,
    date: res.hasDate ? null : httpDate(),
    contentLength: res.declaredLength === -1 ? res.length : -1,
  });
}

/**
 * A minimal response of the server's own, for an error: plain text, its body known (so framed
 * by `Content-Length`). It is written like an application's response: to HEAD it has the same
 * fields and no body (RFC 9110 §9.3.2).
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
  };
}

/**
 * Writes a whole response, head and body in one write.
 *
 * @param method the request's method, or `-` when the request-line could not be read.
 * @returns the bytes of body written (for the access log).
 * @see RFC 9112 §6.3 (framing); RFC 9110 §9.3.2 (HEAD)
 */
export function writeResponse(socket: Socket, method: string, res: AppResponse): number {
  // HEAD: the headers GET would get, yet no body (RFC 9110 §9.3.2)
  const sendsBody = method !== 'HEAD';
  socket.write(encodeResponse(responseHead(res), sendsBody ? res.chunks : [], sendsBody ? res.length : 0));
  return sendsBody ? res.length : 0;
}

/** The request as its method and target (`GET /path`), for a log line. */
export function describeRequest(request: Pick<RequestLine, 'method' | 'target'>): string {
  return `${request.method} ${request.target}`;
}

/** Logs an application's error, with its stack, to stderr; the process keeps serving. */
export function logAppError(request: Pick<RequestLine, 'method' | 'target'>, err: unknown): void {
  process.stderr.write(`nibiru-ts: application error on ${describeRequest(request)}\n`);
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
}
