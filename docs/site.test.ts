import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { callApp, environ, header } from './in-process.ts';
import { escapeHtml, REFERENCE_PAGES, renderMarkdown, rewriteHref, routeFor, slugify } from './markdown.ts';
import { REPO_ROOT } from './site.ts';
import { contentType, notModified, PathRefused, resolveInside, safeSegments } from './static-files.ts';

const call = callApp;

describe('safeSegments', () => {
  it.each(['/..', '/a/../b', '/./a', '/a/..', '..'])('refuses the dot segment in %j with 400', (p) => {
    expect(() => safeSegments(p)).toThrow(expect.objectContaining({ status: 400, code: 'DOCS_PATH_TRAVERSAL' }));
  });
  it.each(['/a\\..\\b', '/\\etc', '/a\0b', '/a\nb'])('refuses the bad byte in %j with 400', (p) => {
    expect(() => safeSegments(p)).toThrow(expect.objectContaining({ status: 400, code: 'DOCS_PATH_BAD_BYTE' }));
  });
  it('refuses hidden names with 404', () => {
    expect(() => safeSegments('/.git/config')).toThrow(PathRefused);
    expect(() => safeSegments('/.env')).toThrow(expect.objectContaining({ status: 404 }));
  });
  it('keeps ordinary names, drops empty segments, and does not decode again', () => {
    expect(safeSegments('/a//b/c.txt/')).toEqual(['a', 'b', 'c.txt']);
    expect(safeSegments('/%2e%2e/x')).toEqual(['%2e%2e', 'x']);
    expect(safeSegments('/a..b')).toEqual(['a..b']);
  });
});

describe('resolveInside', () => {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'nibiru-docs-')));
  const root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  mkdirSync(path.join(dir, 'sibling'));
  writeFileSync(path.join(root, 'in.txt'), 'in');
  writeFileSync(path.join(root, '.hidden.txt'), 'hidden');
  writeFileSync(path.join(dir, 'secret.txt'), 'secret');
  writeFileSync(path.join(dir, 'sibling', 'other.txt'), 'other');
  symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'escape.txt'));
  symlinkSync('../sibling', path.join(root, 'to-sibling'));
  symlinkSync('in.txt', path.join(root, 'alias.txt'));
  symlinkSync('.hidden.txt', path.join(root, 'shown.txt'));
  symlinkSync('nowhere.txt', path.join(root, 'dangling.txt'));
  symlinkSync('loop.txt', path.join(root, 'loop.txt'));
  const hasFifo = spawnSync('mkfifo', [path.join(root, 'fifo')]).status === 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a file inside the root, and a folder, with their real paths', () => {
    expect(resolveInside(root, ['in.txt'])).toEqual({ path: path.join(root, 'in.txt'), kind: 'file', segments: ['in.txt'] });
    expect(resolveInside(root, ['sub'])).toEqual({ path: path.join(root, 'sub'), kind: 'directory', segments: ['sub'] });
    expect(resolveInside(root, [])).toEqual({ path: root, kind: 'directory', segments: [] });
  });
  it('follows a link that stays inside the root, and answers its target', () => {
    expect(resolveInside(root, ['alias.txt'])).toEqual({ path: path.join(root, 'in.txt'), kind: 'file', segments: ['in.txt'] });
  });
  it('refuses links that leave the root (to a file or a folder beside it), dangle, loop, or reach a hidden name', () => {
    expect(resolveInside(root, ['to-sibling', 'other.txt'])).toBeUndefined();
    expect(resolveInside(root, ['to-sibling'])).toBeUndefined();
    expect(resolveInside(root, ['dangling.txt'])).toBeUndefined();
    expect(resolveInside(root, ['loop.txt'])).toBeUndefined();
    expect(resolveInside(root, ['shown.txt'])).toBeUndefined();
    expect(resolveInside(path.join(dir, 'no-such-root'), ['in.txt'])).toBeUndefined();
  });
  it.skipIf(!hasFifo)('refuses what is neither a file nor a folder (a FIFO, which a read would block on)', () => {
    expect(resolveInside(root, ['fifo'])).toBeUndefined();
  });
  it('refuses a path that resolves outside, even when handed unchecked segments', () => {
    expect(resolveInside(root, ['..', 'secret.txt'])).toBeUndefined();
    expect(resolveInside(root, [path.join(dir, 'secret.txt')])).toBeUndefined();
  });
  it('refuses a symbolic link that points outside the root', () => {
    expect(resolveInside(root, ['escape.txt'])).toBeUndefined();
  });
  it('answers undefined for a missing file', () => {
    expect(resolveInside(root, ['nope'])).toBeUndefined();
  });
});

describe('contentType', () => {
  it.each([
    ['a.html', 'text/html; charset=utf-8'],
    ['chart.svg', 'image/svg+xml'],
    ['x.css', 'text/css; charset=utf-8'],
    ['x.js', 'text/javascript; charset=utf-8'],
    ['x.json', 'application/json'],
    ['x.PNG', 'image/png'],
    ['x.bin', 'application/octet-stream'],
  ])('%s is %s', (file, type) => expect(contentType(file)).toBe(type));
});

describe('notModified', () => {
  const lm = new Date('2026-01-02T03:04:05.678Z');
  it('matches If-None-Match weakly, in lists, and *', () => {
    expect(notModified(environ('/', { HTTP_IF_NONE_MATCH: '"abc"' }), '"abc"', lm)).toBe(true);
    expect(notModified(environ('/', { HTTP_IF_NONE_MATCH: 'W/"abc"' }), '"abc"', lm)).toBe(true);
    expect(notModified(environ('/', { HTTP_IF_NONE_MATCH: '"x", "abc"' }), '"abc"', lm)).toBe(true);
    expect(notModified(environ('/', { HTTP_IF_NONE_MATCH: '*' }), '"abc"', lm)).toBe(true);
    expect(notModified(environ('/', { HTTP_IF_NONE_MATCH: '"abcd"' }), '"abc"', lm)).toBe(false);
  });
  it('compares If-Modified-Since to the second, and ignores invalid dates', () => {
    expect(notModified(environ('/', { HTTP_IF_MODIFIED_SINCE: lm.toUTCString() }), '"a"', lm)).toBe(true);
    expect(notModified(environ('/', { HTTP_IF_MODIFIED_SINCE: new Date(lm.getTime() - 1000).toUTCString() }), '"a"', lm)).toBe(false);
    expect(notModified(environ('/', { HTTP_IF_MODIFIED_SINCE: 'soon' }), '"a"', lm)).toBe(false);
  });
  it('lets If-None-Match win over If-Modified-Since, and only for GET and HEAD', () => {
    expect(notModified(environ('/', { HTTP_IF_NONE_MATCH: '"x"', HTTP_IF_MODIFIED_SINCE: lm.toUTCString() }), '"a"', lm)).toBe(false);
    expect(notModified(environ('/', { HTTP_IF_NONE_MATCH: '"a"' }, 'POST'), '"a"', lm)).toBe(false);
  });
});

describe('markdown', () => {
  it('routes repository files to the site', () => {
    expect(routeFor('docs/guide/README.md')).toBe('/docs/');
    expect(routeFor('docs/guide/02-full-parser.md')).toBe('/docs/02-full-parser.html');
    expect(routeFor('docs/wsgi.md')).toBe('/docs/wsgi.html');
    expect(routeFor('docs/api/index.html')).toBe('/api/index.html');
    expect(routeFor('bench/results/a.svg')).toBe('/bench/a.svg');
    expect(routeFor('stages/01-request-line/src/app.ts')).toBe('/files/stages/01-request-line/src/app.ts');
  });
  it('rewrites relative links, keeps fragments, leaves absolute ones alone', () => {
    expect(rewriteHref('02-full-parser.md#run-it', 'docs/guide/01-request-line.md')).toBe('/docs/02-full-parser.html#run-it');
    expect(rewriteHref('../../spec/README.md', 'docs/guide/README.md')).toBe('/files/spec/README.md');
    expect(rewriteHref('https://example.com/a.md', 'docs/guide/README.md')).toBe('https://example.com/a.md');
    expect(rewriteHref('#x', 'docs/guide/README.md')).toBe('#x');
    expect(rewriteHref('../../../etc/passwd', 'docs/guide/README.md')).toBe('../../../etc/passwd');
  });
  it('escapes raw HTML, drops comments, and gives headings ids', () => {
    const page = renderMarkdown('# Hello `x`\n\n<script>alert(1)</script>\n\n<!-- gen -->\n\n## Run it\n\n## Run it\n', 'docs/guide/README.md');
    expect(page.title).toBe('Hello x');
    expect(page.html).not.toContain('<script>');
    expect(page.html).toContain(escapeHtml('<script>'));
    expect(page.html).not.toContain('gen');
    expect(page.html).toContain('<h2 id="run-it">');
    expect(page.html).toContain('<h2 id="run-it-1">');
    expect(slugify('§9.6: Lingering close!')).toBe('96-lingering-close');
    const hint = renderMarkdown('<details><summary>Hint</summary>\n\nText.\n\n</details>\n\n<details open onclick="x()">\n', 'docs/guide/README.md');
    expect(hint.html).toContain('<details><summary>Hint</summary>');
    expect(hint.html).toContain('</details>');
    expect(hint.html).not.toContain('<details open');
  });
});

describe('the docs app', () => {
  it('still answers / with the tiny body the benchmarks measure', () => {
    expect(call(environ('/'))).toMatchObject({ status: '200 OK', body: 'Nibiru Docs' });
  });
  it('serves the guide index with validators, and a 304 when they match', () => {
    const first = call(environ('/docs/'));
    expect(first.status).toBe('200 OK');
    const etag = header(first.headers, 'etag')!;
    const again = call(environ('/docs/', { HTTP_IF_NONE_MATCH: etag }));
    expect(again.status).toBe('304 Not Modified');
    expect(again.body).toBe('');
    expect(header(again.headers, 'etag')).toBe(etag);
  });
  it('lists the source folders at /files/, and serves a stage folder listing', () => {
    const root = call(environ('/files/'));
    expect(root.status).toBe('200 OK');
    expect(root.body).toContain('href="/files/stages/"');
    const stage = call(environ('/files/stages/01-request-line/src/'));
    expect(stage.body).toContain('href="main.ts"');
  });
  it('lists the reference charts the documents cite at /bench/, and serves them', () => {
    const page = call(environ('/bench/'));
    expect(page.status).toBe('200 OK');
    expect(page.body).toContain('<h2>Reference runs</h2>');
    expect(page.body).toContain('<h2>Your runs</h2>');
    expect(page.body).toContain('src="/bench/reference/compare.svg"');
    expect(call(environ('/bench/reference/compare.svg')).status).toBe('200 OK');
  });
  it('refuses traversal on every mount', () => {
    for (const p of ['/docs/../package.json', '/files/stages/../package.json', '/api/../../package.json', '/bench/../../package.json']) {
      expect(call(environ(p)).status).toMatch(/^40[04] /);
    }
  });
  it('every link of the guide leads somewhere (but a reference page not written yet, or /api/ not built yet)', () => {
    const pending = REFERENCE_PAGES.filter((n) => !existsSync(path.join(REPO_ROOT, 'docs', `${n}.md`))).map((n) => `/docs/${n}.html`);
    // the API site exists once `npm run docs` has run; until then /api/ is a helpful 404
    if (!existsSync(path.join(REPO_ROOT, 'docs', 'api', 'index.html'))) pending.push('/api/');
    const seen = new Set<string>();
    const queue = ['/docs/'];
    const broken: string[] = [];
    while (queue.length > 0) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = call(environ(decodeURI(url)));
      if (!res.status.startsWith('200') && !res.status.startsWith('301')) {
        if (!pending.includes(url)) broken.push(`${res.status} ${url}`);
        continue;
      }
      if (!url.startsWith('/docs/') || !header(res.headers, 'content-type')?.startsWith('text/html')) continue;
      for (const m of res.body.matchAll(/href="(\/[^"#]*)/g)) queue.push(m[1]!.replace(/&#38;/g, '&'));
    }
    expect(seen.size).toBeGreaterThan(10);
    expect(broken).toEqual([]);
  });
});
