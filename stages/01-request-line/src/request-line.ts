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
 * HTTP-version   = HTTP-name "/" DIGIT "." DIGIT
 * HTTP-name      = %s"HTTP"
 * ```
 *
 * Deviations, each deliberate: exactly one SP between parts (RFC 9112 §3 lets a recipient be
 * lenient about whitespace; lenient whitespace is how request smuggling starts, so we are not);
 * the line must end with CRLF (§2.2 lets a recipient accept a bare LF; a server that may sit
 * behind a proxy which reads lines differently must not); the request-target must be visible
 * US-ASCII (RFC 3986 has no room for anything else). The characters each part may hold are
 * predicates in `abnf.ts`; which form the target takes is `target.ts`'s question.
 */

import { CR, isDigit, isTchar, isVchar, LF, SP } from './abnf.ts';
import { BadRequest, NotImplemented, UriTooLong, VersionNotSupported } from './errors.ts';
import { parseTarget, type TargetForm } from './target.ts';

/** The HTTP versions this server speaks. `1.x` with x > 1 is answered as 1.1 (RFC 9110 §6.2). */
export type HttpVersion = '1.0' | '1.1';

/** A parsed request-line. */
export interface RequestLine {
  /** The method, case-sensitive as sent (RFC 9110 §9.1). */
  readonly method: string;
  /** The request-target exactly as sent. */
  readonly target: string;
  /** Which of the four forms the target takes. */
  readonly form: TargetForm;
  /** The authority (`host[:port]`) of an absolute-form target; empty for the other forms. */
  readonly authority: string;
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
  while (i < end && isTchar(buf[i]!)) i++;
  if (i === start) throw new BadRequest('request-line must start with a method token');
  if (i === end || buf[i] !== SP) throw new BadRequest('invalid character in method');
  const method = buf.toString('latin1', start, i);

  // request-target: visible US-ASCII up to the next SP
  const targetStart = ++i;
  while (i < end) {
    const b = buf[i]!;
    if (b === SP) break;
    if (!isVchar(b)) throw new BadRequest('invalid character in request-target');
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
  const { form, authority } = parseTarget(method, target);
  return { method, target, form, authority, version };
}

