/**
 * `docs/log.md` retells the performance log's figures as tables; `bench/log-figures.ts` holds
 * the same figures for `npm run bench:log`. One claim, one number: this checks that each run
 * in the one appears, with the same requests/s, latencies and error counts, in the other.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOG_2024_08_06, LOG_2025_01_01, LOG_2026_01_01, LOG_2026_01_02, type LogRun } from '../bench/log-figures.ts';

const LOG = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'log.md'), 'utf8');

/** The table rows of the section that starts with `heading`, up to the next heading of its level or higher. */
function rows(heading: string): string[][] {
  const start = LOG.indexOf(`${heading}\n`);
  if (start === -1) throw new Error(`no section ${heading} in docs/log.md`);
  const level = /^#+/.exec(heading)![0].length;
  const rest = LOG.slice(start + heading.length);
  const end = rest.search(new RegExp(`\\n#{1,${level}} `));
  const section = end === -1 ? rest : rest.slice(0, end);
  return section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| --'))
    .map((l) => l.slice(2, -2).split(' | '));
}

const ms = (v: number | undefined): string => (v === undefined ? '—' : `${v.toFixed(1)} ms`);
const rps = (v: number): string => Math.round(v).toLocaleString('en-US');

function expectRun(heading: string, run: LogRun): void {
  const table = rows(heading);
  const header = table[0]!;
  const row = table.find((r) => r[header.indexOf('clients')] === String(run.connections) && r[header.indexOf('requests/s')] !== undefined && /\d/.test(r[header.indexOf('requests/s')]!) && header.includes('average'));
  expect(row, `${heading}: a row for ${run.connections} clients`).toBeDefined();
  expect(row![header.indexOf('requests/s')]).toBe(rps(run.rps));
  expect(row![header.indexOf('average')]).toBe(ms(run.averageMs));
  expect(row![header.indexOf('p50')]).toBe(ms(run.p50Ms));
  expect(row![header.indexOf('p99')]).toBe(ms(run.p99Ms));
  expect(row![header.indexOf('errors')]).toBe(String(run.errors));
}

describe('docs/log.md agrees with bench/log-figures.ts', () => {
  it('2024-08-06: backlog 32', () => {
    const [header, row] = rows('## 2024-08-06') as [string[], string[]];
    const run = LOG_2024_08_06.backlog32;
    expect(row[header.indexOf('requests/s')]).toBe(rps(run.rps));
    expect(row[header.indexOf('average')]).toBe(ms(run.averageMs));
    expect(row[header.indexOf('p99')]).toBe(ms(run.p99Ms));
    expect(row[header.indexOf('200 responses')]).toBe(String(run.ok));
    expect(row[header.indexOf('errors')]).toBe(String(run.errors));
  });
  it('2024-08-06: the errors by kind, which add up to the missing responses', () => {
    const run = LOG_2024_08_06.backlog32;
    const count = (n: number): string => (n === 1 ? 'one' : String(n));
    const said = LOG.replace(/\s+/g, ' ');
    expect(said).toContain(
      `${run.errors} of the ${run.requests} requests failed: ${count(run.resetLines)} with \`connection reset by peer\` and ${count(run.brokenPipeLines)} with \`broken pipe\``,
    );
    expect(run.resetLines + run.brokenPipeLines).toBe(run.errors);
    expect(run.ok + run.errors).toBe(run.requests);
    const [header, , backlog128] = rows('## 2024-08-06') as [string[], string[], string[]];
    expect(backlog128[header.indexOf('backlog')]).toBe('128');
    expect(backlog128[header.indexOf('errors')]).toBe(String(LOG_2024_08_06.backlog128.errors));
  });
  it.each(LOG_2025_01_01.map((r) => [r.connections, r] as const))('2025-01-01: %i clients', (_c, run) => expectRun('## 2025-01-01', run));
  it.each(LOG_2026_01_01.map((r) => [r.connections, r] as const))('2026-01-01: %i clients', (_c, run) => expectRun('## 2026-01-01', run));
  it.each(LOG_2026_01_02.map((r) => [r.connections, r] as const))('2026-01-02: %i clients', (_c, run) => expectRun('### The measurements', run));
  it('every link to the original log points at a commit', () => {
    const links = [...LOG.matchAll(/\]\((https:\/\/github\.com\/mblayman\/nibiru\/[^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThanOrEqual(6);
    for (const link of links) expect(link).toMatch(/\/blob\/[0-9a-f]{40}\/docs\/performance\.md/);
  });
});
