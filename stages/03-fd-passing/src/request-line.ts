/**
 * The request-line: `method SP request-target SP HTTP-version`.
 *
 * Strategy: a pure function over one line of text, the line the parser has already cut at its
 * CRLF and decoded as latin1 (one character per byte). It checks each part against the RFC
 * grammar and throws an {@link HttpError} subclass that names the status to answer with. How
 * long a line may be, and where it ends, is the parser's business (`parser.ts`).
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
 * the request-target must be visible US-ASCII (RFC 3986 has no room for anything else).
 *
 * The method is checked against the grammar only: whether the server implements it is the
 * connection's question (a well-framed request with an unknown method gets 501 and the
 * connection goes on), except for `CONNECT`, refused here with 501 because what follows its
 * header section is a tunnel's bytes, not the next request.
 */

import { isDigit, isTchar, isVchar, SP } from './abnf.ts';
import { BadRequest, NotImplemented, VersionNotSupported } from './errors.ts';
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
  /** The authority (`host[:port]`) of an absolute-form target, checked; empty for the other forms. */
  readonly authority: string;
  /** The protocol version the request is handled as. */
  readonly version: HttpVersion;
}

/**
 * The methods this server implements. Anything else that is a valid token gets 501 (from the
 * connection, once the request is read in full). CONNECT is absent on purpose: this is an
 * origin server, not a tunnel.
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

/**
 * Parses a request-line, given without its CRLF. A CR left in it (a bare CR, not the one
 * before the LF) is no part of any of its rules, so it is rejected like any other stray
 * character.
 *
 * @throws {@link BadRequest} for a malformed line (or an absolute-form target whose authority
 * is not a valid host), {@link VersionNotSupported} for a major version other than 1,
 * {@link NotImplemented} for `CONNECT`.
 * @see RFC 9112 §3
 */
export function parseRequestLine(line: string): RequestLine {
  // method = token, then exactly one SP
  let i = 0;
  while (i < line.length && isTchar(line.charCodeAt(i))) i++;
  if (i === 0) throw new BadRequest('request-line must start with a method token');
  if (line.charCodeAt(i) !== SP) throw new BadRequest('invalid character in method');
  const method = line.slice(0, i);

  // request-target: visible US-ASCII up to the next SP
  const targetStart = ++i;
  while (i < line.length && line.charCodeAt(i) !== SP) {
    if (!isVchar(line.charCodeAt(i))) throw new BadRequest('invalid character in request-target');
    i++;
  }
  if (i === targetStart) throw new BadRequest('empty request-target');
  if (i === line.length) throw new BadRequest('missing HTTP-version');
  const target = line.slice(targetStart, i);

  // HTTP-version, and nothing after it
  const version = parseVersion(line.slice(i + 1));

  // The one unknown method that cannot be answered and then left behind: after a CONNECT's
  // header section come a tunnel's bytes (RFC 9110 §9.3.6), so it is refused, and the
  // connection closed, here.
  if (method === 'CONNECT') throw new NotImplemented('method not implemented: CONNECT');
  const { form, authority } = parseTarget(method, target);
  return { method, target, form, authority, version };
}

/**
 * ```abnf
 * HTTP-version = HTTP-name "/" DIGIT "." DIGIT                ; RFC 9112 §2.3
 * ```
 *
 * @throws {@link BadRequest} when `text` is not of that shape, {@link VersionNotSupported}
 * when its major version is not 1.
 */
function parseVersion(text: string): HttpVersion {
  if (
    text.length !== 8 ||
    !text.startsWith('HTTP/') ||
    !isDigit(text.charCodeAt(5)) ||
    text[6] !== '.' ||
    !isDigit(text.charCodeAt(7))
  ) {
    throw new BadRequest('malformed HTTP-version');
  }
  if (text[5] !== '1') throw new VersionNotSupported(text);
  return text[7] === '0' ? '1.0' : '1.1';
}
