/**
 * The character classes of HTTP's grammar, each next to the ABNF that defines it.
 *
 * Strategy: every rule the parser checks one character at a time is a predicate here, built
 * from the characters its ABNF lists, so that a reader can hold the code against the RFC. The
 * request-line parser asks them about bytes, `app.ts` about the characters of the strings an
 * application hands over; latin1 maps every byte to the character with the same code, so the
 * two are the same check. A code above 0xFF belongs to no class.
 *
 * The core rules (RFC 5234 Appendix B.1) that the others are made of:
 *
 * ```abnf
 * ALPHA  = %x41-5A / %x61-7A   ; A-Z / a-z
 * DIGIT  = %x30-39             ; 0-9
 * VCHAR  = %x21-7E             ; visible (printing) characters
 * SP     = %x20
 * HTAB   = %x09
 * ```
 *
 * What it will not do: match whole productions. Those are short loops in the modules that
 * use them (`request-line.ts`, `app.ts`), where the error for each part can be specific.
 */

/** `LF`, the end of every line (RFC 9112 §2.2). */
export const LF = 0x0a;
/** `CR`, which may precede the LF of a line and may appear nowhere else. */
export const CR = 0x0d;
/** `SP`. */
export const SP = 0x20;

const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGIT = '0123456789';

/** A set of characters as 256 flags, one per latin1 code. */
function charClass(...members: Array<string | [from: number, to: number]>): Uint8Array {
  const flags = new Uint8Array(256);
  for (const member of members) {
    if (typeof member === 'string') {
      for (let i = 0; i < member.length; i++) flags[member.charCodeAt(i)] = 1;
    } else {
      for (let code = member[0]; code <= member[1]; code++) flags[code] = 1;
    }
  }
  return flags;
}

// The classes that are lists of characters, as one flag per latin1 code.
const TCHAR = charClass("!#$%&'*+-.^_`|~", DIGIT, ALPHA);
const FIELD_CHAR = charClass([0x21, 0x7e], [0x80, 0xff], ' \t');

/**
 * Whether `code` is a tchar: a character of a token (a method, a field name, a coding).
 *
 * ```abnf
 * token = 1*tchar                                            ; RFC 9110 §5.6.2
 * tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
 * ```
 */
export function isTchar(code: number): boolean {
  return TCHAR[code] === 1;
}

/**
 * Whether `code` may appear in a field value: anything but CR, LF, NUL, the other controls and
 * DEL. Where whitespace may stand (not first, not last) is settled by trimming it (RFC 9112 §5).
 *
 * ```abnf
 * field-value   = *field-content                              ; RFC 9110 §5.5
 * field-content = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]
 * field-vchar   = VCHAR / obs-text
 * obs-text      = %x80-FF
 * ```
 */
export function isFieldChar(code: number): boolean {
  return FIELD_CHAR[code] === 1;
}

/** Whether `code` is VCHAR: visible US-ASCII, what a request-target is made of. */
export function isVchar(code: number): boolean {
  return code >= 0x21 && code <= 0x7e;
}

/** Whether `code` is DIGIT. */
export function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
