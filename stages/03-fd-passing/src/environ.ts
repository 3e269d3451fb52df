/**
 * From a parsed request to the application's `environ` (PEP 3333, adapted: see `docs/wsgi.md`).
 *
 * Strategy: the CGI keys from the request-line and the connection, then one `HTTP_*` key per
 * distinct field name. The header fields arrive from the parser already lowercased and in
 * order; a name that repeats is combined into
 * one value, as RFC 9110 §5.3 allows a recipient to do: the values joined with `, `, in order.
 * `Cookie` is the exception: its values are joined with `; ` (RFC 6265 §5.4), since a cookie
 * value may itself hold a comma. `Content-Type` and `Content-Length` become `CONTENT_TYPE` and
 * `CONTENT_LENGTH` (CGI's names, RFC 3875 §4.1), never `HTTP_CONTENT_*`.
 *
 * `SERVER_NAME` and `SERVER_PORT` come from `Host` when the request has one (the parser has
 * already checked there is exactly one, and that it is well formed), else from the listen
 * address. For an absolute-form target (`GET http://a.example:81/p`) they, and `HTTP_HOST`,
 * come from the target's authority instead: RFC 9112 §3.2.2 says the server MUST ignore the
 * `Host` field then, and an app that rebuilds the URL from `HTTP_HOST` (as PEP 3333's recipe
 * does) would not. `CONTENT_LENGTH` is the length of the decoded body the application will
 * read, so a chunked request gets one too.
 *
 * What it will not do: percent-decode the query string (PEP 3333 leaves that to the app), or
 * trust `Host` for anything but these keys.
 */

import { BufferInput, stderrStream, type Environ } from './app.ts';
import type { Request } from './parser.ts';
import { decodePath, splitTarget } from './target.ts';

/** What the environ needs to know about the connection and the server. */
export interface EnvironContext {
  /** `SERVER_NAME` when the request has no `Host`. */
  readonly serverName: string;
  /** `SERVER_PORT` when the request has no `Host` (or a `Host` without a port). */
  readonly serverPort: string;
  /** `REMOTE_ADDR`. */
  readonly remoteAddr: string;
  /** `REMOTE_PORT`. */
  readonly remotePort: string;
  /** `wsgi.multiprocess`. */
  readonly multiprocess: boolean;
}

// A request without a body reads from this one: reading from an empty buffer changes nothing.
const NO_BODY = Buffer.alloc(0);

/** The environ key of a (lowercased) field name: `user-agent` is `HTTP_USER_AGENT`. */
export function environKey(name: string): string {
  return `HTTP_${name.toUpperCase().replaceAll('-', '_')}`;
}

/**
 * Builds the environ for one request.
 *
 * @param body the decoded body, read in full (`null` when the request has none).
 * @throws {@link BadRequest} when the path holds a malformed percent-escape.
 * @see PEP 3333 "environ Variables"; RFC 3875 §4.1; RFC 9110 §5.3 (combining field lines)
 */
export function buildEnviron(request: Request, body: Buffer | null, ctx: EnvironContext): Environ {
  const { path, query } = splitTarget(request);
  const authority = request.authority;
  const environ: Environ = {
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
    'wsgi.input': new BufferInput(body ?? NO_BODY),
    'wsgi.errors': stderrStream,
    'wsgi.multithread': false,
    'wsgi.multiprocess': ctx.multiprocess,
    'wsgi.run_once': false,
  };
  const env = environ as unknown as Record<string, string>;
  // RFC 9112 §3.2.2: an absolute-form target's authority (checked by the parser) replaces Host
  const absolute = request.form === 'absolute';
  if (absolute) {
    setServerFromHost(environ, authority);
    env.HTTP_HOST = authority;
  }
  for (const [name, value] of request.headers) {
    if (name === 'host') {
      if (!absolute) {
        setServerFromHost(environ, value);
        env.HTTP_HOST = value;
      }
    } else if (name === 'content-type') {
      environ.CONTENT_TYPE = environ.CONTENT_TYPE === undefined ? value : `${environ.CONTENT_TYPE}, ${value}`;
    } else if (name === 'content-length') {
      // the parser has checked it; the decoded length is set below
    } else {
      const key = environKey(name);
      const before = env[key];
      env[key] = before === undefined ? value : `${before}${name === 'cookie' ? '; ' : ', '}${value}`;
    }
  }
  if (request.body !== 'none') environ.CONTENT_LENGTH = String(body === null ? 0 : body.length);
  return environ;
}

/** `Host: name[:port]`, where name may be an IP-literal in brackets (RFC 9110 §7.2). */
function setServerFromHost(environ: Environ, host: string): void {
  if (host === '') return; // allowed when the target carries no authority (RFC 9112 §3.2)
  // the port follows the last ':', unless that ':' is inside an IP-literal's brackets
  const colon = host.lastIndexOf(':');
  if (colon > host.lastIndexOf(']')) {
    environ.SERVER_NAME = host.slice(0, colon);
    if (colon + 1 < host.length) environ.SERVER_PORT = host.slice(colon + 1);
  } else {
    environ.SERVER_NAME = host;
    // RFC 9110 §4.2.1: no port means the scheme's default
    environ.SERVER_PORT = '80';
  }
}
