/**
 * The playground's engine in Node, with stage 02's parser as the server runs it: escapes,
 * reads, the presets' outcomes, the rule table, and the caps that keep a tab from freezing.
 * The same engine bundled for the browser is compared with this one in `playground.test.ts`.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../harness/launcher.ts';
import { decodeEscapes, encodeEscapes, MAX_INPUT_BYTES, MAX_STEPS, PRESETS, readsOf, RULES, ruleFor, runParser, type Step } from './engine.ts';
import { bundleIsFresh, BUNDLE } from './build.ts';

const bytesOf = (text: string): Uint8Array => {
  const d = decodeEscapes(text);
  if (!d.ok) throw new Error(d.error);
  return d.bytes;
};
const ascii = (bytes: Uint8Array, from = 0, to = bytes.length): string => String.fromCharCode(...bytes.subarray(from, to));

describe('escapes', () => {
  it('turns \\r \\n \\t \\0 \\\\ and \\xNN into bytes, ignores typed line breaks, and sends the rest as UTF-8', () => {
    expect([...bytesOf('A\\r\\n\n\\t\\0\\\\\\x7f\\xFFé')]).toEqual([0x41, 13, 10, 9, 0, 0x5c, 0x7f, 0xff, 0xc3, 0xa9]);
    expect([...bytesOf('a\r\nb')]).toEqual([0x61, 0x62]);
  });
  it.each([
    ['GET \\q', 'invalid escape \\q at character 5'],
    ['\\x4', 'invalid escape \\x4 at character 1'],
    ['\\xZZ', 'invalid escape \\xZZ'],
    ['abc\\', 'invalid escape \\ at the end'],
  ])('refuses %j with a message that says where', (text, message) => {
    const d = decodeEscapes(text);
    expect(d.ok).toBe(false);
    expect(!d.ok && d.error).toContain(message);
  });
  it(`refuses more than ${MAX_INPUT_BYTES} bytes, however they are written`, () => {
    expect(decodeEscapes('a'.repeat(MAX_INPUT_BYTES)).ok).toBe(true);
    for (const text of ['a'.repeat(MAX_INPUT_BYTES + 1), '\\x41'.repeat(MAX_INPUT_BYTES + 1), 'x'.repeat(10_000_000)]) {
      const d = decodeEscapes(text);
      expect(!d.ok && d.error).toMatch(/^input too large/);
    }
  });
  it('encodes what it decodes', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect([...bytesOf(encodeEscapes(all))]).toEqual([...all]);
  });
});

describe('reads', () => {
  it('cuts bytes into one read, one byte per read, or at the cut points in range', () => {
    expect(readsOf(5, 'one')).toEqual([[0, 5]]);
    expect(readsOf(3, 'bytes')).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(readsOf(10, 'cuts', [7, 3, 3, 0, 10, 12])).toEqual([[0, 3], [3, 7], [7, 10]]);
    expect(readsOf(0, 'bytes')).toEqual([]);
  });
});

describe('runParser', () => {
  it('gives each event the bytes it consumed: a whole request, then the next pipelined one', () => {
    const preset = PRESETS.find((p) => p.id === 'pipelined')!;
    const bytes = bytesOf(preset.input);
    const { steps } = runParser(bytes, readsOf(bytes.length, 'one'));
    expect(steps.map((s) => s.kind)).toEqual(['read', 'request', 'end', 'request', 'end', 'need-data']);
    const [first, second] = steps.filter((s) => s.kind === 'request');
    expect(ascii(bytes, first!.from, first!.to)).toBe('GET /one HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(ascii(bytes, second!.from, second!.to)).toMatch(/^GET \/two HTTP\/1.1\r\n.*\r\n\r\n$/s);
    // the second asks to close: the parser only reports it (persistence is the connection's call)
    expect(first).toMatchObject({ connection: 'none' });
    expect(second).toMatchObject({ connection: 'close' });
    expect(steps.at(-1)).toMatchObject({ kind: 'need-data', state: 'idle' });
  });

  it('reads a chunked body with its trailer, byte by byte as in one read', () => {
    const bytes = bytesOf(PRESETS.find((p) => p.id === 'chunked')!.input);
    const body = (steps: Step[]): string => steps.flatMap((s) => (s.kind === 'data' ? [s.text] : [])).join('');
    const one = runParser(bytes, readsOf(bytes.length, 'one')).steps;
    const each = runParser(bytes, readsOf(bytes.length, 'bytes')).steps;
    expect(body(one)).toBe('hello world');
    expect(body(each)).toBe('hello world');
    expect(one.find((s) => s.kind === 'end')).toMatchObject({ trailers: [['digest', 'sha-256=abc']] });
    expect(each.filter((s) => s.kind === 'read')).toHaveLength(bytes.length);
  });

  // what each refused preset must show: the status, and the section that decides it
  const REFUSED: Record<string, [number, string, string]> = {
    'cl-te': [400, 'RFC 9112 §6.3', 'both Transfer-Encoding and Content-Length'],
    'two-cl': [400, 'RFC 9112 §6.3', 'differing Content-Length values'],
    'bare-lf': [400, 'RFC 9112 §2.2', 'field line ends in a bare LF'],
    'obs-fold': [400, 'RFC 9112 §5.2', 'obs-fold or whitespace before a field line'],
    'space-colon': [400, 'RFC 9112 §5.1', 'whitespace between field name and colon'],
    'long-line': [414, 'RFC 9112 §3', 'request-line longer than 32 bytes'],
  };
  it.each(PRESETS.map((p) => [p.id, p] as const))('preset %s ends as the specs say, in one read and byte by byte', (id, preset) => {
    const bytes = bytesOf(preset.input);
    for (const split of ['one', 'bytes'] as const) {
      const { steps, truncated } = runParser(bytes, readsOf(bytes.length, split), preset.limits);
      expect(truncated).toBe(false);
      const last = steps.at(-1)!;
      const refused = REFUSED[id];
      if (refused === undefined) {
        expect(steps.some((s) => s.kind === 'error')).toBe(false);
        expect(steps.filter((s) => s.kind === 'end').length).toBeGreaterThan(0);
        expect(last.kind).toBe('need-data');
      } else {
        expect(last).toMatchObject({ kind: 'error', status: refused[0], section: refused[1], message: refused[2] });
      }
    }
  });

  it(`stops at ${MAX_STEPS} steps and says so`, () => {
    const bytes = new Uint8Array(MAX_INPUT_BYTES).fill(0x41);
    const run = runParser(bytes, readsOf(bytes.length, 'bytes'), { maxRequestLine: MAX_INPUT_BYTES * 2 });
    expect(run.truncated).toBe(true);
    expect(run.steps).toHaveLength(MAX_STEPS);
  });
});

describe('the rule table', () => {
  it("has a rule for every error message in stage 02's parser and the modules it imports", () => {
    const dir = path.join(ROOT, 'stages', '02-full-parser', 'src');
    const literals = (args: string): string[] => [...args.matchAll(/'([^']*)'|`([^`$]*)/g)].map((m) => m[1] ?? m[2]!);
    const messages = ['parser.ts', 'fields.ts', 'request-line.ts', 'target.ts', 'errors.ts'].flatMap((f) => {
      const source = readFileSync(path.join(dir, f), 'utf8');
      // the arguments of each `new SomeError(...)`, and the message an error class builds itself
      const thrown = [...source.matchAll(/new (?:BadRequest|NotImplemented|ContentTooLarge|HeaderFieldsTooLarge)\(([^;]*?)\);/gs)].flatMap((m) => literals(m[1]!));
      const built = [...source.matchAll(/super\(\d{3}, '\w+', ([^;]*?)\);/g)].flatMap((m) => literals(m[1]!));
      return [...thrown, ...built].filter((t) => t !== '');
    });
    expect(messages.length).toBeGreaterThan(40);
    const missing = messages.filter((m) => ruleFor(m) === undefined || !m.startsWith(ruleFor(m)!.message));
    expect(missing).toEqual([]);
    expect(new Set(RULES.map((r) => r.message)).size).toBe(RULES.length);
  });
});

describe('the bundle', () => {
  it(`${BUNDLE} is what npm run playground builds from the sources now`, async () => {
    expect(await bundleIsFresh(), `${BUNDLE} is stale: run npm run playground, and commit it`).toBe(true);
  });
});
