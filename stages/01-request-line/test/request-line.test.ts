/**
 * Unit tests of request-line.ts: the request-line grammar (RFC 9112 §3), the four target
 * forms as the request-line reports them (§3.2), the errors and their statuses, and finding
 * a line's end.
 */

import { describe, expect, it } from 'vitest';
import { BadRequest, HttpError, NotImplemented, UriTooLong, VersionNotSupported } from '../src/errors.ts';
import { findLineEnd, KNOWN_METHODS, parseRequestLine } from '../src/request-line.ts';

/** Parses `line` (with its terminator) as the whole buffer. */
function parse(line: string, maxLength?: number) {
  const buf = Buffer.from(line, 'latin1');
  const lf = findLineEnd(buf);
  if (lf === -1) throw new Error('test line has no LF');
  return parseRequestLine(buf, 0, lf, maxLength);
}

/** The error `parse(line)` throws. */
function failure(line: string, maxLength?: number): HttpError {
  try {
    parse(line, maxLength);
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(line)} to be rejected`);
}

describe('§3 request-line', () => {
  it('§3: method, target and version are parsed from `method SP request-target SP HTTP-version`', () => {
    expect(parse('GET /index.html?q=1 HTTP/1.1\r\n')).toEqual({
      method: 'GET',
      target: '/index.html?q=1',
      form: 'origin',
      authority: '',
      version: '1.1',
    });
  });

  it('§2.2: a bare LF as the line terminator gets 400 (a recipient MAY accept it; a server behind a proxy must not)', () => {
    const err = failure('GET / HTTP/1.1\n');
    expect(err).toBeInstanceOf(BadRequest);
    expect(err.message).toMatch(/bare LF/);
    expect(failure('\n').status).toBe(400);
  });

  it('§3: every method the server implements is accepted', () => {
    for (const method of KNOWN_METHODS) {
      const target = method === 'OPTIONS' ? '*' : '/';
      expect(parse(`${method} ${target} HTTP/1.1\r\n`).method).toBe(method);
    }
  });

  it('§2.3: HTTP/1.0 is handled as 1.0 and HTTP/1.x (x > 1) as 1.1', () => {
    expect(parse('GET / HTTP/1.0\r\n').version).toBe('1.0');
    expect(parse('GET / HTTP/1.1\r\n').version).toBe('1.1');
    expect(parse('GET / HTTP/1.9\r\n').version).toBe('1.1');
  });

  it('§3: the request-line is parsed from a byte range inside a larger buffer', () => {
    const buf = Buffer.from('xxGET /a HTTP/1.1\r\nHost: h\r\n\r\n', 'latin1');
    const lf = findLineEnd(buf, 2);
    expect(parseRequestLine(buf, 2, lf)).toMatchObject({ method: 'GET', target: '/a' });
  });

  it('§9.1 (RFC 9110): the method is case-sensitive, so `get` is an unknown method (501)', () => {
    const err = failure('get / HTTP/1.1\r\n');
    expect(err).toBeInstanceOf(NotImplemented);
    expect(err.status).toBe(501);
    expect(err.code).toBe('NIB_ERR_NOT_IMPLEMENTED');
  });

  it('§9.1 (RFC 9110): a well-formed but unknown method gets 501', () => {
    expect(failure('BREW /pot HTTP/1.1\r\n').status).toBe(501);
  });

  it('§2.3: a major version other than 1 gets 505', () => {
    for (const version of ['HTTP/2.0', 'HTTP/0.9', 'HTTP/3.1']) {
      const err = failure(`GET / ${version}\r\n`);
      expect(err).toBeInstanceOf(VersionNotSupported);
      expect(err.status).toBe(505);
      expect(err.code).toBe('NIB_ERR_VERSION_NOT_SUPPORTED');
    }
  });

  it('§3: a malformed request-line gets 400', () => {
    const malformed = [
      '\r\n', // empty
      ' GET / HTTP/1.1\r\n', // leading space
      'GET  / HTTP/1.1\r\n', // two spaces
      'GET / HTTP/1.1 \r\n', // trailing space
      'GET /\tHTTP/1.1\r\n', // HTAB as separator
      'GET / HTTP/1.1\r\r\n', // two CRs
      'GET /a\rb HTTP/1.1\r\n', // bare CR in the target
      'GET\r / HTTP/1.1\r\n', // bare CR after the method
      'GET / http/1.1\r\n', // HTTP-name is case-sensitive
      'GET / HTTP/1\r\n',
      'GET / HTTP/1.10\r\n',
      'GET / HTTP/a.1\r\n',
      'GET /\r\n', // no version
      'GET\r\n',
      'G(T / HTTP/1.1\r\n', // not a token
      'GET /caf\xe9 HTTP/1.1\r\n', // not visible US-ASCII
      'GET /\x7f HTTP/1.1\r\n',
      'GET /a\x00 HTTP/1.1\r\n',
    ];
    for (const line of malformed) {
      const err = failure(line);
      expect(err, JSON.stringify(line)).toBeInstanceOf(BadRequest);
      expect(err.status).toBe(400);
      expect(err.code).toBe('NIB_ERR_BAD_REQUEST');
    }
  });

  it('§3: a request-line longer than the limit gets 414; its CRLF does not count', () => {
    const line = `GET /${'a'.repeat(100)} HTTP/1.1`; // 114 bytes
    expect(parse(`${line}\r\n`, line.length).target).toHaveLength(101);
    const err = failure(`${line}\r\n`, line.length - 1);
    expect(err).toBeInstanceOf(UriTooLong);
    expect(err.status).toBe(414);
    expect(err.code).toBe('NIB_ERR_URI_TOO_LONG');
    // too long comes first, whatever the terminator
    expect(failure(`${line}\n`, line.length - 1).status).toBe(414);
    expect(failure(`${line}\n`, line.length).status).toBe(400);
  });
});

describe('§3.2 request-target forms', () => {
  it('§3.2.1: origin-form starts with "/"', () => {
    expect(parse('GET /where?q=now HTTP/1.1\r\n').form).toBe('origin');
  });

  it('§3.2.2: absolute-form is a URI with a scheme', () => {
    expect(parse('GET http://example.com/a?b HTTP/1.1\r\n')).toMatchObject({ form: 'absolute', authority: 'example.com' });
  });

  it('§3.2.3: authority-form is only for CONNECT, which is not implemented (501)', () => {
    expect(failure('CONNECT example.com:443 HTTP/1.1\r\n').status).toBe(501);
    expect(failure('GET example.com:443 HTTP/1.1\r\n').status).toBe(400);
  });

  it('§3.2.4: asterisk-form is only for OPTIONS', () => {
    expect(parse('OPTIONS * HTTP/1.1\r\n').form).toBe('asterisk');
    expect(failure('GET * HTTP/1.1\r\n').status).toBe(400);
  });

  it('§3.2: a target that is none of the forms gets 400', () => {
    for (const target of ['index.html', 'mailto:a@b', '?q', '**']) {
      expect(failure(`GET ${target} HTTP/1.1\r\n`).status, target).toBe(400);
    }
  });
});

describe('helpers', () => {
  it('findLineEnd returns the LF index, or -1 when the LF is missing or past `to`', () => {
    const buf = Buffer.from('ab\ncd\n', 'latin1');
    expect(findLineEnd(buf)).toBe(2);
    expect(findLineEnd(buf, 3)).toBe(5);
    expect(findLineEnd(buf, 3, 5)).toBe(-1);
    expect(findLineEnd(Buffer.from('abc'))).toBe(-1);
  });
});
