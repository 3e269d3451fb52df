/**
 * Unit tests of abnf.ts: each character class holds exactly the characters its ABNF lists.
 */

import { describe, expect, it } from 'vitest';
import { isDigit, isFieldChar, isTchar, isVchar } from '../src/abnf.ts';

/** The latin1 characters a predicate accepts, in code order. */
function members(predicate: (code: number) => boolean): string {
  return [...Array(256).keys()].filter(predicate).map((code) => String.fromCharCode(code)).join('');
}

const range = (from: number, to: number): string =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i)).join('');

describe('character classes', () => {
  it('§5.6.2 (RFC 9110): tchar is exactly the token characters', () => {
    expect(members(isTchar)).toBe("!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~");
  });

  it('§5.5 (RFC 9110): a field value holds VCHAR, obs-text, SP and HTAB, and no other control', () => {
    expect(members(isFieldChar)).toBe('\t' + range(0x20, 0x7e) + range(0x80, 0xff));
  });

  it('RFC 5234: VCHAR and DIGIT', () => {
    expect(members(isVchar)).toBe(range(0x21, 0x7e));
    expect(members(isDigit)).toBe('0123456789');
  });

  it('no class holds a character above 0xFF', () => {
    for (const predicate of [isTchar, isFieldChar, isVchar, isDigit]) {
      expect(predicate(0x100)).toBe(false);
      expect(predicate(0x2028)).toBe(false);
    }
  });
});
