/**
 * The docs app's static files and guide pages, over real TCP against every stage: content
 * types, validators, 304s (RFC 9110 §8.8, §13) and the refusal of path traversal.
 *
 * Traversal requests are sent as raw bytes, since `fetch` would normalize `..` away before
 * sending. Stage 01 reads no header fields, so the conditional-request specs need `fields`.
 */

import { expect } from 'vitest';
import { exchange, type RawResponse } from './client.ts';
import { describeStages } from './stages.ts';

const get = (target: string, headers: Record<string, string> = {}, method = 'GET'): string =>
  `${method} ${target} HTTP/1.1\r\nHost: localhost\r\n` +
  Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('') +
  'Connection: close\r\n\r\n';

/** A page of the guide and a source file: one rendered, one served as it is on disk. */
const RENDERED = '/docs/';
const STATIC = '/files/stages/01-request-line/src/app.ts';

/** Request-targets that try to leave the served folders, as they go on the wire. */
const TRAVERSALS = [
  '/docs/../package.json',
  '/docs/%2e%2e/package.json',
  '/docs/%2E%2E/%2E%2E/package.json',
  '/docs/.%2e/package.json',
  '/files/..%2fpackage.json',
  '/files/stages/%2e%2e%2f%2e%2e%2fpackage.json',
  '/files/stages/..%5c..%5cpackage.json',
  '/files/stages/%5c..%5c..%5cpackage.json',
  '/files/%2fetc%2fpasswd',
  '/files//etc/passwd',
  '/files/stages/%00',
  '/files/.git/config',
  '/files/node_modules/marked/package.json',
  '/api/%2e%2e/%2e%2e/package.json',
  '/api/..%2f..%2fpackage.json',
  '/bench/../../package.json',
  '/bench/%2e%2e/%2e%2e/package.json',
];

async function one(port: number, request: string, head = false): Promise<RawResponse> {
  const r = await exchange(port, request, { responses: 1, head: head ? [0] : [] });
  expect(r.responses).toHaveLength(1);
  return r.responses[0]!;
}

describeStages('docs app static files (RFC 9110 §8.8, §13)', ({ server, spec }) => {
  spec('request-line', 'GET /docs/ is the guide as HTML, with a navigation of chapters', async () => {
    const res = await fetch(server().url + '/docs/', { headers: { connection: 'close' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<nav aria-label="Chapters">');
    expect(html).toContain('href="/docs/01-request-line.html"');
  });

  spec('request-line', 'GET /docs redirects to /docs/', async () => {
    const r = await one(server().port, get('/docs'));
    expect(r.status).toBe(301);
    expect(r.header('location')).toBe('/docs/');
  });

  spec('request-line', 'a chapter is served as HTML, and its .md name redirects to it', async () => {
    const page = await one(server().port, get('/docs/01-request-line.html'));
    expect(page.status).toBe(200);
    expect(page.body.toString()).toMatch(/<h1 id="[^"]+">[^<]*01/);
    const md = await one(server().port, get('/docs/01-request-line.md'));
    expect(md.status).toBe(301);
    expect(md.header('location')).toBe('/docs/01-request-line.html');
  });

  spec('request-line', 'RFC 9110 §8.3: a source file is served with its content type, a stage README is rendered', async () => {
    const ts = await one(server().port, get(STATIC));
    expect(ts.status).toBe(200);
    expect(ts.header('content-type')).toBe('text/plain; charset=utf-8');
    expect(ts.header('x-content-type-options')).toBe('nosniff');
    expect(ts.body.toString()).toContain('export type App');
    const readme = await one(server().port, get('/files/stages/01-request-line/README.md'));
    expect(readme.header('content-type')).toBe('text/html; charset=utf-8');
    expect(readme.body.toString()).toContain('<h1 id=');
  });

  spec('request-line', 'RFC 9110 §8.8.2, §8.8.3: responses carry Last-Modified and a strong ETag', async () => {
    for (const target of [RENDERED, STATIC]) {
      const r = await one(server().port, get(target));
      expect(r.header('etag')).toMatch(/^"[\w-]+"$/);
      expect(Date.parse(r.header('last-modified')!)).not.toBeNaN();
      expect(r.header('last-modified')).toMatch(/GMT$/);
    }
  });

  spec('request-line', 'RFC 9110 §9.3.2: HEAD gets the headers of GET (same length and ETag) and no body', async () => {
    const full = await one(server().port, get(STATIC));
    const r = await exchange(server().port, get(STATIC, {}, 'HEAD'), { responses: 1, head: [0] });
    const head = r.responses[0]!;
    expect(head.status).toBe(200);
    expect(head.header('content-length')).toBe(String(full.body.length));
    expect(head.header('etag')).toBe(full.header('etag'));
    expect(r.raw.toString('latin1').endsWith('\r\n\r\n')).toBe(true);
  });

  spec('request-line', 'RFC 9110 §15.5.6: POST to a static path gets 405 with Allow: GET, HEAD', async () => {
    const r = await one(server().port, get('/docs/', { 'Content-Length': '0' }, 'POST'));
    expect(r.status).toBe(405);
    expect(r.header('allow')).toBe('GET, HEAD');
  });

  spec('request-line', 'a page that does not exist is 404, and /api/ says how to build the API site when it is missing', async () => {
    expect((await one(server().port, get('/docs/no-such-chapter.html'))).status).toBe(404);
    const api = await one(server().port, get('/api/'));
    if (api.status === 404) expect(api.body.toString()).toContain('npm run docs');
    else expect(api.header('content-type')).toBe('text/html; charset=utf-8');
  });

  for (const target of TRAVERSALS) {
    spec('request-line', `path traversal is refused with 400 or 404: ${target}`, async () => {
      const r = await one(server().port, get(target));
      expect([400, 404]).toContain(r.status);
      expect(r.body.toString()).not.toContain('"devDependencies"');
      expect(r.body.toString()).not.toContain('root:x:0');
    });
  }

  spec('request-line', 'a backslash path is refused with 400 or 404, by the server or the app', async () => {
    const r = await one(server().port, get('/files/stages\\..\\..\\package.json'));
    expect([400, 404]).toContain(r.status);
    expect(r.body.toString()).not.toContain('"devDependencies"');
  });

  spec('fields', 'RFC 9110 §13.1.2: If-None-Match with the current ETag gets 304 with no body', async () => {
    for (const target of [RENDERED, STATIC]) {
      const first = await one(server().port, get(target));
      const etag = first.header('etag')!;
      const r = await one(server().port, get(target, { 'If-None-Match': etag }));
      expect(r.status).toBe(304);
      expect(r.header('etag')).toBe(etag);
      expect(r.body.length).toBe(0);
    }
  });

  spec('fields', 'RFC 9110 §13.1.2: If-None-Match compares weakly, takes lists and *; another tag gets 200', async () => {
    const etag = (await one(server().port, get(STATIC))).header('etag')!;
    expect((await one(server().port, get(STATIC, { 'If-None-Match': `W/${etag}` }))).status).toBe(304);
    expect((await one(server().port, get(STATIC, { 'If-None-Match': `"other", ${etag}` }))).status).toBe(304);
    expect((await one(server().port, get(STATIC, { 'If-None-Match': '*' }))).status).toBe(304);
    expect((await one(server().port, get(STATIC, { 'If-None-Match': '"other"' }))).status).toBe(200);
  });

  spec('fields', 'RFC 9110 §13.1.3: If-Modified-Since at Last-Modified gets 304; an older or invalid date gets 200', async () => {
    const lastModified = (await one(server().port, get(STATIC))).header('last-modified')!;
    expect((await one(server().port, get(STATIC, { 'If-Modified-Since': lastModified }))).status).toBe(304);
    expect((await one(server().port, get(STATIC, { 'If-Modified-Since': 'Mon, 01 Jan 1990 00:00:00 GMT' }))).status).toBe(200);
    expect((await one(server().port, get(STATIC, { 'If-Modified-Since': 'yesterday' }))).status).toBe(200);
  });

  spec('fields', 'RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since', async () => {
    const first = await one(server().port, get(STATIC));
    const [etag, lastModified] = [first.header('etag')!, first.header('last-modified')!];
    const old = 'Mon, 01 Jan 1990 00:00:00 GMT';
    expect((await one(server().port, get(STATIC, { 'If-None-Match': etag, 'If-Modified-Since': old }))).status).toBe(304);
    expect((await one(server().port, get(STATIC, { 'If-None-Match': '"other"', 'If-Modified-Since': lastModified }))).status).toBe(200);
  });

  spec('fields', 'a real client revalidates: fetch with the ETag it was given gets 304', async () => {
    const first = await fetch(server().url + RENDERED, { headers: { connection: 'close' } });
    await first.arrayBuffer();
    const second = await fetch(server().url + RENDERED, { headers: { connection: 'close', 'if-none-match': first.headers.get('etag')! } });
    expect(second.status).toBe(304);
  });
});
