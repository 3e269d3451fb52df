/**
 * The parser playground's engine: bytes written with escapes in, stage 02's parser run over
 * them read by read, the steps it took out.
 *
 * Strategy: no parser of its own. {@link runParser} feeds the bytes to stage 02's
 * `RequestParser` (the very file the server runs) in the reads the user chose, calls `next()`
 * until it answers `NEED_DATA` or throws, and records each answer as a {@link Step} with the
 * bytes it consumed (what `buffered` says before and after). The same module runs in Node (the
 * tests) and in the browser, bundled by `build.ts` with a small `Buffer` (`buffer-shim.ts`);
 * a test feeds every preset to both and compares the steps. Steps are plain JSON, so they
 * compare, and a page renders them, without knowing the parser's classes.
 *
 * What it will not do: touch the DOM (that is `page.ts`), or run without bounds: the input is
 * capped at {@link MAX_INPUT_BYTES} and a run at {@link MAX_STEPS}, so that no input freezes
 * a browser tab.
 */

import { HttpError } from '../../stages/02-full-parser/src/errors.ts';
import type { HeaderField } from '../../stages/02-full-parser/src/fields.ts';
import { DEFAULT_LIMITS, NEED_DATA, RequestParser, type ParserLimits, type ParserState } from '../../stages/02-full-parser/src/parser.ts';

/** The most bytes the playground takes. */
export const MAX_INPUT_BYTES = 65_536;

/** The most steps one run records; the run stops there and says so. */
export const MAX_STEPS = 20_000;

/** How the bytes are cut into reads: all in one, one byte each, or at the user's cut points. */
export type Split = 'one' | 'bytes' | 'cuts';

/** The parser's limits the page lets the user change, in the order it shows them. */
export const LIMIT_NAMES: ReadonlyArray<keyof ParserLimits> = ['maxRequestLine', 'maxHeaderBytes', 'maxHeaderCount', 'maxBodyBytes'];

export { DEFAULT_LIMITS, type ParserLimits };

// ---------------------------------------------------------------------------------------------
// Escapes

/** The bytes an escaped text stands for, or why it stands for none. */
export type Decoded = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly error: string };

/**
 * Turns the text typed in the page into bytes. `\r`, `\n`, `\t`, `\0`, `\\` and `\xNN` are
 * escapes; a line break typed in the text is layout and stands for no byte (write `\r\n`);
 * any other character is its UTF-8 bytes.
 */
export function decodeEscapes(text: string): Decoded {
  // \xNN is four characters for one byte: anything longer than this cannot fit
  if (text.length > MAX_INPUT_BYTES * 4 + 10_000) return { ok: false, error: `input too large: at most ${MAX_INPUT_BYTES} bytes` };
  const out: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n' || c === '\r') continue;
    if (c !== '\\') {
      const code = c.charCodeAt(0);
      if (code < 0x80) out.push(code);
      else {
        // a surrogate pair is one character of two code units
        const ch = code >= 0xd800 && code < 0xdc00 && i + 1 < text.length ? text.slice(i, ++i + 1) : c;
        out.push(...encoder.encode(ch));
      }
    } else {
      const e = text[i + 1];
      const simple: Record<string, number> = { r: 0x0d, n: 0x0a, t: 0x09, '0': 0x00, '\\': 0x5c };
      if (e !== undefined && e in simple) {
        out.push(simple[e]!);
        i++;
      } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
        out.push(parseInt(text.slice(i + 2, i + 4), 16));
        i += 3;
      } else {
        const shown = e === undefined ? '\\ at the end' : e === 'x' ? `\\x${text.slice(i + 2, i + 4)}` : `\\${e}`;
        return { ok: false, error: `invalid escape ${shown} at character ${i + 1}: use \\r \\n \\t \\0 \\\\ or \\xNN (two hex digits)` };
      }
    }
    if (out.length > MAX_INPUT_BYTES) return { ok: false, error: `input too large: at most ${MAX_INPUT_BYTES} bytes` };
  }
  return { ok: true, bytes: Uint8Array.from(out) };
}

/** How one byte is shown: printable ASCII as itself, `\` doubled, the rest as escapes. */
export function escapeByte(b: number): string {
  if (b === 0x0d) return '\\r';
  if (b === 0x0a) return '\\n';
  if (b === 0x09) return '\\t';
  if (b === 0x5c) return '\\\\';
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return `\\x${b.toString(16).padStart(2, '0')}`;
}

/** Bytes as escaped text that {@link decodeEscapes} turns back into the same bytes. */
export function encodeEscapes(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += escapeByte(bytes[i]!);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Reads

/**
 * The reads `[from, to)` that cut `length` bytes: one read, one byte per read, or a read
 * ending at each cut point (offsets between 1 and `length - 1`; others are ignored).
 */
export function readsOf(length: number, split: Split, cuts: readonly number[] = []): Array<[number, number]> {
  if (length === 0) return [];
  if (split === 'bytes') return Array.from({ length }, (_, i): [number, number] => [i, i + 1]);
  const points = split === 'cuts' ? [...new Set(cuts)].filter((c) => Number.isInteger(c) && c > 0 && c < length).sort((a, b) => a - b) : [];
  const edges = [0, ...points, length];
  return edges.slice(1).map((to, i): [number, number] => [edges[i]!, to]);
}

// ---------------------------------------------------------------------------------------------
// The rules behind the errors

/** Where the RFCs decide an error, for a message the parser throws. */
export interface Rule {
  /** What the message starts with, as the parser words it. */
  readonly message: string;
  /** The RFC section, e.g. `RFC 9112 §6.3`. */
  readonly section: string;
  /** The rule in a few words. */
  readonly says: string;
}

/**
 * The rule behind each error stage 02's parser throws. The errors carry a status and a
 * message but no RFC section, so the page looks the message up here; a test checks that every
 * message in the parser's sources has an entry.
 */
export const RULES: readonly Rule[] = [
  { message: 'too many empty lines before the request-line', section: 'RFC 9112 §2.2', says: 'ignore at least one empty line before a request-line (not without bound)' },
  { message: 'bare LF before the request-line', section: 'RFC 9112 §2.2', says: 'a request starts with a request-line; this parser accepts no bare LF' },
  { message: 'request-line must start with a method token', section: 'RFC 9112 §3', says: 'request-line = method SP request-target SP HTTP-version' },
  { message: 'request-line longer than', section: 'RFC 9112 §3', says: 'a request-target longer than the server will parse gets 414' },
  { message: 'request-line must end with CRLF', section: 'RFC 9112 §2.2', says: 'lines end with CRLF; a bare LF may be accepted, this parser refuses it' },
  { message: 'bare LF in field section', section: 'RFC 9112 §2.2', says: 'lines end with CRLF; a bare LF may be accepted, this parser refuses it' },
  { message: 'field line ends in a bare LF', section: 'RFC 9112 §2.2', says: 'lines end with CRLF; a bare LF may be accepted, this parser refuses it' },
  { message: 'more than', section: 'RFC 6585 §5', says: 'a header section larger than the server will process gets 431' },
  { message: 'field lines longer than', section: 'RFC 6585 §5', says: 'a header section larger than the server will process gets 431' },
  { message: 'more than one Host field', section: 'RFC 9112 §3.2', says: 'a request with more than one Host field gets 400' },
  { message: 'invalid Host', section: 'RFC 9112 §3.2', says: 'a request with an invalid Host field value gets 400' },
  { message: 'missing Host field', section: 'RFC 9112 §3.2', says: 'an HTTP/1.1 request without a Host field gets 400' },
  { message: 'differing Content-Length values', section: 'RFC 9112 §6.3', says: 'item 5: differing Content-Length values make the framing invalid: 400' },
  { message: 'Content-Length must be 1*DIGIT', section: 'RFC 9112 §6.3', says: 'item 5: an invalid Content-Length makes the framing invalid: 400' },
  { message: 'Content-Length too long', section: 'RFC 9112 §6.3', says: 'item 5: an invalid Content-Length (here, over 15 digits) gets 400' },
  { message: 'both Transfer-Encoding and Content-Length', section: 'RFC 9112 §6.3', says: 'item 3: both fields may be an attempt at request smuggling' },
  { message: 'Transfer-Encoding in an HTTP/1.0 request', section: 'RFC 9112 §6.1', says: 'HTTP/1.0 has no transfer codings: the framing is faulty' },
  { message: 'malformed Transfer-Encoding', section: 'RFC 9112 §6.1', says: 'Transfer-Encoding = #transfer-coding' },
  { message: 'chunked must be the final transfer coding', section: 'RFC 9112 §6.3', says: 'item 4: chunked not final in a request: 400' },
  { message: 'chunked applied more than once', section: 'RFC 9112 §6.1', says: 'a sender must not apply chunked more than once' },
  { message: 'transfer coding not implemented', section: 'RFC 9112 §6.1', says: 'a transfer coding the server does not understand gets 501' },
  { message: 'Content-Length larger than', section: 'RFC 9110 §15.5.14', says: 'content larger than the server will process gets 413' },
  { message: 'body larger than', section: 'RFC 9110 §15.5.14', says: 'content larger than the server will process gets 413' },
  { message: 'chunk extensions longer than', section: 'RFC 9112 §7.1.1', says: 'a server limits the chunk extensions it accepts (413, as node:http)' },
  { message: 'chunk-size line too long', section: 'RFC 9112 §7.1', says: 'chunk = chunk-size [ chunk-ext ] CRLF …, bounded here' },
  { message: 'chunk-size line must end with CRLF', section: 'RFC 9112 §7.1', says: 'chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF' },
  { message: 'chunk-data not followed by CRLF', section: 'RFC 9112 §7.1', says: 'chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF' },
  { message: 'chunk-size must be hexadecimal', section: 'RFC 9112 §7.1', says: 'chunk-size = 1*HEXDIG' },
  { message: 'chunk-size too large', section: 'RFC 9112 §7.1', says: 'a recipient must anticipate large chunk sizes and prevent overflow' },
  { message: 'malformed chunk-size line', section: 'RFC 9112 §7.1', says: 'chunk = chunk-size [ chunk-ext ] CRLF' },
  { message: 'malformed chunk extension', section: 'RFC 9112 §7.1.1', says: 'chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )' },
  { message: 'malformed quoted-string in chunk extension', section: 'RFC 9110 §5.6.4', says: 'quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE' },
  { message: 'obs-fold or whitespace before a field line', section: 'RFC 9112 §5.2', says: 'a server must reject obs-fold (line folding) with 400, or replace it' },
  { message: 'whitespace between field name and colon', section: 'RFC 9112 §5.1', says: 'no whitespace between field name and colon: a server must reject it with 400' },
  { message: 'invalid character in field name', section: 'RFC 9110 §5.1', says: 'field-name = token' },
  { message: 'bare CR in field value', section: 'RFC 9110 §5.5', says: 'a CR, LF or NUL in a field value is invalid' },
  { message: 'invalid character in field value', section: 'RFC 9110 §5.5', says: 'field-value = *field-content; no CR, LF, NUL or other controls' },
  { message: 'asterisk-form is only for OPTIONS', section: 'RFC 9112 §3.2.4', says: 'asterisk-form is used only for a server-wide OPTIONS request' },
  { message: 'absolute-form target without a host', section: 'RFC 9112 §3.2.2', says: 'absolute-form = absolute-URI, with a host' },
  { message: 'invalid authority in absolute-form target', section: 'RFC 9112 §3.2.2', says: 'absolute-form = absolute-URI, with a valid authority' },
  { message: 'request-target must be origin-form', section: 'RFC 9112 §3.2', says: 'request-target = origin-form / absolute-form / authority-form / asterisk-form' },
  { message: 'malformed percent-encoding in request-target', section: 'RFC 3986 §2.1', says: 'pct-encoded = "%" HEXDIG HEXDIG' },
  { message: 'invalid character in method', section: 'RFC 9112 §3', says: 'method = token, then one SP' },
  { message: 'invalid character in request-target', section: 'RFC 9112 §3', says: 'no whitespace or control inside the request-target' },
  { message: 'empty request-target', section: 'RFC 9112 §3', says: 'request-line = method SP request-target SP HTTP-version' },
  { message: 'missing HTTP-version', section: 'RFC 9112 §3', says: 'request-line = method SP request-target SP HTTP-version' },
  { message: 'method not implemented', section: 'RFC 9110 §9.1', says: 'a method the server does not implement gets 501' },
  { message: 'malformed HTTP-version', section: 'RFC 9112 §2.3', says: 'HTTP-version = "HTTP" "/" DIGIT "." DIGIT' },
  { message: 'HTTP version not supported', section: 'RFC 9110 §15.6.6', says: 'a major version the server does not support gets 505' },
];

/** The rule for an error message: the entry whose `message` it starts with, longest first. */
export function ruleFor(message: string): Rule | undefined {
  let best: Rule | undefined;
  for (const r of RULES) if (message.startsWith(r.message) && (best === undefined || r.message.length > best.message.length)) best = r;
  return best;
}

// ---------------------------------------------------------------------------------------------
// Steps

/** The request event, with what the page shows of it: the fields of stage 02's `Request`. */
export interface RequestStep {
  /** The kind of step. */
  readonly kind: 'request';
  /** The method, as sent. */
  readonly method: string;
  /** The request-target, as sent. */
  readonly target: string;
  /** The target's form (RFC 9112 §3.2). */
  readonly form: string;
  /** The version the request is handled as. */
  readonly version: string;
  /** The header fields, names in lower case, in the order received. */
  readonly headers: HeaderField[];
  /**
   * What the `Connection` field asked for: `close`, `keep-alive`, both, or `none`. Whether the
   * connection persists is the server's decision, with the response (`persists` in response.ts).
   */
  readonly connection: string;
  /** Whether the client waits for `100 Continue`. */
  readonly expectContinue: boolean;
  /** How the body is delimited: `none`, `length` or `chunked`. */
  readonly body: string;
  /** The body's length from `Content-Length`; 0 without a body; -1 when chunked. */
  readonly contentLength: number;
}

/** What one step of a run shows, besides where it is (see {@link Step}). */
export type StepBody =
  | { readonly kind: 'read'; readonly index: number; readonly count: number }
  | RequestStep
  | { readonly kind: 'data'; readonly length: number; readonly text: string }
  | { readonly kind: 'end'; readonly trailers: HeaderField[] }
  | { readonly kind: 'need-data'; readonly state: ParserState; readonly buffered: number }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly code: string;
      readonly message: string;
      readonly section: string;
      readonly says: string;
    };

/**
 * One step of a run. For a `read`, `from`/`to` are the bytes read; for every other step, the
 * bytes the parser consumed to give that answer (for an error, the bytes it had not consumed
 * yet when it threw, which hold what it refused).
 */
export type Step = StepBody & { readonly from: number; readonly to: number };

/** What a run gives. */
export interface Run {
  /** The steps, in order. */
  readonly steps: Step[];
  /** Whether the run stopped at {@link MAX_STEPS}. */
  readonly truncated: boolean;
}

/**
 * Feeds `bytes` to a new stage 02 `RequestParser` in the given reads and records each read and
 * each answer of `next()`, until the bytes are used up or the parser throws.
 */
export function runParser(bytes: Uint8Array, reads: ReadonlyArray<readonly [number, number]>, limits: Partial<ParserLimits> = {}, maxSteps = MAX_STEPS): Run {
  const parser = new RequestParser(limits);
  const steps: Step[] = [];
  let received = 0;
  const consumed = (): number => received - parser.buffered;
  for (const [index, [from, to]] of reads.entries()) {
    if (steps.length >= maxSteps) return { steps, truncated: true };
    steps.push({ kind: 'read', index, count: reads.length, from, to });
    // a copy: the parser keeps what it receives, and a Data event is a view of it
    parser.receive(Buffer.from(bytes.subarray(from, to)));
    received += to - from;
    for (;;) {
      if (steps.length >= maxSteps) return { steps, truncated: true };
      const before = consumed();
      let event;
      try {
        event = parser.next();
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        const rule = ruleFor(err.message);
        steps.push({
          kind: 'error',
          status: err.status,
          code: err.code,
          message: err.message,
          section: rule?.section ?? 'no rule listed',
          says: rule?.says ?? '',
          from: before,
          to: received,
        });
        return { steps, truncated: false };
      }
      const at = { from: before, to: consumed() };
      if (event === NEED_DATA) {
        steps.push({ kind: 'need-data', state: parser.state, buffered: parser.buffered, ...at });
        break;
      }
      if (event.type === 'request') {
        const { method, target, form, version, headers, expectContinue, body, contentLength } = event;
        const asked = [event.connection.close && 'close', event.connection.keepAlive && 'keep-alive'].filter(Boolean).join(', ') || 'none';
        steps.push({ kind: 'request', method, target, form, version, headers: headers.map(([n, v]): HeaderField => [n, v]), connection: asked, expectContinue, body, contentLength, ...at });
      } else if (event.type === 'data') {
        steps.push({ kind: 'data', length: event.chunk.length, text: encodeEscapes(event.chunk), ...at });
      } else {
        steps.push({ kind: 'end', trailers: event.trailers.map(([n, v]): HeaderField => [n, v]), ...at });
      }
    }
  }
  return { steps, truncated: false };
}

// ---------------------------------------------------------------------------------------------
// Presets

/** A request to start from. */
export interface Preset {
  /** A short stable name, used in the page's menu. */
  readonly id: string;
  /** What the menu shows. */
  readonly label: string;
  /** The bytes, with escapes; line breaks after `\n` are layout. */
  readonly input: string;
  /** Limits the preset sets (the rest are the defaults). */
  readonly limits?: Partial<ParserLimits>;
}

/** The presets: requests the parser takes, then requests the specs say it must refuse. */
export const PRESETS: readonly Preset[] = [
  { id: 'get', label: 'GET with header fields', input: 'GET /hello?name=world HTTP/1.1\\r\\n\nHost: localhost:8000\\r\\n\nUser-Agent: curl/8.5.0\\r\\n\nAccept: */*\\r\\n\n\\r\\n' },
  {
    id: 'post-length',
    label: 'POST by Content-Length',
    input: 'POST /echo HTTP/1.1\\r\\n\nHost: localhost\\r\\n\nContent-Type: text/plain\\r\\n\nContent-Length: 11\\r\\n\n\\r\\n\nhello world',
  },
  {
    id: 'chunked',
    label: 'Chunked, with a trailer',
    input:
      'POST /upload HTTP/1.1\\r\\n\nHost: localhost\\r\\n\nTransfer-Encoding: chunked\\r\\n\nTrailer: Digest\\r\\n\n\\r\\n\n' +
      '5\\r\\n\nhello\\r\\n\n6;lang=en\\r\\n\n world\\r\\n\n0\\r\\n\nDigest: sha-256=abc\\r\\n\n\\r\\n',
  },
  {
    id: 'pipelined',
    label: 'Two pipelined requests',
    input: 'GET /one HTTP/1.1\\r\\n\nHost: localhost\\r\\n\n\\r\\n\nGET /two HTTP/1.1\\r\\n\nHost: localhost\\r\\n\nConnection: close\\r\\n\n\\r\\n',
  },
  {
    id: 'cl-te',
    label: 'Refused: Content-Length and Transfer-Encoding',
    input: 'POST / HTTP/1.1\\r\\n\nHost: localhost\\r\\n\nContent-Length: 5\\r\\n\nTransfer-Encoding: chunked\\r\\n\n\\r\\n\n0\\r\\n\n\\r\\n',
  },
  {
    id: 'two-cl',
    label: 'Refused: two different Content-Lengths',
    input: 'POST / HTTP/1.1\\r\\n\nHost: localhost\\r\\n\nContent-Length: 5\\r\\n\nContent-Length: 6\\r\\n\n\\r\\n\nhello!',
  },
  { id: 'bare-lf', label: 'Refused: a bare LF', input: 'GET / HTTP/1.1\\r\\n\nHost: localhost\\n\nAccept: */*\\r\\n\n\\r\\n' },
  { id: 'obs-fold', label: 'Refused: obs-fold', input: 'GET / HTTP/1.1\\r\\n\nHost: localhost\\r\\n\nX-Note: first part\\r\\n\n  continued\\r\\n\n\\r\\n' },
  { id: 'space-colon', label: 'Refused: whitespace before a colon', input: 'GET / HTTP/1.1\\r\\n\nHost : localhost\\r\\n\n\\r\\n' },
  {
    id: 'long-line',
    label: 'Refused: a request-line over the limit (32 bytes here)',
    input: 'GET /a/rather/long/path/to/somewhere HTTP/1.1\\r\\n\nHost: localhost\\r\\n\n\\r\\n',
    limits: { maxRequestLine: 32 },
  },
];
