/**
 * Every page the docs site renders is clean: what a reader sees holds no HTML comment, no
 * escaped markup, and no generated-figure marker.
 *
 * Strategy: two crawls. The docs app (`app`, called as `site.test.ts` calls it) is crawled
 * from `/docs/`, `/bench/`, `/files/` and `/playground/`, following every link that stays on
 * those mounts; each HTML page it answers (a 404 page too) is checked. The TypeDoc site is
 * built by the test into a temporary folder, with `typedoc.json` as `npm run docs` builds it
 * (15 s on an idle machine, 30 s on a busy one), and each of its HTML files is checked.
 *
 * A check drops `<script>` and `<style>`, then looks, outside `<pre>` and `<code>` (where a
 * source file may rightly show `<!--`), for a raw comment, and in the text a reader sees for
 * `<!--`, `-->` or an escaped tag; a `figures:` or `generated:` marker is a fault even in
 * inline code, where a figure in backticks shows its text only (a code span that holds one
 * marker and nothing else shows the syntax, rightly).
 *
 * What it will not do: judge layout, or serve `/api/` from `docs/api/` (a local build there
 * may be stale; the fresh one is checked instead).
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { callApp, environ, header } from './in-process.ts';
import { hideComments, renderMarkdown } from './markdown.ts';
import { REPO_ROOT } from './site.ts';

/** The mounts the crawl follows; `/api/` is checked from a fresh build instead. */
const CRAWLED = ['/docs/', '/bench/', '/files/', '/playground/'];
/** Served under `/files/` but not the app's rendering: a local TypeDoc build, local bench runs. */
const NOT_CRAWLED = ['/files/docs/api/', '/files/bench/results/local/'];

function get(pathInfo: string): { status: string; type: string; body: string } {
  const { status, headers, body } = callApp(environ(pathInfo));
  return { status, type: header(headers, 'content-type') ?? '', body };
}

function decode(text: string): string {
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ' };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return named[e.toLowerCase()] ?? whole;
  });
}

/** A few characters either side of `at` in `text`, on one line. */
const around = (text: string, at: number): string => JSON.stringify(text.slice(Math.max(0, at - 50), at + 70).replace(/\s+/g, ' '));

/** Element names a page may use: one shown as `<name` or `</name` is markup that was escaped. */
const ELEMENTS =
  'a|abbr|b|blockquote|body|br|code|dd|del|details|div|dl|dt|em|figcaption|figure|h[1-6]|head|hr|html|i|iframe|img|input|kbd|li|link|main|meta|nav|ol|p|pre|q|s|script|section|small|span|strong|style|sub|summary|sup|table|tbody|td|th|thead|tr|u|ul';

/** `what` once, with how many times `re` (global) matches `text` and where it first does. */
function fault(what: string, text: string, re: RegExp): string[] {
  const all = [...text.matchAll(re)];
  if (all.length === 0) return [];
  return [`${what}${all.length > 1 ? ` (${all.length} times)` : ''}: ${around(text, all[0]!.index)}`];
}

/** What is wrong with the page `html`, one line per kind of fault; none when it is clean. */
function faults(html: string): string[] {
  const page = html.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, '');
  const outside = page.replace(/<pre\b[^>]*>[\s\S]*?<\/pre>/gi, ' ').replace(/<code\b[^>]*>[\s\S]*?<\/code>/gi, ' ');
  const seen = decode(outside.replace(/<!--[\s\S]*?-->/g, ' ').replace(/<[^>]*>/g, ' '));
  // a code span that shows one marker and nothing else shows the syntax, rightly
  const inlineCode = [...page.replace(/<pre\b[^>]*>[\s\S]*?<\/pre>/gi, ' ').matchAll(/<code\b[^>]*>([\s\S]*?)<\/code>/gi)]
    .map((m) => decode(m[1]!.replace(/<[^>]*>/g, '')))
    .filter((code) => !/^\s*<!--(?:(?!-->)[\s\S])*-->\s*$/.test(code))
    .join('\n');
  return [
    ...fault('an HTML comment in the page', outside, /<!--/g),
    ...fault('a comment shown as text', seen, /<!--|-->/g),
    ...fault('an escaped tag shown as text', seen, new RegExp(`</?(?:${ELEMENTS})(?=[\\s>/])`, 'gi')),
    ...fault('a figures marker in inline code', inlineCode, /<!--\s*\/?(?:figures|generated)\b/g),
  ];
}

describe('faults (the check itself)', () => {
  it('passes a clean page, and code that shows a comment', () => {
    expect(faults('<h1>x</h1><p>a &lt; b, <code>&lt;!-- figures:x --&gt;</code></p><pre><code>&lt;/div&gt; &lt;!--</code></pre><script>"<!--"</script>')).toEqual([]);
  });
  it('finds a raw comment, an escaped comment or tag, and a marker in inline code', () => {
    expect(faults('<p>a</p><!-- figures:x -->1.2<!-- /figures -->')).toHaveLength(1);
    expect(faults('<p>&lt;!-- figures:x --&gt;1.2</p>')).toHaveLength(1);
    expect(faults('<p>&#60;/details&#62;</p>')).toHaveLength(1);
    expect(faults('<p><code>&lt;!-- figures:x --&gt;1.2&lt;!-- /figures --&gt;</code></p>')).toHaveLength(1);
  });
});

describe('the renderer hides the figures markers and keeps their figures', () => {
  const html = (md: string): string => renderMarkdown(md, 'docs/guide/README.md').html;
  it('inside a sentence', () => {
    expect(html('It took <!-- figures:x a -->9.54 µs<!-- /figures --> here.\n')).toBe('<p>It took 9.54 µs here.</p>\n');
  });
  it('at the start of a line, followed by text, inside a paragraph and a list item', () => {
    const figure = '<!-- figures:log 2024-08-06 -->182 of 200, 18 `resets`<!-- /figures -->';
    expect(html(`The run got\n${figure}.\nThen more.\n`)).toBe('<p>The run got\n182 of 200, 18 <code>resets</code>.\nThen more.</p>\n');
    // a line that is a figure and nothing else: the text between the markers stays
    expect(html(`The runs:\n${figure}\n`)).toBe('<p>The runs:\n182 of 200, 18 <code>resets</code></p>\n');
    expect(html(`- one\n  ${figure}\n- two\n`)).toBe('<ul>\n<li>one\n182 of 200, 18 <code>resets</code></li>\n<li>two</li>\n</ul>\n');
  });
  it('inside backticks: the figure, in code', () => {
    expect(html('Ran `<!-- figures:run x -->npm run bench<!-- /figures -->`.\n')).toBe('<p>Ran <code>npm run bench</code>.</p>\n');
  });
  it('on lines of their own around a table, and around a generated section', () => {
    expect(html('Table:\n<!-- figures:t -->\n| a |\n| - |\n| 1 |\n<!-- /figures -->\nAfter.\n')).toBe(
      '<p>Table:</p>\n<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody><tr>\n<td>1</td>\n</tr>\n</tbody></table>\n<p>After.</p>\n',
    );
    expect(hideComments('<!-- generated:specs -->\ntext\n<!-- /generated:specs -->\n')).toBe('\ntext\n\n');
  });
  it('but not in a code span that shows one marker alone: the syntax, not a figure', () => {
    expect(html('Between `<!-- figures:x -->` and `<!-- /figures -->`.\n')).toBe(
      '<p>Between <code>&lt;!-- figures:x --&gt;</code> and <code>&lt;!-- /figures --&gt;</code>.</p>\n',
    );
    expect(html('A `` ` `` and <!-- c --> `a <!-- c --> b`.\n')).toBe('<p>A <code>`</code> and  <code>a  b</code>.</p>\n');
  });
  it('nor in a fenced code block, which shows what it holds', () => {
    const md = 'Markers:\n\n```md\n<!-- figures:x -->1<!-- /figures -->\n```\n';
    expect(hideComments(md)).toBe(md);
    expect(html(md)).toContain('<code class="language-md">&lt;!-- figures:x --&gt;1&lt;!-- /figures --&gt;\n</code>');
  });
});

describe('every page the docs app renders', () => {
  it('shows no comment, escaped markup or figures marker', () => {
    // the playground, where it exists, is also linked from chapter 02
    const queue = ['/docs/', '/bench/', '/files/', '/playground/'];
    const seen = new Set<string>();
    const found: string[] = [];
    let pages = 0;
    while (queue.length > 0) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = get(decodeURI(url));
      if (!res.type.startsWith('text/html')) continue;
      pages += 1;
      for (const f of faults(res.body)) found.push(`${url}: ${f}`);
      for (const m of res.body.matchAll(/href="([^"#?]*)/g)) {
        const href = m[1]!.replace(/&#38;|&amp;/g, '&');
        if (href === '' || /^[a-z][a-z0-9+.-]*:/i.test(href)) continue;
        const target = new URL(href, `http://docs${url}`).pathname;
        if (CRAWLED.some((c) => target.startsWith(c) || target === c.slice(0, -1)) && !NOT_CRAWLED.some((n) => target.startsWith(n))) queue.push(target);
      }
    }
    expect(pages, 'pages crawled').toBeGreaterThan(30);
    expect(found).toEqual([]);
  });
});

describe('the TypeDoc site', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'nibiru-api-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('built as `npm run docs` builds it, shows no comment, escaped markup or figures marker', async () => {
    // the build `npm run docs` runs, into a folder of the test's own
    await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out, '--logLevel', 'Warn'], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const html = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? html(path.join(dir, d.name)) : d.name.endsWith('.html') ? [path.join(dir, d.name)] : []));
    const files = html(out);
    expect(files.map((f) => path.relative(out, f))).toContain(path.join('documents', 'docs_guide_01-request-line.html'));
    const found = files.flatMap((f) => faults(readFileSync(f, 'utf8')).map((p) => `${path.relative(out, f)}: ${p}`));
    expect(found).toEqual([]);
  });
});
