import { describe, expect, it } from 'vitest';
import { exchange } from '../../../harness/client.ts';
import type { App, Chunk } from '../src/app.ts';
import { withServer } from './served.ts';

// Step 3: an ASCII body leaves with its head as one latin1 string; any other body as bytes.
const BODIES: Readonly<Record<string, Chunk[]>> = {
  '/ascii': ['Nibiru Docs'],
  '/ascii-chunks': ['Nibiru', ' ', 'Docs'],
  '/latin1-range': ['caf\u00e9'], // one byte in latin1, two in UTF-8
  '/beyond-latin1': ['ok \u2713'],
  '/surrogate-pair': ['\u{1F600}'],
  '/bytes': [Uint8Array.of(0x00, 0xe9, 0xff)],
  '/mixed': ['a', Uint8Array.of(0xe9), 'b'],
  '/empty': [],
};

const app: App = (environ, start) => {
  start('200 OK', [['Content-Type', 'text/plain; charset=utf-8'], ['X-Name', 'caf\u00e9']]);
  return BODIES[environ.PATH_INFO] ?? [];
};

/** The bytes a body's chunks stand for: text as UTF-8, bytes as they are. */
function utf8(chunks: readonly Chunk[]): Buffer {
  return Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c))));
}

describe('a whole body, ASCII text or not, is sent as its UTF-8 bytes, with a head in latin1', () => {
  it('each body, on one kept-alive connection, then HEAD of one', async () => {
    await withServer(app, async (port) => {
      const paths = Object.keys(BODIES);
      const requests = paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: t\r\n\r\n`).join('') + 'HEAD /latin1-range HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n';
      const r = await exchange(port, requests, { head: [paths.length] });
      expect(r.responses).toHaveLength(paths.length + 1);
      paths.forEach((p, i) => {
        const response = r.responses[i]!;
        const expected = utf8(BODIES[p]!);
        expect(response.body, p).toEqual(expected);
        expect(response.header('content-length'), p).toBe(String(expected.length));
      });
      // the head is latin1: é is the one byte 0xE9, in every response
      expect(r.raw.includes(Buffer.from('X-Name: caf\u00e9\r\n', 'latin1'))).toBe(true);
      expect(r.raw.includes(Buffer.from('X-Name: caf\u00e9\r\n', 'utf8'))).toBe(false);
      const head = r.responses[paths.length]!;
      expect(head.header('content-length')).toBe('5');
      expect(head.body.length).toBe(0);
    });
  });
});
