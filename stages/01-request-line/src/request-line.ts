/**
 * The request-line: `method SP request-target SP HTTP-version`.
 *
 * Strategy: a pure function over a byte range. It scans bytes, never regular expressions on
 * decoded strings, so that a later stage can call it on every request of a busy connection.
 * It checks each part against the RFC grammar and throws an {@link HttpError} subclass that
 * names the status to answer with. It does not look at anything after the line.
 *
 * The grammar (RFC 9112 §3, RFC 9110 §5.6.2):
 *
 * ```abnf
 * request-line   = method SP request-target SP HTTP-version
 * method         = token
 * token          = 1*tchar
 * tchar          = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *                  "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
 * HTTP-version   = HTTP-name "/" DIGIT "." DIGIT
 * HTTP-name      = %s"HTTP"
 * ```
 *
 * Deviations, each deliberate: exactly one SP between parts (RFC 9112 §3 lets a recipient be
 * lenient about whitespace; lenient whitespace is how request smuggling starts, so we are not);
 * the line must end with CRLF (§2.2 lets a recipient accept a bare LF; a server that may sit
 * behind a proxy which reads lines differently must not); the request-target must be visible
 * US-ASCII (RFC 3986 has no room for anything else).
 */

import { BadRequest, NotImplemented, UriTooLong, VersionNotSupported } from './errors.ts';

/** The HTTP versions this server speaks. `1.x` with x > 1 is answered as 1.1 (RFC 9110 §6.2). */
export type HttpVersion = '1.0' | '1.1';

/**
 * The four forms a request-target can take.
 *
 * @see RFC 9112 §3.2
 */
export type TargetForm = 'origin' | 'absolute' | 'authority' | 'asterisk';

/** A parsed request-line. */
export interface RequestLine {
  /** The method, case-sensitive as sent (RFC 9110 §9.1). */
  readonly method: string;
  /** The request-target exactly as sent. */
  readonly target: string;
  /** Which of the four forms the target takes. */
  readonly form: TargetForm;
  /** The protocol version the request is handled as. */
  readonly version: HttpVersion;
}

/**
 * The methods this server implements. Anything else that is a valid token gets 501.
 * CONNECT is absent on purpose: this is an origin server, not a tunnel.
 *
 * @see RFC 9110 §9.1
 */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

/** The default limit on a request-line's length, in bytes (the line terminator excluded). */
export const DEFAULT_MAX_REQUEST_LINE = 8192;

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;

/**
 * `TCHAR[b]` is 1 when byte `b` may appear in a token.
 *
 * @see RFC 9110 §5.6.2
 */
export const TCHAR: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (const c of "!#$%&'*+-.^_`|~") table[c.charCodeAt(0)] = 1;
  for (let b = 0x30; b <= 0x39; b++) table[b] = 1;
  for (let b = 0x41; b <= 0x5a; b++) table[b] = 1;
  for (let b = 0x61; b <= 0x7a; b++) table[b] = 1;
  return table;
})();

/**
 * Finds the end of the line that starts at `from`: the index of its LF, or -1 when the buffer
 * holds no LF yet ("need more data").
 */
export function findLineEnd(buf: Uint8Array, from = 0, to = buf.length): number {
  const i = buf.indexOf(LF, from);
  return i === -1 || i >= to ? -1 : i;
}

/**
 * Parses the request-line held in `buf[start, lf)`, where `lf` is the index of the line's LF
 * (as {@link findLineEnd} returns it). The line must end with CRLF: a bare LF, which RFC 9112
 * §2.2 lets a recipient accept, is rejected (a server that may sit behind a proxy which reads
 * lines differently must not accept it), and so is a CR anywhere else.
 *
 * @throws {@link BadRequest} for a malformed line, {@link NotImplemented} for an unknown
 * method, {@link VersionNotSupported} for a major version other than 1, {@link UriTooLong}
 * when the line exceeds `maxLength`.
 * @see RFC 9112 §3
 */
export function parseRequestLine(
  buf: Buffer,
  start: number,
  lf: number,
  maxLength = DEFAULT_MAX_REQUEST_LINE,
): RequestLine {
  const crlf = lf > start && buf[lf - 1] === CR;
  const end = crlf ? lf - 1 : lf;
  if (end - start > maxLength) throw new UriTooLong(maxLength);
  if (!crlf) throw new BadRequest('request-line must end with CRLF, not a bare LF');

  // method = token, then exactly one SP
  let i = start;
  while (i < end && TCHAR[buf[i]!] === 1) i++;
  if (i === start) throw new BadRequest('request-line must start with a method token');
  if (i === end || buf[i] !== SP) throw new BadRequest('invalid character in method');
  const method = buf.toString('latin1', start, i);

  // request-target: visible US-ASCII up to the next SP
  const targetStart = ++i;
  while (i < end) {
    const b = buf[i]!;
    if (b === SP) break;
    if (b <= 0x20 || b >= 0x7f) throw new BadRequest('invalid character in request-target');
    i++;
  }
  if (i === targetStart) throw new BadRequest('empty request-target');
  if (i === end) throw new BadRequest('missing HTTP-version');
  const target = buf.toString('latin1', targetStart, i);

  // HTTP-version = "HTTP/" DIGIT "." DIGIT, and nothing after it
  const v = i + 1;
  if (
    end - v !== 8 ||
    buf[v] !== 0x48 || buf[v + 1] !== 0x54 || buf[v + 2] !== 0x54 || buf[v + 3] !== 0x50 ||
    buf[v + 4] !== 0x2f || !isDigit(buf[v + 5]!) || buf[v + 6] !== 0x2e || !isDigit(buf[v + 7]!)
  ) {
    throw new BadRequest('malformed HTTP-version');
  }
  const major = buf[v + 5]! - 0x30;
  const minor = buf[v + 7]! - 0x30;
  if (major !== 1) throw new VersionNotSupported(`HTTP/${major}.${minor}`);
  const version: HttpVersion = minor === 0 ? '1.0' : '1.1';

  if (!KNOWN_METHODS.has(method)) throw new NotImplemented(`method not implemented: ${method}`);
  return { method, target, form: targetFormOf(method, target), version };
}

/**
 * Classifies a request-target and checks that the method allows that form.
 *
 * @throws {@link BadRequest} when the form does not fit the method.
 * @see RFC 9112 §3.2
 */
export function targetFormOf(method: string, target: string): TargetForm {
  const first = target.charCodeAt(0);
  if (first === 0x2f /* / */) return 'origin';
  if (target === '*') {
    if (method !== 'OPTIONS') throw new BadRequest('asterisk-form is only for OPTIONS');
    return 'asterisk';
  }
  // absolute-form = absolute-URI: scheme ":" hier-part [ "?" query ]
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target)) return 'absolute';
  // authority-form only makes sense for CONNECT, which this server does not implement.
  throw new BadRequest('request-target must be origin-form, absolute-form or *');
}

/** The path and query of a request-target, the query without its `?`. */
export interface TargetParts {
  /** The raw (still percent-encoded) path. */
  readonly path: string;
  /** The query string, without the leading `?`; empty when there is none. */
  readonly query: string;
}

/**
 * Splits a request-target into its path and query. For absolute-form, the scheme and
 * authority are dropped (RFC 9112 §3.2.2: the server uses the target's authority as `Host`);
 * for asterisk-form the path is `*`.
 */
export function splitTarget(target: string, form: TargetForm): TargetParts {
  let path = target;
  if (form === 'absolute') {
    const afterScheme = target.indexOf('//') + 2;
    const slash = target.indexOf('/', afterScheme);
    const q = target.indexOf('?', afterScheme);
    if (slash === -1 || (q !== -1 && q < slash)) path = '/' + (q === -1 ? '' : target.slice(q));
    else path = target.slice(slash);
  }
  const hash = path.indexOf('#');
  if (hash !== -1) path = path.slice(0, hash);
  const q = path.indexOf('?');
  if (q === -1) return { path, query: '' };
  return { path: path.slice(0, q), query: path.slice(q + 1) };
}

/**
 * Percent-decodes a path for `PATH_INFO`, as PEP 3333 asks.
 *
 * @throws {@link BadRequest} for a malformed escape or bytes that are not UTF-8.
 */
export function decodePath(path: string): string {
  if (path.indexOf('%') === -1) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    throw new BadRequest('malformed percent-encoding in request-target');
  }
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}
