/**
 * The request parser: bytes in, events out, for every request on a connection.
 *
 * Strategy: a pure state machine in the manner of h11. {@link RequestParser.receive} appends
 * bytes; {@link RequestParser.next} returns the next event ({@link Request}, then zero or more
 * {@link Data}, then {@link EndOfMessage}), or {@link NEED_DATA} when the bytes so far do not
 * finish one, and moves on to the next pipelined request by itself. It never touches a socket
 * or a clock, so a test can drive it one byte at a time and the events come out the same.
 *
 * The parser is always reading one kind of thing ({@link Reading}), and each kind has one
 * method: the request-line, field lines (the header section, and the trailer section of a
 * chunked body), body bytes, a chunk line, the CRLF after a chunk's data. A line is cut at its
 * CRLF, decoded as latin1 (one character per byte) and handed whole to the module that knows
 * its grammar: `request-line.ts`, `fields.ts`. So a line is judged when it is complete, or
 * when it is already too long, and an error depends only on the bytes, never on how they were
 * split across reads.
 *
 * Rules (RFC 9112): every line of a request ends with CRLF, in the head as in chunked framing
 * (§7.1). §2.2 lets a recipient also accept a bare LF; this parser refuses it (400), and a CR
 * anywhere else too, because a server may sit behind a proxy that reads such a line
 * differently, and two readings of one message are how a `Content-Length` or
 * `Transfer-Encoding` gets smuggled past the proxy. Empty lines (CRLF) before a request-line
 * are skipped (§2.2), up to {@link MAX_LEADING_EMPTY_BYTES}; after them, a byte that cannot
 * start a method (a bare LF, a TLS handshake sent to this port) is refused at once. Every
 * limit is checked as bytes arrive, before the end of what it limits: a request-line with no
 * LF yet, a header section with no empty line yet, a chunk line, the body.
 *
 * What it will not do: obs-fold (§5.2) and whitespace before a colon (§5.1) are rejected, not
 * repaired; transfer codings other than `chunked` get 501; trailer fields are returned
 * separately, never merged into the header fields (RFC 9110 §6.5.1); it does not know about
 * time, so the 408 for a slow client is the connection's; nor which methods the server
 * implements, so a request with an unknown method is parsed like any other (the connection
 * answers it with 501).
 */

import { CR, isTchar, LF } from './abnf.ts';
import { BadRequest, ContentTooLarge, HeaderFieldsTooLarge, UriTooLong, type HttpError } from './errors.ts';
import {
  checkTransferEncoding,
  expectsContinue,
  isValidHost,
  parseChunkLine,
  parseContentLength,
  parseFieldLine,
  persistenceOptions,
  type HeaderField,
  type PersistenceOptions,
} from './fields.ts';
import { parseRequestLine, type HttpVersion, type RequestLine } from './request-line.ts';
import type { TargetForm } from './target.ts';

// ---------------------------------------------------------------------------------------------
// Limits

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
   * section; more gets 431. The request-line and chunk lines do not count.
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
 * The longest chunk line (size, extensions and CRLF), in bytes; longer gets 400. This bounds
 * what the parser buffers while it waits for the line's end.
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

// ---------------------------------------------------------------------------------------------
// Events

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
  /** The authority of an absolute-form target, checked (RFC 9112 §3.2.2); empty for the other forms. */
  readonly authority: string;
  /** The protocol version the request is handled as. */
  readonly version: HttpVersion;
  /** The field lines, in the order received; repeated names stay separate entries. */
  readonly headers: HeaderField[];
  /**
   * What the `Connection` field said about persistence (RFC 9112 §9.3): whether the connection
   * persists is decided with the response, by `persists` in `response.ts`.
   */
  readonly connection: PersistenceOptions;
  /** Whether the client waits for `100 Continue` before sending the body (RFC 9110 §10.1.1). */
  readonly expectContinue: boolean;
  /** How the body is delimited (RFC 9112 §6.3). */
  readonly body: BodyFraming;
  /** The body's length from `Content-Length`; 0 when there is no body; -1 when chunked. */
  readonly contentLength: number;
}

/**
 * Some bytes of the body, after chunked decoding. `chunk` is a view of the bytes passed to
 * {@link RequestParser.receive}, not a copy: it stays valid as long as the caller does not
 * modify them.
 *
 * @see RFC 9112 §6, §7.1
 */
export interface Data {
  /** The kind of event: bytes of the body. */
  readonly type: 'data';
  /** The bytes, after chunked decoding. */
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
 * body or the trailer section, `error` after a thrown error. Whether a request is the last on
 * its connection is not the parser's to decide: the connection stops asking for events.
 */
export type ParserState = 'idle' | 'headers' | 'body' | 'error';

/**
 * What the parser reads next; each has one method of {@link RequestParser}.
 *
 * ```text
 * request-line → header-lines ─┬─ (no body) ──────────────────────────────────────┬→ end
 *      ▲                       ├─ length-body ───────────────────────────────────┤
 *      │                       └─ chunk-line ─┬→ chunk-data → chunk-end → (loop)  │
 *      │                                      └→ (size 0) trailer-lines ──────────┘
 *      └──────────────────────────────────── end ──────────────────────────────────┘
 * ```
 */
type Reading =
  | 'request-line'
  | 'header-lines'
  | 'length-body'
  | 'chunk-line'
  | 'chunk-data'
  | 'chunk-end'
  | 'trailer-lines'
  | 'end'
  | 'error';

// ---------------------------------------------------------------------------------------------
// The received bytes

/** What is buffered when nothing is: one empty buffer, shared. */
const EMPTY = Buffer.alloc(0);

/**
 * The bytes received and not consumed yet. New bytes are kept as they are when everything
 * before them was consumed (the usual case: a whole request in one read); otherwise what is
 * left and the new bytes are copied into one new buffer. The copy is at most one line, or a
 * few bytes of body framing. Unlike stage 04, the bytes received may be a view of the one
 * read buffer that the next read overwrites (step 1): so the connection calls
 * {@link RequestParser.keepBuffered} after each read, which copies what is left here
 * (`keep`), and copies the body {@link Data} it gathers, which is a view too.
 */
class ReceiveBuffer {
  #bytes: Buffer = EMPTY;
  #start = 0;

  /** How many bytes are buffered. */
  get length(): number {
    return this.#bytes.length - this.#start;
  }

  append(bytes: Buffer): void {
    this.#bytes = this.length === 0 ? bytes : Buffer.concat([this.#bytes.subarray(this.#start), bytes]);
    this.#start = 0;
  }

  /**
   * Copies what is buffered into a buffer of its own, when it is a view of bytes the caller
   * will overwrite (stage 05 reads every socket into one buffer).
   */
  keep(): void {
    this.#bytes = this.length === 0 ? EMPTY : Buffer.from(this.#bytes.subarray(this.#start));
    this.#start = 0;
  }

  /** The byte at `offset` from the start of what is buffered; undefined past either end. */
  at(offset: number): number | undefined {
    return offset < 0 ? undefined : this.#bytes[this.#start + offset];
  }

  /** The offset of the first LF buffered, or -1 when there is none yet. */
  indexOfLf(): number {
    const i = this.#bytes.indexOf(LF, this.#start);
    return i === -1 ? -1 : i - this.#start;
  }

  /** Consumes the first `n` bytes and returns them (a view, not a copy). */
  take(n: number): Buffer {
    const bytes = this.#bytes.subarray(this.#start, this.#start + n);
    this.#start += n;
    return bytes;
  }

  /** Whether the line that ends with the LF at offset `lf` ends with CRLF. */
  endsWithCrlf(lf: number): boolean {
    return this.at(lf - 1) === CR;
  }

  /**
   * Consumes the line that ends with the CRLF whose LF is at offset `lf`, and returns its text
   * without the CRLF, decoded as latin1.
   */
  takeLine(lf: number): string {
    const text = this.#bytes.toString('latin1', this.#start, this.#start + lf - 1);
    this.#start += lf + 1;
    return text;
  }
}

/** What the parser has learned about the request it is reading; a new one for each request. */
class Message {
  readonly headers: HeaderField[] = [];
  readonly trailers: HeaderField[] = [];
  /** Bytes and lines of the header and trailer sections so far, for the limits. */
  fieldBytes = 0;
  fieldCount = 0;
  // What the header fields said.
  hostCount = 0;
  contentLength = -1;
  transferEncoding: string | null = null;
  closeAsked = false;
  keepAliveAsked = false;
  expectContinue = false;
  /** Body bytes still to come: of the `Content-Length`, or of the current chunk. */
  remaining = 0;
  /** Chunked: the decoded body's size and the extensions' bytes so far, for the limits. */
  bodyBytes = 0;
  extensionBytes = 0;

  constructor(readonly line: RequestLine) {}
}

// ---------------------------------------------------------------------------------------------
// The parser

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
  readonly #limits: ParserLimits;
  readonly #buffer = new ReceiveBuffer();
  #reading: Reading = 'request-line';
  /** The error thrown, once one was: the parser is dead. */
  #error: unknown = null;
  /** Bytes of empty lines skipped before the request-line being read. */
  #leadingEmpty = 0;
  /** The request being read, once its request-line is. */
  #message: Message | null = null;
  /** Its method, while its header section is being read (see {@link method}). */
  #headMethod: string | null = null;

  /** @param limits overrides for {@link DEFAULT_LIMITS}. */
  constructor(limits?: Partial<ParserLimits>) {
    this.#limits = {
      maxRequestLine: limits?.maxRequestLine ?? DEFAULT_LIMITS.maxRequestLine,
      maxHeaderBytes: limits?.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes,
      maxHeaderCount: limits?.maxHeaderCount ?? DEFAULT_LIMITS.maxHeaderCount,
      maxBodyBytes: limits?.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
    };
  }

  /**
   * Appends bytes received from the client. The parser keeps a reference to `bytes` (body
   * {@link Data} are views of it), so the caller must not modify it afterwards. Bytes received
   * after an error are dropped.
   */
  receive(bytes: Buffer): void {
    if (bytes.length === 0 || this.#reading === 'error') return;
    this.#buffer.append(bytes);
  }

  /**
   * Copies the bytes received and not consumed yet, so that the caller may overwrite the
   * buffer it passed to {@link receive}. Call it before doing so.
   */
  keepBuffered(): void {
    this.#buffer.keep();
  }

  /** How many received bytes are not consumed yet. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Where the parser is; see {@link ParserState}. */
  get state(): ParserState {
    switch (this.#reading) {
      case 'request-line':
        return 'idle';
      case 'header-lines':
        return 'headers';
      case 'error':
        return 'error';
      default:
        return 'body';
    }
  }

  /**
   * The method of the request whose header section is being read, from the moment its
   * request-line is parsed until the {@link Request} event, and after an error thrown in that
   * header section; null otherwise (the caller has the `Request` while it reads the body). A
   * connection answering an error needs it: a response to HEAD has no body (RFC 9110 §9.3.2).
   */
  get method(): string | null {
    return this.#headMethod;
  }

  /**
   * Returns the next event, or {@link NEED_DATA}. After a thrown error the parser is dead and
   * every call throws it again.
   *
   * @throws {@link HttpError} subclasses only, each naming the status to answer with.
   * @see RFC 9112 §2.2, §3, §5, §6, §7
   */
  next(): ParserEvent | typeof NEED_DATA {
    if (this.#reading === 'error') throw this.#error;
    try {
      return this.#nextEvent();
    } catch (err) {
      this.#reading = 'error';
      this.#error = err;
      throw err;
    }
  }

  #nextEvent(): ParserEvent | typeof NEED_DATA {
    for (;;) {
      const message = this.#message;
      switch (this.#reading) {
        case 'request-line': {
          const line = this.#readRequestLine();
          if (line === null) return NEED_DATA;
          this.#message = new Message(line);
          this.#headMethod = line.method;
          this.#reading = 'header-lines';
          break;
        }
        case 'header-lines': {
          if (!this.#readFieldLines(message!, message!.headers)) return NEED_DATA;
          const request = this.#endOfHead(message!);
          this.#headMethod = null;
          return request;
        }
        case 'length-body':
          return this.#readBodyBytes(message!, 'end');
        case 'chunk-line':
          if (!this.#readChunkLine(message!)) return NEED_DATA;
          break;
        case 'chunk-data':
          return this.#readBodyBytes(message!, 'chunk-end');
        case 'chunk-end':
          if (!this.#readChunkEnd()) return NEED_DATA;
          break;
        case 'trailer-lines':
          if (!this.#readFieldLines(message!, message!.trailers)) return NEED_DATA;
          this.#reading = 'end';
          break;
        case 'end':
          this.#reading = 'request-line';
          this.#message = null;
          return { type: 'end', trailers: message!.trailers };
        case 'error':
          return NEED_DATA;
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Request-line

  /**
   * Skips empty lines, then parses the request-line once its CRLF is here; null until then.
   *
   * ```abnf
   * HTTP-message = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]   ; §2.1
   * ```
   *
   * @see RFC 9112 §2.2, §3
   */
  #readRequestLine(): RequestLine | null {
    const buffer = this.#buffer;
    const max = this.#limits.maxRequestLine;
    // §2.2: be robust to empty lines (CRLF) before the request-line, but not without bound
    while (buffer.at(0) === CR && buffer.at(1) === LF) {
      buffer.take(2);
      this.#leadingEmpty += 2;
      if (this.#leadingEmpty > MAX_LEADING_EMPTY_BYTES) {
        throw new BadRequest('too many empty lines before the request-line');
      }
    }
    // a CR alone may be the start of one more empty line
    if (buffer.length === 0 || (buffer.length === 1 && buffer.at(0) === CR)) return null;
    // A request-line starts with a method token. Anything else (a bare LF, a bare CR, a TLS
    // handshake sent to this plain-HTTP port) is refused now, not once a LF arrives, if ever.
    const first = buffer.at(0)!;
    if (!isTchar(first)) {
      throw new BadRequest(first === LF ? 'bare LF before the request-line' : 'request-line must start with a method token');
    }
    const lf = buffer.indexOfLf();
    if (lf === -1) {
      // 414 as soon as the line cannot fit; a CR at the end may still be half of its CRLF
      const length = buffer.length - (buffer.at(buffer.length - 1) === CR ? 1 : 0);
      if (length > max) throw new UriTooLong(max);
      return null;
    }
    const crlf = buffer.endsWithCrlf(lf);
    if ((crlf ? lf - 1 : lf) > max) throw new UriTooLong(max);
    if (!crlf) throw new BadRequest('request-line must end with CRLF, not a bare LF');
    this.#leadingEmpty = 0;
    return parseRequestLine(buffer.takeLine(lf));
  }

  // -------------------------------------------------------------------------------------------
  // Field lines (the header section, and the trailer section of a chunked body)

  /**
   * Reads field lines into `into` up to and including the empty line that ends the section.
   * Returns false when more bytes are needed.
   *
   * ```abnf
   * field-line = field-name ":" OWS field-value OWS        ; §5
   * ```
   *
   * @see RFC 9112 §5, §7.1.2; RFC 6585 §5 (431)
   */
  #readFieldLines(message: Message, into: HeaderField[]): boolean {
    const buffer = this.#buffer;
    const { maxHeaderBytes, maxHeaderCount } = this.#limits;
    for (;;) {
      const lf = buffer.indexOfLf();
      if (lf === -1) {
        // 431 as soon as the section cannot fit, before its end arrives
        if (message.fieldBytes + buffer.length > maxHeaderBytes) throw this.#tooLarge();
        return false;
      }
      // the limit first: a line that crosses it gets 431 even when it is also malformed
      message.fieldBytes += lf + 1;
      if (message.fieldBytes > maxHeaderBytes) throw this.#tooLarge();
      if (!buffer.endsWithCrlf(lf)) {
        throw new BadRequest(lf === 0 ? 'bare LF in field section' : 'field line ends in a bare LF');
      }
      const line = buffer.takeLine(lf);
      if (line === '') return true; // the empty line that ends the section
      const field = parseFieldLine(line);
      if (++message.fieldCount > maxHeaderCount) {
        throw new HeaderFieldsTooLarge(`more than ${maxHeaderCount} field lines`);
      }
      if (into === message.headers) this.#noteHeader(message, field);
      into.push(field);
    }
  }

  #tooLarge(): HeaderFieldsTooLarge {
    return new HeaderFieldsTooLarge(`field lines longer than ${this.#limits.maxHeaderBytes} bytes`);
  }

  /**
   * Takes note of the header fields the parser acts on. Host and Content-Length are checked
   * here, on their own line; the others once the section is complete ({@link #endOfHead}).
   */
  #noteHeader(message: Message, [name, value]: HeaderField): void {
    switch (name) {
      case 'host':
        // RFC 9112 §3.2: exactly one Host, and a valid one
        if (++message.hostCount > 1) throw new BadRequest('more than one Host field');
        if (!isValidHost(value)) throw new BadRequest('invalid Host');
        break;
      case 'content-length': {
        const length = parseContentLength(value);
        if (message.contentLength !== -1 && length !== message.contentLength) {
          throw new BadRequest('differing Content-Length values');
        }
        message.contentLength = length;
        break;
      }
      case 'transfer-encoding':
        // several field lines make one list (RFC 9110 §5.3)
        message.transferEncoding = message.transferEncoding === null ? value : `${message.transferEncoding},${value}`;
        break;
      case 'connection': {
        const { close, keepAlive } = persistenceOptions(value);
        message.closeAsked ||= close;
        message.keepAliveAsked ||= keepAlive;
        break;
      }
      case 'expect':
        message.expectContinue ||= expectsContinue(value);
        break;
    }
  }

  /**
   * The header section is complete: settle Host and framing, and make the event.
   *
   * @see RFC 9112 §3.2 (Host), §6.1 and §6.3 (framing); RFC 9110 §10.1.1
   */
  #endOfHead(message: Message): Request {
    const { method, target, form, authority, version } = message.line;
    if (version === '1.1' && message.hostCount === 0) throw new BadRequest('missing Host field');

    let body: BodyFraming;
    let contentLength = message.contentLength;
    if (message.transferEncoding !== null) {
      // §6.3 item 3: both is a smuggling attempt; §6.1: HTTP/1.0 has no transfer codings
      if (contentLength !== -1) throw new BadRequest('both Transfer-Encoding and Content-Length');
      if (version === '1.0') throw new BadRequest('Transfer-Encoding in an HTTP/1.0 request');
      checkTransferEncoding(message.transferEncoding);
      body = 'chunked';
      this.#reading = 'chunk-line';
    } else if (contentLength !== -1) {
      if (contentLength > this.#limits.maxBodyBytes) {
        throw new ContentTooLarge(`Content-Length larger than ${this.#limits.maxBodyBytes}`);
      }
      body = 'length';
      message.remaining = contentLength;
      this.#reading = contentLength === 0 ? 'end' : 'length-body';
    } else {
      // §6.3 item 7: a request with neither has no body
      body = 'none';
      contentLength = 0;
      this.#reading = 'end';
    }

    return {
      type: 'request',
      method,
      target,
      form,
      authority,
      version,
      headers: message.headers,
      connection: { close: message.closeAsked, keepAlive: message.keepAliveAsked },
      expectContinue: message.expectContinue && version === '1.1',
      body,
      contentLength,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Body

  /**
   * Up to `message.remaining` of the buffered bytes, as a Data event; then `after` is read.
   *
   * @see RFC 9112 §6.2 (Content-Length), §7.1 (chunk-data)
   */
  #readBodyBytes(message: Message, after: Reading): Data | typeof NEED_DATA {
    const buffer = this.#buffer;
    if (buffer.length === 0) return NEED_DATA;
    const chunk = buffer.take(Math.min(buffer.length, message.remaining));
    message.remaining -= chunk.length;
    if (message.remaining === 0) this.#reading = after;
    return { type: 'data', chunk };
  }

  /**
   * Reads a chunk line once its LF is here. Returns false when more bytes are needed.
   *
   * ```abnf
   * chunked-body = *chunk last-chunk trailer-section CRLF   ; §7.1
   * chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
   * last-chunk   = 1*("0") [ chunk-ext ] CRLF
   * ```
   *
   * The line must end with CRLF, as every line of a request (see the top of this file).
   *
   * @see RFC 9112 §7.1
   */
  #readChunkLine(message: Message): boolean {
    const buffer = this.#buffer;
    const lf = buffer.indexOfLf();
    if (lf === -1) {
      if (buffer.length > MAX_CHUNK_LINE_BYTES) throw new BadRequest('chunk-size line too long');
      return false;
    }
    if (lf + 1 > MAX_CHUNK_LINE_BYTES) throw new BadRequest('chunk-size line too long');
    if (!buffer.endsWithCrlf(lf)) throw new BadRequest('chunk-size line must end with CRLF');
    const { size, extensionLength } = parseChunkLine(buffer.takeLine(lf));
    message.extensionBytes += extensionLength;
    if (message.extensionBytes > MAX_CHUNK_EXT_BYTES) {
      throw new ContentTooLarge(`chunk extensions longer than ${MAX_CHUNK_EXT_BYTES} bytes`);
    }
    if (size === 0) {
      this.#reading = 'trailer-lines';
      return true;
    }
    if (size > this.#limits.maxBodyBytes - message.bodyBytes) {
      throw new ContentTooLarge(`body larger than ${this.#limits.maxBodyBytes} bytes`);
    }
    message.bodyBytes += size;
    message.remaining = size;
    this.#reading = 'chunk-data';
    return true;
  }

  /**
   * Consumes the CRLF after a chunk's data. Each byte is judged as it arrives: anything but
   * CRLF is a 400 (§7.1).
   */
  #readChunkEnd(): boolean {
    const buffer = this.#buffer;
    if (buffer.length === 0) return false;
    if (buffer.at(0) !== CR) throw new BadRequest('chunk-data not followed by CRLF');
    if (buffer.length === 1) return false;
    if (buffer.at(1) !== LF) throw new BadRequest('chunk-data not followed by CRLF');
    buffer.take(2);
    this.#reading = 'chunk-line';
    return true;
  }
}
