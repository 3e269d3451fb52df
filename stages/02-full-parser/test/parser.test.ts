/**
 * Unit tests of parser.ts, named by the RFC 9112 (or RFC 9110) section whose requirement each
 * one checks. Every input is also replayed one byte at a time: the events must not depend on
 * how the bytes were split.
 */

import { describe, expect, it } from 'vitest';
import {
  BadRequest,
  ContentTooLarge,
  HeaderFieldsTooLarge,
  HttpError,
  NotImplemented,
  UriTooLong,
  VersionNotSupported,
} from '../src/errors.ts';
import type { HeaderField } from '../src/fields.ts';
import {
  DEFAULT_LIMITS,
  MAX_CHUNK_EXT_BYTES,
  MAX_CHUNK_LINE_BYTES,
  MAX_LEADING_EMPTY_BYTES,
  NEED_DATA,
  RequestParser,
  type ParserLimits,
  type Request,
} from '../src/parser.ts';
import { persists } from '../src/response.ts';

// ---------------------------------------------------------------------------------------------
// Helpers

/** One request as the parser reported it: its Request event, its body, its trailers. */
interface Message {
  request: Request;
  body: string;
  trailers: HeaderField[];
  /** Whether its EndOfMessage was seen. */
  ended: boolean;
}

interface Outcome {
  messages: Message[];
  error: HttpError | null;
}

/** Feeds `parts` to a fresh parser, draining events after each, and records what came out. */
function feed(parts: Buffer[], limits?: Partial<ParserLimits>): Outcome {
  const parser = new RequestParser(limits);
  const messages: Message[] = [];
  try {
    for (const part of parts) {
      parser.receive(part);
      for (let event = parser.next(); event !== NEED_DATA; event = parser.next()) {
        if (event.type === 'request') {
          messages.push({ request: event, body: '', trailers: [], ended: false });
        } else if (event.type === 'data') {
          expect(event.chunk.length).toBeGreaterThan(0);
          messages[messages.length - 1]!.body += event.chunk.toString('latin1');
        } else {
          messages[messages.length - 1]!.trailers = event.trailers;
          messages[messages.length - 1]!.ended = true;
        }
      }
    }
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return { messages, error: err };
  }
  return { messages, error: null };
}

function bytes(input: string): Buffer {
  return Buffer.from(input, 'latin1');
}

function oneByteAtATime(input: string): Buffer[] {
  const all = bytes(input);
  return [...all].map((_, i) => all.subarray(i, i + 1));
}

/**
 * Parses `input` in one receive() and one byte at a time, checks both give the same outcome,
 * and returns it.
 */
function run(input: string, limits?: Partial<ParserLimits>): Outcome {
  const whole = feed([bytes(input)], limits);
  const dripped = feed(oneByteAtATime(input), limits);
  expect(dripped.messages).toEqual(whole.messages);
  expect(dripped.error?.constructor).toBe(whole.error?.constructor);
  expect(dripped.error?.message).toBe(whole.error?.message);
  return whole;
}

/** The single complete message in `input`. */
function one(input: string, limits?: Partial<ParserLimits>): Message {
  const { messages, error } = run(input, limits);
  if (error) throw error;
  expect(messages).toHaveLength(1);
  expect(messages[0]!.ended).toBe(true);
  return messages[0]!;
}

/** The error `input` produces (in one receive and one byte at a time). */
function rejected(input: string, limits?: Partial<ParserLimits>): HttpError {
  const { error } = run(input, limits);
  if (error === null) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return error;
}

function expectBadRequest(input: string, limits?: Partial<ParserLimits>): void {
  const err = rejected(input, limits);
  expect(err, JSON.stringify(input)).toBeInstanceOf(BadRequest);
  expect(err.status).toBe(400);
  expect(err.code).toBe('NIB_ERR_BAD_REQUEST');
}

const GET = 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n';

function withHeaders(...lines: string[]): string {
  return `GET / HTTP/1.1\r\nHost: h\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
}

function post(headers: string[], body: string, version = '1.1'): string {
  const host = version === '1.1' ? 'Host: h\r\n' : '';
  return `POST /upload HTTP/${version}\r\n${host}${headers.map((l) => `${l}\r\n`).join('')}\r\n${body}`;
}

function chunked(body: string, extra: string[] = []): string {
  return post(['Transfer-Encoding: chunked', ...extra], body);
}

// ---------------------------------------------------------------------------------------------

describe('the parser interface', () => {
  it('§2.1: a request yields a Request event and then an EndOfMessage', () => {
    const parser = new RequestParser();
    parser.receive(bytes(GET));
    const request = parser.next();
    expect(request).toEqual({
      type: 'request',
      method: 'GET',
      target: '/',
      form: 'origin',
      authority: '',
      version: '1.1',
      headers: [['host', 'example.com']],
      connection: { close: false, keepAlive: false },
      expectContinue: false,
      body: 'none',
      contentLength: 0,
    });
    expect(parser.next()).toEqual({ type: 'end', trailers: [] });
    expect(parser.next()).toBe(NEED_DATA);
  });

  it('API: NEED_DATA is an answer, not an exception, until the bytes complete an event', () => {
    const parser = new RequestParser();
    expect(parser.next()).toBe(NEED_DATA);
    parser.receive(bytes('GET / HTTP/1.1\r\nHost: exa'));
    expect(parser.next()).toBe(NEED_DATA);
    expect(parser.next()).toBe(NEED_DATA);
    parser.receive(bytes('mple.com\r\n\r'));
    expect(parser.next()).toBe(NEED_DATA);
    parser.receive(bytes('\n'));
    expect(parser.next()).toMatchObject({ type: 'request', headers: [['host', 'example.com']] });
  });

  it('API: state and buffered tell idle, headers and body apart', () => {
    const parser = new RequestParser();
    expect(parser.state).toBe('idle');
    expect(parser.buffered).toBe(0);
    parser.receive(bytes('POST / HTTP/1.1\r\n'));
    expect(parser.state).toBe('idle'); // received, not parsed yet
    expect(parser.buffered).toBe(17);
    expect(parser.next()).toBe(NEED_DATA);
    expect(parser.state).toBe('headers');
    expect(parser.buffered).toBe(0);
    parser.receive(bytes('Host: h\r\nContent-Length: 3\r\n\r\nab'));
    expect(parser.next()).toMatchObject({ type: 'request', body: 'length', contentLength: 3 });
    expect(parser.state).toBe('body');
    expect(parser.buffered).toBe(2);
    expect(parser.next()).toMatchObject({ type: 'data' });
    expect(parser.next()).toBe(NEED_DATA);
    parser.receive(bytes('cGET'));
    expect(parser.next()).toMatchObject({ type: 'data' });
    expect(parser.next()).toMatchObject({ type: 'end' });
    expect(parser.state).toBe('idle');
    expect(parser.buffered).toBe(3); // the start of the next request
  });

  it('§9.3: Connection: close is reported, not acted on: whether to read on is the connection\'s decision', () => {
    const parser = new RequestParser();
    const second = 'GET /second HTTP/1.1\r\nHost: h\r\n\r\n';
    parser.receive(bytes(`GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n${second}`));
    expect(parser.next()).toMatchObject({ type: 'request', connection: { close: true, keepAlive: false } });
    expect(parser.next()).toMatchObject({ type: 'end' });
    expect(parser.state).toBe('idle');
    expect(parser.buffered).toBe(second.length);
  });

  it('API: after an error the parser is dead: state is error and next() throws the same error again', () => {
    const parser = new RequestParser();
    parser.receive(bytes('GET / HTTP/1.1\r\nBad Name: x\r\n\r\n'));
    let first: unknown;
    try {
      parser.next();
    } catch (err) {
      first = err;
    }
    expect(first).toBeInstanceOf(BadRequest);
    expect(parser.state).toBe('error');
    expect(() => parser.next()).toThrow(first as Error);
    parser.receive(bytes(GET));
    expect(() => parser.next()).toThrow(first as Error);
  });

  it('API: body Data are views of the received buffer, not copies', () => {
    const parser = new RequestParser();
    const input = bytes(post(['Content-Length: 5'], 'hello'));
    parser.receive(input);
    parser.next();
    const data = parser.next();
    expect(data).toMatchObject({ type: 'data' });
    if (data === NEED_DATA || data.type !== 'data') throw new Error('expected data');
    expect(data.chunk.buffer).toBe(input.buffer);
    expect(data.chunk.toString()).toBe('hello');
  });

  it('API: Data handed out earlier stay intact while later reads are appended', () => {
    const parser = new RequestParser();
    const chunks: Buffer[] = [];
    const input = chunked('5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n');
    // Split inside every chunk-size line, so the parser has to copy and append.
    const parts = input.split(/(?<=\r\n5|\r\n0)/);
    for (const part of parts) {
      parser.receive(bytes(part));
      for (let e = parser.next(); e !== NEED_DATA; e = parser.next()) if (e.type === 'data') chunks.push(e.chunk);
    }
    expect(chunks.map((c) => c.toString()).join('')).toBe('helloworld');
  });

  it('API: receive() of an empty buffer changes nothing', () => {
    const parser = new RequestParser();
    parser.receive(Buffer.alloc(0));
    expect(parser.buffered).toBe(0);
    parser.receive(bytes(GET));
    parser.receive(Buffer.alloc(0));
    expect(parser.next()).toMatchObject({ type: 'request' });
  });

  it('API: any split of the bytes, down to one byte at a time, gives the same events', () => {
    const input =
      '\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n' +
      chunked('3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n') +
      post(['Content-Length: 4'], 'wxyz') +
      'GET /last HTTP/1.0\r\n\r\n';
    const whole = feed([bytes(input)]);
    expect(whole.error).toBeNull();
    expect(whole.messages.map((m) => m.request.target)).toEqual(['/a', '/upload', '/upload', '/last']);
    for (let size = 1; size <= 7; size++) {
      const parts: Buffer[] = [];
      for (let i = 0; i < input.length; i += size) parts.push(bytes(input.slice(i, i + size)));
      expect(feed(parts)).toEqual(whole);
    }
    for (let cut = 0; cut <= input.length; cut++) {
      expect(feed([bytes(input.slice(0, cut)), bytes(input.slice(cut))])).toEqual(whole);
    }
  });

  it('API: limits default to DEFAULT_LIMITS, and a partial set overrides only what it names', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxRequestLine: 8192,
      maxHeaderBytes: 16384,
      maxHeaderCount: 100,
      maxBodyBytes: 1048576,
    });
    const line = `GET /${'a'.repeat(8200)} HTTP/1.1\r\nHost: h\r\n\r\n`;
    expect(rejected(line).status).toBe(414);
    expect(one(line, { maxRequestLine: 9000 }).request.target).toHaveLength(8201);
    expect(rejected(line, { maxHeaderCount: 5 }).status).toBe(414);
  });
});

describe('§2.2 message parsing robustness', () => {
  it('§2.2: empty lines (CRLF) before the request-line are ignored', () => {
    expect(one(`\r\n\r\n\r\n${GET}`).request.target).toBe('/');
    const { messages } = run(`${GET}\r\n${GET}`);
    expect(messages).toHaveLength(2);
  });

  it('§2.2: empty lines before the request-line are bounded (400 past MAX_LEADING_EMPTY_BYTES)', () => {
    expect(one(`${'\r\n'.repeat(MAX_LEADING_EMPTY_BYTES / 2)}${GET}`).request.method).toBe('GET');
    expectBadRequest(`${'\r\n'.repeat(MAX_LEADING_EMPTY_BYTES / 2 + 1)}${GET}`);
    expectBadRequest('\r\n'.repeat(MAX_LEADING_EMPTY_BYTES / 2 + 1)); // without any request-line
  });

  it('§2.2: a bare LF ends no line: in the request-line, a field line, the empty line, or before the request-line, 400', () => {
    for (const input of [
      'GET /lf HTTP/1.1\nHost: h\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: h\nX-A: 1\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: h\r\nX-Note: a\nContent-Length: 5\r\n\r\nhello', // the smuggler's line
      'GET / HTTP/1.1\r\nHost: h\r\n\n',
      '\nGET / HTTP/1.1\r\nHost: h\r\n\r\n',
      '\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n',
      `${GET}\nGET / HTTP/1.1\r\nHost: h\r\n\r\n`, // between pipelined requests
    ]) {
      expect(rejected(input).message, JSON.stringify(input)).toMatch(/bare LF/);
    }
    // refused when the LF arrives, not later: nothing after it is needed
    for (const input of ['\n', 'GET / HTTP/1.1\n', 'GET / HTTP/1.1\r\nHost: h\n', 'GET / HTTP/1.1\r\nHost: h\r\n\n']) {
      expect(rejected(input).status, JSON.stringify(input)).toBe(400);
    }
  });

  it('§2.2: a bare LF in a field line past the header size limit gets 431, as the line would without it', () => {
    const limits = { maxHeaderBytes: 64 };
    expect(rejected(`GET / HTTP/1.1\r\nHost: h\r\nX: ${'a'.repeat(60)}\n\r\n`, limits).status).toBe(431);
  });

  it('§2.2: a first byte that cannot start a method is refused at once, without waiting for a LF', () => {
    const parser = new RequestParser();
    parser.receive(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])); // a TLS ClientHello's first bytes
    expect(() => parser.next()).toThrow(BadRequest);
    for (const first of ['\x16', ' ', '\t', '\x00', '/', '(', '\xff', '\rX']) {
      expect(rejected(first).status, JSON.stringify(first)).toBe(400);
    }
    // a CR may start an empty line; a tchar may start a method: both wait
    const waiting = new RequestParser();
    waiting.receive(bytes('\r'));
    expect(waiting.next()).toBe(NEED_DATA);
    waiting.receive(bytes('\nG'));
    expect(waiting.next()).toBe(NEED_DATA);
  });

  it('§2.2: a bare CR in the request-line is rejected with 400', () => {
    expectBadRequest('GET /\r HTTP/1.1\r\nHost: h\r\n\r\n');
    expectBadRequest('\rGET / HTTP/1.1\r\nHost: h\r\n\r\n');
    expectBadRequest('GET / HTTP/1.1\r\r\nHost: h\r\n\r\n');
  });

  it('§2.2: a bare CR in a field line, or instead of the empty line, is rejected with 400', () => {
    expectBadRequest('GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n');
    expectBadRequest('GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n');
    expectBadRequest('GET / HTTP/1.1\r\nHost: h\r\n\rX\r\n');
    expectBadRequest('GET / HTTP/1.1\r\nHost: h\r\nX\r: y\r\n\r\n');
  });
});

describe('§3 request-line', () => {
  it('§3: method, target, form and version are reported', () => {
    const { request } = one('DELETE /items/7?force=1 HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(request).toMatchObject({ method: 'DELETE', target: '/items/7?force=1', form: 'origin', version: '1.1' });
  });

  it('§3.2: absolute-form and asterisk-form are reported; authority-form CONNECT gets 501', () => {
    expect(one('GET http://h/x HTTP/1.1\r\nHost: h\r\n\r\n').request.form).toBe('absolute');
    expect(one('OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n').request.form).toBe('asterisk');
    expect(rejected('CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n')).toBeInstanceOf(NotImplemented);
  });

  it('§3.2.2: an absolute-form target without a host, or with a port above 65535, gets 400', () => {
    expectBadRequest('GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n');
    expectBadRequest('GET http://h:65536/p HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(one('GET http://h:65535/p HTTP/1.1\r\nHost: x\r\n\r\n').request.target).toBe('http://h:65535/p');
  });

  it('§3: an unknown method is parsed like any other (the connection answers 501), its body framed as usual', () => {
    const message = one('BREW /pot HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\ntea');
    expect(message.request).toMatchObject({ method: 'BREW', target: '/pot', body: 'length' });
    expect(message.body).toBe('tea');
    // and its framing is checked as usual: both Content-Length and Transfer-Encoding is 400
    expectBadRequest('BREW /pot HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
  });

  it('§3: an unsupported major version gets 505, a malformed line 400', () => {
    const version = rejected('GET / HTTP/2.0\r\nHost: h\r\n\r\n');
    expect(version).toBeInstanceOf(VersionNotSupported);
    expect(version.status).toBe(505);
    expectBadRequest('GET  / HTTP/1.1\r\nHost: h\r\n\r\n');
    expectBadRequest('GET / HTTP/1.1 \r\nHost: h\r\n\r\n');
  });

  it('§3: a request-line error is reported before any error in the header section', () => {
    expect(rejected('GET / HTTP/2.0\r\nBad Field: x\r\n\r\n').status).toBe(505);
    expect(rejected('GET / HTTP/2.0\r\nX: y\r\n').status).toBe(505); // header section incomplete
    expect(rejected('CONNECT h:1 HTTP/1.1\r\nBad Field: x\r\n\r\n').status).toBe(501);
    expect(rejected('GET / HTTP/1.1\r\n' + 'X: y\r\n'.repeat(5), { maxHeaderCount: 2 }).status).toBe(431);
    expect(rejected('GET / HTTP/3.0\r\n' + 'X: y\r\n'.repeat(5), { maxHeaderCount: 2 }).status).toBe(505);
  });

  it('§3: a request-line longer than maxRequestLine gets 414, even before its LF arrives', () => {
    const limits = { maxRequestLine: 64 };
    const line = `GET /${'a'.repeat(50)} HTTP/1.1`; // 64 bytes
    expect(one(`${line}\r\nHost: h\r\n\r\n`, limits).request.target).toHaveLength(51);
    const long = `GET /${'a'.repeat(51)} HTTP/1.1`;
    const err = rejected(`${long}\r\nHost: h\r\n\r\n`, limits);
    expect(err).toBeInstanceOf(UriTooLong);
    expect(err.code).toBe('NIB_ERR_URI_TOO_LONG');
    // No LF at all: 414 as soon as the line cannot fit any more.
    const parser = new RequestParser(limits);
    parser.receive(bytes(`GET /${'a'.repeat(59)}`)); // 64 bytes, could still end here
    expect(parser.next()).toBe(NEED_DATA);
    parser.receive(bytes('\r')); // a CR may be the terminator: does not count
    expect(parser.next()).toBe(NEED_DATA);
    parser.receive(bytes('a'));
    expect(() => parser.next()).toThrow(UriTooLong);
    // one byte over, no CR, no LF: 414 at once
    expect(rejected(`GET /${'a'.repeat(60)}`, limits).status).toBe(414);
    // empty lines before the line do not count
    expect(one(`\r\n\r\n${line}\r\nHost: h\r\n\r\n`, limits).request.target).toHaveLength(51);
  });

  it('API: method names the request whose head is being read, after an error in it too', () => {
    const parser = new RequestParser();
    expect(parser.method).toBeNull();
    parser.receive(bytes('HEAD / HTTP/1.1\r\nX: 1\r\n'));
    expect(parser.next()).toBe(NEED_DATA);
    expect(parser.method).toBe('HEAD');
    parser.receive(bytes('\r\n'));
    expect(() => parser.next()).toThrow(BadRequest); // no Host
    expect(parser.method).toBe('HEAD');
    const ok = new RequestParser();
    ok.receive(bytes('HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\n'));
    expect(ok.next()).toMatchObject({ type: 'request', method: 'HEAD' });
    expect(ok.method).toBeNull();
    expect(ok.next()).toMatchObject({ type: 'end' });
    expect(() => ok.next()).toThrow(BadRequest); // the bare LF
    expect(ok.method).toBe('GET');
    const unparsed = new RequestParser();
    unparsed.receive(bytes('HEAD / HTTP/1.1\n'));
    expect(() => unparsed.next()).toThrow(BadRequest);
    expect(unparsed.method).toBeNull(); // its request-line never parsed
  });
});

describe('§5 field syntax', () => {
  it('§5: names are lowercased, values trimmed of OWS, order and repeated names kept', () => {
    const message = one(
      withHeaders('X-Custom:value', 'Accept:  text/html \t', 'x-custom: \tsecond', 'Empty:', 'Spaces:   ', 'In-Side: a  b\tc'),
    );
    expect(message.request.headers).toEqual([
      ['host', 'h'],
      ['x-custom', 'value'],
      ['accept', 'text/html'],
      ['x-custom', 'second'],
      ['empty', ''],
      ['spaces', ''],
      ['in-side', 'a  b\tc'],
    ]);
  });

  it('§5: field names are lowercased, whatever their case, and keep every tchar', () => {
    const message = one(withHeaders('USER-AGENT: u', 'Content-Type: t', 'X-Weird!#$%&\'*+.^_`|~: w', 'ACCEPT-encoding: gzip'));
    expect(message.request.headers.map(([n]) => n)).toEqual([
      'host',
      'user-agent',
      'content-type',
      "x-weird!#$%&'*+.^_`|~",
      'accept-encoding',
    ]);
  });

  it('§5.1: whitespace between a field name and the colon is rejected with 400', () => {
    expectBadRequest(withHeaders('X-Foo : bar'));
    expectBadRequest(withHeaders('X-Foo\t: bar'));
    expectBadRequest('GET / HTTP/1.1\r\nHost : h\r\n\r\n');
  });

  it('§5.2: obs-fold (a field line starting with whitespace) is rejected with 400', () => {
    expectBadRequest(withHeaders('X-Foo: bar', ' continued'));
    expectBadRequest(withHeaders('X-Foo: bar', '\tcontinued'));
    // §2.2: whitespace between the start-line and the first field line
    expectBadRequest('GET / HTTP/1.1\r\n Host: h\r\n\r\n');
  });

  it('§5: a field name must be a token: empty names, separators and missing colons get 400', () => {
    expectBadRequest(withHeaders(': no name'));
    expectBadRequest(withHeaders('X(Y): z'));
    expectBadRequest(withHeaders('X/Y: z'));
    expectBadRequest(withHeaders('No colon here'));
    expectBadRequest(withHeaders('NoColon'));
    expectBadRequest(withHeaders('Caf\xe9: latin1 name'));
  });

  it('§5.5 (RFC 9110): NUL, CR, other CTLs and DEL in a value are rejected with 400; HTAB is allowed', () => {
    for (const ctl of ['\x00', '\x01', '\x08', '\x0b', '\x0c', '\x1b', '\x1f', '\x7f']) {
      expectBadRequest(withHeaders(`X: a${ctl}b`));
    }
    expectBadRequest(withHeaders('X: a\rb'));
    expect(one(withHeaders('X: a\tb')).request.headers[1]).toEqual(['x', 'a\tb']);
  });

  it('§5.5 (RFC 9110): obs-text (0x80-0xFF) is allowed in values and decoded as latin1', () => {
    expect(one(withHeaders('X: caf\xe9 \xff\x80')).request.headers[1]).toEqual(['x', 'café \xff\x80']);
  });

  it('§5: a value can hold colons, quotes and commas as they are', () => {
    expect(one(withHeaders('X: a:b, "c;d"=e')).request.headers[1]).toEqual(['x', 'a:b, "c;d"=e']);
  });
});

describe('§3.2 Host', () => {
  it('§3.2: an HTTP/1.1 request without Host is rejected with 400', () => {
    expectBadRequest('GET / HTTP/1.1\r\n\r\n');
    expectBadRequest('GET / HTTP/1.1\r\nX-Host: h\r\n\r\n');
  });

  it('§3.2: a request with more than one Host is rejected with 400', () => {
    expectBadRequest('GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n');
    expectBadRequest('GET / HTTP/1.0\r\nhost: a\r\nHOST: b\r\n\r\n');
  });

  it('§3.2: an HTTP/1.0 request may omit Host', () => {
    expect(one('GET / HTTP/1.0\r\n\r\n').request.headers).toEqual([]);
  });

  it('§3.2 / RFC 3986 §3.2.2: valid Host values (names, ports, IP literals, empty) are accepted', () => {
    for (const host of ['example.com', 'example.com:8080', '127.0.0.1:80', '[::1]', '[::1]:8080', 'xn--bcher-kva.example', 'a%41b', '', 'h:', 'under_score~']) {
      expect(one(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`).request.headers[0], host).toEqual(['host', host]);
    }
  });

  it('§3.2: an invalid Host value is rejected with 400', () => {
    for (const host of ['a b', 'a/b', 'user@h', 'h:80x', 'h:8:0', '[::1', '[]', '[::1]x', 'a%zz', 'a%4', 'h?q', 'h#f', 'caf\xe9', '"h"']) {
      expectBadRequest(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    }
  });
});

describe('§6 message body: Content-Length', () => {
  it('§6.2: a Content-Length body is delivered as Data, then EndOfMessage', () => {
    const message = one(post(['Content-Length: 11'], 'hello world'));
    expect(message.request).toMatchObject({ body: 'length', contentLength: 11 });
    expect(message.body).toBe('hello world');
  });

  it('§6.3 item 6: Content-Length: 0 means an empty body and an immediate EndOfMessage', () => {
    const parser = new RequestParser();
    parser.receive(bytes(post(['Content-Length: 0'], '')));
    expect(parser.next()).toMatchObject({ body: 'length', contentLength: 0 });
    expect(parser.next()).toEqual({ type: 'end', trailers: [] });
  });

  it('§6.3 item 5: a list of identical values, or identical repeated fields, is that one length', () => {
    expect(one(post(['Content-Length: 3, 3'], 'abc')).request.contentLength).toBe(3);
    expect(one(post(['Content-Length: 3,3,3'], 'abc')).request.contentLength).toBe(3);
    expect(one(post(['Content-Length: 3', 'Content-Length: 3'], 'abc')).body).toBe('abc');
  });

  it('§6.3 item 5: differing Content-Length values are rejected with 400', () => {
    expectBadRequest(post(['Content-Length: 3, 4'], 'abcd'));
    expectBadRequest(post(['Content-Length: 3', 'Content-Length: 4'], 'abcd'));
  });

  it('§8.6 (RFC 9110): Content-Length must be 1*DIGIT (no sign, hex, spaces or empty elements)', () => {
    for (const value of ['', '-1', '+3', '0x3', '3 3', '1e3', '3.0', '3,', ',3', '3,,3', 'three', '٣']) {
      expectBadRequest(post([`Content-Length: ${value}`], 'abc'));
    }
  });

  it('§8.6 (RFC 9110): a Content-Length of more than 15 digits is rejected with 400', () => {
    expectBadRequest(post(['Content-Length: 1234567890123456'], ''));
    expectBadRequest(post(['Content-Length: 99999999999999999999999'], ''));
  });

  it('§6.3: a Content-Length over maxBodyBytes gets 413 as soon as the header section is parsed', () => {
    const parser = new RequestParser({ maxBodyBytes: 10 });
    parser.receive(bytes(post(['Content-Length: 11'], ''))); // no body byte sent yet
    try {
      parser.next();
      throw new Error('expected 413');
    } catch (err) {
      expect(err).toBeInstanceOf(ContentTooLarge);
      expect((err as HttpError).status).toBe(413);
      expect((err as HttpError).code).toBe('NIB_ERR_CONTENT_TOO_LARGE');
    }
    expect(one(post(['Content-Length: 10'], '0123456789'), { maxBodyBytes: 10 }).body).toHaveLength(10);
    expect(rejected(post(['Content-Length: 999999999999999'], '')).status).toBe(413);
  });

  it('§6.3 item 7: a request with neither Content-Length nor Transfer-Encoding has no body', () => {
    const { messages } = run('POST /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(messages.map((m) => [m.request.target, m.request.body, m.request.contentLength, m.body])).toEqual([
      ['/a', 'none', 0, ''],
      ['/b', 'none', 0, ''],
    ]);
  });
});

describe('§6 message body: Transfer-Encoding', () => {
  it('§6.1: Transfer-Encoding: chunked (any case) gives a chunked body', () => {
    for (const value of ['chunked', 'Chunked', 'CHUNKED', ' chunked ']) {
      const message = one(chunked('0\r\n\r\n').replace('Transfer-Encoding: chunked', `Transfer-Encoding: ${value}`));
      expect(message.request).toMatchObject({ body: 'chunked', contentLength: -1 });
    }
  });

  it('§6.3 item 3: Transfer-Encoding together with Content-Length is rejected with 400', () => {
    expectBadRequest(post(['Transfer-Encoding: chunked', 'Content-Length: 5'], '0\r\n\r\n'));
    expectBadRequest(post(['Content-Length: 5', 'Transfer-Encoding: chunked'], '0\r\n\r\n'));
  });

  it('§6.1: Transfer-Encoding in an HTTP/1.0 request is rejected with 400', () => {
    expectBadRequest(post(['Transfer-Encoding: chunked'], '0\r\n\r\n', '1.0'));
  });

  it('§6.1: a transfer coding other than chunked, in front of chunked, gets 501', () => {
    for (const value of ['gzip, chunked', 'x-custom, chunked', 'deflate,chunked']) {
      const err = rejected(chunked('0\r\n\r\n').replace('chunked', value));
      expect(err, value).toBeInstanceOf(NotImplemented);
      expect(err.status).toBe(501);
    }
    // Two fields make one list.
    expect(rejected(post(['Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], '0\r\n\r\n')).status).toBe(501);
  });

  it('§6.3 item 4: a Transfer-Encoding whose final coding is not chunked is rejected with 400', () => {
    for (const value of ['gzip', 'chunked, gzip', 'identity', '', ',', 'chunkedx']) {
      expectBadRequest(chunked('0\r\n\r\n').replace('Transfer-Encoding: chunked', `Transfer-Encoding: ${value}`));
    }
  });

  it('§7: chunked applied more than once is rejected with 400', () => {
    expectBadRequest(chunked('0\r\n\r\n').replace('chunked', 'chunked, chunked'));
    expectBadRequest(post(['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], '0\r\n\r\n'));
  });

  it('§6.1: a transfer coding with parameters or a malformed list element is rejected with 400', () => {
    expectBadRequest(chunked('0\r\n\r\n').replace('chunked', 'chunked;q=1'));
    expectBadRequest(chunked('0\r\n\r\n').replace('chunked', 'gz ip, chunked'));
  });
});

describe('§7.1 chunked transfer coding', () => {
  it('§7.1: chunks are decoded and delivered as Data', () => {
    const message = one(chunked('5\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n'));
    expect(message.body).toBe('hello 0123456789');
    expect(message.trailers).toEqual([]);
  });

  it('§7.1: chunk-size is hexadecimal in any case, leading zeros allowed, up to 16 digits', () => {
    expect(one(chunked(`a\r\n${'x'.repeat(10)}\r\nB\r\n${'y'.repeat(11)}\r\n0\r\n\r\n`)).body).toHaveLength(21);
    expect(one(chunked('0003\r\nabc\r\n000\r\n\r\n')).body).toBe('abc');
    expect(one(chunked('0000000000000003\r\nabc\r\n0\r\n\r\n')).body).toBe('abc');
    expectBadRequest(chunked('00000000000000003\r\nabc\r\n0\r\n\r\n'));
    expectBadRequest(chunked('ffffffffffffffffff\r\nabc\r\n0\r\n\r\n'));
  });

  it('§7.1: a chunk-size with a 0x prefix, sign, spaces or no digits is rejected with 400', () => {
    for (const size of ['0x3', '+3', '-3', ' 3', '3 ', '', 'g', '3\t']) {
      expectBadRequest(chunked(`${size}\r\nabc\r\n0\r\n\r\n`));
    }
  });

  it('§7.1.1: chunk extensions (token or quoted-string values, BWS around ; and =) are ignored', () => {
    const body = '3;name\r\nabc\r\n3 ; a = b ;c="q \\" ;"\r\ndef\r\n3;x="";y=z\r\nghi\r\n0;last=1\r\n\r\n';
    expect(one(chunked(body)).body).toBe('abcdefghi');
  });

  it('§7.1.1: malformed chunk extensions are rejected with 400', () => {
    for (const ext of [';', ';=x', ';a=', ';a="x', ';a b', 'junk', ';a="x"y', ';a=b c', ';a\x00', ';a="\x01"']) {
      expectBadRequest(chunked(`3${ext}\r\nabc\r\n0\r\n\r\n`));
    }
  });

  it('§7.1: chunk-data must be followed by exactly CRLF (400 otherwise)', () => {
    expectBadRequest(chunked('3\r\nabcd\r\n0\r\n\r\n'));
    expectBadRequest(chunked('3\r\nabc\n0\r\n\r\n'));
    expectBadRequest(chunked('3\r\nabc\r0\r\n\r\n'));
    expectBadRequest(chunked('3\r\nab\r\n0\r\n\r\n'));
  });

  it('§7.1: a chunk-size line must end with CRLF (bare LF is for the start-line and fields only)', () => {
    expectBadRequest(chunked('3\nabc\r\n0\r\n\r\n'));
    expectBadRequest(chunked('3\r\nabc\r\n0\n\r\n'));
  });

  it('§7.1: a chunk-size line longer than MAX_CHUNK_LINE_BYTES is rejected, even before its end', () => {
    const ext = `;a=${'b'.repeat(MAX_CHUNK_LINE_BYTES)}`;
    expectBadRequest(chunked(`3${ext}\r\nabc\r\n0\r\n\r\n`));
    const parser = new RequestParser();
    parser.receive(bytes(chunked(`3${ext}`)));
    parser.next(); // the Request
    expect(() => parser.next()).toThrow(BadRequest);
  });

  it('§7.1.1: chunk extensions over MAX_CHUNK_EXT_BYTES per message get 413', () => {
    const ext = `;a=${'b'.repeat(1000)}`;
    const count = Math.ceil(MAX_CHUNK_EXT_BYTES / ext.length) + 1;
    const err = rejected(chunked(`1${ext}\r\nx\r\n`.repeat(count) + '0\r\n\r\n'));
    expect(err).toBeInstanceOf(ContentTooLarge);
  });

  it('§7.1.2: the trailer section is returned in EndOfMessage, never merged into the headers', () => {
    const message = one(chunked('3\r\nabc\r\n0\r\nChecksum: 123\r\nX-Trail:  v \r\n\r\n'));
    expect(message.trailers).toEqual([['checksum', '123'], ['x-trail', 'v']]);
    expect(message.request.headers.map(([n]) => n)).toEqual(['host', 'transfer-encoding']);
  });

  it('§7.1.2: trailer field lines follow the field rules (400), CRLF included', () => {
    expect(one(chunked('0\r\nT: 1\r\n\r\n')).trailers).toEqual([['t', '1']]);
    expectBadRequest(chunked('0\r\nT: 1\n\r\n'));
    expectBadRequest(chunked('0\r\nT: 1\r\n\n'));
    expectBadRequest(chunked('0\r\n\n'));
    expectBadRequest(chunked('0\r\nBad Name: 1\r\n\r\n'));
    expectBadRequest(chunked('0\r\nT: a\x00b\r\n\r\n'));
    expectBadRequest(chunked('0\r\n folded\r\n\r\n'));
  });

  it('§7.1: the decoded body over maxBodyBytes gets 413 before its bytes are read', () => {
    const limits = { maxBodyBytes: 8 };
    expect(one(chunked('4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n'), limits).body).toBe('abcdefgh');
    const parser = new RequestParser(limits);
    parser.receive(bytes(chunked('4\r\nabcd\r\n5\r\n')));
    expect(parser.next()).toMatchObject({ type: 'request' });
    expect(parser.next()).toMatchObject({ type: 'data' });
    expect(() => parser.next()).toThrow(ContentTooLarge);
  });

  it('§7.1: an HTTP/1.1 chunked request followed by a pipelined request', () => {
    const { messages } = run(chunked('2\r\nhi\r\n0\r\n\r\n') + GET);
    expect(messages.map((m) => [m.request.method, m.body])).toEqual([['POST', 'hi'], ['GET', '']]);
  });
});

describe('limits on the header section', () => {
  it('RFC 6585 §5: maxHeaderBytes: a header section over the limit gets 431', () => {
    // Field lines "Host: h\r\n" (9) and "X: 12345\r\n" (10) and the empty line (2): 21 bytes.
    const input = 'GET / HTTP/1.1\r\nHost: h\r\nX: 12345\r\n\r\n';
    expect(one(input, { maxHeaderBytes: 21 }).request.headers).toHaveLength(2);
    const err = rejected(input, { maxHeaderBytes: 20 });
    expect(err).toBeInstanceOf(HeaderFieldsTooLarge);
    expect(err.status).toBe(431);
    expect(err.code).toBe('NIB_ERR_HEADER_FIELDS_TOO_LARGE');
  });

  it('RFC 6585 §5: maxHeaderBytes: 431 as soon as the bytes cannot fit, before the end of the section arrives', () => {
    const parser = new RequestParser({ maxHeaderBytes: 100 });
    parser.receive(bytes('GET / HTTP/1.1\r\nHost: h\r\n'));
    expect(parser.next()).toBe(NEED_DATA);
    parser.receive(bytes(`X-Long: ${'a'.repeat(80)}`)); // 9 + 88 bytes, no LF: could still fit
    expect(parser.next()).toBe(NEED_DATA);
    parser.receive(bytes('aaaa'));
    expect(() => parser.next()).toThrow(HeaderFieldsTooLarge);
  });

  it('RFC 6585 §5: maxHeaderBytes: a single endless field line gets 431, never unbounded buffering', () => {
    const parser = new RequestParser();
    parser.receive(bytes('GET / HTTP/1.1\r\nX: '));
    let error: unknown = null;
    for (let i = 0; i < 100 && error === null; i++) {
      parser.receive(Buffer.alloc(1024, 0x61));
      try {
        parser.next();
      } catch (err) {
        error = err;
      }
    }
    expect(error).toBeInstanceOf(HeaderFieldsTooLarge);
    expect(parser.buffered).toBeLessThanOrEqual(DEFAULT_LIMITS.maxHeaderBytes + 1024);
  });

  it('RFC 6585 §5: maxHeaderBytes: a line that crosses the limit gets 431 even when it is also malformed', () => {
    expect(rejected(`GET / HTTP/1.1\r\nHost: h\r\nBad Name: ${'a'.repeat(200)}\r\n\r\n`, { maxHeaderBytes: 100 }).status).toBe(431);
    expect(rejected('GET / HTTP/1.1\r\nHost: h\r\nBad Name: a\r\n\r\n', { maxHeaderBytes: 100 }).status).toBe(400);
  });

  it('RFC 6585 §5: maxHeaderCount: more field lines than the limit get 431', () => {
    const fields = Array.from({ length: 9 }, (_, i) => `X-${i}: ${i}`);
    expect(one(withHeaders(...fields), { maxHeaderCount: 10 }).request.headers).toHaveLength(10);
    const err = rejected(withHeaders(...fields, 'X-9: 9'), { maxHeaderCount: 10 });
    expect(err).toBeInstanceOf(HeaderFieldsTooLarge);
    expect(err.code).toBe('NIB_ERR_HEADER_FIELDS_TOO_LARGE');
  });

  it('§5: as many field lines as the default limit (100) are all returned, in order', () => {
    const fields = Array.from({ length: 99 }, (_, i) => `X-${i}: v${i}`);
    const headers = one(withHeaders(...fields)).request.headers;
    expect(headers).toHaveLength(100);
    expect(headers[99]).toEqual(['x-98', 'v98']);
    expect(rejected(withHeaders(...fields, 'X-99: v')).status).toBe(431);
  });

  it('§7.1.2: trailer fields count against maxHeaderBytes and maxHeaderCount with the header fields', () => {
    const input = chunked('0\r\nT1: 1\r\nT2: 2\r\n\r\n');
    expect(one(input, { maxHeaderCount: 4 }).trailers).toHaveLength(2);
    expect(rejected(input, { maxHeaderCount: 3 }).status).toBe(431);
    // header section: "Host: h\r\n" 9 + "Transfer-Encoding: chunked\r\n" 28 + 2; trailers 7 + 7 + 2
    expect(one(input, { maxHeaderBytes: 55 }).trailers).toHaveLength(2);
    expect(rejected(input, { maxHeaderBytes: 54 }).status).toBe(431);
  });
});

describe('§9.3 persistence', () => {
  /** Whether a request with these `Connection` fields lets its connection persist (`persists`, response.ts). */
  function keepAlive(version: string, ...connection: string[]): boolean {
    const host = version === '1.1' ? 'Host: h\r\n' : '';
    const fields = connection.map((c) => `Connection: ${c}\r\n`).join('');
    return persists(one(`GET / HTTP/${version}\r\n${host}${fields}\r\n`).request, 'length', false);
  }

  it('§9.3: HTTP/1.1 persists unless Connection has the close option', () => {
    expect(keepAlive('1.1')).toBe(true);
    expect(keepAlive('1.1', 'keep-alive')).toBe(true);
    expect(keepAlive('1.1', 'close')).toBe(false);
    expect(keepAlive('1.1', 'Close')).toBe(false);
    expect(keepAlive('1.1', 'upgrade, CLOSE')).toBe(false);
    expect(keepAlive('1.1', 'te', 'close')).toBe(false);
    expect(keepAlive('1.1', 'closed, x-close')).toBe(true);
  });

  it('§9.3: HTTP/1.0 does not persist unless Connection has keep-alive (and not close)', () => {
    expect(keepAlive('1.0')).toBe(false);
    expect(keepAlive('1.0', 'keep-alive')).toBe(true);
    expect(keepAlive('1.0', 'Keep-Alive')).toBe(true);
    expect(keepAlive('1.0', ' foo ,KEEP-ALIVE ')).toBe(true);
    expect(keepAlive('1.0', 'keep-alive, close')).toBe(false);
    expect(keepAlive('1.0', 'keep-alive', 'close')).toBe(false);
  });

  it('§9.3.2: pipelined requests in one read are parsed one after another', () => {
    const input = Array.from({ length: 5 }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: h\r\n\r\n`).join('');
    const { messages } = run(input);
    expect(messages.map((m) => m.request.target)).toEqual(['/0', '/1', '/2', '/3', '/4']);
    expect(messages.every((m) => m.ended)).toBe(true);
  });

  it('§9.3: an HTTP/1.0 keep-alive request is followed by the next one, which without keep-alive is the last', () => {
    const { messages } = run('GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\nGET /c HTTP/1.0\r\n\r\n');
    // the parser reads what it is given; the connection stops asking after /b
    expect(messages.map((m) => [m.request.target, persists(m.request, 'length', false)])).toEqual([['/a', true], ['/b', false], ['/c', false]]);
  });
});

describe('§10.1.1 (RFC 9110) Expect', () => {
  it('§10.1.1: Expect: 100-continue (any case) on HTTP/1.1 sets expectContinue', () => {
    expect(one(post(['Expect: 100-continue', 'Content-Length: 1'], 'x')).request.expectContinue).toBe(true);
    expect(one(post(['Expect: 100-Continue', 'Content-Length: 1'], 'x')).request.expectContinue).toBe(true);
    expect(one(post(['Content-Length: 1'], 'x')).request.expectContinue).toBe(false);
  });

  it('§10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored', () => {
    expect(one(post(['Expect: 100-continue', 'Content-Length: 1'], 'x', '1.0')).request.expectContinue).toBe(false);
  });

  it('§10.1.1: other expectations do not set expectContinue', () => {
    expect(one(post(['Expect: 200-ok', 'Content-Length: 1'], 'x')).request.expectContinue).toBe(false);
  });
});

describe('reads of any size', () => {
  const input =
    'POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world' +
    'POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n' +
    GET;

  it.each([1, 2, 3, 7, 16, 64])('parses the same as one receive() when read %i bytes at a time', (size) => {
    const whole = feed([bytes(input)]);
    expect(whole.error).toBeNull();
    expect(whole.messages).toHaveLength(3);
    const parts: Buffer[] = [];
    for (let at = 0; at < input.length; at += size) parts.push(bytes(input.slice(at, at + size)));
    expect(feed(parts)).toEqual(whole);
  });

  it('holds nothing once everything was consumed', () => {
    const parser = new RequestParser();
    parser.receive(bytes(GET));
    while (parser.next() !== NEED_DATA);
    expect(parser.buffered).toBe(0);
  });
});
