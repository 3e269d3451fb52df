/**
 * `npm run figures`: the documents' generated figures against the reference runs (the check
 * `npm test` makes on the real documents), and the marker rules on made-up data, so that a
 * document that disagrees with its data is caught.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AbResults } from './ab.ts';
import type { CompareResults, CompareRow, RoundFigures } from './compare.ts';
import type { ProfileResults } from './profile.ts';
import { direction, DOCUMENTS, fill, FigureError, GENERATORS, noiseVerdict, ratioText, referenceFrom, run, verdict, type Reference } from './figures.ts';
import { spreadOf } from './stats.ts';

describe('the documents and the reference runs', () => {
  it('every generated figure in the documents matches bench/results/reference/ (npm run figures -- --check)', () => {
    const { findings } = run(true);
    expect(findings.map((f) => `${f.file}: <!-- figures:${f.marker} -->: ${f.problem}`)).toEqual([]);
  });
  it('leaves the changelog alone: its past entries hold plain text, no markers', () => {
    expect(DOCUMENTS).not.toContain('CHANGELOG.md');
    expect(readFileSync(new URL('../CHANGELOG.md', import.meta.url), 'utf8')).not.toContain('<!-- figures:');
  });
});

const roundsOf = (...rps: number[]): RoundFigures[] => rps.map((x) => ({ rps: x, responses: x, totalS: 1, p50Ms: 1, p99Ms: 2, errors: 0, perServerCpuS: 2 * x, verdicts: [] }));

function rowOf(target: string, c: number, rounds: RoundFigures[], serverArgs: string[] = []): CompareRow {
  return { target, serverArgs, connections: c, rounds, rps: spreadOf(rounds.map((r) => r.rps)), p50Ms: 1, p99Ms: 2, errors: 0 };
}

/** A made-up comparison: stage 04 faster than node:cluster in every round at -c 50, not at -c 100. */
const COMPARE = {
  kind: 'nibiru-ts bench:compare',
  run: { command: 'npm run bench:compare -- --preset workers', date: '2026-12-02T05:00:00.000Z', commit: 'abc1234', machine: { cores: 2, loadAverage: [0.5, 0.4, 0.3] } },
  date: '2026-12-02T05:00:00.000Z',
  tool: 'autocannon',
  threads: 2,
  close: false,
  quick: false,
  durationS: 5,
  roundCount: 3,
  workers: 2,
  concurrencies: [50, 100],
  targets: ['04-shared-socket', 'node:cluster'],
  notes: [],
  rows: [
    rowOf('04-shared-socket', 50, roundsOf(150, 140, 160), ['--workers', '2']),
    rowOf('04-shared-socket', 100, roundsOf(90, 120, 100), ['--workers', '2']),
    rowOf('node:cluster', 50, roundsOf(100, 100, 100), ['--workers', '2']),
    rowOf('node:cluster', 100, roundsOf(100, 100, 100), ['--workers', '2']),
  ],
} as unknown as CompareResults;

const REF: Reference = {
  compare: (name) => {
    if (name !== 'workers' && name !== 'compare') throw new FigureError(`bench/results/reference/${name}.json is missing`);
    return COMPARE;
  },
  log: () => {
    throw new FigureError('no log runs here');
  },
  ab: () => ({ ratio: spreadOf([1.1, 1.2, 1.3]), ratioPerCpuS: spreadOf([1.4]) }) as unknown as AbResults,
  profile: () => {
    throw new FigureError('no profiles here');
  },
  memory: () => {
    throw new FigureError('no memory runs here');
  },
};

describe('profile-ab', () => {
  const side = (name: string, total: number, kernel: number): unknown => ({ name, totalUs: total, us: { kernel } });
  const profiled: Reference = { ...REF, profile: () => ({ at: { a: 'x', b: 'y' }, targets: [side('A-x', 10, 6), side('B-y', 8, 6)] }) as unknown as ProfileResults };

  it('gives B / A of user space by default, or of all CPU, with both figures', () => {
    expect(fill('<!-- figures:profile-ab p -->?<!-- /figures -->', profiled).text).toBe('<!-- figures:profile-ab p -->0.50× (4.00 → 2.00 µs)<!-- /figures -->');
    expect(fill('<!-- figures:profile-ab p all -->?<!-- /figures -->', profiled).text).toBe('<!-- figures:profile-ab p all -->0.80× (10.00 → 8.00 µs)<!-- /figures -->');
  });

  it('refuses a profile of several targets', () => {
    const several: Reference = { ...REF, profile: () => ({ targets: [side('05', 10, 6), side('node:http', 8, 6)] }) as unknown as ProfileResults };
    expect(fill('<!-- figures:profile-ab p -->?<!-- /figures -->', several).findings[0]!.problem).toMatch(/not a profile of one stage at two commits/);
  });
});

describe('markers', () => {
  it('fill a marker inside a sentence with a few words, and one on its own line with a block', () => {
    const doc = 'Stage 04 is <!-- figures:ratio workers 04 node:cluster 50 -->?<!-- /figures --> times node:cluster.\n\n<!-- figures:ratios workers 04 node:cluster -->\nold\n<!-- /figures -->\n';
    const { text, findings } = fill(doc, REF, 'doc.md');
    expect(text).toContain('Stage 04 is <!-- figures:ratio workers 04 node:cluster 50 -->1.50 (1.40–1.60)<!-- /figures --> times');
    expect(text).toMatch(/<!-- figures:ratios workers 04 node:cluster -->\n\| +-c \|/);
    expect(text).toMatch(/on 2 cores\. The generator's CPU was not measured\.\n<!-- \/figures -->\n$/); // the block ends with its note
    expect(fill('<!-- figures:ratios workers 04 node:cluster bare -->\n<!-- /figures -->', REF).text).toMatch(/\|\n\n<!-- \/figures -->$/); // a table ends before the closing marker
    expect(findings.map((f) => f.problem)).toEqual(['differs from the data', 'differs from the data']);
    // filled once, the document agrees with its data
    expect(fill(text, REF, 'doc.md').findings).toEqual([]);
  });
  it('report a figure typed over by hand, a marker that names no generator, and missing data', () => {
    const filled = fill('x <!-- figures:ab-ratio any -->?<!-- /figures -->', REF).text;
    expect(filled).toContain('-->1.20 (1.10–1.30)<!--');
    const edited = filled.replace('1.20 (1.10–1.30)', '1.25');
    expect(fill(edited, REF).findings.map((f) => f.problem)).toEqual(['differs from the data']);
    expect(fill('<!-- figures:nonsense -->x<!-- /figures -->', REF).findings[0]!.problem).toMatch(/^no generator 'nonsense'/);
    expect(fill('<!-- figures:ratio nowhere 04 node:cluster 50 -->x<!-- /figures -->', REF).findings[0]!.problem).toMatch(/nowhere\.json is missing/);
    expect(fill('<!-- figures:ratio workers 09 node:cluster 50 -->x<!-- /figures -->', REF).findings[0]!.problem).toMatch(/no target '09'/);
    expect(fill('<!-- figures:ratio workers -->x<!-- /figures -->', REF).findings[0]!.problem).toMatch(/^expected ratio/);
  });
  it('leave everything outside the markers alone', () => {
    const doc = 'Prose with 41,000 req/s typed in.\n';
    expect(fill(doc, REF)).toEqual({ text: doc, findings: [] });
  });
});

describe('verdicts are generated from the rounds, never typed', () => {
  it('call a claim reproduced only when every round agrees', () => {
    expect(direction([1.2, 1.1, 1.05])).toBe('up');
    expect(direction([0.9, 0.95])).toBe('down');
    expect(direction([1.2, 0.9])).toBe('mixed');
    expect(direction([])).toBe('mixed');
    // the log said "faster" (+9 %)
    expect(verdict([1.2, 1.1], 1.09)).toBe('reproduced: faster in all 2 rounds');
    expect(verdict([0.9, 0.8, 0.7], 1.09)).toBe('not reproduced: slower in all 3 rounds');
    expect(verdict([1.2, 0.9, 1.1], 1.09)).toBe('not reproduced: faster in 2 of 3 rounds, no consistent difference');
    // the log said "about the same" (+0.5 %)
    expect(verdict([1.2, 0.9, 1.1], 1.005)).toBe('reproduced: faster in 2 of 3 rounds, no consistent difference');
    expect(verdict([1.2, 1.1], 1.005)).toBe('not reproduced: faster in all 2 rounds');
  });
  it('say whether an A/B step clears the noise of the same command with A = B', () => {
    const noise = spreadOf([0.9, 1.0, 1.1]);
    expect(noiseVerdict(spreadOf([1.2, 1.3, 1.4]), noise)).toMatch(/^clears the noise in every round/);
    expect(noiseVerdict(spreadOf([1.0, 1.3, 1.4]), noise)).toMatch(/^pays, narrowly/);
    expect(noiseVerdict(spreadOf([1.0, 1.05, 1.4]), noise)).toMatch(/^is not shown to pay/);
    expect(noiseVerdict(spreadOf([0.8, 0.95, 1.4]), noise)).toMatch(/^does not pay/);
  });
  it('print a median with its range, or alone when the rounds agree to two decimals', () => {
    expect(ratioText(spreadOf([1, 2, 3]))).toBe('2.00 (1.00–3.00)');
    expect(ratioText(spreadOf([1.234]))).toBe('1.23');
    expect(ratioText(undefined)).toBe('—');
  });
  it("give the first request's range with the targets it covers, the same in the summary and in the sentence", () => {
    const ref = referenceFrom();
    const line = String(GENERATORS['first-request-line']!(ref, []));
    const range = /^(stages? [\d–]+) took ([\d.]+ ms to [\d.]+ ms) for the first request/.exec(line);
    expect(range, line).not.toBeNull();
    expect(String(GENERATORS['in-short']!(ref, []))).toContain(`${range![1]}: first request ${range![2]},`);
  });
  it('every generator is named in the registry the markers use', () => {
    expect(Object.keys(GENERATORS)).toEqual(expect.arrayContaining(['in-short', 'ratios', 'ratio', 'targets', 'generators', 'ab', 'log']));
  });
});
