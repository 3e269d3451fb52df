/**
 * Unit tests of request-line.ts: the request-line grammar (RFC 9112 §3), the errors and their
 * statuses. Where a line ends (CRLF, never a bare LF), and how long it may be, is the
 * parser's (see parser.test.ts).
 */

import { describe, expect, it } from 'vitest';
import { BadRequest, HttpError, NotImplemented, VersionNotSupported } from '../src/errors.ts';
import { KNOWN_METHODS, parseRequestLine } from '../src/request-line.ts';

/** The error `parseRequestLine(line)` throws. */
function failure(line: string): HttpError {
  try {
    parseRequestLine(line);
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(line)} to be rejected`);
}

describe('§3 request-line', () => {
  it('§3: method, target and version are parsed from `method SP request-target SP HTTP-version`', () => {
    expect(parseRequestLine('GET /index.html?q=1 HTTP/1.1')).toEqual({
      method: 'GET',
      target: '/index.html?q=1',
      form: 'origin',
      authority: '',
      version: '1.1',
    });
  });

  it('§3: every method the server implements is accepted', () => {
    for (const method of KNOWN_METHODS) {
      const target = method === 'OPTIONS' ? '*' : '/';
      expect(parseRequestLine(`${method} ${target} HTTP/1.1`).method).toBe(method);
    }
  });

  it('§2.3: HTTP/1.0 is handled as 1.0 and HTTP/1.x (x > 1) as 1.1', () => {
    expect(parseRequestLine('GET / HTTP/1.0').version).toBe('1.0');
    expect(parseRequestLine('GET / HTTP/1.1').version).toBe('1.1');
    expect(parseRequestLine('GET / HTTP/1.9').version).toBe('1.1');
  });

  it('§9.1 (RFC 9110): an unknown method that is a token is parsed (the connection answers 501); methods are case-sensitive', () => {
    expect(parseRequestLine('BREW /pot HTTP/1.1')).toEqual({ method: 'BREW', target: '/pot', form: 'origin', authority: '', version: '1.1' });
    expect(parseRequestLine('get / HTTP/1.1').method).toBe('get');
    expect(KNOWN_METHODS.has('get')).toBe(false);
    expect(KNOWN_METHODS.has('BREW')).toBe(false);
  });

  it('§9.3.6 (RFC 9110): CONNECT gets 501 here, since a tunnel, not a request, follows its head', () => {
    const err = failure('CONNECT example.com:443 HTTP/1.1');
    expect(err).toBeInstanceOf(NotImplemented);
    expect(err.status).toBe(501);
    expect(err.code).toBe('NIB_ERR_NOT_IMPLEMENTED');
  });

  it('§2.3: a major version other than 1 gets 505, whatever the method', () => {
    for (const version of ['HTTP/2.0', 'HTTP/0.9', 'HTTP/3.1']) {
      const err = failure(`GET / ${version}`);
      expect(err).toBeInstanceOf(VersionNotSupported);
      expect(err.status).toBe(505);
      expect(err.code).toBe('NIB_ERR_VERSION_NOT_SUPPORTED');
    }
    expect(failure('BREW / HTTP/2.0').status).toBe(505);
  });

  it('§3: a malformed request-line gets 400', () => {
    const malformed = [
      '', // empty
      ' GET / HTTP/1.1', // leading space
      'GET  / HTTP/1.1', // two spaces
      'GET / HTTP/1.1 ', // trailing space
      'GET /\tHTTP/1.1', // HTAB as separator
      'GET / HTTP/1.1\r', // a CR that is not the terminator's
      'GET /a\rb HTTP/1.1', // bare CR in the target
      'GET\r / HTTP/1.1', // bare CR after the method
      '\rGET / HTTP/1.1', // bare CR before the method
      'GET / http/1.1', // HTTP-name is case-sensitive
      'GET / HTTP/1',
      'GET / HTTP/1.10',
      'GET / HTTP/a.1',
      'GET /', // no version
      'GET',
      'G(T / HTTP/1.1', // not a token
      'GET /caf\xe9 HTTP/1.1', // not visible US-ASCII
      'GET /\x7f HTTP/1.1',
      'GET /a\x00 HTTP/1.1',
    ];
    for (const line of malformed) {
      const err = failure(line);
      expect(err, JSON.stringify(line)).toBeInstanceOf(BadRequest);
      expect(err.status).toBe(400);
      expect(err.code).toBe('NIB_ERR_BAD_REQUEST');
    }
  });
});

describe('§3.2 request-target forms, as the request-line reports them', () => {
  it('§3.2.1: origin-form starts with "/"', () => {
    expect(parseRequestLine('GET /where?q=now HTTP/1.1').form).toBe('origin');
  });

  it('§3.2.2: absolute-form is a URI with a scheme', () => {
    expect(parseRequestLine('GET http://example.com/a?b HTTP/1.1').form).toBe('absolute');
    expect(parseRequestLine('GET http://[::1]:8080?b HTTP/1.1').form).toBe('absolute');
    expect(parseRequestLine('GET http://h:65535#f HTTP/1.1').form).toBe('absolute');
  });

  it('§3.2.2 with RFC 9110 §4.2: an absolute-form authority that is empty, has userinfo, or a bad port or host gets 400', () => {
    for (const target of ['http:///p', 'http://', 'http://:80/p', 'http://u@h/', 'http://u:p@h/', 'http://h:65536/', 'http://h:8x/', 'http://a b/', 'http://h%zz/', 'http://[::1/']) {
      const err = failure(`GET ${target} HTTP/1.1`);
      expect(err, target).toBeInstanceOf(BadRequest);
    }
  });

  it('§3.2.3: authority-form is only for CONNECT, which is not implemented (501)', () => {
    expect(failure('CONNECT example.com:443 HTTP/1.1').status).toBe(501);
    expect(failure('GET example.com:443 HTTP/1.1').status).toBe(400);
  });

  it('§3.2.4: asterisk-form is only for OPTIONS', () => {
    expect(parseRequestLine('OPTIONS * HTTP/1.1').form).toBe('asterisk');
    expect(failure('GET * HTTP/1.1').status).toBe(400);
  });

  it('§3.2: a target that is none of the forms gets 400', () => {
    for (const target of ['index.html', 'mailto:a@b', '?q', '**']) {
      expect(failure(`GET ${target} HTTP/1.1`).status, target).toBe(400);
    }
  });
});
