/**
 * Unit tests of writer.ts, the mirror of the parser's: the head, and each body writer fed one
 * byte at a time as the parser is, its bytes read back by the parser (also one at a time).
 */

import { describe, expect, it } from 'vitest';
import { NEED_DATA, RequestParser } from '../src/parser.ts';
import {
  bodyWriter,
  ChunkedWriter,
  CloseWriter,
  encodeHead,
  encodeResponse,
  LengthWriter,
  type BodyWriter,
} from '../src/writer.ts';

const BODY = Buffer.from('héllo, wörld: a body of some length, with a CR\r and an LF\n in it', 'utf8');

/** Feeds `body` to `writer` in pieces of `size` bytes (then ends it); the bytes it returned. */
function encode(writer: BodyWriter, body: Buffer, size: number): Buffer {
  const out: Uint8Array[] = [];
  for (let at = 0; at < body.length; at += size) out.push(...writer.data(body.subarray(at, at + size)));
  out.push(...writer.end());
  return Buffer.concat(out);
}

/** Reads `framed` back as the body of a request whose head says `framing`, one byte at a time. */
function readBack(framing: string, framed: Buffer): Buffer {
  const parser = new RequestParser();
  const bytes = Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: h\r\n${framing}\r\n\r\n`, 'latin1'), framed]);
  const body: Buffer[] = [];
  let ended = false;
  for (const byte of bytes) {
    parser.receive(Buffer.from([byte]));
    for (let event = parser.next(); event !== NEED_DATA; event = parser.next()) {
      if (event.type === 'data') body.push(Buffer.from(event.chunk));
      if (event.type === 'end') ended = true;
    }
  }
  expect(ended).toBe(true);
  expect(parser.buffered).toBe(0);
  return Buffer.concat(body);
}

describe('the head', () => {
  it('writes the status line, the fields in order, then what the server adds', () => {
    const head = encodeHead({
      status: '200 OK',
      headers: [['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']],
      date: 'Sun, 06 Nov 1994 08:49:37 GMT',
      contentLength: 5,
      chunked: false,
      connection: 'keep-alive',
    });
    expect(head).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n' +
        'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n',
    );
  });
  it('adds only what it is asked to', () => {
    expect(encodeHead({ status: '204 No Content', headers: [], date: null, contentLength: -1, chunked: false, connection: 'none' })).toBe(
      'HTTP/1.1 204 No Content\r\n\r\n',
    );
    expect(encodeHead({ status: '200 OK', headers: [], date: null, contentLength: -1, chunked: true, connection: 'close' })).toBe(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
    );
  });
  it('a whole response is one buffer: the head in latin1, text as UTF-8, bytes as they are', () => {
    const bytes = encodeResponse('HTTP/1.1 200 OK\r\nX: \xe9\r\n\r\n', ['é', new Uint8Array([1, 2])], 4);
    expect(bytes).toEqual(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nX: \xe9\r\n\r\n', 'latin1'), Buffer.from('é'), Buffer.from([1, 2])]));
  });
});

describe('Content-Length (RFC 9112 §6.2)', () => {
  it('fed one byte at a time, writes the body as it is; the parser reads it back', () => {
    const writer = new LengthWriter(BODY.length);
    const framed = encode(writer, BODY, 1);
    expect(framed).toEqual(BODY);
    expect(readBack(`Content-Length: ${BODY.length}`, framed)).toEqual(BODY);
    expect(writer.bodyBytes).toBe(BODY.length);
    expect(writer.broken).toBe('no');
  });
  it('never writes more than declared: the piece that overflows is cut, and it says so', () => {
    const writer = new LengthWriter(3);
    expect(Buffer.concat(writer.data(Buffer.from('ab')))).toEqual(Buffer.from('ab'));
    expect(writer.broken).toBe('no');
    expect(Buffer.concat(writer.data(Buffer.from('cd')))).toEqual(Buffer.from('c'));
    expect(writer.broken).toBe('too long');
    expect(writer.bodyBytes).toBe(3);
  });
  it('ended short, says so', () => {
    const writer = new LengthWriter(3);
    writer.data(Buffer.from('ab'));
    expect(writer.end()).toEqual([]);
    expect(writer.broken).toBe('too short');
  });
});

describe('chunked (RFC 9112 §7.1)', () => {
  it('one chunk per piece, its size in hex, then the last chunk', () => {
    const writer = new ChunkedWriter();
    const framed = Buffer.concat([...writer.data(Buffer.alloc(26, 'a')), ...writer.data(Buffer.from('b')), ...writer.end()]);
    expect(framed.toString('latin1')).toBe(`1a\r\n${'a'.repeat(26)}\r\n1\r\nb\r\n0\r\n\r\n`);
    expect(writer.bodyBytes).toBe(27);
  });
  it('skips an empty piece, which would read as the last chunk', () => {
    const writer = new ChunkedWriter();
    expect(writer.data(Buffer.alloc(0))).toEqual([]);
    expect(writer.bodyBytes).toBe(0);
  });
  it('fed one byte at a time (or any size), the parser reads the same body back', () => {
    for (const size of [1, 2, 7, BODY.length]) {
      const writer = new ChunkedWriter();
      expect(readBack('Transfer-Encoding: chunked', encode(writer, BODY, size))).toEqual(BODY);
      expect(writer.bodyBytes).toBe(BODY.length);
    }
  });
});

describe('close-delimited (RFC 9112 §6.3 item 8)', () => {
  it('fed one byte at a time, writes the body as it is', () => {
    const writer = new CloseWriter();
    expect(encode(writer, BODY, 1)).toEqual(BODY);
    expect(writer.bodyBytes).toBe(BODY.length);
  });
});

describe('bodyWriter', () => {
  it('picks the writer of a framing', () => {
    expect(bodyWriter('length', 3)).toBeInstanceOf(LengthWriter);
    expect(bodyWriter('chunked', -1)).toBeInstanceOf(ChunkedWriter);
    expect(bodyWriter('close', -1)).toBeInstanceOf(CloseWriter);
  });
});
