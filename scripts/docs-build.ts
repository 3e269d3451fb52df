/**
 * `npm run docs`: builds the API site into `docs/api/`, with the workshop guide as its pages.
 *
 * Strategy: three steps, stopping at the first failure.
 *
 * 1. Regenerate the guide chapters' generated sections (`scripts/guide-sections.ts`).
 * 2. Run TypeDoc with `typedoc.json`: one module per stage (`stages/NN-name/src/index.ts`),
 *    the docs app's modules, the guide as project documents, with the plugin that takes the
 *    guide's HTML comments out as the docs app does; a warning is an error
 *    (`treatWarningsAsErrors`), and every export must have a summary (`notDocumented`).
 * 3. TypeDoc copies the files the guide links to into `docs/api/media/`. Copies of test and
 *    spec files there would be picked up by vitest (`docs/**\/*.test.ts`), so they are renamed
 *    to `….txt`, and the pages that link to them are updated.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The HTML files under `dir`, recursively. */
function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? htmlFiles(p) : d.name.endsWith('.html') ? [p] : [];
  });
}

/**
 * Renames the test and spec files TypeDoc copied into `<out>/media/` to `….txt`, and
 * rewrites the links to them; returns the names it renamed.
 */
export function defuseMediaTests(out: string): string[] {
  const media = path.join(out, 'media');
  if (!existsSync(media)) return [];
  const names = readdirSync(media).filter((n) => /\.(test|spec)\.[cm]?[jt]s$/.test(n));
  for (const n of names) renameSync(path.join(media, n), path.join(media, `${n}.txt`));
  if (names.length === 0) return names;
  for (const file of htmlFiles(out)) {
    const before = readFileSync(file, 'utf8');
    let after = before;
    for (const n of names) after = after.split(`media/${n}"`).join(`media/${n}.txt"`);
    if (after !== before) writeFileSync(file, after);
  }
  return names;
}

function step(what: string, command: string, args: string[]): void {
  const r = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`docs: ${what} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status ?? 1);
  }
}

/** What `--help` prints. */
export const USAGE = `usage: npm run docs [-- <typedoc options>]
  Regenerates the guide chapters' generated sections, then builds the API site into
  docs/api/ with TypeDoc (a warning is an error). About a minute, several on a busy machine. Any other argument is
  passed to TypeDoc (e.g. -- --logLevel Verbose).
  --help   this text
`;

const main = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (main && (process.argv.includes('--help') || process.argv.includes('-h'))) {
  process.stdout.write(USAGE);
} else if (main) {
  step('regenerating the guide sections', process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'guide-sections.ts')]);
  // with tsx, for the plugin typedoc.json names (scripts/typedoc-comments.ts)
  step('TypeDoc', process.execPath, ['--import', 'tsx', path.join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), ...process.argv.slice(2)]);
  const out = path.join(ROOT, 'docs', 'api');
  defuseMediaTests(out);
  process.stdout.write(`docs: the API site is in docs/api/; serve it with \`npm run stage 04 -- docs.app:app\` and open http://127.0.0.1:8080/api/\n`);
}
