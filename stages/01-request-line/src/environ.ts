/**
 * From a parsed request-line to the application's `environ` (PEP 3333, adapted: see
 * `docs/wsgi.md`).
 *
 * Strategy: the CGI keys from the request-line and the connection. This stage reads no header
 * field, so `SERVER_NAME` and `SERVER_PORT` are the listen address, there is no `HTTP_*` key,
 * and `wsgi.input` is empty.
 *
 * What it will not do: percent-decode the query string (PEP 3333 leaves that to the app).
 */

import { BufferInput, stderrStream, type Environ } from './app.ts';
import type { RequestLine } from './request-line.ts';
import { decodePath, splitTarget } from './target.ts';

/** What the environ needs to know about the connection and the server. */
export interface EnvironContext {
  /** `SERVER_NAME`. */
  readonly serverName: string;
  /** `SERVER_PORT`. */
  readonly serverPort: string;
  /** `REMOTE_ADDR`. */
  readonly remoteAddr: string;
  /** `REMOTE_PORT`. */
  readonly remotePort: string;
}

/**
 * Builds the environ for one request.
 *
 * @throws {@link BadRequest} when the path holds a malformed percent-escape.
 * @see PEP 3333 "environ Variables"; RFC 3875 §4.1
 */
export function buildEnviron(request: RequestLine, ctx: EnvironContext): Environ {
  const { path, query } = splitTarget(request);
  return {
    REQUEST_METHOD: request.method,
    SCRIPT_NAME: '',
    PATH_INFO: request.form === 'asterisk' ? '*' : decodePath(path),
    QUERY_STRING: query,
    SERVER_NAME: ctx.serverName,
    SERVER_PORT: ctx.serverPort,
    SERVER_PROTOCOL: request.version === '1.1' ? 'HTTP/1.1' : 'HTTP/1.0',
    REMOTE_ADDR: ctx.remoteAddr,
    REMOTE_PORT: ctx.remotePort,
    'wsgi.version': [1, 0],
    'wsgi.url_scheme': 'http',
    'wsgi.input': new BufferInput(),
    'wsgi.errors': stderrStream,
    'wsgi.multithread': false,
    'wsgi.multiprocess': false,
    'wsgi.run_once': false,
  };
}
