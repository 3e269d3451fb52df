/**
 * Field lines, and the values of the fields the server itself acts on.
 *
 * Strategy: pure functions over text the parser has cut into lines and decoded as latin1.
 * {@link parseFieldLine} splits a line into a name and a value and checks both; the other
 * functions read the value of one field each: `Content-Length` and `Transfer-Encoding`
 * (framing), `Connection` (persistence), `Host`, `Expect`. Each rule's ABNF is next to its
 * code. A chunk line (RFC 9112 §7.1) is here too: its extensions are written in the same
 * token / quoted-string grammar as field values. Every error is an {@link HttpError} naming
 * its status.
 *
 * What it will not do: repair. Obs-fold (RFC 9112 §5.2) and whitespace before a colon (§5.1)
 * are rejected; a list element that is not a token, in a field whose framing depends on it, is
 * rejected; the rest of a field's value is the application's to interpret.
 */

import { isDigit, isFieldChar, isHexDigit, isHostChar, isQdtext, isTchar, isToken, isWhitespace, trimWhitespace } from './abnf.ts';
import { BadRequest, NotImplemented } from './errors.ts';

/**
 * One field line: the name lowercased (field names are case-insensitive), the value with its
 * surrounding whitespace removed and its bytes decoded as latin1.
 *
 * @see RFC 9112 §5, RFC 9110 §5.1
 */
export type HeaderField = readonly [name: string, value: string];

// ---------------------------------------------------------------------------------------------
// Field lines

/**
 * Parses one field line, given without its line terminator.
 *
 * ```abnf
 * field-line = field-name ":" OWS field-value OWS              ; RFC 9112 §5
 * field-name = token
 * ```
 *
 * @throws {@link BadRequest} for a line that starts with whitespace (obs-fold, §5.2),
 * whitespace between the name and the colon (§5.1), a name that is not a token, or a value
 * with a character no field value may hold (a CR, NUL, another control, DEL).
 * @see RFC 9112 §5; RFC 9110 §5.1, §5.5
 */
export function parseFieldLine(line: string): HeaderField {
  if (isWhitespace(line.charCodeAt(0))) throw new BadRequest('obs-fold or whitespace before a field line');
  let colon = 0;
  while (colon < line.length && isTchar(line.charCodeAt(colon))) colon++;
  if (colon === line.length || line[colon] !== ':' || colon === 0) {
    throw new BadRequest(
      isWhitespace(line.charCodeAt(colon)) ? 'whitespace between field name and colon' : 'invalid character in field name',
    );
  }
  const value = trimWhitespace(line.slice(colon + 1));
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (!isFieldChar(code)) {
      throw new BadRequest(code === 0x0d ? 'bare CR in field value' : 'invalid character in field value');
    }
  }
  return [line.slice(0, colon).toLowerCase(), value];
}

/**
 * The elements of a comma-separated list, lowercased, empty ones left out.
 *
 * ```abnf
 * #element = [ element ] *( OWS "," OWS [ element ] )          ; RFC 9110 §5.6.1
 * ```
 */
export function listElements(value: string): string[] {
  const elements: string[] = [];
  for (const part of value.toLowerCase().split(',')) {
    const element = trimWhitespace(part);
    if (element !== '') elements.push(element);
  }
  return elements;
}

// ---------------------------------------------------------------------------------------------
// The fields the server acts on

/**
 * Reads a `Content-Length` value: one length, or a list of identical ones, which RFC 9112
 * §6.3 item 5 lets a recipient accept as that length.
 *
 * ```abnf
 * Content-Length = 1*DIGIT                                     ; RFC 9110 §8.6
 * ```
 *
 * Deviation: at most 15 digits, so the value is exact as a JavaScript number; a longer value
 * gets 400 (any length that large would get 413 anyway).
 *
 * @throws {@link BadRequest} for anything but digits (no sign, no empty element), a value too
 * long, or differing values.
 */
export function parseContentLength(value: string): number {
  let length = -1;
  for (const part of value.split(',')) {
    const digits = trimWhitespace(part);
    if (!isDigits(digits)) throw new BadRequest('Content-Length must be 1*DIGIT');
    if (digits.length > 15) throw new BadRequest('Content-Length too long');
    const n = Number(digits);
    if (length !== -1 && n !== length) throw new BadRequest('differing Content-Length values');
    length = n;
  }
  return length;
}

/** Whether `s` is `1*DIGIT`. */
function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/**
 * Checks a `Transfer-Encoding` list (all its field lines joined) and returns normally only
 * when it is exactly `chunked`, the one coding this server decodes.
 *
 * ```abnf
 * Transfer-Encoding = #transfer-coding                        ; RFC 9112 §6.1
 * transfer-coding   = token *( OWS ";" OWS transfer-parameter )
 * ```
 *
 * Deviation: a coding with parameters gets 400 (no coding we could decode has any).
 *
 * @throws {@link BadRequest} when `chunked` is missing, not last, or repeated (RFC 9112 §6.3
 * item 4, §7); {@link NotImplemented} for any other coding in front of `chunked` (§6.1).
 */
export function checkTransferEncoding(value: string): void {
  const codings = listElements(value);
  if (!codings.every(isToken)) throw new BadRequest('malformed Transfer-Encoding');
  const last = codings.length - 1;
  if (last < 0 || codings[last] !== 'chunked') throw new BadRequest('chunked must be the final transfer coding');
  if (codings.indexOf('chunked') !== last) throw new BadRequest('chunked applied more than once');
  if (last > 0) throw new NotImplemented(`transfer coding not implemented: ${codings[0]}`);
}

/** The options of a `Connection` field that concern persistence (RFC 9112 §9.3). */
export interface PersistenceOptions {
  /** The `close` option: the connection closes after this request. */
  readonly close: boolean;
  /** The `keep-alive` option: an HTTP/1.0 client asks to keep the connection. */
  readonly keepAlive: boolean;
}

/**
 * The options of a `Connection` value that concern persistence.
 *
 * ```abnf
 * Connection        = #connection-option                      ; RFC 9110 §7.6.1
 * connection-option = token
 * ```
 *
 * @see RFC 9112 §9.3
 */
export function persistenceOptions(value: string): PersistenceOptions {
  const options = listElements(value);
  return { close: options.includes('close'), keepAlive: options.includes('keep-alive') };
}

/**
 * Whether an `Expect` value asks for `100 Continue` (the expectation is case-insensitive).
 *
 * ```abnf
 * Expect = #expectation                                       ; RFC 9110 §10.1.1
 * ```
 */
export function expectsContinue(value: string): boolean {
  return listElements(value).includes('100-continue');
}

/**
 * Whether a `Host` value, or the authority of an absolute-form target, is well formed. An
 * empty value is (RFC 9112 §3.2). Deviation: a port above 65535 is not, since no TCP port is.
 *
 * ```abnf
 * Host        = uri-host [ ":" port ]                          ; RFC 9110 §7.2
 * uri-host    = IP-literal / IPv4address / reg-name            ; RFC 3986 §3.2.2
 * IP-literal  = "[" ( IPv6address / IPvFuture ) "]"
 * reg-name    = *( unreserved / pct-encoded / sub-delims )
 * pct-encoded = "%" HEXDIG HEXDIG
 * port        = *DIGIT
 * ```
 *
 * An IPv4address is a reg-name too, as far as its characters go; inside the brackets of an
 * IP-literal this accepts any reg-name character and `:`, without checking IPv6 any further.
 *
 * @see RFC 9110 §7.2, RFC 3986 §3.2.2, §3.2.3
 */
export function isValidHost(value: string): boolean {
  let i = 0;
  if (value.startsWith('[')) {
    i = 1;
    while (i < value.length && (isHostChar(value.charCodeAt(i)) || value[i] === ':')) i++;
    if (i === 1 || value[i] !== ']') return false;
    i++;
  } else {
    while (i < value.length && value[i] !== ':') {
      if (value[i] === '%') {
        if (!isHexDigit(value.charCodeAt(i + 1)) || !isHexDigit(value.charCodeAt(i + 2))) return false;
        i += 3;
      } else if (isHostChar(value.charCodeAt(i))) {
        i++;
      } else {
        return false;
      }
    }
  }
  if (i === value.length) return true;
  if (value[i] !== ':') return false;
  const port = value.slice(i + 1);
  return port === '' || (isDigits(port) && Number(port) <= 65535);
}

// ---------------------------------------------------------------------------------------------
// Chunk lines

/** A chunk line, read. */
export interface ChunkLine {
  /** The size of the chunk-data that follows, in bytes; 0 for the last chunk. */
  readonly size: number;
  /** How many characters of extensions the line carried (they are checked, then dropped). */
  readonly extensionLength: number;
}

/**
 * Reads a chunk line, given without its CRLF.
 *
 * ```abnf
 * chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF      ; RFC 9112 §7.1
 * chunk-size     = 1*HEXDIG
 * chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )   ; §7.1.1
 * chunk-ext-name = token
 * chunk-ext-val  = token / quoted-string
 * ```
 *
 * Deviation: at most 16 hex digits, and a size that is exact as a JavaScript number.
 *
 * @throws {@link BadRequest}
 */
export function parseChunkLine(line: string): ChunkLine {
  let end = 0;
  while (end < line.length && isHexDigit(line.charCodeAt(end))) end++;
  if (end === 0) throw new BadRequest('chunk-size must be hexadecimal');
  const size = Number.parseInt(line.slice(0, end), 16);
  if (end > 16 || size > Number.MAX_SAFE_INTEGER) throw new BadRequest('chunk-size too large');
  checkChunkExtensions(line, end);
  return { size, extensionLength: line.length - end };
}

/** Checks the chunk extensions in `line` from `i` on (see {@link parseChunkLine}). */
function checkChunkExtensions(line: string, i: number): void {
  const skipWhitespace = (): void => {
    while (i < line.length && isWhitespace(line.charCodeAt(i))) i++;
  };
  while (i < line.length) {
    skipWhitespace();
    if (line[i] !== ';') throw new BadRequest('malformed chunk-size line');
    i++;
    skipWhitespace();
    const nameStart = i;
    while (i < line.length && isTchar(line.charCodeAt(i))) i++;
    if (i === nameStart) throw new BadRequest('malformed chunk extension');
    // a value is optional: look past BWS for its "=", and stay put when there is none
    let j = i;
    while (j < line.length && isWhitespace(line.charCodeAt(j))) j++;
    if (line[j] !== '=') continue;
    i = j + 1;
    skipWhitespace();
    if (line[i] === '"') {
      i = endOfQuotedString(line, i);
    } else {
      const valueStart = i;
      while (i < line.length && isTchar(line.charCodeAt(i))) i++;
      if (i === valueStart) throw new BadRequest('malformed chunk extension');
    }
  }
}

/**
 * The index just past the quoted-string that starts at `line[i]`.
 *
 * ```abnf
 * quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE     ; RFC 9110 §5.6.4
 * quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
 * ```
 *
 * @throws {@link BadRequest} when the string does not end, or holds a character it may not.
 */
function endOfQuotedString(line: string, i: number): number {
  for (i++; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (line[i] === '"') return i + 1;
    if (line[i] === '\\') {
      i++;
      if (!isFieldChar(line.charCodeAt(i))) break;
    } else if (!isQdtext(code)) {
      break;
    }
  }
  throw new BadRequest('malformed quoted-string in chunk extension');
}
