/**
 * The request parser: bytes in, events out, for every request on a connection.
 *
 * Strategy: a pure state machine in the manner of h11. {@link RequestParser.receive} appends
 * bytes; {@link RequestParser.next} returns the next event ({@link Request}, then zero or more
 * {@link Data}, then {@link EndOfMessage}), or {@link NEED_DATA} when the bytes so far do not
 * finish one, and moves on to the next pipelined request by itself. It never touches a socket
 * or a clock, so a test can drive it one byte at a time and the events come out the same.
 *
 * How it stays fast and bounded:
 *
 * - **One buffer and an offset.** A `receive()` that arrives when everything before it was
 *   consumed is kept as it is, not copied; bytes are copied only when a line straddles two
 *   reads. Body bytes are handed out as views of the received buffer (zero-copy).
 * - **Byte scans with lookup tables**, never regular expressions, and every line is scanned
 *   once: a line that is still incomplete remembers how far it was searched for its LF.
 * - **Find first, decode once.** The scan checks the request-line's bytes are there and records
 *   where each field name and value starts and ends; then one `latin1` decode covers the whole
 *   head and every string is a substring of it (crossing into C++ costs more than decoding).
 *   Common field names are recognized by a trie, compiled to a table, while they are scanned,
 *   and come out as constant lowercase strings. The request-line is parsed (by
 *   `parseRequestLine`, whose errors come first) in the same `next()` call that found it, so
 *   positions never outlive the buffer they point into.
 * - **Every limit is checked as bytes arrive**, before the end of what it limits: a request-line
 *   with no LF yet, a header section with no empty line yet, a chunk-size line, the body.
 *
 * Rules (RFC 9112): every line of a request ends with CRLF, in the head as in chunked framing
 * (§7.1). §2.2 lets a recipient also accept a bare LF; this parser refuses it (400), and a CR
 * anywhere else too, because a server may sit behind a proxy that reads such a line
 * differently, and two readings of one message are how a `Content-Length` or
 * `Transfer-Encoding` gets smuggled past the proxy. Empty lines (CRLF) before a request-line
 * are skipped (§2.2), up to {@link MAX_LEADING_EMPTY_BYTES}; after them, a byte that cannot
 * start a method (a bare LF, a TLS handshake sent to this port) is refused at once. A line is
 * judged when it is complete (or when it is already too long), so an error depends only on
 * the bytes, never on how they were split across reads.
 *
 * What it will not do: obs-fold (§5.2) and whitespace before a colon (§5.1) are rejected, not
 * repaired; transfer codings other than `chunked` get 501; trailer fields are returned
 * separately, never merged into the header fields (RFC 9110 §6.5.1); it does not know about
 * time, so the 408 for a slow client is the connection's; nor which methods the server
 * implements, so a request with an unknown method is parsed like any other (the connection
 * answers it with 501).
 */

import {
  BadRequest,
  ContentTooLarge,
  HeaderFieldsTooLarge,
  NotImplemented,
  UriTooLong,
  type HttpError,
} from './errors.ts';
import {
  findLineEnd,
  isValidHost,
  parseRequestLine,
  TCHAR,
  type HttpVersion,
  type RequestLine,
  type TargetForm,
} from './request-line.ts';

// ---------------------------------------------------------------------------------------------
// Public types

/** How much a request may hold. Every limit is enforced incrementally, as bytes arrive. */
export interface ParserLimits {
  /**
   * The longest request-line, in bytes, without its CRLF (and without any empty lines before
   * it); longer gets 414.
   */
  maxRequestLine: number;
  /**
   * The most bytes of field lines a message may carry: every field line of the header section
   * and of the trailer section, each with its CRLF, and the empty line (CRLF) that ends each
   * section; more gets 431. The request-line and chunk-size lines do not count.
   */
  maxHeaderBytes: number;
  /** The most field lines a message may carry, header and trailer sections together; 431. */
  maxHeaderCount: number;
  /** The largest body, in bytes after chunked decoding; larger gets 413. */
  maxBodyBytes: number;
}

/** The limits used for any field a caller leaves out. */
export const DEFAULT_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxRequestLine: 8192,
  maxHeaderBytes: 16384,
  maxHeaderCount: 100,
  maxBodyBytes: 1048576,
});

/**
 * How many bytes of empty lines may precede a request-line before it is an error.
 *
 * @see RFC 9112 §2.2 ("a server that is expecting to receive and parse a request-line SHOULD
 * ignore at least one empty line (CRLF) received prior to the request-line")
 */
export const MAX_LEADING_EMPTY_BYTES = 256;

/**
 * The longest chunk-size line (size, extensions and CRLF), in bytes; longer gets 400. This
 * bounds what the parser buffers while it waits for the line's end.
 *
 * @see RFC 9112 §7.1
 */
export const MAX_CHUNK_LINE_BYTES = 4096;

/**
 * The most bytes of chunk extensions one message may carry; more gets 413 (as node:http does),
 * so that extensions, which are parsed and dropped, cannot make a body arbitrarily expensive.
 *
 * @see RFC 9112 §7.1.1
 */
export const MAX_CHUNK_EXT_BYTES = 16384;

/**
 * One field line: the name lowercased (field names are case-insensitive), the value with its
 * surrounding whitespace removed and its bytes decoded as latin1.
 *
 * @see RFC 9112 §5, RFC 9110 §5.1
 */
export type HeaderField = readonly [name: string, value: string];

/**
 * How the body of a request is delimited: no body, `Content-Length` bytes, or chunked.
 *
 * @see RFC 9112 §6.3
 */
export type BodyFraming = 'none' | 'length' | 'chunked';

/**
 * A request's line and header section, with the facts about it that the connection needs.
 *
 * @see RFC 9112 §2.1, §3, §5, §6.3, §9.3
 */
export interface Request {
  /** The kind of event: a request's line and header section. */
  readonly type: 'request';
  /** The method, case-sensitive as sent (RFC 9110 §9.1). */
  readonly method: string;
  /** The request-target exactly as sent. */
  readonly target: string;
  /** Which of the four forms the target takes (RFC 9112 §3.2). */
  readonly form: TargetForm;
  /** The protocol version the request is handled as. */
  readonly version: HttpVersion;
  /** The field lines, in the order received; repeated names stay separate entries. */
  readonly headers: HeaderField[];
  /** Whether the connection may carry another request after this one (RFC 9112 §9.3). */
  readonly keepAlive: boolean;
  /** Whether the client waits for `100 Continue` before sending the body (RFC 9110 §10.1.1). */
  readonly expectContinue: boolean;
  /** How the body is delimited (RFC 9112 §6.3). */
  readonly body: BodyFraming;
  /** The body's length from `Content-Length`; 0 when there is no body; -1 when chunked. */
  readonly contentLength: number;
}

/**
 * Some bytes of the body, after chunked decoding. `chunk` is a view of received bytes, not a
 * copy; it stays valid as long as the caller does not modify the buffers it passed in.
 *
 * @see RFC 9112 §6, §7.1
 */
export interface Data {
  /** The kind of event: bytes of the body. */
  readonly type: 'data';
  /** The bytes, after chunked decoding: a view of received bytes, not a copy. */
  readonly chunk: Buffer;
}

/**
 * The end of a request. `trailers` holds the trailer section of a chunked body (often empty).
 *
 * @see RFC 9112 §7.1.2
 */
export interface EndOfMessage {
  /** The kind of event: the end of the request. */
  readonly type: 'end';
  /** The trailer fields of a chunked body, in order; empty otherwise. */
  readonly trailers: HeaderField[];
}

/** What {@link RequestParser.next} returns, besides {@link NEED_DATA}. */
export type ParserEvent = Request | Data | EndOfMessage;

/**
 * The answer of {@link RequestParser.next} when the bytes received so far do not complete an
 * event: call `receive()` with more, then `next()` again. Not an exception (h11's `NEED_DATA`).
 */
export const NEED_DATA: unique symbol = Symbol('NEED_DATA');

/**
 * Where the parser is: `idle` between requests (no request-line parsed yet; with 0 buffered
 * bytes, no request has started), `headers` reading the header section, `body` reading the
 * body or the trailer section, `done` after a request that does not keep the connection
 * alive (nothing after it is parsed), `error` after a thrown error.
 */
export type ParserState = 'idle' | 'headers' | 'body' | 'done' | 'error';

// ---------------------------------------------------------------------------------------------
// Byte classes

const HTAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const DQUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;

/**
 * `FIELD_CONTENT[b]` is 1 when `b` may appear in a field value: VCHAR, obs-text, SP, HTAB.
 * Everything else (CR, LF, NUL, the other CTLs, DEL) is an error.
 *
 * ```abnf
 * field-value   = *field-content                      ; RFC 9110 §5.5
 * field-content = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]
 * field-vchar   = VCHAR / obs-text
 * obs-text      = %x80-FF
 * ```
 */
const FIELD_CONTENT: Uint8Array = (() => {
  const table = new Uint8Array(256);
  table[HTAB] = 1;
  for (let b = 0x20; b <= 0x7e; b++) table[b] = 1;
  for (let b = 0x80; b <= 0xff; b++) table[b] = 1;
  return table;
})();

/** `HEX_VALUE[b]` is the value of hex digit `b`, or 0xff when `b` is not one. */
const HEX_VALUE: Uint8Array = (() => {
  const table = new Uint8Array(256).fill(0xff);
  for (let d = 0; d < 10; d++) table[0x30 + d] = d;
  for (let d = 0; d < 6; d++) table[0x41 + d] = table[0x61 + d] = 10 + d;
  return table;
})();

/** `qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text` (RFC 9110 §5.6.4). */
const QDTEXT: Uint8Array = (() => {
  const table = new Uint8Array(FIELD_CONTENT);
  table[DQUOTE] = 0;
  table[BACKSLASH] = 0;
  return table;
})();

// ---------------------------------------------------------------------------------------------
// Field names that are matched on bytes

const K_OTHER = 0;
const K_HOST = 1;
const K_CONNECTION = 2;
const K_CONTENT_LENGTH = 3;
const K_TRANSFER_ENCODING = 4;
const K_EXPECT = 5;

/** A field name common enough to be recognized while it is scanned. */
interface CommonName {
  readonly name: string;
  readonly kind: number;
}

// The names the parser acts on, then the ones browsers and tools send on most requests.
const COMMON_NAMES: readonly CommonName[] = (
  [
    ['host', K_HOST],
    ['connection', K_CONNECTION],
    ['content-length', K_CONTENT_LENGTH],
    ['transfer-encoding', K_TRANSFER_ENCODING],
    ['expect', K_EXPECT],
    ...[
      'accept', 'accept-encoding', 'accept-language', 'authorization', 'cache-control',
      'content-type', 'cookie', 'dnt', 'if-modified-since', 'if-none-match', 'keep-alive',
      'origin', 'pragma', 'priority', 'range', 'referer', 'sec-ch-ua', 'sec-ch-ua-mobile',
      'sec-ch-ua-platform', 'sec-fetch-dest', 'sec-fetch-mode', 'sec-fetch-site',
      'sec-fetch-user', 'te', 'trailer', 'upgrade', 'upgrade-insecure-requests', 'user-agent',
      'x-forwarded-for', 'x-forwarded-proto', 'x-real-ip', 'x-requested-with',
    ].map((name): [string, number] => [name, K_OTHER]),
  ] as [string, number][]
).map(([name, kind]) => ({ name, kind }));

/**
 * `NAME_SYMBOL[b]`: 0 when `b` is not a tchar; else the symbol the name trie reads, the same
 * for both cases of a letter (1-26), plus 0x40 for an uppercase letter; digits are 27-36, `-`
 * is 37, and the other tchars, which no common name has, are 38.
 */
const NAME_SYMBOL: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let b = 0; b < 256; b++) if (TCHAR[b] === 1) table[b] = 38;
  for (let k = 0; k < 26; k++) {
    table[0x61 + k] = 1 + k;
    table[0x41 + k] = (1 + k) | 0x40;
  }
  for (let d = 0; d < 10; d++) table[0x30 + d] = 27 + d;
  table[0x2d] = 37;
  return table;
})();

// The common names as a trie compiled to a table: NAME_TRIE[state << 6 | symbol] is the next
// state. State 1 is the root; state 0 means "no common name", and stays 0. NAME_ACCEPT[state]
// is the index in COMMON_NAMES of the name that ends there, or -1. Scanning a name thus
// validates it, notes its case, and recognizes it, in one pass with two table reads a byte.
const { NAME_TRIE, NAME_ACCEPT } = (() => {
  const rows: number[][] = [[], []];
  const accept: number[] = [-1, -1];
  COMMON_NAMES.forEach(({ name }, index) => {
    let state = 1;
    for (const ch of Buffer.from(name, 'latin1')) {
      const symbol = NAME_SYMBOL[ch]! & 63;
      let next = rows[state]![symbol];
      if (next === undefined) {
        next = rows.length;
        rows.push([]);
        accept.push(-1);
        rows[state]![symbol] = next;
      }
      state = next;
    }
    accept[state] = index;
  });
  const trie = new Uint16Array(rows.length << 6);
  rows.forEach((row, state) => row.forEach((next, symbol) => (trie[(state << 6) | symbol] = next)));
  return { NAME_TRIE: trie, NAME_ACCEPT: Int16Array.from(accept) };
})();

// ---------------------------------------------------------------------------------------------
// Field value grammars

/**
 * Parses a `Content-Length` value: one length, or a list of identical ones, which RFC 9112
 * §6.3 item 5 lets a recipient accept as that length.
 *
 * ```abnf
 * Content-Length = 1*DIGIT                               ; RFC 9110 §8.6
 * ```
 *
 * Deviation: at most 15 digits, so the value is exact as a JavaScript number; a longer value
 * gets 400 (any length that large would get 413 anyway).
 *
 * @throws {@link BadRequest}
 */
function parseContentLength(buf: Buffer, s: number, e: number): number {
  let value = -1;
  let i = s;
  for (;;) {
    const ds = i;
    let n = 0;
    let b: number;
    while (i < e && (b = buf[i]!) >= 0x30 && b <= 0x39) {
      n = n * 10 + (b - 0x30);
      i++;
    }
    if (i === ds) throw new BadRequest('Content-Length must be 1*DIGIT');
    if (i - ds > 15) throw new BadRequest('Content-Length too long');
    if (value !== -1 && n !== value) throw new BadRequest('differing Content-Length values');
    value = n;
    while (i < e && ((b = buf[i]!) === SP || b === HTAB)) i++;
    if (i === e) return value;
    if (buf[i] !== COMMA) throw new BadRequest('Content-Length must be 1*DIGIT');
    i++;
    while (i < e && ((b = buf[i]!) === SP || b === HTAB)) i++;
  }
}

/** Removes optional whitespace (SP, HTAB) at both ends; `String.trim` removes more. */
function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HTAB)) a++;
  while (b > a && (s.charCodeAt(b - 1) === SP || s.charCodeAt(b - 1) === HTAB)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * The non-empty elements of a comma-separated list, lowercased.
 *
 * ```abnf
 * #element = [ element ] *( OWS "," OWS [ element ] )    ; RFC 9110 §5.6.1
 * ```
 */
function listElements(value: string): string[] {
  const out: string[] = [];
  for (const part of value.toLowerCase().split(',')) {
    const element = trimOws(part);
    if (element !== '') out.push(element);
  }
  return out;
}

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (TCHAR[s.charCodeAt(i)] !== 1) return false;
  return true;
}

const CONNECTION_CLOSE = 1;
const CONNECTION_KEEP_ALIVE = 2;

/**
 * The `close` and `keep-alive` options of a `Connection` value, as bits.
 *
 * ```abnf
 * Connection        = #connection-option              ; RFC 9110 §7.6.1
 * connection-option = token
 * ```
 */
function connectionOptions(value: string): number {
  if (value === 'keep-alive' || value === 'Keep-Alive') return CONNECTION_KEEP_ALIVE;
  if (value === 'close' || value === 'Close') return CONNECTION_CLOSE;
  let options = 0;
  for (const option of listElements(value)) {
    if (option === 'close') options |= CONNECTION_CLOSE;
    else if (option === 'keep-alive') options |= CONNECTION_KEEP_ALIVE;
  }
  return options;
}

/**
 * Checks a `Transfer-Encoding` list (all its fields joined) and returns normally only when it
 * is exactly `chunked`, the one coding this server decodes.
 *
 * ```abnf
 * Transfer-Encoding = #transfer-coding                  ; RFC 9112 §6.1
 * transfer-coding   = token *( OWS ";" OWS transfer-parameter )
 * ```
 *
 * Deviation: a coding with parameters gets 400 (no coding we could decode has any).
 *
 * @throws {@link BadRequest} when `chunked` is missing, not last, or repeated (RFC 9112 §6.3
 * item 4, §7); {@link NotImplemented} for any other coding in front of `chunked` (§6.1).
 */
function checkTransferEncoding(value: string): void {
  if (value === 'chunked') return;
  const codings = listElements(value);
  for (const coding of codings) {
    if (!isToken(coding)) throw new BadRequest('malformed Transfer-Encoding');
  }
  const last = codings.length - 1;
  if (last < 0 || codings[last] !== 'chunked') {
    throw new BadRequest('chunked must be the final transfer coding');
  }
  if (codings.indexOf('chunked') !== last) throw new BadRequest('chunked applied more than once');
  if (last > 0) throw new NotImplemented(`transfer coding not implemented: ${codings[0]}`);
}

/**
 * Checks the chunk extensions in `buf[i, e)` (everything after the chunk-size), which are
 * parsed only to be dropped.
 *
 * ```abnf
 * chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )  ; §7.1.1
 * chunk-ext-name = token
 * chunk-ext-val  = token / quoted-string
 * ```
 *
 * @throws {@link BadRequest}
 */
function checkChunkExtensions(buf: Buffer, i: number, e: number): void {
  let b: number;
  while (i < e) {
    while (i < e && ((b = buf[i]!) === SP || b === HTAB)) i++;
    if (i === e || buf[i] !== SEMICOLON) throw new BadRequest('malformed chunk-size line');
    i++;
    while (i < e && ((b = buf[i]!) === SP || b === HTAB)) i++;
    const ns = i;
    while (i < e && TCHAR[buf[i]!] === 1) i++;
    if (i === ns) throw new BadRequest('malformed chunk extension');
    let j = i;
    while (j < e && ((b = buf[j]!) === SP || b === HTAB)) j++;
    if (j < e && buf[j] === EQUALS) {
      j++;
      while (j < e && ((b = buf[j]!) === SP || b === HTAB)) j++;
      if (j < e && buf[j] === DQUOTE) {
        j = endOfQuotedString(buf, j, e);
      } else {
        const vs = j;
        while (j < e && TCHAR[buf[j]!] === 1) j++;
        if (j === vs) throw new BadRequest('malformed chunk extension');
      }
      i = j;
    }
  }
}

/**
 * The index just past the quoted-string that starts at `buf[i]`.
 *
 * ```abnf
 * quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE   ; RFC 9110 §5.6.4
 * quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
 * ```
 *
 * @throws {@link BadRequest}
 */
function endOfQuotedString(buf: Buffer, i: number, e: number): number {
  for (i++; i < e; i++) {
    const b = buf[i]!;
    if (b === DQUOTE) return i + 1;
    if (b === BACKSLASH) {
      i++;
      if (i === e || FIELD_CONTENT[buf[i]!] !== 1) break;
    } else if (QDTEXT[b] !== 1) {
      break;
    }
  }
  throw new BadRequest('malformed quoted-string in chunk extension');
}

// ---------------------------------------------------------------------------------------------
// The parser

/** `Buffer.prototype.latin1Slice`: what `toString('latin1', s, e)` calls, minus its checks. */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}

const S_IDLE = 0;
const S_HEADERS = 1;
const S_LENGTH = 2;
const S_CHUNK_SIZE = 3;
const S_CHUNK_DATA = 4;
const S_CHUNK_CRLF = 5;
const S_TRAILERS = 6;
const S_END = 7;
const S_DONE = 8;
const S_ERROR = 9;

const STATE_NAMES: readonly ParserState[] = [
  'idle', 'headers', 'body', 'body', 'body', 'body', 'body', 'body', 'done', 'error',
];

// Field lines found by the scan but not yet decoded, five numbers each: name start, name end,
// value start, value end, and the name's index in COMMON_NAMES (-1: decode as is; -2: decode
// and lowercase).
const BATCH = 64;

const EMPTY_BUFFER: Latin1Buffer = Buffer.alloc(0) as Latin1Buffer;

/**
 * An incremental HTTP/1.1 request parser for one connection.
 *
 * ```ts
 * parser.receive(bytes);
 * for (let event = parser.next(); event !== NEED_DATA; event = parser.next()) handle(event);
 * ```
 *
 * @see RFC 9112
 */
export class RequestParser {
  private readonly maxRequestLine: number;
  private readonly maxHeaderBytes: number;
  private readonly maxHeaderCount: number;
  private readonly maxBodyBytes: number;

  // The unconsumed bytes are buf[pos, end). `owned` says whether buf is ours to append to.
  private buf: Latin1Buffer = EMPTY_BUFFER;
  private pos = 0;
  private end = 0;
  private owned = false;
  // How many bytes from pos are known to hold no LF: a rescan starts there.
  private scanned = 0;

  private s = S_IDLE;
  private error: unknown = null;

  // The message being read. The request-line is found (lineStart, lineEnd: its LF) before it
  // is parsed: parsing waits for the decode of the whole head, within the same next() call.
  private leadingEmpty = 0;
  private lineStart = 0;
  private lineEnd = 0;
  private pendingLine = false;
  private line: RequestLine | null = null;
  private fields: HeaderField[] = [];
  private trailers: HeaderField[] = [];
  private fieldBytes = 0;
  private fieldCount = 0;
  private hostCount = 0;
  private contentLength = -1;
  private transferEncoding: string | null = null;
  private connection = 0;
  private expectContinue = false;
  private keepAlive = true;
  private remaining = 0;
  private bodyBytes = 0;
  private extBytes = 0;
  private crlfSeen = 0;

  private readonly batch = new Int32Array(BATCH * 5);
  private batched = 0;

  /** @param limits overrides for {@link DEFAULT_LIMITS}. */
  constructor(limits?: Partial<ParserLimits>) {
    this.maxRequestLine = limits?.maxRequestLine ?? DEFAULT_LIMITS.maxRequestLine;
    this.maxHeaderBytes = limits?.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes;
    this.maxHeaderCount = limits?.maxHeaderCount ?? DEFAULT_LIMITS.maxHeaderCount;
    this.maxBodyBytes = limits?.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes;
  }

  /**
   * Appends bytes received from the client. The parser keeps a reference to `bytes` (body
   * {@link Data} are views of it), so the caller must not modify it afterwards. Bytes received
   * after an error are dropped; bytes received when `done` are kept (see {@link buffered}) but
   * never parsed.
   */
  receive(bytes: Buffer): void {
    const n = bytes.length;
    if (n === 0 || this.s === S_ERROR) return;
    const pending = this.end - this.pos;
    if (pending === 0) {
      // The common case: everything before was consumed, so keep the new bytes as they are.
      this.buf = bytes as Latin1Buffer;
      this.pos = 0;
      this.end = n;
      this.owned = false;
      return;
    }
    if (this.owned && this.buf.length - this.end >= n) {
      // Appending past `end` never touches bytes handed out as Data.
      bytes.copy(this.buf, this.end);
      this.end += n;
      return;
    }
    // A line straddles two reads: copy what is left and the new bytes into a buffer of our
    // own, twice as large as needed, so a client that drips bytes costs amortized O(1) each.
    const size = pending + n;
    const grown = Buffer.allocUnsafe(Math.max(2 * size, 256)) as Latin1Buffer;
    this.buf.copy(grown, 0, this.pos, this.end);
    bytes.copy(grown, pending);
    this.buf = grown;
    this.pos = 0;
    this.end = size;
    this.owned = true;
  }

  /**
   * Copies the bytes not consumed yet into a buffer the parser owns, so that the caller may
   * reuse the buffer it passed to {@link receive} (a connection that reads every socket into
   * one buffer calls this after each read). Between calls to {@link next} the parser holds no
   * other position into the received bytes. Cheap when everything was consumed.
   */
  keepBuffered(): void {
    const pending = this.end - this.pos;
    if (pending === 0 || this.owned) return;
    const own = Buffer.allocUnsafe(Math.max(2 * pending, 256)) as Latin1Buffer;
    this.buf.copy(own, 0, this.pos, this.end);
    this.buf = own;
    this.pos = 0;
    this.end = pending;
    this.owned = true;
  }

  /** How many received bytes are not consumed yet. */
  get buffered(): number {
    return this.end - this.pos;
  }

  /** Where the parser is; see {@link ParserState}. */
  get state(): ParserState {
    return STATE_NAMES[this.s]!;
  }

  /**
   * The method of the request whose header section is being read, from the moment its
   * request-line is parsed until the {@link Request} event, and after an error thrown in that
   * header section; null otherwise (the caller has the `Request` while it reads the body). A
   * connection answering an error needs it: a response to HEAD has no body (RFC 9110 §9.3.2).
   */
  get method(): string | null {
    return this.line === null ? null : this.line.method;
  }

  /**
   * Returns the next event, or {@link NEED_DATA}. After a thrown error the parser is dead and
   * every call throws it again; after a request that does not keep the connection alive it
   * stays `done` and returns {@link NEED_DATA}.
   *
   * @throws {@link HttpError} subclasses only, each naming the status to answer with.
   * @see RFC 9112 §2.2, §3, §5, §6, §7
   */
  next(): ParserEvent | typeof NEED_DATA {
    if (this.s >= S_DONE) {
      if (this.s === S_ERROR) throw this.error;
      return NEED_DATA;
    }
    try {
      for (;;) {
        switch (this.s) {
          case S_IDLE:
            if (!this.readRequestLine()) return NEED_DATA;
            continue;
          case S_HEADERS:
            if (!this.readFields(this.fields)) return NEED_DATA;
            return this.endOfHead();
          case S_LENGTH: {
            const chunk = this.take();
            if (chunk === null) return NEED_DATA;
            if (this.remaining === 0) this.s = S_END;
            return { type: 'data', chunk };
          }
          case S_CHUNK_SIZE:
            if (!this.readChunkSize()) return NEED_DATA;
            continue;
          case S_CHUNK_DATA: {
            const chunk = this.take();
            if (chunk === null) return NEED_DATA;
            if (this.remaining === 0) this.s = S_CHUNK_CRLF;
            return { type: 'data', chunk };
          }
          case S_CHUNK_CRLF:
            if (!this.readChunkCrlf()) return NEED_DATA;
            continue;
          case S_TRAILERS:
            if (!this.readFields(this.trailers)) return NEED_DATA;
            this.s = S_END;
            continue;
          default: {
            const end: EndOfMessage = { type: 'end', trailers: this.trailers };
            this.s = this.keepAlive ? S_IDLE : S_DONE;
            this.trailers = [];
            return end;
          }
        }
      }
    } catch (err) {
      this.s = S_ERROR;
      // A request-line found but not parsed yet comes first: its error is the one to report.
      this.error = this.pendingLine ? this.requestLineError(err) : err;
      throw this.error;
    }
  }

  /** The index of the next LF at or after `from` among the received bytes, or -1. */
  private findLf(from: number): number {
    const buf = this.buf;
    const end = this.end;
    // A buffer of our own has room past `end`: keep the search (a memchr) out of it.
    return findLineEnd(end < buf.length ? buf.subarray(0, end) : buf, from, end);
  }

  // -------------------------------------------------------------------------------------------
  // Request-line

  /**
   * Skips empty lines, then parses the request-line once its LF is here.
   *
   * ```abnf
   * HTTP-message = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]   ; §2.1
   * ```
   *
   * @see RFC 9112 §2.2, §3
   */
  private readRequestLine(): boolean {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    // Robustness (§2.2): ignore empty lines (CRLF) before the request-line, but not without bound.
    for (;;) {
      if (pos === end) {
        this.pos = pos;
        return false;
      }
      if (buf[pos] !== CR) break;
      if (pos + 1 === end) {
        this.pos = pos;
        return false;
      }
      if (buf[pos + 1] !== LF) break; // a bare CR: refused below
      pos += 2;
      this.leadingEmpty += 2;
      if (this.leadingEmpty > MAX_LEADING_EMPTY_BYTES) {
        throw new BadRequest('too many empty lines before the request-line');
      }
    }
    this.pos = pos;
    // A request-line starts with a method token. Anything else (a bare LF, a bare CR, a TLS
    // handshake sent to this plain-HTTP port) is refused now, not once a LF arrives, if ever.
    const first = buf[pos]!;
    if (TCHAR[first] !== 1) {
      throw new BadRequest(first === LF ? 'bare LF before the request-line' : 'request-line must start with a method token');
    }
    const lf = this.findLf(pos + this.scanned);
    if (lf === -1) {
      // The line so far, less a CR that may turn out to be its terminator.
      const length = end - pos - (buf[end - 1] === CR ? 1 : 0);
      if (length > this.maxRequestLine) throw new UriTooLong(this.maxRequestLine);
      this.scanned = end - pos;
      return false;
    }
    this.scanned = 0;
    this.lineStart = pos;
    this.lineEnd = lf;
    this.pendingLine = true;
    this.pos = lf + 1;
    this.s = S_HEADERS;
    this.leadingEmpty = 0;
    this.fieldBytes = 0;
    this.fieldCount = 0;
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Field lines (header and trailer sections)

  /**
   * Reads field lines into `into` up to and including the empty line that ends the section.
   * Returns false when more bytes are needed.
   *
   * ```abnf
   * field-line = field-name ":" OWS field-value OWS        ; §5
   * field-name = token
   * OWS        = *( SP / HTAB )
   * ```
   *
   * @see RFC 9112 §5, §5.1, §5.2; RFC 9110 §5
   */
  private readFields(into: HeaderField[]): boolean {
    const buf = this.buf;
    const end = this.end;
    const batch = this.batch;
    const maxBytes = this.maxHeaderBytes;
    const inHead = this.s === S_HEADERS;
    // The tables as locals: a loop reads a local for free, a module binding through its context.
    const nameSymbol = NAME_SYMBOL;
    const nameTrie = NAME_TRIE;
    const fieldContent = FIELD_CONTENT;
    let pos = this.pos;

    if (this.scanned !== 0) {
      // The line at pos was incomplete: look for its LF in the new bytes only.
      if (this.findLf(pos + this.scanned) === -1) return this.fieldsNeedData(pos, into);
      this.scanned = 0;
    }

    for (;;) {
      const ls = pos;
      if (ls === end) return this.fieldsNeedData(ls, into);
      let b = buf[ls]!;

      // The empty line that ends the section: CRLF, never a bare LF (§2.2, see the top).
      if (b === CR || b === LF) {
        if (b === CR && ls + 1 === end) return this.fieldsNeedData(ls, into);
        if (b === LF || buf[ls + 1] !== LF) {
          this.rejectLine(ls, ls, b === LF ? 'bare LF in field section' : 'bare CR in field section');
          return this.fieldsNeedData(ls, into);
        }
        this.fieldBytes += 2;
        if (this.fieldBytes > maxBytes) throw this.tooLarge();
        this.pos = ls + 2;
        this.flush(into);
        return true;
      }

      // field-name ":"
      let i = ls;
      let symbols = 0;
      let state = 1;
      let symbol: number;
      while (i < end && (symbol = nameSymbol[buf[i]!]!) !== 0) {
        symbols |= symbol;
        i++;
        state = nameTrie[(state << 6) | (symbol & 63)]!;
        if (state === 0) {
          // Not a common name: the rest only needs checking.
          while (i < end && (symbol = nameSymbol[buf[i]!]!) !== 0) {
            symbols |= symbol;
            i++;
          }
          break;
        }
      }
      if (i === end) return this.fieldsNeedData(ls, into);
      if (buf[i] !== COLON || i === ls) {
        // §5.1: no whitespace between name and colon; §5.2: obs-fold (a line starting with
        // whitespace) is rejected; anything else is not a token.
        this.rejectLine(
          ls,
          i,
          b === SP || b === HTAB
            ? 'obs-fold or whitespace before a field line'
            : (b = buf[i]!) === SP || b === HTAB
              ? 'whitespace between field name and colon'
              : 'invalid character in field name',
        );
        return this.fieldsNeedData(ls, into);
      }
      const ne = i++;

      // OWS field-value OWS
      while (i < end && ((b = buf[i]!) === SP || b === HTAB)) i++;
      const vs = i;
      // Four bytes a step while they last: values are most of a header section's bytes.
      const end4 = end - 3;
      while (
        i < end4 &&
        (fieldContent[buf[i]!]! & fieldContent[buf[i + 1]!]! & fieldContent[buf[i + 2]!]! & fieldContent[buf[i + 3]!]!) === 1
      ) i += 4;
      while (i < end && fieldContent[buf[i]!] === 1) i++;
      if (i === end) return this.fieldsNeedData(ls, into);
      b = buf[i]!;
      if (b === CR && i + 1 === end) return this.fieldsNeedData(ls, into);
      if (b !== CR || buf[i + 1] !== LF) {
        // A field line ends with CRLF: a bare LF is refused (§2.2, see the top), as is a bare CR.
        this.rejectLine(ls, i, b === LF ? 'field line ends in a bare LF' : b === CR ? 'bare CR in field value' : 'invalid character in field value');
        return this.fieldsNeedData(ls, into);
      }
      const le = i + 2;
      let ve = i;
      while (ve > vs && ((b = buf[ve - 1]!) === SP || b === HTAB)) ve--;

      this.fieldBytes += le - ls;
      if (this.fieldBytes > maxBytes) throw this.tooLarge();
      if (++this.fieldCount > this.maxHeaderCount) {
        throw new HeaderFieldsTooLarge(`more than ${this.maxHeaderCount} field lines`);
      }

      let id = NAME_ACCEPT[state]!;
      if (id < 0) {
        id = (symbols & 0x40) === 0 ? -1 : -2;
      } else if (inHead) {
        const kind = COMMON_NAMES[id]!.kind;
        if (kind === K_HOST) {
          // RFC 9112 §3.2: exactly one Host, and a valid one.
          if (++this.hostCount > 1) throw new BadRequest('more than one Host field');
          if (!isValidHost(buf, vs, ve)) throw new BadRequest('invalid Host');
        } else if (kind === K_CONTENT_LENGTH) {
          const length = parseContentLength(buf, vs, ve);
          if (this.contentLength !== -1 && this.contentLength !== length) {
            throw new BadRequest('differing Content-Length values');
          }
          this.contentLength = length;
        }
      }

      let k = this.batched * 5;
      batch[k++] = ls;
      batch[k++] = ne;
      batch[k++] = vs;
      batch[k++] = ve;
      batch[k] = id;
      if (++this.batched === BATCH) this.decodeBatch(into);
      pos = le;
    }
  }

  /**
   * Decodes what was found but not decoded yet (the request-line, batched field lines) while
   * the bytes are still where they were found.
   */
  private flush(into: HeaderField[]): void {
    if (this.batched !== 0) this.decodeBatch(into);
    else if (this.pendingLine) this.parseLine(undefined);
  }

  /**
   * Turns the batched field lines, and the request-line if it is pending, into strings with
   * one latin1 decode of their span; acts on the header fields it needs as strings.
   */
  private decodeBatch(into: HeaderField[]): void {
    const batch = this.batch;
    const n = this.batched * 5;
    let base = batch[0]!;
    const pendingLine = this.pendingLine;
    if (pendingLine) {
      if (this.lineEnd - this.lineStart > this.maxRequestLine + 1) this.parseLine(undefined); // 414
      base = this.lineStart;
    }
    const text = this.buf.latin1Slice(base, batch[n - 2]!);
    if (pendingLine) this.parseLine(text);
    const inHead = this.s === S_HEADERS;
    for (let k = 0; k < n; k += 5) {
      const id = batch[k + 4]!;
      const value = text.slice(batch[k + 2]! - base, batch[k + 3]! - base);
      let name: string;
      if (id >= 0) {
        const common = COMMON_NAMES[id]!;
        name = common.name;
        if (inHead && common.kind !== K_OTHER) this.fieldOfNote(common.kind, value);
      } else {
        name = text.slice(batch[k]! - base, batch[k + 1]! - base);
        if (id === -2) name = name.toLowerCase();
      }
      into.push([name, value]);
    }
    this.batched = 0;
  }

  /**
   * Records the header fields the parser acts on when the header section is complete. (Host
   * and Content-Length are checked on bytes, as soon as their line is scanned.)
   */
  private fieldOfNote(kind: number, value: string): void {
    if (kind === K_CONNECTION) {
      this.connection |= connectionOptions(value);
    } else if (kind === K_TRANSFER_ENCODING) {
      // Several fields make one list (RFC 9110 §5.3).
      this.transferEncoding = this.transferEncoding === null ? value : `${this.transferEncoding},${value}`;
    } else if (kind === K_EXPECT) {
      // RFC 9110 §10.1.1: the expectation is case-insensitive.
      if (value === '100-continue' || listElements(value).includes('100-continue')) {
        this.expectContinue = true;
      }
    }
  }

  /**
   * Parses the pending request-line; `text` is its decoded bytes from `lineStart`, or is
   * undefined to decode them here.
   */
  private parseLine(text: string | undefined): void {
    this.pendingLine = false;
    const ls = this.lineStart;
    const lf = this.lineEnd;
    if (text === undefined && lf - ls <= this.maxRequestLine + 1) text = this.buf.latin1Slice(ls, lf);
    this.line = parseRequestLine(this.buf, ls, lf, this.maxRequestLine, text);
  }

  /** The error to report when `err` was thrown while the request-line was pending. */
  private requestLineError(err: unknown): unknown {
    try {
      this.parseLine(undefined);
    } catch (lineError) {
      return lineError;
    }
    return err;
  }

  /** The field line at `ls` is incomplete: check the limit on what is here, and wait. */
  private fieldsNeedData(ls: number, into: HeaderField[]): false {
    this.pos = ls;
    // Decode now: the next receive() may move the bytes found so far.
    this.flush(into);
    if (this.fieldBytes + (this.end - ls) > this.maxHeaderBytes) throw this.tooLarge();
    this.scanned = this.end - ls;
    return false;
  }

  /**
   * The field line at `ls` is malformed at `at`. Once the line is complete, throws 431 when it
   * crosses the limit (as it would have before it was complete), else 400; until then, returns.
   */
  private rejectLine(ls: number, at: number, message: string): void {
    const lf = this.findLf(at);
    if (lf === -1) return;
    if (this.fieldBytes + (lf + 1 - ls) > this.maxHeaderBytes) throw this.tooLarge();
    throw new BadRequest(message);
  }

  private tooLarge(): HeaderFieldsTooLarge {
    return new HeaderFieldsTooLarge(`field lines longer than ${this.maxHeaderBytes} bytes`);
  }

  /**
   * The header section is complete: settle Host, framing and persistence, and make the event.
   *
   * @see RFC 9112 §3.2 (Host), §6.1 and §6.3 (framing), §9.3 (persistence); RFC 9110 §10.1.1
   */
  private endOfHead(): Request {
    const line = this.line!;
    const version = line.version;
    if (version === '1.1' && this.hostCount === 0) throw new BadRequest('missing Host field');

    let body: BodyFraming;
    let contentLength = this.contentLength;
    if (this.transferEncoding !== null) {
      // §6.3 item 3: both is a smuggling attempt; §6.1: HTTP/1.0 has no transfer codings.
      if (contentLength !== -1) throw new BadRequest('both Transfer-Encoding and Content-Length');
      if (version === '1.0') throw new BadRequest('Transfer-Encoding in an HTTP/1.0 request');
      checkTransferEncoding(this.transferEncoding);
      body = 'chunked';
      this.s = S_CHUNK_SIZE;
      this.bodyBytes = 0;
      this.extBytes = 0;
      this.crlfSeen = 0;
    } else if (contentLength !== -1) {
      if (contentLength > this.maxBodyBytes) {
        throw new ContentTooLarge(`Content-Length larger than ${this.maxBodyBytes}`);
      }
      body = 'length';
      this.remaining = contentLength;
      this.s = contentLength === 0 ? S_END : S_LENGTH;
    } else {
      // §6.3 item 7: a request with neither has no body.
      body = 'none';
      contentLength = 0;
      this.s = S_END;
    }

    const options = this.connection;
    const keepAlive =
      (options & CONNECTION_CLOSE) === 0 &&
      (version === '1.1' || (options & CONNECTION_KEEP_ALIVE) !== 0);
    this.keepAlive = keepAlive;

    const request: Request = {
      type: 'request',
      method: line.method,
      target: line.target,
      form: line.form,
      version,
      headers: this.fields,
      keepAlive,
      expectContinue: this.expectContinue && version === '1.1',
      body,
      contentLength,
    };
    this.line = null;
    this.fields = [];
    this.hostCount = 0;
    this.contentLength = -1;
    this.transferEncoding = null;
    this.connection = 0;
    this.expectContinue = false;
    return request;
  }

  // -------------------------------------------------------------------------------------------
  // Body

  /** Up to `remaining` bytes of what is buffered, as a view; null when nothing is. */
  private take(): Buffer | null {
    const pos = this.pos;
    const available = this.end - pos;
    if (available === 0) return null;
    const n = available < this.remaining ? available : this.remaining;
    this.pos = pos + n;
    this.remaining -= n;
    return this.buf.subarray(pos, pos + n);
  }

  /**
   * Parses a chunk-size line once its LF is here.
   *
   * ```abnf
   * chunked-body = *chunk last-chunk trailer-section CRLF   ; §7.1
   * chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
   * chunk-size   = 1*HEXDIG
   * last-chunk   = 1*("0") [ chunk-ext ] CRLF
   * ```
   *
   * Deviations: at most 16 hex digits; the line must end with CRLF (§2.2's bare LF is for the
   * start-line and fields only, and framing is where leniency becomes smuggling).
   *
   * @see RFC 9112 §7.1
   */
  private readChunkSize(): boolean {
    const buf = this.buf;
    const end = this.end;
    const ls = this.pos;
    const lf = this.findLf(ls + this.scanned);
    if (lf === -1) {
      if (end - ls > MAX_CHUNK_LINE_BYTES) throw new BadRequest('chunk-size line too long');
      this.scanned = end - ls;
      return false;
    }
    this.scanned = 0;
    if (lf + 1 - ls > MAX_CHUNK_LINE_BYTES) throw new BadRequest('chunk-size line too long');
    if (lf === ls || buf[lf - 1] !== CR) throw new BadRequest('chunk-size line must end with CRLF');
    const ce = lf - 1;
    let i = ls;
    let size = 0;
    let h: number;
    while (i < ce && (h = HEX_VALUE[buf[i]!]!) !== 0xff) {
      size = size * 16 + h;
      i++;
    }
    if (i === ls) throw new BadRequest('chunk-size must be hexadecimal');
    if (i - ls > 16 || size > Number.MAX_SAFE_INTEGER) throw new BadRequest('chunk-size too large');
    if (i < ce) {
      checkChunkExtensions(buf, i, ce);
      this.extBytes += ce - i;
      if (this.extBytes > MAX_CHUNK_EXT_BYTES) {
        throw new ContentTooLarge(`chunk extensions longer than ${MAX_CHUNK_EXT_BYTES} bytes`);
      }
    }
    this.pos = lf + 1;
    if (size === 0) {
      this.s = S_TRAILERS;
      return true;
    }
    if (size > this.maxBodyBytes - this.bodyBytes) {
      throw new ContentTooLarge(`body larger than ${this.maxBodyBytes} bytes`);
    }
    this.bodyBytes += size;
    this.remaining = size;
    this.s = S_CHUNK_DATA;
    return true;
  }

  /** Consumes the CRLF after chunk-data, byte by byte; anything else is a 400 (§7.1). */
  private readChunkCrlf(): boolean {
    const buf = this.buf;
    while (this.pos < this.end) {
      const expected = this.crlfSeen === 0 ? CR : LF;
      if (buf[this.pos] !== expected) throw new BadRequest('chunk-data not followed by CRLF');
      this.pos++;
      if (++this.crlfSeen === 2) {
        this.crlfSeen = 0;
        this.s = S_CHUNK_SIZE;
        return true;
      }
    }
    return false;
  }
}
