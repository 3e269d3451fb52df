/**
 * `npm run figures [-- --check]`: every figure in the documents, from the reference runs.
 *
 * Strategy: a document marks each generated part, a table or a single figure in a sentence,
 *
 * ```md
 * <!-- figures:ratios compare 04 node:cluster -->
 * …replaced…
 * <!-- /figures -->
 * ```
 *
 * and this script replaces what is between the markers with what the named generator
 * ({@link GENERATORS}) makes of the reference runs in `bench/results/reference/` (and of the
 * log's own figures, `bench/log-figures.ts`). A marker on a line of its own holds a block; one
 * inside a sentence holds a few words. Everything outside the markers is the author's, so the
 * prose must not restate a figure: it says what the figure means, and a verdict that depends
 * on the data (faster, slower, within the noise) is generated too. `--check` writes nothing
 * and exits 1 when a document and its data disagree, when a marker names no generator, or
 * when a reference run is missing; `npm test` runs it (`bench/figures.test.ts`). The
 * changelog is not among the documents: a past entry keeps, as plain text, the figures it was
 * written with, and a new reference run never rewrites it.
 */

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AbResults } from './ab.ts';
import { BenchUsageError, command } from './cli-args.ts';
import type { CompareResults, CompareRow } from './compare.ts';
import type { FirstRequest, MixedLoadResult } from './experiments.ts';
import { LOG_2024_08_06, LOG_2025_01_01, LOG_2026_01_01, LOG_2026_01_02, LOG_FD_PASSING_FOR_2026_01_02, type LogRun } from './log-figures.ts';
import type { EntryReport, RunRecord } from './log.ts';
import { fmt, spreadText, table } from './markdown.ts';
import { memoryTable, type MemoryResults } from './memory.ts';
import { findTarget, profileNote, profileRatio, profileTable, userUs, type ProfileResults, type TargetProfile } from './profile.ts';
import { REFERENCE_DIR } from './results.ts';
import { median, roundRatios, spreadOf, type Spread } from './stats.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The documents that hold generated figures, relative to the repository root: the living ones, never the changelog. */
export const DOCUMENTS: readonly string[] = [
  'docs/performance.md',
  'README.md',
  ...readdirSync(path.join(ROOT, 'stages')).sort().map((stage) => `stages/${stage}/README.md`),
  ...readdirSync(path.join(ROOT, 'docs/guide')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/guide/${f}`),
];

/** A generator could not make its figures: a missing run, a marker that names nothing. */
export class FigureError extends Error {
  override readonly name = 'FigureError';
}

/** The reference runs, read on demand. */
export interface Reference {
  compare(name: string): CompareResults;
  log(entry: string): EntryReport;
  ab(name: string): AbResults;
  profile(name: string): ProfileResults;
  memory(name: string): MemoryResults;
}

/** Reads reference runs from `dir` (default `bench/results/reference/`), each file once. */
export function referenceFrom(dir: string = REFERENCE_DIR): Reference {
  const cache = new Map<string, unknown>();
  const read = <T>(file: string, kind: string): T => {
    if (!cache.has(file)) {
      const p = path.join(dir, file);
      if (!existsSync(p)) throw new FigureError(`${path.relative(ROOT, p)} is missing: run npm run bench:reference (or the one command that makes it)`);
      const data = JSON.parse(readFileSync(p, 'utf8')) as { kind?: string };
      if (kind !== 'log' && data.kind !== kind) throw new FigureError(`${file} is not a ${kind} results file`);
      cache.set(file, data);
    }
    return cache.get(file) as T;
  };
  return {
    compare: (name) => read<CompareResults>(`${name}.json`, 'nibiru-ts bench:compare'),
    log: (entry) => read<EntryReport>(`log-${entry}.json`, 'log'),
    ab: (name) => read<AbResults>(`${name}.json`, 'nibiru-ts bench:ab'),
    profile: (name) => read<ProfileResults>(`${name}.json`, 'nibiru-ts bench:profile'),
    memory: (name) => read<MemoryResults>(`${name}.json`, 'nibiru-ts bench:compare --memory'),
  };
}

// ---------------------------------------------------------------------------------------------
// Formatting

const n0 = (v: number): string => fmt(v, 0);
const ms = (v: number): string => (Number.isFinite(v) ? `${fmt(v, 2)} ms` : '—');
const pct = (ratio: number): string => `${ratio >= 1 ? '+' : '−'}${Math.abs(Math.round((ratio - 1) * 100))}%`;

/** `1.23 (0.98–1.40)`: a median with its range, to two decimals. */
export const ratioText = (s: Spread | undefined): string => spreadText(s, 2);
/** `12,345 (11,000–13,002)`: a median with its range, whole numbers. */
const countText = (s: Spread | undefined): string => spreadText(s, 0);

/** What a set of per-round ratios A / B says: `up` (A faster in every round), `down`, or `mixed`. */
export function direction(ratios: readonly number[]): 'up' | 'down' | 'mixed' {
  if (ratios.length > 0 && ratios.every((r) => r > 1)) return 'up';
  if (ratios.length > 0 && ratios.every((r) => r < 1)) return 'down';
  return 'mixed';
}

/**
 * A verdict on what the log claimed about A against B (its ratio A / B), from our per-round
 * ratios: the log's claim is "faster" or "slower" beyond 2 %, else "about the same"; ours is
 * a direction only when every round agrees.
 */
export function verdict(ratios: readonly number[], logRatio = 1.1): string {
  const d = direction(ratios);
  const n = ratios.length;
  const up = ratios.filter((r) => r > 1).length;
  const claim = logRatio > 1.02 ? 'up' : logRatio < 0.98 ? 'down' : 'same';
  const ours = d === 'up' ? `faster in all ${n} rounds` : d === 'down' ? `slower in all ${n} rounds` : `faster in ${up} of ${n} rounds, no consistent difference`;
  if (claim === 'same') return d === 'mixed' ? `reproduced: ${ours}` : `not reproduced: ${ours}`;
  return d === claim ? `reproduced: ${ours}` : `not reproduced: ${ours}`;
}

// ---------------------------------------------------------------------------------------------
// Finding things in the runs

/** The target of a comparison that `name` means: `02` finds `02-full-parser`. */
function target(r: CompareResults, name: string): string {
  const t = r.targets.find((x) => x === name || x.startsWith(`${name}-`));
  if (!t) throw new FigureError(`no target '${name}' in that comparison (it has ${r.targets.join(', ')})`);
  return t;
}

function row(r: CompareResults, name: string, c: number): CompareRow {
  const t = target(r, name);
  const found = r.rows.find((x) => x.target === t && x.connections === c);
  if (!found) throw new FigureError(`no row for ${t} at -c ${c}`);
  return found;
}

/** Per-round ratios A / B of requests/s (or of requests per server CPU-second) at `c` connections. */
export function ratios(r: CompareResults, a: string, b: string, c: number, per: 'rps' | 'cpu' = 'rps'): number[] {
  const pick = (x: CompareRow): number[] => x.rounds.map((y) => (per === 'rps' ? y.rps : (y.perServerCpuS ?? NaN)));
  return roundRatios(pick(row(r, a, c)), pick(row(r, b, c)));
}

/** The log's own ratio of entry `a` to entry `b` at `c` connections, e.g. 03 / 02 at 50. */
function logRatio(which: 'workers' | 'shared', c: number): number | undefined {
  if (which === 'workers') {
    const a = LOG_2026_01_01.find((x) => x.connections === c);
    const b = LOG_2025_01_01.find((x) => x.connections === c);
    return a && b ? a.rps / b.rps : undefined;
  }
  const a = LOG_2026_01_02.find((x) => x.connections === c);
  const b = LOG_FD_PASSING_FOR_2026_01_02[c];
  return a && b ? a.rps / b : undefined;
}

const byLabel = (runs: readonly RunRecord[], prefix: string): RunRecord[] => runs.filter((r) => r.label?.startsWith(prefix));
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** How a run was made, for the line under a table. */
function made(run: { readonly run: { command: string; date: string; commit: string; machine: { loadAverage: readonly number[]; cores: number } } }): string {
  const r = run.run;
  return `\`${r.command}\`, ${r.date.slice(0, 16).replace('T', ' ')} UTC, at ${r.commit}, load average ${r.machine.loadAverage[0]?.toFixed(2)} on ${r.machine.cores} cores`;
}

/** The load a comparison put on, in a few words. */
function loadWords(r: CompareResults): string {
  return `${r.tool} in ${r.threads} thread(s), ${r.durationS} s per run, ${r.roundCount} rounds${r.close ? ', a new connection per request' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// The generators

/** Makes the text between one pair of markers from the reference runs and the marker's arguments. */
export type Generator = (ref: Reference, args: readonly string[]) => string;

/** `make`, after a check that a marker gives the arguments `usage` names (`<file> <A>`; `[cpu]` is optional). */
function takes(usage: string, make: Generator): Generator {
  const count = usage.match(/<[^>]+>/g)?.length ?? 0;
  return (ref, args) => {
    if (args.length < count) throw new FigureError(`expected ${usage}`);
    return make(ref, args);
  };
}

/** The log's figures of 2024-08-06, 2025-01-01... as a sentence, for the guide and the stage READMEs. */
function logQuote(entry: string): string {
  const list = (runs: readonly LogRun[]): string => runs.map((r, i) => `${n0(r.rps)}${i === 0 ? ' requests/s' : ''} with ${r.connections}${i === 0 ? ` connection${r.connections > 1 ? 's' : ''}` : ''}${r.durationS !== undefined && r.durationS !== 30 ? ` (${r.durationS} s)` : ''}`).join(', ');
  switch (entry) {
    case '2024-08-06': {
      const b = LOG_2024_08_06.backlog32;
      return `${b.ok} of ${b.requests} responses, an error list of ${b.resetLines} \`connection reset by peer\` and ${b.brokenPipeLines} \`broken pipe\`, ${n0(b.rps)} requests/s`;
    }
    case '2024-08-06-first-run':
      return `a ${LOG_2024_08_06.firstRun.slowestMs} ms request, about ${LOG_2024_08_06.firstRun.rps} requests/s`;
    case '2025-01-01':
      return list(LOG_2025_01_01);
    case '2026-01-01':
      return `${list(LOG_2026_01_01)}; the single process had ${LOG_2026_01_01.map((r) => n0(LOG_2025_01_01.find((x) => x.connections === r.connections)!.rps)).join(', ')}`;
    case '2026-01-02':
      return `${list(LOG_2026_01_02)} (${n0(LOG_2026_01_02[0]!.requests!)} requests per run), against fd passing's ${LOG_2026_01_02.map((r) => n0(LOG_FD_PASSING_FOR_2026_01_02[r.connections]!)).join(', ')} (${LOG_2026_01_02.map((r) => pct(logRatio('shared', r.connections)!)).join(', ')})`;
    default:
      throw new FigureError(`no log entry '${entry}'`);
  }
}

/** The backlog runs of 2024-08-06: errors and ~1 s retransmits per backlog. */
function backlogFindings(ref: Reference): { errors: (b: number) => number; slow: (b: number) => number; runs: (b: number) => number; worst: (b: number) => number } {
  const runs = ref.log('2024-08-06').runs;
  const of = (b: number): RunRecord[] => byLabel(runs, `backlog ${b}, run`);
  return {
    errors: (b) => sum(of(b).map((r) => r.errors)),
    slow: (b) => sum(of(b).map((r) => r.over900Ms ?? 0)),
    runs: (b) => of(b).length,
    worst: (b) => Math.max(...of(b).map((r) => r.slowestMs)),
  };
}

function inShort(ref: Reference): string {
  const rows: string[][] = [];
  // 2024-08-06
  {
    const f = backlogFindings(ref);
    const b = LOG_2024_08_06.backlog32;
    const bad = (x: number): number => f.errors(x) + f.slow(x);
    const v =
      bad(32) > 0 && bad(128) === 0
        ? `reproduced: 32 overflows, 128 does not${f.errors(32) === 0 ? ' (here as ~1 s retransmits, not resets)' : ''}`
        : bad(32) === 0 && bad(128) === 0
          ? 'not reproduced: neither backlog overflowed'
          : 'partly: 128 overflowed too';
    rows.push([
      '2024-08-06: backlog 32, then 128',
      `32: ${b.errors} of ${b.requests} requests failed; 128: none`,
      `${f.runs(32)} runs of hey's defaults each; 32: ${f.errors(32)} errors, ${f.slow(32)} responses ≥ 900 ms; 128: ${f.errors(128)} errors, ${f.slow(128)} ≥ 900 ms`,
      v,
    ]);
    const { stages } = firstRequests(ref);
    const slowest = Math.max(...stages.map((x) => x.firstLatencyMs));
    const factor = stages.map((x) => x.firstLatencyMs / x.nextMedianMs);
    rows.push([
      '2024-08-06: the slow first request',
      `${LOG_2024_08_06.firstRun.slowestMs} ms, ~${LOG_2024_08_06.firstRun.rps} req/s in the first run`,
      `${stageSpan(stages)}: first request ${ms(Math.min(...stages.map((x) => x.firstLatencyMs)))} to ${ms(slowest)}, ${fmt(Math.min(...factor), 1)}–${fmt(Math.max(...factor), 1)}× the next ones`,
      slowest >= LOG_2024_08_06.firstRun.slowestMs ? 'reproduced' : `partly: slower first, but by milliseconds, not ${LOG_2024_08_06.firstRun.slowestMs} ms`,
    ]);
  }
  // 2025-01-01
  {
    const e = ref.log('2025-01-01');
    const main = e.runs.filter((r) => r.label === undefined);
    const at = (c: number): RunRecord | undefined => main.find((r) => r.connections === c);
    const many = [10, 50, 100].map(at).filter((r): r is RunRecord => r !== undefined);
    const one = at(1);
    const law = one ? Math.abs(one.rps - 1000 / one.averageMs) / one.rps : NaN;
    const logMany = LOG_2025_01_01.filter((x) => x.connections >= 10);
    rows.push([
      '2025-01-01: one process, full parser',
      `${n0(Math.min(...logMany.map((x) => x.rps)))}–${n0(Math.max(...logMany.map((x) => x.rps)))} req/s at 10–100 connections; ${n0(LOG_2025_01_01[0]!.rps)} at 1, "a limitation of hey"`,
      `stage 02: ${n0(Math.min(...many.map((x) => x.rps)))}–${n0(Math.max(...many.map((x) => x.rps)))} req/s at 10–100; ${one ? `${n0(one.rps)} at 1, where 1 / mean latency gives ${n0(1000 / one.averageMs)}` : 'no run at 1'}`,
      `one connection runs at 1 / its round trip (Little's law, within ${Math.round(law * 100)}% here), whatever the tool; at 10–100 connections, ${Math.round((100 * median(many.map((x) => x.rps))) / median(logMany.map((x) => x.rps)))}% of the log's figures`,
    ]);
  }
  // 2026-01-01 and 2026-01-02, from the interleaved comparison
  const cmp = ref.compare('compare');
  for (const [entry, a, b, which, cs, what] of [
    ['2026-01-01', '03', '02', 'workers', [50, 100], '2 workers (fd passing) vs one process'],
    ['2026-01-02', '04', '03', 'shared', [10, 50, 100], 'shared socket vs fd passing'],
  ] as const) {
    const present = cs.filter((c) => cmp.concurrencies.includes(c));
    const verdicts = present.map((c) => ({ c, v: verdict(ratios(cmp, a, b, c), logRatio(which, c)) }));
    const yes = verdicts.filter((x) => x.v.startsWith('reproduced')).map((x) => x.c);
    rows.push([
      `${entry}: ${what}`,
      present.map((c) => `${pct(logRatio(which, c)!)} at ${c}`).join(', '),
      `${a}/${b} by round: ${present.map((c) => `${ratioText(spreadOf(ratios(cmp, a, b, c)))} at ${c}`).join(', ')}`,
      yes.length === present.length
        ? `reproduced at every connection count (${verdicts.map((x) => `at ${x.c}: ${x.v.replace(/^reproduced: /, '')}`).join('; ')})`
        : [
            ...verdicts.filter((x) => yes.includes(x.c)).map((x) => `reproduced at ${x.c} (${x.v.replace(/^reproduced: /, '')})`),
            ...verdicts.filter((x) => !yes.includes(x.c)).map((x) => `not at ${x.c} (${x.v.replace(/^not reproduced: /, '')})`),
          ].join('; '),
    ]);
  }
  const loads = [ref.log('2024-08-06'), ref.log('2025-01-01'), cmp].map((x) => x.run.machine.loadAverage[0] ?? NaN);
  return (
    table(['log entry', 'the log', 'here', 'verdict'], rows) +
    `\nHere: \`log-2024-08-06\`, \`log-2025-01-01\` and, for the last two rows, \`compare\` (${loadWords(cmp)}); load average ${fmt(Math.min(...loads), 2)} to ${fmt(Math.max(...loads), 2)} on ${cmp.run.machine.cores} cores when they began.`
  );
}

/** `machine-line`: the machine of the main reference run, in a sentence. */
function machineLine(ref: Reference): string {
  const r = ref.compare('compare').run;
  const m = r.machine;
  return (
    `${m.cores} cores (${m.cpuModel}), ${m.platform} ${m.kernel}, Node ${m.node}; \`somaxconn\` ${m.somaxconn ?? '?'}, \`tcp_abort_on_overflow\` ${m.tcpAbortOnOverflow ?? '?'}; ` +
    `load average ${m.loadAverage[0]?.toFixed(2)} when the main run began and ${r.loadAverageAfter?.[0]?.toFixed(2) ?? '?'} when it ended`
  );
}

/** The first-request figures of `log-2024-08-06`: the stages', and the other targets' (`node:http`). */
function firstRequests(ref: Reference): { stages: FirstRequest[]; others: FirstRequest[]; quick: boolean } {
  const e = ref.log('2024-08-06');
  const first = ((e.extra as { firstRequest?: FirstRequest[] }).firstRequest ?? []).filter((x) => x.target !== undefined);
  const stages = first.filter((x) => /^\d\d-/.test(x.target));
  if (stages.length === 0) throw new FigureError('log-2024-08-06.json has no first-request figures for a stage');
  return { stages, others: first.filter((x) => !stages.includes(x)), quick: e.quick === true };
}

/** `stages 01–05`: the stages that `figures` cover, by number. */
function stageSpan(figures: readonly FirstRequest[]): string {
  const n = figures.map((x) => x.target.slice(0, 2)).sort();
  return n.length === 1 ? `stage ${n[0]}` : `stages ${n[0]}–${n.at(-1)}`;
}

/**
 * `first-request-line`: how much slower the first request was, in a sentence: the stages as
 * a range (the range `in-short` gives), each other target on its own.
 */
function firstRequestLine(ref: Reference): string {
  const { stages, others, quick } = firstRequests(ref);
  const lat = stages.map((x) => x.firstLatencyMs);
  const next = stages.map((x) => x.nextMedianMs);
  const other = others.map((x) => `, \`${x.target}\` ${ms(x.firstLatencyMs)} against ${ms(x.nextMedianMs)}`).join('');
  return (
    `${stageSpan(stages)} took ${ms(Math.min(...lat))} to ${ms(Math.max(...lat))} for the first request against ${ms(Math.min(...next))} to ${ms(Math.max(...next))} for the next ones${other} ` +
    `(${quick ? 'one start' : 'medians of 3 starts'} of each of ${[...stages, ...others].map((x) => x.target).join(', ')})`
  );
}

function backlogShort(ref: Reference): string {
  const f = backlogFindings(ref);
  const e = ref.log('2024-08-06');
  return table(
    ['backlog', 'the log (hey, 200 requests, 50 at once)', `here (${f.runs(32)} runs of the same)`],
    [
      ['32', `${LOG_2024_08_06.backlog32.errors} errors`, `${f.errors(32)} errors; ${f.slow(32)} responses ≥ 900 ms; slowest ${ms(f.worst(32))}`],
      ['128', 'no error', `${f.errors(128)} errors; ${f.slow(128)} responses ≥ 900 ms; slowest ${ms(f.worst(128))}`],
    ],
  ) + `\n${made(e)}.`;
}

function replay20250101(ref: Reference): string {
  const e = ref.log('2025-01-01');
  const main = e.runs.filter((r) => r.label === undefined);
  return table(
    ['-c', 'req/s here', 'req/s log', 'avg here', 'avg log', 'here: c / avg', 'p99 here', 'errors', 'CPU gen / server / all'],
    LOG_2025_01_01.map((l) => {
      const r = main.find((x) => x.connections === l.connections);
      return [
        String(l.connections),
        r ? n0(r.rps) : '—',
        n0(l.rps),
        r ? ms(r.averageMs) : '—',
        ms(l.averageMs),
        r ? n0((l.connections * 1000) / r.averageMs) : '—',
        r ? ms(r.p99Ms) : '—',
        r ? String(r.errors) : '—',
        r ? `${r.generatorCpuPct ?? '?'}% / ${r.serverCpuPct ?? '?'}% / ${r.machineCpuPct ?? '?'}%` : '—',
      ];
    }),
  ) + `\nStage 02, ${e.tool} in ${e.threads} thread(s); ${made(e)}.`;
}

/** `one-connection-line`: one connection by each generator, in a sentence. */
function oneConnectionLine(ref: Reference): string {
  const one = ref.log('2025-01-01').runs.filter((r) => r.label?.startsWith('one connection'));
  if (one.length === 0) throw new FigureError('log-2025-01-01.json has no one-connection runs');
  return one
    .map((r) => {
      const law = 1000 / r.averageMs;
      // wrk's latency figures at one connection have disagreed with its own request count
      const odd = Math.abs(law - r.rps) / r.rps > 0.25 ? `; the two disagree, so ${r.tool}'s latency figures are not to be trusted here` : '';
      return `${r.tool} ${n0(r.rps)} req/s (1 / mean latency: ${n0(law)}${odd})`;
    })
    .join(', ');
}

/**
 * `ratios <file> <A> <B> [log:workers|log:shared] [bare]`: A against B, round by round, per
 * connection count; `bare` leaves out the line about the run.
 */
function ratiosBlock(ref: Reference, args: readonly string[]): string {
  const bare = args.includes('bare'); // no line about the run: the document says it once
  const [file, a, b, log] = args.filter((x) => x !== 'bare') as [string, string, string, string | undefined];
  const r = ref.compare(file);
  const ta = target(r, a);
  const tb = target(r, b);
  const which = log === 'log:workers' ? 'workers' : log === 'log:shared' ? 'shared' : undefined;
  const header = ['-c', `${ta} req/s`, `${tb} req/s`, `${a} / ${b}, round by round`, `per server CPU-second`];
  if (which) header.push('the log', 'verdict');
  const rows = r.concurrencies.map((c) => {
    const line = [String(c), countText(row(r, a, c).rps), countText(row(r, b, c).rps), ratioText(spreadOf(ratios(r, a, b, c))), ratioText(spreadOf(ratios(r, a, b, c, 'cpu')))];
    if (which) {
      const l = logRatio(which, c);
      line.push(l === undefined ? '—' : l.toFixed(2), l === undefined ? '—' : verdict(ratios(r, a, b, c), l));
    }
    return line;
  });
  return table(header, rows) + (bare ? '' : `\nMedian (lowest–highest round) of ${loadWords(r)}; ${made(r)}. ${generatorWords(r)}`);
}

/** `split <file> <target> <c>`: how the connections were spread over the workers, round by round. */
function splitInline(ref: Reference, args: readonly string[]): string {
  const [file, t, c] = args as [string, string, string];
  const rounds = row(ref.compare(file), t, Number(c)).rounds.map((x) => x.connectionsPerProcess).filter((x): x is number[] => x !== undefined);
  if (rounds.length === 0) return 'not measured (no `ss`)';
  // the master holds none once it has handed them over: show the workers'
  return rounds.map((x) => (x.length > 1 && x[0] === 0 ? x.slice(1) : x).join('/')).join(', ');
}

/** A comparison's runs, the generator's CPU in each (where measured), and how many it saturated. */
function generatorLoad(r: CompareResults): { runs: number; gen: number[]; sat: number } {
  const runs = r.rows.flatMap((x) => x.rounds);
  return {
    runs: runs.length,
    gen: runs.map((x) => x.generatorCpuPct).filter((x): x is number => x !== undefined),
    sat: runs.filter((x) => x.verdicts.some((v) => v.startsWith('generator saturated'))).length,
  };
}

function generatorWords(r: CompareResults): string {
  const { runs, gen, sat } = generatorLoad(r);
  if (gen.length === 0) return 'The generator\'s CPU was not measured.';
  return `The generator used ${Math.min(...gen)}–${Math.max(...gen)}% of one core and was ${sat === 0 ? 'not saturated in any' : `**saturated in ${sat}**`} of the ${runs} runs.`;
}

/**
 * `targets <file>`: a comparison in one row per target: requests/s at each connection count,
 * and, at the highest, the ratio to the yardstick and requests per server CPU-second.
 */
function targetsBlock(ref: Reference, args: readonly string[]): string {
  const r = ref.compare(args[0]!);
  const top = Math.max(...r.concurrencies);
  const rows = r.targets.map((t) => {
    const at = (c: number): CompareRow | undefined => r.rows.find((x) => x.target === t && x.connections === c);
    const last = at(top);
    return [
      `${t}${last?.serverArgs.length ? ` ${last.serverArgs.join(' ')}` : ''}`,
      ...r.concurrencies.map((c) => countText(at(c)?.rps)),
      last?.ratio && last.yardstick ? `${ratioText(last.ratio)} ${last.yardstick}` : '—',
      countText(last?.perServerCpuS),
      String(sum(r.rows.filter((x) => x.target === t).map((x) => x.errors))),
    ];
  });
  return (
    table(['target', ...r.concurrencies.map((c) => `req/s, -c ${c}`), `× yardstick, -c ${top}`, `per server CPU-s, -c ${top}`, 'errors'], rows) +
    `
${generatorWords(r)} ${loadWords(r)}; ${made(r)}.`
  );
}

/** `generators <file> <file> ...`: the same comparison with several generators, side by side. */
function generators(ref: Reference, args: readonly string[]): string {
  const rows: string[][] = [];
  for (const file of args) {
    const r = ref.compare(file);
    const { runs, gen, sat } = generatorLoad(r);
    const top = Math.max(...r.concurrencies);
    const pairs: [string, string][] = [['02', 'node:http'], ['04', 'node:cluster']];
    rows.push([
      `${r.tool} × ${r.threads}`,
      `${Math.min(...gen)}–${Math.max(...gen)}% of ${Math.min(r.threads, r.run.machine.cores) * 100}%`,
      `${sat} of ${runs}`,
      countText(row(r, '02', top).rps),
      ...pairs.map(([a, b]) => ratioText(spreadOf(ratios(r, a, b, top)))),
      `\`${file}.json\``,
    ]);
  }
  return table(['generator', 'its CPU, of what it can use', 'runs it saturated', `stage 02 req/s at -c ${Math.max(...ref.compare(args[0]!).concurrencies)}`, '02 / node:http', '04 / node:cluster', 'run'], rows) +
    `\nRatios at the highest connection count, median (lowest–highest round). Every run is in \`bench/results/reference/\`, with its command and load average.`;
}

/** `ab <name> ...`: A/B runs, one row each. */
function abBlock(ref: Reference, args: readonly string[]): string {
  const rows = args.map((name) => {
    const r = ref.ab(name);
    return [`\`${r.run.command}\``, r.stage, `${r.a.commit} → ${r.b.commit}`, ratioText(r.ratio), ratioText(r.ratioPerCpuS)];
  });
  const first = ref.ab(args[0]!);
  const loads = args.map((name) => ref.ab(name).run.machine.loadAverage[0] ?? NaN);
  return table(['command', 'stage', 'A → B', 'B / A, req/s', 'B / A, per server CPU-s'], rows) +
    `\nMedian (lowest–highest round) of ${first.rounds.length} rounds of ${first.durationS} s at -c ${first.connections}, ${first.tool} in ${first.threads} thread(s), A and B taking turns to go first; ${first.date.slice(0, 10)}, load average ${fmt(Math.min(...loads), 2)} to ${fmt(Math.max(...loads), 2)} on ${first.run.machine.cores} cores when they began.`;
}

/**
 * Whether an A/B step's ratios clear the noise (the same command with A = B): every round above
 * the noise's highest, the median only, or not at all. Spreads are of per-round ratios B / A.
 */
export function noiseVerdict(step: Spread, noise: Spread): string {
  const f = (v: number): string => v.toFixed(2);
  if (step.n === 0 || noise.n === 0) return 'not measured';
  if (step.min > noise.max) return `clears the noise in every round (its lowest round, ${f(step.min)}, is above the noise's highest, ${f(noise.max)})`;
  if (step.median > noise.max) return `pays, narrowly: its median (${f(step.median)}) is above the noise's highest round (${f(noise.max)}), its lowest round (${f(step.min)}) is not`;
  if (step.median > noise.median) return `is not shown to pay: its median (${f(step.median)}) is above the noise's (${f(noise.median)}) but within the noise's rounds (up to ${f(noise.max)})`;
  return `does not pay: its median (${f(step.median)}) is not above the noise's (${f(noise.median)})`;
}

function mixedLoadBlock(ref: Reference): string {
  const e = ref.log('mixed-load');
  const results = (e.extra as { mixedLoad?: MixedLoadResult[] }).mixedLoad ?? [];
  const settings = (e.extra as { settings?: { connections: number; durationS: number; slowEvery: number; slowMs: number } }).settings;
  return table(
    ['stage', 'mode', 'req/s', 'fast p50', 'fast p99', 'fast max', 'slow p99', 'split over the workers'],
    results.map((r) => {
      const counts = Object.values(r.perPid).map((x) => x.fast + x.slow).sort((a, b) => b - a);
      const total = sum(counts);
      return [r.target, r.mode, n0(r.rps), ms(r.fast.p50), ms(r.fast.p99), ms(r.fast.max), ms(r.slow.p99), counts.map((x) => `${Math.round((100 * x) / total)}%`).join(' / ')];
    }),
  ) + `\n${settings ? `${settings.connections} client loops for ${settings.durationS} s, every ${settings.slowEvery}th request \`/slow?ms=${settings.slowMs}\`; ` : ''}${made(e)}.`;
}

/** The target `name` names in the profile `file`, or a {@link FigureError}. */
function profileTarget(ref: Reference, file: string, name: string): TargetProfile {
  try {
    return findTarget(ref.profile(file), name);
  } catch (err) {
    if (err instanceof FigureError) throw err;
    throw new FigureError(`${file}: ${(err as Error).message}`);
  }
}

/**
 * `profile-ratio <file> <A> <B> [bound|without-server]`: how many times A's CPU per request B
 * spends; with `without-server`, what it would be if A's own JavaScript were free; with
 * `bound`, the most it could be.
 */
function profileRatioInline(ref: Reference, args: readonly string[]): string {
  let found;
  try {
    found = profileRatio(ref.profile(args[0]!), args[1]!, args[2]!);
  } catch (err) {
    throw new FigureError((err as Error).message);
  }
  const which = args[3] ?? 'ratio';
  if (which !== 'ratio' && which !== 'bound' && which !== 'without-server') throw new FigureError(`profile-ratio: unknown '${which}' (ratio, bound or without-server)`);
  return `${(which === 'bound' ? found.bound : which === 'without-server' ? found.withoutServer : found.ratio).toFixed(2)}×`;
}

/** `profile-us <file> <target> <class|all|module:name>`: microseconds of CPU per request. */
function profileUsInline(ref: Reference, args: readonly string[]): string {
  const t = profileTarget(ref, args[0]!, args[1]!);
  const what = args[2]!;
  const v = what === 'all' ? t.totalUs : what === 'user' ? userUs(t) : what.startsWith('module:') ? t.modules[what.slice(7)] : t.us[what as keyof typeof t.us];
  if (v === undefined) throw new FigureError(`no ${what} in ${args[0]}'s ${t.name}`);
  return `${v.toFixed(2)} µs`;
}

/**
 * `profile-ab <file> [user|all]`: for a profile of one stage at two commits (`--at`), B / A of
 * user space (the default) or of all CPU per request, with both figures.
 */
function profileAbInline(ref: Reference, args: readonly string[]): string {
  const r = ref.profile(args[0]!);
  if (r.at === undefined || r.targets.length !== 2) throw new FigureError(`${args[0]} is not a profile of one stage at two commits (--at)`);
  const which = args[1] ?? 'user';
  if (which !== 'user' && which !== 'all') throw new FigureError(`profile-ab: unknown '${which}' (user or all)`);
  const [a, b] = r.targets.map((t) => (which === 'all' ? t.totalUs : userUs(t))) as [number, number];
  return `${(b / a).toFixed(2)}× (${a.toFixed(2)} → ${b.toFixed(2)} µs)`;
}

/** Every generator a marker may name: `<!-- figures:<name> <arguments> -->`. */
export const GENERATORS: Readonly<Record<string, Generator>> = {
  'in-short': inShort,
  'machine-line': machineLine,
  'first-request-line': firstRequestLine,
  'backlog-short': backlogShort,
  'replay-2025-01-01': replay20250101,
  'one-connection-line': oneConnectionLine,
  'mixed-load': mixedLoadBlock,
  // the log's own figures of an entry, as a sentence
  log: takes('log <entry>', (_ref, [entry]) => logQuote(entry!)),
  ratios: takes('ratios <file> <A> <B> [log:workers|log:shared] [bare]', ratiosBlock),
  // one ratio (of requests/s, or per server CPU-second) with its range, for a sentence
  ratio: takes('ratio <file> <A> <B> <c> [cpu]', (ref, [file, a, b, c, per]) => ratioText(spreadOf(ratios(ref.compare(file!), a!, b!, Number(c), per === 'cpu' ? 'cpu' : 'rps')))),
  // one target's requests/s, or requests per server CPU-second, with its range
  rps: takes('rps <file> <target> <c>', (ref, [file, t, c]) => countText(row(ref.compare(file!), t!, Number(c)).rps)),
  percpu: takes('percpu <file> <target> <c>', (ref, [file, t, c]) => countText(row(ref.compare(file!), t!, Number(c)).perServerCpuS)),
  split: takes('split <file> <target> <c>', splitInline),
  targets: takes('targets <file>', targetsBlock),
  generators: takes('generators <file> ...', generators),
  ab: takes('ab <name> ...', abBlock),
  // one A/B ratio with its range; whether an A/B run clears the noise run (the same code twice)
  'ab-ratio': takes('ab-ratio <name> [cpu]', (ref, [name, cpu]) => ratioText(ref.ab(name!)[cpu === 'cpu' ? 'ratioPerCpuS' : 'ratio'])),
  'ab-verdict': takes('ab-verdict <step> <noise> [cpu]', (ref, [step, noise, cpu]) => {
    const k = cpu === 'cpu' ? 'ratioPerCpuS' : 'ratio';
    return noiseVerdict(ref.ab(step!)[k], ref.ab(noise!)[k]);
  }),
  // CPU per request by class, one column per target, and how it was made
  profile: takes('profile <file>', (ref, [file]) => `${profileTable(ref.profile(file!)).trimEnd()}\n\n${profileNote(ref.profile(file!))} ${made(ref.profile(file!))}.`),
  'profile-ratio': takes('profile-ratio <file> <A> <B> [bound|without-server]', profileRatioInline),
  'profile-us': takes('profile-us <file> <target> <class|all|module:name>', profileUsInline),
  'profile-ab': takes('profile-ab <file> [user|all]', profileAbInline),
  // RSS per process and per 1,000 idle connections, against node:http run by plain node
  memory: takes('memory <file> [compact]', (ref, [file, compact]) => memoryTable(ref.memory(file!), compact === 'compact')),
};

// ---------------------------------------------------------------------------------------------
// Markers

const MARKER = /<!-- figures:([^>]*?) -->([\s\S]*?)<!-- \/figures -->/g;

/** One marked region that does not match its data, or could not be made. */
export interface Finding {
  readonly file: string;
  readonly marker: string;
  readonly problem: string;
}

/** Regenerates every marked region of `text`; returns the new text and what was wrong. */
export function fill(text: string, ref: Reference, file = ''): { text: string; findings: Finding[] } {
  const findings: Finding[] = [];
  const out = text.replace(MARKER, (whole, spec: string, body: string) => {
    const [name, ...args] = spec.trim().split(/\s+/);
    const gen = GENERATORS[name ?? ''];
    if (!gen) {
      findings.push({ file, marker: spec, problem: `no generator '${name}' (known: ${Object.keys(GENERATORS).join(', ')})` });
      return whole;
    }
    let made: string;
    try {
      made = gen(ref, args).trim();
    } catch (err) {
      if (!(err instanceof FigureError)) throw err;
      findings.push({ file, marker: spec, problem: err.message });
      return whole;
    }
    // a marker on a line of its own holds a block (with a blank line before the closing
    // marker when the block ends with a table, so that the table ends there); one inside a
    // sentence holds a few words
    const block = body.startsWith('\n') || made.includes('\n');
    const replaced = block ? `\n${made}\n${made.split('\n').pop()!.startsWith('|') ? '\n' : ''}` : made;
    if (replaced !== body) findings.push({ file, marker: spec, problem: 'differs from the data' });
    return `<!-- figures:${spec} -->${replaced}<!-- /figures -->`;
  });
  return { text: out, findings };
}

/** Regenerates (or, with `check`, only compares) every document; returns what was wrong. */
export function run(check: boolean, ref: Reference = referenceFrom(), files: readonly string[] = DOCUMENTS, root = ROOT): { findings: Finding[]; changed: string[] } {
  const findings: Finding[] = [];
  const changed: string[] = [];
  for (const file of files) {
    const p = path.join(root, file);
    if (!existsSync(p)) continue;
    const before = readFileSync(p, 'utf8');
    const r = fill(before, ref, file);
    findings.push(...r.findings);
    if (r.text !== before) {
      changed.push(file);
      if (!check) writeFileSync(p, r.text);
    }
  }
  return { findings, changed };
}

/** The help text. */
export const USAGE = `Usage: npm run figures [-- --check]

Writes every generated figure of the documents (between <!-- figures:... --> and
<!-- /figures --> markers) from the reference runs in bench/results/reference/ and the log's
own figures (bench/log-figures.ts). Starts no server, takes a second.

Options:
  --check      write nothing; exit 1 when a document and its data disagree, a marker names
               no generator, or a reference run is missing (npm test runs this)
  -h, --help   show this help

The documents: ${DOCUMENTS.join(', ')}.
To measure the reference runs again: npm run bench:reference.
`;

/** `--check` or not, or `'help'`; throws {@link BenchUsageError}. */
function parseFiguresArgs(argv: readonly string[]): { check: boolean } | 'help' {
  if (argv.includes('-h') || argv.includes('--help')) return 'help';
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) throw new BenchUsageError(`unknown argument ${unknown.join(' ')}`);
  return { check: argv.includes('--check') };
}

command(import.meta.url, {
  name: 'figures',
  usage: () => USAGE,
  parse: parseFiguresArgs,
  run: ({ check }) => {
    const { findings, changed } = run(check);
    const broken = findings.filter((f) => f.problem !== 'differs from the data');
    for (const f of broken) process.stderr.write(`figures: ${f.file}: <!-- figures:${f.marker} -->: ${f.problem}\n`);
    if (check) {
      const stale = findings.filter((f) => f.problem === 'differs from the data');
      for (const f of stale) process.stderr.write(`figures: ${f.file}: <!-- figures:${f.marker} --> differs from the reference data\n`);
      if (stale.length > 0) process.stderr.write('figures: run npm run figures to rewrite them from bench/results/reference/\n');
      if (findings.length > 0) process.exit(1);
      return void process.stdout.write(`figures: every generated figure matches bench/results/reference/\n`);
    }
    process.stdout.write(changed.length ? `figures: rewrote ${changed.join(', ')}\n` : 'figures: every document was up to date\n');
    if (broken.length > 0) process.exit(1);
  },
});
