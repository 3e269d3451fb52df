/**
 * Property tests of parser.ts (fast-check): generated valid requests parse to what was
 * generated, whatever the split of their bytes across receive() calls; arbitrary and mutated
 * bytes give events or an HttpError, never another exception, never a loop without progress,
 * and the same outcome for every split.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../src/errors.ts';
import type { HeaderField } from '../src/fields.ts';
import { NEED_DATA, RequestParser, type ParserLimits, type Request } from '../src/parser.ts';

// ---------------------------------------------------------------------------------------------
// Running the parser

/** What a parser reported, with the Data of a message joined: comparable across splits. */
type Item =
  | { readonly request: Request }
  | { readonly body: string }
  | { readonly trailers: HeaderField[] }
  | { readonly error: string; readonly status: number };

/**
 * Feeds `parts` to a fresh parser, draining it after each, and returns what it reported.
 * Fails the property if the parser throws anything but an HttpError or keeps answering
 * without consuming (more next() calls than bytes can justify).
 */
function drive(parts: Uint8Array[], limits?: Partial<ParserLimits>): Item[] {
  const parser = new RequestParser(limits);
  const items: Item[] = [];
  const total = parts.reduce((n, p) => n + p.length, 0);
  let budget = 4 * total + 8 * parts.length + 16;
  try {
    for (const part of parts) {
      parser.receive(Buffer.from(part.buffer, part.byteOffset, part.length));
      for (let event = parser.next(); event !== NEED_DATA; event = parser.next()) {
        if (--budget < 0) throw new Error('the parser keeps returning events without consuming bytes');
        if (event.type === 'request') {
          items.push({ request: event });
        } else if (event.type === 'data') {
          if (event.chunk.length === 0) throw new Error('empty Data event');
          const last = items[items.length - 1];
          const body = event.chunk.toString('latin1');
          if (last !== undefined && 'body' in last) items[items.length - 1] = { body: last.body + body };
          else items.push({ body });
        } else {
          items.push({ trailers: event.trailers });
        }
      }
    }
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    items.push({ error: err.constructor.name, status: err.status });
  }
  return items;
}

/** `bytes` cut at `cuts` (any numbers, taken modulo the length). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    parts.push(bytes.subarray(from, p));
    from = p;
  }
  parts.push(bytes.subarray(from));
  return parts;
}

function oneByteAtATime(bytes: Uint8Array): Uint8Array[] {
  return [...bytes].map((_, i) => bytes.subarray(i, i + 1));
}

// ---------------------------------------------------------------------------------------------
// Generating valid requests

const chars = (s: string): string[] => [...s];
const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGIT = '0123456789';
const TCHARS = chars(`${ALPHA}${DIGIT}!#$%&'*+-.^_\`|~`);
const VCHARS = chars(
  Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('') + '\x80\xa0\xe9\xff',
);
const PCHARS = chars(`${ALPHA}${DIGIT}-._~!$&'()*+,;=:@%/?`);
const SPECIAL = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect']);

const token = (max: number) => fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: max });
const fieldName = token(20).filter((n) => !SPECIAL.has(n.toLowerCase()));
const ows = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 2 });
/** A value with no whitespace at either end, and its serialization with OWS around it. */
const fieldValue = fc
  .tuple(
    ows,
    fc.string({ unit: fc.constantFrom(...VCHARS, ' ', '\t'), maxLength: 30 }),
    fc.constantFrom(...VCHARS),
    ows,
  )
  .map(([before, inner, last, after]) => {
    const value = `${inner}${last}`.replace(/^[ \t]+/, '');
    return { value, wire: `${before}${value}${after}` };
  });
const field = fc.record({ name: fieldName, value: fieldValue });
const body = fc.uint8Array({ maxLength: 120 });

const chunkExt = fc.oneof(
  fc.constant(''),
  fc.tuple(token(8), fc.option(fc.oneof(token(8), token(8).map((t) => `"${t} \\"x\\""`)))).map(
    ([name, value]) => `;${name}${value === null ? '' : `=${value}`}`,
  ),
  fc.constant(' ; a = b'),
);
const chunk = fc.record({ data: fc.uint8Array({ minLength: 1, maxLength: 40 }), ext: chunkExt, zeros: fc.nat(2), upper: fc.boolean() });

const framing = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('length' as const), body }),
  fc.record({
    kind: fc.constant('chunked' as const),
    chunks: fc.array(chunk, { maxLength: 4 }),
    lastExt: chunkExt,
    trailers: fc.array(field, { maxLength: 2 }),
  }),
);

const requestSpec = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH'),
  path: fc.string({ unit: fc.constantFrom(...PCHARS), maxLength: 30 }),
  version: fc.constantFrom('1.1', '1.1', '1.0'),
  fields: fc.array(field, { maxLength: 6 }),
  framing,
  close: fc.boolean(),
  expect: fc.boolean(),
  leadingEmpty: fc.constantFrom('', '', '\r\n', '\r\n\r\n'),
});
type RequestSpec = typeof requestSpec extends fc.Arbitrary<infer T> ? T : never;

interface Expected {
  request: Omit<Request, 'type'>;
  body: string;
  trailers: HeaderField[];
}

/**
 * Serializes `spec`; `last` says whether it may end the connection. `head` is the length of
 * the wire up to the end of the header section.
 */
function serialize(spec: RequestSpec, last: boolean): { wire: string; head: number; expected: Expected } {
  const { method, version, framing } = spec;
  const target = `/${spec.path}`;
  const eol = '\r\n';
  const chunkedAllowed = version === '1.1';
  const kind = framing.kind === 'chunked' && !chunkedAllowed ? 'none' : framing.kind;
  const headers: HeaderField[] = [];
  const wireFields: string[] = [];
  const add = (name: string, wireValue: string, value: string) => {
    wireFields.push(`${name}:${wireValue}`);
    headers.push([name.toLowerCase(), value]);
  };
  if (version === '1.1') add('Host', ' example.com:8080', 'example.com:8080');
  const close = spec.close && last;
  if (version === '1.0' && !close) add('Connection', ' keep-alive', 'keep-alive');
  if (version === '1.1' && close) add('Connection', ' close', 'close');
  for (const { name, value } of spec.fields) add(name, value.wire, value.value);
  const expectContinue = spec.expect && version === '1.1';
  if (spec.expect) add('Expect', ' 100-continue', '100-continue');

  let bodyWire = '';
  let bodyText = '';
  let trailers: HeaderField[] = [];
  let contentLength = 0;
  if (kind === 'length' && framing.kind === 'length') {
    bodyText = Buffer.from(framing.body).toString('latin1');
    bodyWire = bodyText;
    contentLength = framing.body.length;
    add('Content-Length', ` ${contentLength}`, String(contentLength));
  } else if (kind === 'chunked' && framing.kind === 'chunked') {
    contentLength = -1;
    add('Transfer-Encoding', ' chunked', 'chunked');
    for (const c of framing.chunks) {
      let size = c.data.length.toString(16);
      if (c.upper) size = size.toUpperCase();
      const data = Buffer.from(c.data).toString('latin1');
      bodyWire += `${'0'.repeat(c.zeros)}${size}${c.ext}\r\n${data}\r\n`;
      bodyText += data;
    }
    bodyWire += `0${framing.lastExt}\r\n`;
    for (const { name, value } of framing.trailers) {
      bodyWire += `${name}:${value.wire}\r\n`;
      trailers.push([name.toLowerCase(), value.value]);
    }
    bodyWire += '\r\n';
  } else {
    trailers = [];
  }
  const head =
    `${spec.leadingEmpty}${method} ${target} HTTP/${version}${eol}` +
    wireFields.map((f) => `${f}${eol}`).join('') +
    eol;
  return {
    wire: head + bodyWire,
    head: head.length,
    expected: {
      request: {
        method,
        target,
        form: 'origin',
        authority: '',
        version: version as '1.0' | '1.1',
        headers,
        connection: { close: version === '1.1' && close, keepAlive: version === '1.0' && !close },
        expectContinue,
        body: kind,
        contentLength,
      },
      body: bodyText,
      trailers,
    },
  };
}

const pipeline = fc.array(requestSpec, { minLength: 1, maxLength: 4 }).map((specs) => {
  const serialized = specs.map((spec, i) => serialize(spec, i === specs.length - 1));
  return {
    bytes: new Uint8Array(Buffer.from(serialized.map((s) => s.wire).join(''), 'latin1')),
    expected: serialized.map((s) => s.expected),
  };
});

/** What `drive` should report for `expected`. */
function itemsOf(expected: Expected[]): Item[] {
  const items: Item[] = [];
  for (const e of expected) {
    items.push({ request: { type: 'request', ...e.request } });
    if (e.body !== '') items.push({ body: e.body });
    items.push({ trailers: e.trailers });
  }
  return items;
}

// ---------------------------------------------------------------------------------------------

describe('valid requests (fast-check)', () => {
  it('§2-§7: generated pipelines parse to what was generated, for any split of their bytes', () => {
    fc.assert(
      fc.property(pipeline, fc.array(fc.nat(), { maxLength: 12 }), ({ bytes, expected }, cuts) => {
        const whole = drive([bytes]);
        expect(whole).toEqual(itemsOf(expected));
        expect(drive(split(bytes, cuts))).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('§2.2: a bare LF in place of any CRLF of a head (leading empty lines included) gets 400, for any split', () => {
    fc.assert(
      fc.property(requestSpec, fc.nat(), fc.array(fc.nat(), { maxLength: 12 }), (spec, pick, cuts) => {
        const { wire, head } = serialize(spec, true);
        const crlfs: number[] = [];
        for (let i = wire.indexOf('\r\n'); i !== -1 && i < head; i = wire.indexOf('\r\n', i + 2)) crlfs.push(i);
        const at = crlfs[pick % crlfs.length]!;
        const bytes = new Uint8Array(Buffer.from(wire.slice(0, at) + wire.slice(at + 1), 'latin1'));
        const whole = drive([bytes]);
        expect(whole).toEqual([{ error: 'BadRequest', status: 400 }]);
        expect(drive(split(bytes, cuts))).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('§2-§7: one byte at a time gives the same events as one receive()', () => {
    fc.assert(
      fc.property(pipeline, ({ bytes }) => {
        expect(drive(oneByteAtATime(bytes))).toEqual(drive([bytes]));
      }),
      { numRuns: 100 },
    );
  });
});

describe('invalid and hostile bytes (fast-check)', () => {
  const limits = { maxRequestLine: 64, maxHeaderBytes: 256, maxHeaderCount: 8, maxBodyBytes: 512 };

  const fragments = fc
    .array(
      fc.constantFrom(
        'GET ', 'POST ', 'BREW ', '/ ', '* ', 'http://h/ ', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0',
        '\r\n', '\n', '\r', ' ', '\t', ':', ';', ',', '=', '"', 'Host: h', 'Host: ', 'a b',
        'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip', 'Content-Length: 3',
        'Content-Length: 3, 4', 'Connection: close', 'Expect: 100-continue', '0', '3', 'ff',
        '0x', 'abc', ';a=b', '\x00', '\x7f', '\xff',
      ),
      { maxLength: 40 },
    )
    .map((parts) => new Uint8Array(Buffer.from(parts.join(''), 'latin1')));

  const mutated = fc
    .tuple(
      pipeline,
      fc.array(
        fc.record({ at: fc.nat(), op: fc.constantFrom('replace', 'insert', 'delete'), byte: fc.integer({ min: 0, max: 255 }) }),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([{ bytes }, edits]) => {
      const out = [...bytes];
      for (const { at, op, byte } of edits) {
        const i = at % (out.length + 1);
        if (op === 'insert') out.splice(i, 0, byte);
        else if (op === 'delete') out.splice(i, 1);
        else if (i < out.length) out[i] = byte;
      }
      return new Uint8Array(out);
    });

  const check = (bytes: Uint8Array, cuts: number[]) => {
    // drive() itself fails on a non-HttpError or on a loop without progress.
    const whole = drive([bytes], limits);
    expect(drive(split(bytes, cuts), limits)).toEqual(whole);
  };

  it('arbitrary bytes give events or an HttpError, the same for any split', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 10 }), check), {
      numRuns: 300,
    });
  });

  it('HTTP-like fragments give events or an HttpError, the same for any split', () => {
    fc.assert(fc.property(fragments, fc.array(fc.nat(), { maxLength: 10 }), check), { numRuns: 600 });
  });

  it('mutated valid requests give events or an HttpError, the same for any split', () => {
    fc.assert(fc.property(mutated, fc.array(fc.nat(), { maxLength: 10 }), check), { numRuns: 600 });
  });

  it('mutated valid requests give the same outcome one byte at a time', () => {
    fc.assert(
      fc.property(mutated, (bytes) => {
        expect(drive(oneByteAtATime(bytes), limits)).toEqual(drive([bytes], limits));
      }),
      { numRuns: 100 },
    );
  });
});
