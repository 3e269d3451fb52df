/**
 * The docs app's static files and guide pages, over real TCP against every stage: content
 * types, validators, 304s (RFC 9110 §8.8, §13) and the refusal of path traversal.
 *
 * Traversal requests are sent as raw bytes, since `fetch` would normalize `..` away before
 * sending. Stage 01 reads no header fields, so the conditional-request specs need `fields`.
 *
 * The symbolic-link specs plant links in a temporary copy of the served folders (the app
 * serves it when `NIBIRU_DOCS_ROOT` names it), never in the repository itself.
 */

import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { exchange, type RawResponse } from '../harness/client.ts';
import { ROOT } from '../harness/launcher.ts';
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

/** What the planted links point at, and must never come back: a secret outside every served folder. */
const SECRET = 'nibiru-planted-secret';

/**
 * A temporary copy of what the app serves (the guide, a stage folder, a bench result, an API
 * page) next to a `package.json` and a `.git/config` that no route serves, with links planted
 * in every served folder: out of the folder, dangling, looping, and a folder where a page
 * should be.
 */
function plantedTree(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'nibiru-docs-root-'));
  const at = (p: string): string => path.join(root, p);
  cpSync(path.join(ROOT, 'docs', 'guide'), at('docs/guide'), { recursive: true });
  for (const page of ['wsgi.md', 'conformance.md']) cpSync(path.join(ROOT, 'docs', page), at(`docs/${page}`));
  cpSync(path.join(ROOT, 'stages', '01-request-line', 'src'), at('stages/01-request-line/src'), { recursive: true });
  cpSync(path.join(ROOT, 'package.json'), at('package.json'));
  mkdirSync(at('.git'));
  writeFileSync(at('.git/config'), `[core]\n\tsecret = ${SECRET}\n`);
  writeFileSync(at('stages/planted.txt'), 'served from the temporary copy\n');
  mkdirSync(at('bench/results'), { recursive: true });
  writeFileSync(at('bench/results/planted.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  mkdirSync(at('docs/api'));
  writeFileSync(at('docs/api/index.html'), '<!doctype html><title>API</title>\n');

  symlinkSync('../package.json', at('stages/package.json'));
  symlinkSync('../.git/config', at('stages/git-config'));
  symlinkSync('..', at('stages/up'));
  symlinkSync('no-such-file.ts', at('stages/dangling.ts'));
  symlinkSync('package.json', at('README.md'));
  symlinkSync('../../package.json', at('docs/guide/98-package.md'));
  symlinkSync('96-loop.md', at('docs/guide/96-loop.md'));
  mkdirSync(at('docs/guide/97-folder.md'));
  symlinkSync('../package.json', at('docs/performance.md'));
  symlinkSync('../../.git/config', at('docs/api/config.html'));
  symlinkSync('../../package.json', at('bench/results/package.json'));
  symlinkSync('no-such-chart.svg', at('bench/results/dangling.svg'));
  // a FIFO is neither a file nor a folder: reading one would block the whole server
  if (spawnSync('mkfifo', [at('bench/results/fifo.svg')]).status === 0) PLANTED_TARGETS.push('/bench/fifo.svg');
  return root;
}

/** Targets that reach a planted link, a loop or a folder: each is 404, and shows nothing of what it points at. */
const PLANTED_TARGETS = [
  '/files/stages/package.json',
  '/files/stages/git-config',
  '/files/stages/up/package.json',
  '/files/stages/up/.git/config',
  '/files/stages/dangling.ts',
  '/files/README.md',
  '/docs/98-package.html',
  '/docs/96-loop.html',
  '/docs/97-folder.html',
  '/docs/performance.html',
  '/api/config.html',
  '/bench/package.json',
  '/bench/dangling.svg',
];

const PLANTED = plantedTree();
afterAll(() => rmSync(PLANTED, { recursive: true, force: true }));

describeStages(
  'docs app symbolic links: each route serves only its own folder',
  ({ server, spec }) => {
    spec('request-line', 'the app serves the temporary copy (a planted file, a chart, the guide)', async () => {
      const file = await one(server().port, get('/files/stages/planted.txt'));
      expect(file.status).toBe(200);
      expect(file.body.toString()).toBe('served from the temporary copy\n');
      expect((await one(server().port, get('/bench/planted.svg'))).status).toBe(200);
      expect((await one(server().port, get('/docs/01-request-line.html'))).status).toBe(200);
    });

    for (const target of PLANTED_TARGETS) {
      spec('request-line', `a link out of its folder, dangling or looping, or a folder, is 404: ${target}`, async () => {
        const r = await one(server().port, get(target));
        expect(r.status).toBe(404);
        expect(r.body.toString()).not.toContain('"devDependencies"');
        expect(r.body.toString()).not.toContain(SECRET);
      });
    }

    spec('request-line', 'the listings still answer 200 and list no link that leaves, dangles or loops', async () => {
      for (const target of ['/docs/', '/bench/', '/files/stages/', '/files/']) {
        const r = await one(server().port, get(target));
        expect(r.status, target).toBe(200);
        const html = r.body.toString();
        for (const planted of ['package.json', 'git-config', 'dangling', 'fifo', 'up/', '98-package', '96-loop', '97-folder', 'README.md']) {
          expect(html, `${target} lists ${planted}`).not.toContain(`${planted}"`);
        }
        expect(html).not.toContain(SECRET);
      }
    });
  },
  { env: { NIBIRU_DOCS_ROOT: PLANTED } },
);
