/**
 * Unit tests of target.ts: the four forms of a request-target (RFC 9112 §3.2), and the path
 * and query the application gets from it.
 */

import { describe, expect, it } from 'vitest';
import { BadRequest } from '../src/errors.ts';
import { decodePath, parseTarget, splitTarget, type TargetForm } from '../src/target.ts';

/** The form parseTarget gives `target`. */
const formOf = (method: string, target: string): TargetForm => parseTarget(method, target).form;

describe('§3.2 request-target forms', () => {
  it('§3.2.1: origin-form starts with "/"', () => {
    expect(formOf('GET', '/where?q=now')).toBe('origin');
  });

  it('§3.2.2: absolute-form is a URI with a scheme', () => {
    expect(formOf('GET', 'http://example.com/a?b')).toBe('absolute');
    expect(formOf('GET', 'https://example.com')).toBe('absolute');
    expect(formOf('GET', 'http://[::1]:8080?b')).toBe('absolute');
    expect(formOf('GET', 'http://h:65535#f')).toBe('absolute');
  });

  it('§3.2.3: authority-form is refused with 400 (it is only for CONNECT)', () => {
    expect(() => formOf('GET', 'example.com:443')).toThrow(BadRequest);
  });

  it('§3.2.2: an absolute-form authority is read, not checked: this stage has no Host for it to replace', () => {
    expect(parseTarget('GET', 'http:///p')).toEqual({ form: 'absolute', authority: '' });
    expect(parseTarget('GET', 'http://u@h/')).toEqual({ form: 'absolute', authority: 'u@h' });
  });

  it('§3.2.4: asterisk-form is only for OPTIONS', () => {
    expect(formOf('OPTIONS', '*')).toBe('asterisk');
    expect(() => formOf('GET', '*')).toThrow(BadRequest);
  });

  it('§3.2: a target that is none of the forms gets 400', () => {
    for (const target of ['index.html', 'mailto:a@b', '?q', '**']) {
      expect(() => formOf('GET', target), target).toThrow(BadRequest);
    }
  });
});

describe('path and query', () => {
  it('parseTarget reads the authority of an absolute-form target, once', () => {
    expect(parseTarget('GET', '/a?b')).toEqual({ form: 'origin', authority: '' });
    expect(parseTarget('GET', 'http://h:8080/p/q?r=s')).toEqual({ form: 'absolute', authority: 'h:8080' });
    expect(parseTarget('GET', 'http://h?x')).toEqual({ form: 'absolute', authority: 'h' });
    expect(parseTarget('GET', 'http://[::1]:9#f')).toEqual({ form: 'absolute', authority: '[::1]:9' });
    expect(parseTarget('OPTIONS', '*')).toEqual({ form: 'asterisk', authority: '' });
  });

  it('splitTarget separates path and query, drops a fragment, and handles every form', () => {
    const split = (target: string, method = 'GET') => splitTarget({ target, ...parseTarget(method, target) });
    expect(split('/a/b?x=1&y=2')).toEqual({ path: '/a/b', query: 'x=1&y=2' });
    expect(split('/a')).toEqual({ path: '/a', query: '' });
    expect(split('/a?')).toEqual({ path: '/a', query: '' });
    expect(split('/a#frag')).toEqual({ path: '/a', query: '' });
    expect(split('http://h:8080/p/q?r=s')).toEqual({ path: '/p/q', query: 'r=s' });
    expect(split('http://h')).toEqual({ path: '/', query: '' });
    expect(split('http://h?x')).toEqual({ path: '/', query: 'x' });
    expect(split('http://[::1]:9#f')).toEqual({ path: '/', query: '' });
    expect(split('*', 'OPTIONS')).toEqual({ path: '*', query: '' });
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
