/**
 * Unit tests of abnf.ts: each character class holds exactly the characters its ABNF lists.
 */

import { describe, expect, it } from 'vitest';
import { isFieldChar, isHexDigit, isHostChar, isQdtext, isTchar, isToken, isVchar, trimWhitespace } from '../src/abnf.ts';

/** The latin1 characters a predicate accepts, in code order. */
function members(predicate: (code: number) => boolean): string {
  return [...Array(256).keys()].filter(predicate).map((code) => String.fromCharCode(code)).join('');
}

const range = (from: number, to: number): string =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i)).join('');

describe('character classes', () => {
  it('§5.6.2 (RFC 9110): tchar is exactly the token characters', () => {
    expect(members(isTchar)).toBe("!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~");
    expect(isToken('GET')).toBe(true);
    expect(isToken('')).toBe(false);
    expect(isToken('a b')).toBe(false);
  });

  it('§5.5 (RFC 9110): a field value holds VCHAR, obs-text, SP and HTAB, and no other control', () => {
    expect(members(isFieldChar)).toBe('\t' + range(0x20, 0x7e) + range(0x80, 0xff));
  });

  it('§5.6.4 (RFC 9110): qdtext is a field character other than DQUOTE and backslash', () => {
    expect(members(isQdtext)).toBe(members(isFieldChar).replace('"', '').replace('\\', ''));
  });

  it('RFC 3986 §3.2.2: a host name holds unreserved and sub-delims characters', () => {
    expect(members(isHostChar)).toBe("!$&'()*+,-.0123456789;=ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~");
  });

  it('RFC 5234: VCHAR and HEXDIG', () => {
    expect(members(isVchar)).toBe(range(0x21, 0x7e));
    expect(members(isHexDigit)).toBe('0123456789ABCDEFabcdef');
  });

  it('no class holds a character above 0xFF', () => {
    for (const predicate of [isTchar, isFieldChar, isQdtext, isHostChar, isVchar, isHexDigit]) {
      expect(predicate(0x100)).toBe(false);
      expect(predicate(0x2028)).toBe(false);
    }
  });

  it('§5.6.3 (RFC 9110): OWS is SP and HTAB only', () => {
    expect(trimWhitespace(' \t a b \t ')).toBe('a b');
    expect(trimWhitespace('\f a\v')).toBe('\f a\v');
    expect(trimWhitespace('')).toBe('');
  });
});
