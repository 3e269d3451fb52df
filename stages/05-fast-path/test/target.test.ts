/**
 * Unit tests of target.ts: the four forms of a request-target (RFC 9112 §3.2), and the path
 * and query the application gets from it.
 */

import { describe, expect, it } from 'vitest';
import { BadRequest } from '../src/errors.ts';
import { decodePath, splitTarget, targetFormOf } from '../src/target.ts';

describe('§3.2 request-target forms', () => {
  it('§3.2.1: origin-form starts with "/"', () => {
    expect(targetFormOf('GET', '/where?q=now')).toBe('origin');
  });

  it('§3.2.2: absolute-form is a URI with a scheme', () => {
    expect(targetFormOf('GET', 'http://example.com/a?b')).toBe('absolute');
    expect(targetFormOf('GET', 'https://example.com')).toBe('absolute');
    expect(targetFormOf('GET', 'http://[::1]:8080?b')).toBe('absolute');
    expect(targetFormOf('GET', 'http://h:65535#f')).toBe('absolute');
  });

  it('§3.2.2 with RFC 9110 §4.2: an absolute-form authority that is empty, has userinfo, or a bad port or host gets 400', () => {
    for (const target of ['http:///p', 'http://', 'http://:80/p', 'http://u@h/', 'http://u:p@h/', 'http://h:65536/', 'http://h:8x/', 'http://h%zz/', 'http://[::1/']) {
      expect(() => targetFormOf('GET', target), target).toThrow(BadRequest);
    }
  });

  it('§3.2.3: authority-form is refused with 400 (it is only for CONNECT)', () => {
    expect(() => targetFormOf('GET', 'example.com:443')).toThrow(BadRequest);
  });

  it('§3.2.4: asterisk-form is only for OPTIONS', () => {
    expect(targetFormOf('OPTIONS', '*')).toBe('asterisk');
    expect(() => targetFormOf('GET', '*')).toThrow(BadRequest);
  });

  it('§3.2: a target that is none of the forms gets 400', () => {
    for (const target of ['index.html', 'mailto:a@b', '?q', '**']) {
      expect(() => targetFormOf('GET', target), target).toThrow(BadRequest);
    }
  });
});

describe('path and query', () => {
  it('splitTarget separates path, query and authority, drops a fragment, and handles every form', () => {
    expect(splitTarget('/a/b?x=1&y=2', 'origin')).toEqual({ path: '/a/b', query: 'x=1&y=2', authority: '' });
    expect(splitTarget('/a', 'origin')).toEqual({ path: '/a', query: '', authority: '' });
    expect(splitTarget('/a?', 'origin')).toEqual({ path: '/a', query: '', authority: '' });
    expect(splitTarget('/a#frag', 'origin')).toEqual({ path: '/a', query: '', authority: '' });
    expect(splitTarget('http://h:8080/p/q?r=s', 'absolute')).toEqual({ path: '/p/q', query: 'r=s', authority: 'h:8080' });
    expect(splitTarget('http://h', 'absolute')).toEqual({ path: '/', query: '', authority: 'h' });
    expect(splitTarget('http://h?x', 'absolute')).toEqual({ path: '/', query: 'x', authority: 'h' });
    expect(splitTarget('http://[::1]:9#f', 'absolute')).toEqual({ path: '/', query: '', authority: '[::1]:9' });
    expect(splitTarget('*', 'asterisk')).toEqual({ path: '*', query: '', authority: '' });
  });

  it('decodePath percent-decodes UTF-8 and rejects malformed escapes with 400', () => {
    expect(decodePath('/plain')).toBe('/plain');
    expect(decodePath('/caf%C3%A9%20bar')).toBe('/café bar');
    expect(decodePath('/a%2Fb')).toBe('/a/b');
    for (const bad of ['/%', '/%zz', '/%C3', '/%FF']) {
      expect(() => decodePath(bad), bad).toThrow(BadRequest);
    }
  });
});
