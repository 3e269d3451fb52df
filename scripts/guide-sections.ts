/**
 * Regenerates the parts of the guide chapters that other files already say: the lesson diff
 * summary and the specs a stage newly passes. `npm run docs` runs it before TypeDoc;
 * `--check` only reports chapters that are out of date (exit 1).
 *
 * Strategy: a chapter `docs/guide/NN-name.md` holds marked regions,
 *
 * ```md
 * <!-- generated:diff -->
 * …replaced…
 * <!-- /generated:diff -->
 * ```
 *
 * and this script replaces what is between the markers: `diff` with the table
 * `npm run diff -- <previous> NN --markdown` prints, `specs` with the spec titles whose
 * feature the stage is the first to be expected to pass (from `spec/stages.ts`'s
 * `EXPECTED` and the `spec('feature', 'title', …)` calls in `spec/*.spec.ts`). Everything
 * outside the markers is the author's. A chapter whose stage does not exist yet is left alone.
 */

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listStages } from '../bin/stage.ts';
import { EXPECTED, type Feature } from '../spec/stages.ts';
import { summarize, summaryMarkdown } from './diff-stages.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One spec test, as found in a spec file. */
export interface SpecTitle {
  /** The spec file, relative to the repository root. */
  readonly file: string;
  /** The title its `describeStages` gives, e.g. `RFC 9112 §3 request-line`. */
  readonly suite: string;
  /** The feature the test needs. */
  readonly feature: Feature;
  /** The test's title (`${…}` parts shown as `…`). */
  readonly title: string;
}

/** Every `spec('feature', 'title', …)` call in the spec files under `specDir`. */
export function specTitles(specDir: string = path.join(ROOT, 'spec')): SpecTitle[] {
  const out: SpecTitle[] = [];
  for (const name of readdirSync(specDir).filter((n) => n.endsWith('.spec.ts')).sort()) {
    const text = readFileSync(path.join(specDir, name), 'utf8');
    const clean = (title: string): string => title.replace(/\$\{[^}]*\}/g, '…').replace(/\\(.)/g, '$1');
    const suite = /describe(?:Stages)?\(\s*(['"`])((?:\\.|(?!\1).)*)\1/.exec(text)?.[2]?.replace(/\s*\[\$\{[^}]*\}\]$/, '') ?? name;
    for (const m of text.matchAll(/\bspec\(\s*'([\w-]+)'\s*,\s*(['"`])((?:\\.|(?!\2).)*)\2/g)) {
      out.push({ file: `spec/${name}`, suite, feature: m[1] as Feature, title: clean(m[3]!) });
    }
    // files that gate plain tests on one feature: `const test = expects(name, 'balancing') ? it : it.skip`
    const gate = /\bexpects\(\s*name\s*,\s*'([\w-]+)'\s*\)/.exec(text);
    if (gate) {
      for (const m of text.matchAll(/\btest\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)) {
        out.push({ file: `spec/${name}`, suite, feature: gate[1] as Feature, title: clean(m[2]!) });
      }
    }
  }
  return out;
}

/** The features `stage` is the first stage expected to pass. */
export function newFeatures(stage: string, previous: string | undefined): Feature[] {
  const before = new Set(previous ? EXPECTED[previous] ?? [] : []);
  return (EXPECTED[stage] ?? []).filter((f) => !before.has(f));
}

/** The markdown of the `specs` region for `stage`. */
export function specsSection(stage: string, previous: string | undefined, titles: readonly SpecTitle[] = specTitles()): string {
  const features = newFeatures(stage, previous);
  const mine = titles.filter((t) => features.includes(t.feature));
  const nn = stage.slice(0, 2);
  const lines = [
    features.length
      ? `Features this stage is the first to be expected to pass (\`spec/stages.ts\`): ${features.map((f) => `\`${f}\``).join(', ')}. ` +
        `These ${mine.length} specs (a \`…\` in a title stands for a loop over several cases) are the ones ` +
        `${previous ? `stage ${previous.slice(0, 2)} skips and ` : ''}this stage passes:`
      : 'This stage is expected to pass no spec feature that the stage before it did not already pass: its lesson is measured, not specified (see the benchmarks).',
  ];
  const files = [...new Set(mine.map((t) => t.file))];
  for (const file of files) {
    const inFile = mine.filter((t) => t.file === file);
    lines.push('', `**${inFile[0]!.suite}** ([\`${file}\`](../../${file})): ${inFile.length} spec${inFile.length === 1 ? '' : 's'}`, '');
    lines.push('<details><summary>the titles</summary>', '');
    for (const t of inFile) lines.push(`- ${t.title.replace(/([*_[\]<>|])/g, '\\$1')} *(${t.feature})*`);
    lines.push('', '</details>');
  }
  lines.push('', `Run them: \`NIBIRU_STAGES=${nn} npx vitest run spec\`.`);
  return lines.join('\n');
}

/** The markdown of the `diff` region: the summary table of `src/` from `previous` to `stage`. */
export function diffSection(stage: string, previous: string): string {
  const dir = (s: string): string => path.join(ROOT, 'stages', s);
  const src = summarize(dir(previous), dir(stage), ['src']);
  const tests = summarize(dir(previous), dir(stage), ['test']);
  const testLine = tests.rows.length
    ? `Tests: ${tests.rows.map((r) => `\`${r.file}\` ${r.status} (+${r.added} −${r.removed})`).join(', ')}.`
    : 'Tests: unchanged.';
  return [
    `\`npm run diff -- ${previous.slice(0, 2)} ${stage.slice(0, 2)} --stat\` summarizes the lesson (\`src/\` only); drop \`--stat\` for the full unified diff, add \`--all\` for the tests too.`,
    '',
    summaryMarkdown(src.rows, src.same),
    '',
    testLine,
  ].join('\n');
}

/** Replaces the region `name` of `text` with `body`; text without that region is unchanged. */
export function replaceRegion(text: string, name: string, body: string): string {
  const re = new RegExp(`(<!-- generated:${name} -->)[\\s\\S]*?(<!-- /generated:${name} -->)`);
  return text.replace(re, (_m, open: string, close: string) => `${open}\n${body}\n${close}`);
}

function run(check: boolean): number {
  const stages = listStages();
  const guideDir = path.join(ROOT, 'docs', 'guide');
  if (!existsSync(guideDir)) return 0;
  const titles = specTitles();
  const stale: string[] = [];
  for (const name of readdirSync(guideDir).filter((n) => /^\d\d-.*\.md$/.test(n)).sort()) {
    const at = stages.findIndex((s) => s.startsWith(name.slice(0, 2)));
    if (at === -1) continue;
    const stage = stages[at]!;
    const previous = at > 0 ? stages[at - 1] : undefined;
    const file = path.join(guideDir, name);
    const before = readFileSync(file, 'utf8');
    let after = replaceRegion(before, 'specs', specsSection(stage, previous, titles));
    if (previous) after = replaceRegion(after, 'diff', diffSection(stage, previous));
    if (after === before) continue;
    stale.push(`docs/guide/${name}`);
    if (!check) writeFileSync(file, after);
  }
  if (stale.length) process.stdout.write(`${check ? 'out of date' : 'regenerated'}: ${stale.join(', ')}\n`);
  return check && stale.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = run(process.argv.includes('--check'));
}
