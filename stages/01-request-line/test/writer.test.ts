/**
 * Unit tests of writer.ts: the head, with what the server adds, and a whole response as one
 * buffer.
 */

import { describe, expect, it } from 'vitest';
import { encodeHead, encodeResponse, httpDate } from '../src/writer.ts';

describe('the head', () => {
  it('writes the status line, the fields in order, then what the server adds, and Connection: close', () => {
    const head = encodeHead({
      status: '200 OK',
      headers: [['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']],
      date: 'Sun, 06 Nov 1994 08:49:37 GMT',
      contentLength: 5,
    });
    expect(head).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n' +
        'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 5\r\nConnection: close\r\n\r\n',
    );
  });
  it('adds only what it is asked to', () => {
    expect(encodeHead({ status: '200 OK', headers: [['Content-Length', '0']], date: null, contentLength: -1 })).toBe(
      'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );
  });
  it('a whole response is one buffer: the head in latin1, text as UTF-8, bytes as they are', () => {
    const bytes = encodeResponse('HTTP/1.1 200 OK\r\nX: \xe9\r\n\r\n', ['é', new Uint8Array([1, 2])], 4);
    expect(bytes).toEqual(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nX: \xe9\r\n\r\n', 'latin1'), Buffer.from('é'), Buffer.from([1, 2])]));
  });
  it('formats Date as IMF-fixdate', () => {
    expect(httpDate(Date.UTC(1994, 10, 6, 8, 49, 37))).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
  });
});
