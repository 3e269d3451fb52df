/**
 * Unit tests of fields.ts, one rule at a time: field lines (RFC 9112 §5), the values of the
 * fields the server acts on, and chunk lines (§7.1). The parser's tests (parser.test.ts) check
 * the same rules through whole requests, split every way.
 */

import { describe, expect, it } from 'vitest';
import { BadRequest, NotImplemented } from '../src/errors.ts';
import {
  checkTransferEncoding,
  expectsContinue,
  isValidHost,
  listElements,
  parseChunkLine,
  parseContentLength,
  parseFieldLine,
  persistenceOptions,
} from '../src/fields.ts';

describe('§5 field lines', () => {
  it('§5: the name is lowercased, the value trimmed of OWS and kept as it is inside', () => {
    expect(parseFieldLine('X-Custom:value')).toEqual(['x-custom', 'value']);
    expect(parseFieldLine('Accept: \t text/html \t')).toEqual(['accept', 'text/html']);
    expect(parseFieldLine('Empty:')).toEqual(['empty', '']);
    expect(parseFieldLine('X: a:b, "c;d"=e\tf')).toEqual(['x', 'a:b, "c;d"=e\tf']);
    expect(parseFieldLine('X: caf\xe9')).toEqual(['x', 'caf\xe9']);
  });

  it('§5.1, §5.2: whitespace before the colon or at the start of the line gets 400', () => {
    expect(() => parseFieldLine('X : y')).toThrow(/whitespace between field name and colon/);
    expect(() => parseFieldLine(' X: y')).toThrow(/obs-fold/);
    expect(() => parseFieldLine('\tX: y')).toThrow(/obs-fold/);
  });

  it('§5: a name that is not a token, or no colon, gets 400', () => {
    for (const line of [': v', 'X(Y): z', 'NoColon', 'Caf\xe9: v', '\rX: v']) {
      expect(() => parseFieldLine(line), line).toThrow(BadRequest);
    }
  });

  it('§5.5 (RFC 9110): a CR, NUL, another control or DEL in the value gets 400', () => {
    expect(() => parseFieldLine('X: a\rb')).toThrow(/bare CR/);
    for (const ctl of ['\x00', '\x01', '\x0b', '\x1f', '\x7f']) {
      expect(() => parseFieldLine(`X: a${ctl}b`)).toThrow(/invalid character in field value/);
    }
  });

  it('§5.6.1 (RFC 9110): list elements are lowercased, trimmed, and empty ones dropped', () => {
    expect(listElements(' a ,B,, \tc ')).toEqual(['a', 'b', 'c']);
    expect(listElements(',')).toEqual([]);
  });
});

describe('the fields the server acts on', () => {
  it('§8.6 (RFC 9110), §6.3 item 5: Content-Length is 1*DIGIT, or a list of one repeated value', () => {
    expect(parseContentLength('0')).toBe(0);
    expect(parseContentLength('3, 3 ,3')).toBe(3);
    expect(parseContentLength('999999999999999')).toBe(999999999999999);
    expect(() => parseContentLength('3, 4')).toThrow(/differing/);
    expect(() => parseContentLength('1234567890123456')).toThrow(/too long/);
    for (const value of ['', '-1', '+3', '0x3', '3 3', '1e3', '3.0', '3,', ',3', '3,,3', 'three']) {
      expect(() => parseContentLength(value), value).toThrow(BadRequest);
    }
  });

  it('§6.1: Transfer-Encoding must be exactly chunked; another coding before it gets 501', () => {
    expect(() => checkTransferEncoding('chunked')).not.toThrow();
    expect(() => checkTransferEncoding(' Chunked ')).not.toThrow();
    expect(() => checkTransferEncoding('gzip, chunked')).toThrow(NotImplemented);
    for (const value of ['gzip', 'chunked, gzip', '', ',', 'chunked, chunked', 'chunked;q=1', 'gz ip, chunked']) {
      expect(() => checkTransferEncoding(value), value).toThrow(BadRequest);
    }
  });

  it('§9.3: Connection options close and keep-alive are found in any case, in a list', () => {
    expect(persistenceOptions('close')).toEqual({ close: true, keepAlive: false });
    expect(persistenceOptions(' foo ,KEEP-ALIVE ')).toEqual({ close: false, keepAlive: true });
    expect(persistenceOptions('closed, x-close')).toEqual({ close: false, keepAlive: false });
  });

  it('§10.1.1 (RFC 9110): Expect asks for 100 Continue in any case', () => {
    expect(expectsContinue('100-Continue')).toBe(true);
    expect(expectsContinue('200-ok')).toBe(false);
  });

  it('§3.2, RFC 9110 §7.2: Host is a reg-name or IP-literal with an optional port; empty is valid, a port above 65535 is not', () => {
    for (const host of ['', 'example.com', 'h:80', 'h:', 'h:065535', '127.0.0.1:8080', '[::1]', '[::1]:443', 'a%20b', "!$&'()*+,;=-._~", 'under_score~']) {
      expect(isValidHost(host), host).toBe(true);
    }
    for (const host of ['h:65536', 'h:99999999999999999999', 'h:8x', 'a b', 'u@h', 'h/p', '[]', '[::1', '[::1]x', '%zz', '%2', 'h::80', 'h:8:0', 'caf\xe9']) {
      expect(isValidHost(host), host).toBe(false);
    }
  });
});

describe('§7.1 chunk lines', () => {
  it('§7.1: chunk-size is hexadecimal, up to 16 digits; extensions are counted', () => {
    expect(parseChunkLine('a')).toEqual({ size: 10, extensionLength: 0 });
    expect(parseChunkLine('0000000000000003')).toEqual({ size: 3, extensionLength: 0 });
    expect(parseChunkLine('3;name=value')).toEqual({ size: 3, extensionLength: 11 });
    expect(() => parseChunkLine('00000000000000003')).toThrow(/too large/);
    expect(() => parseChunkLine('x')).toThrow(/hexadecimal/);
  });

  it('§7.1.1: extensions are tokens or quoted-strings, with BWS around ";" and "="', () => {
    expect(parseChunkLine('3 ; a = b ;c="q \\" ;"').size).toBe(3);
    for (const ext of [';', ';=x', ';a=', ';a="x', ';a b', 'junk', ';a="x"y', ';a=b c', ';a\x00', ';a="\x01"', ' ']) {
      expect(() => parseChunkLine(`3${ext}`), ext).toThrow(BadRequest);
    }
  });
});
