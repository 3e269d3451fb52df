/**
 * `npm run bench:log -- <entry>`: replays one entry of the performance log with its exact
 * runs (concurrencies, request counts or durations) and prints the entry's tables with the
 * log's own figures beside the ones measured here. Entries: `2024-08-06`, `2025-01-01`, and
 * the experiment the log did not run, `mixed-load`. The log's two steps to workers
 * (2026-01-01, 2026-01-02) are measured by `bench:compare`, in rounds, as the documents cite.
 *
 * Strategy: each entry is a function from options to what it measured (every run as data);
 * its report prints the tables of the documents, made by the generators of
 * `bench/figures.ts` from this run instead of the reference one. The report is printed and saved as JSON under
 * `bench/results/local/` (git-ignored), or with `--save-reference` as the reference run the
 * documents cite (`bench/results/reference/log-<entry>.json`). `--quick` scales durations to
 * 1 s and request counts down 50-fold, for a smoke run; its figures mean nothing. A stage
 * that does not exist yet is skipped and named as missing. The log's own figures, printed
 * beside ours, are in `bench/log-figures.ts`.
 */

import { listStages } from '../bin/stage.ts';
import { BenchUsageError, command, formatDuration, generator, GENERATOR_START_S, parseFlags, positive, START_S, toolMissing } from './cli-args.ts';
import { roundFigures, type RoundFigures } from './compare.ts';
import { firstRequest, mixedLoad, type FirstRequest, type MixedLoadResult } from './experiments.ts';
import { FigureError, GENERATORS, type Reference } from './figures.ts';
import { LOG_2025_01_01 } from './log-figures.ts';
import { DEFAULT_THREADS, measureLoad, toolAvailable, TOOLS, type LoadResult, type Tool } from './load.ts';
import { loadLine, machineLine, type Machine } from './machine.ts';
import { fmt, table } from './markdown.ts';
import { beginRun, endRun, saveRun, type RunInfo } from './results.ts';
import { median } from './stats.ts';
import { withTarget, type Target, type TargetOptions } from './target.ts';

/** How to replay an entry. */
export interface LogOptions {
  readonly quick: boolean;
  readonly tool: Tool;
  /** Generator threads (autocannon, wrk). */
  readonly threads: number;
  /** Workers for the multi-process stages; the log used 2. */
  readonly workers: number;
}

/**
 * One load run of an entry, as it is saved: what a round of `bench:compare` keeps of a load
 * ({@link RoundFigures}), and the load's own figures beside.
 */
export interface RunRecord extends RoundFigures, Pick<LoadResult, 'tool' | 'threads' | 'connections' | 'durationS' | 'requests' | 'statusCodes' | 'over900Ms'> {
  readonly target: string;
  readonly serverArgs: string[];
  readonly label?: string;
  readonly averageMs: number;
  readonly fastestMs: number;
  readonly slowestMs: number;
  readonly errorKinds: Record<string, number>;
}

/** What an entry's replay measured. */
interface Measurements {
  readonly stages: string[];
  /** Stages the entry needs that are not in this tree. */
  readonly missing: string[];
  readonly runs: RunRecord[];
  readonly extra: Record<string, unknown>;
}

/** What one entry's replay produced. */
export interface EntryReport extends Measurements {
  readonly entry: Entry;
  /** The command, commit, machine and load average of the run. */
  readonly run: RunInfo;
  readonly date: string;
  readonly quick: boolean;
  readonly tool: Tool;
  readonly threads: number;
  readonly machine: Machine;
  /** The Markdown the command printed. */
  readonly markdown: string;
}

const note = (s: string): void => void process.stderr.write(`${s}\n`);

/** Scales a log duration for `--quick`. */
const dur = (o: LogOptions, s: number): number => (o.quick ? 1 : s);

/** A load, as an entry gives it. */
interface Load {
  readonly connections: number;
  readonly durationS?: number;
  readonly requests?: number;
  readonly tool?: Tool;
}

/** Runs one load on a started target and records it. */
async function run(t: Target, o: LogOptions, machine: Machine, load: Load, label?: string): Promise<RunRecord> {
  const tool = load.tool ?? o.tool;
  const amount = load.durationS !== undefined ? { durationS: load.durationS } : { requests: load.requests! };
  const m = await measureLoad(t.pids, { tool, ...(tool === o.tool ? { threads: o.threads } : {}), url: t.url, connections: load.connections, ...amount, progress: true }, machine.cores);
  const l = m.load;
  const r: RunRecord = {
    target: t.name,
    serverArgs: t.args,
    ...(label ? { label } : {}),
    tool: l.tool,
    threads: l.threads,
    connections: l.connections,
    ...amount,
    ...roundFigures(m),
    averageMs: l.latency.averageMs,
    fastestMs: l.latency.fastestMs,
    slowestMs: l.latency.slowestMs,
    ...(l.over900Ms !== undefined ? { over900Ms: l.over900Ms } : {}),
    errorKinds: l.errors,
    statusCodes: l.statusCodes,
  };
  note(
    `  ${t.name}${t.args.length ? ' ' + t.args.join(' ') : ''} ${tool} -c ${r.connections} ${r.durationS !== undefined ? `-d ${r.durationS}` : `-n ${r.requests}`}${label ? ` (${label})` : ''}: ` +
      `${fmt(r.rps)} req/s, avg ${fmt(r.averageMs, 2)} ms, p99 ${fmt(r.p99Ms, 2)} ms, errors ${r.errors}, CPU ${cpuCell(r)}`,
  );
  return r;
}

/** Finds an existing stage by number, or undefined. */
function stage(nn: string): string | undefined {
  return listStages().find((s) => s.startsWith(nn));
}

/** Runs `loads` against one stage started once, or records it as missing. */
async function runStage(nn: string, targetOptions: TargetOptions, o: LogOptions, machine: Machine, loads: readonly Load[], missing: string[], label?: (l: Load) => string): Promise<RunRecord[]> {
  const s = stage(nn);
  if (s === undefined) {
    missing.push(nn);
    note(`  stage ${nn} is not in this tree (no stages/${nn}-*/src/main.ts): skipped`);
    return [];
  }
  return withTarget(s, targetOptions, async (t) => {
    const out: RunRecord[] = [];
    for (const l of loads) out.push(await run(t, o, machine, l, label?.(l)));
    return out;
  });
}

const ms = (v: number): string => (Number.isFinite(v) ? `${fmt(v, 2)} ms` : '—');

/** The CPU of generator, server and machine, and who was saturated. */
function cpuCell(r: RunRecord): string {
  const saturated = ['generator', 'machine', 'contended'].find((w) => r.verdicts.some((v) => v.startsWith(w)));
  return `${r.generatorCpuPct ?? '?'}% / ${r.serverCpuPct ?? '?'}% / ${r.machineCpuPct ?? '?'}%${saturated === undefined ? '' : saturated === 'contended' ? ' (contended)' : ` (${saturated} saturated)`}`;
}

// ---------------------------------------------------------------------------------------------
// The entries: what each measures; PLANS, below, says what each prints.

/** 2024-08-06: stage 01, hey's defaults, backlog 32 then 128; the slow first request. */
async function entry20240806(o: LogOptions, machine: Machine): Promise<Measurements> {
  const missing: string[] = [];
  const runs: RunRecord[] = [];
  const loads: Load[] = Array.from({ length: o.quick ? 2 : 5 }, () => ({ connections: 50, requests: 200 }));
  // the log's runs could not overflow a backlog of 32 by much; a burst of connections can
  loads.push({ connections: 500, requests: o.quick ? 1000 : 5000 });
  for (const backlog of [32, 128]) {
    runs.push(...(await runStage('01', { backlog }, o, machine, loads, backlog === 32 ? missing : [], (l) => `backlog ${backlog}, ${l.connections === 500 ? 'burst' : `run ${loads.indexOf(l) + 1}`}`)));
  }
  const first: FirstRequest[] = [];
  for (const target of [...listStages(), 'ref:node-http']) {
    const per: FirstRequest[] = [];
    for (let i = 0; i < (o.quick ? 1 : 3); i++) per.push(await firstRequest(target, target.startsWith('03') || target.startsWith('04') ? { workers: o.workers } : {}));
    const m = (k: keyof FirstRequest): number => median(per.map((p) => p[k] as number));
    first.push({ target: per[0]!.target, readyMs: m('readyMs'), firstResponseMs: m('firstResponseMs'), firstLatencyMs: m('firstLatencyMs'), nextMedianMs: m('nextMedianMs'), nextCount: per[0]!.nextCount });
    note(`  first request ${per[0]!.target}: ready ${fmt(m('readyMs'))} ms, first response ${fmt(m('firstResponseMs'))} ms after spawn, first latency ${fmt(m('firstLatencyMs'), 2)} ms, next ${fmt(m('nextMedianMs'), 2)} ms`);
  }
  return { stages: runs.length ? [stage('01')!] : [], missing, runs, extra: { firstRequest: first } };
}

/** 2025-01-01: stage 02, one process, the log's loads; then one connection by every installed tool. */
async function entry20250101(o: LogOptions, machine: Machine): Promise<Measurements> {
  const missing: string[] = [];
  const runs = await runStage('02', {}, o, machine, LOG_2025_01_01.map((l) => ({ connections: l.connections, durationS: dur(o, l.durationS!) })), missing);
  // is ~2.8k req/s at -c 1 a hey limitation?
  const tools = TOOLS.filter(toolAvailable);
  for (const tool of TOOLS.filter((t) => !tools.includes(t))) note(`  ${tool} is not installed: its one-connection run is skipped`);
  runs.push(...(await runStage('02', {}, o, machine, tools.map((tool) => ({ connections: 1, durationS: dur(o, 5), tool })), [], (l) => `one connection, ${l.tool}`)));
  return { stages: missing.length ? [] : [stage('02')!], missing, runs, extra: {} };
}

/** mixed-load: the experiment the log did not run. 03 (least connection) vs 04 (kernel accept). */
async function entryMixed(o: LogOptions): Promise<Measurements> {
  const missing: string[] = [];
  const results: MixedLoadResult[] = [];
  const settings = { connections: 20, durationS: o.quick ? 1 : 10, slowEvery: 10, slowMs: 20 };
  for (const nn of ['03', '04']) {
    const s = stage(nn);
    if (!s) {
      missing.push(nn);
      note(`  stage ${nn} is not in this tree: skipped`);
      continue;
    }
    for (const keepAlive of [false, true]) {
      const r = await mixedLoad(s, { workers: o.workers, ...settings, keepAlive });
      results.push(r);
      note(`  ${r.target} ${r.mode}: ${fmt(r.rps)} req/s, fast p99 ${fmt(r.fast.p99, 2)} ms, per pid ${JSON.stringify(r.perPid)}`);
    }
  }
  return { stages: ['03', '04'].map(stage).filter((x): x is string => !!x), missing, runs: [], extra: { mixedLoad: results, settings } };
}


// ---------------------------------------------------------------------------------------------
// The plans: what each entry prints (the tables of the documents, by figures.ts, from this run) and how long it takes

/** Seconds a load takes, with the generator's start, for estimates. */
const secs = (s: number): number => s + GENERATOR_START_S;

/** An entry: what it is, what it measures, what it prints under its header, how long it takes. */
interface EntryPlan {
  readonly what: (o: LogOptions) => string;
  readonly measure: (o: LogOptions, m: Machine) => Promise<Measurements>;
  /** A line of text, or a block of `figures.ts`'s generators, each. */
  readonly blocks: (r: EntryReport, ref: Reference) => string[];
  readonly seconds: (o: LogOptions) => number;
}

/** The entries `bench:log` knows, by name. */
const PLANS = {
  '2024-08-06': {
    measure: entry20240806,
    seconds: (o) => 2 * (START_S + (o.quick ? 2 : 5) * secs(1) + secs(3)) + (listStages().length + 1) * (o.quick ? 1 : 3) * (START_S + 1),
    what: () => "stage 01, hey's defaults (200 requests, 50 at once), backlog 32 then 128",
    blocks: (r, ref) => {
      const first = (r.extra as { firstRequest: FirstRequest[] }).firstRequest;
      return [
        `Kernel: somaxconn ${r.machine.somaxconn ?? '?'}, tcp_abort_on_overflow ${r.machine.tcpAbortOnOverflow ?? '?'}: with 0, Linux drops a connection the full accept queue cannot take (retransmitted about 1 s later) instead of resetting it, so a full queue shows as ~1 s latencies, not errors.`,
        table(['run', 'req/s', 'avg', 'p99', 'slowest', 'errors', '≥ 900 ms', 'CPU gen / server / all'], r.runs.map((x) => [x.label ?? '', fmt(x.rps), ms(x.averageMs), ms(x.p99Ms), ms(x.slowestMs), String(x.errors), String(x.over900Ms ?? '—'), cpuCell(x)])),
        GENERATORS['backlog-short']!(ref, []),
        `### The slow first request (each on a new connection)\n\n${table(['server', 'spawn → ready line', 'spawn → first response', 'first request', 'next (median)'], first.map((f) => [f.target, ms(f.readyMs), ms(f.firstResponseMs), ms(f.firstLatencyMs), ms(f.nextMedianMs)]))}`,
      ];
    },
  },
  '2025-01-01': {
    measure: entry20250101,
    seconds: (o) => 2 * START_S + LOG_2025_01_01.reduce((a, l) => a + secs(dur(o, l.durationS!)), 0) + TOOLS.filter(toolAvailable).length * secs(dur(o, 5)),
    what: (o) => `stage 02 (full parser, one process), ${dur(o, 30)} s per concurrency, then ${dur(o, 5)} s at -c 5; one connection by each tool`,
    blocks: (_r, ref) => [GENERATORS['replay-2025-01-01']!(ref, []), `One connection: ${GENERATORS['one-connection-line']!(ref, [])}.`],
  },
  'mixed-load': {
    measure: entryMixed,
    seconds: (o) => 4 * (START_S + (o.quick ? 1 : 10)),
    what: (o) => `a share of requests hit /slow: stage 03 (least connection) vs 04 (the kernel's accept), --workers ${o.workers}`,
    blocks: (_r, ref) => [GENERATORS['mixed-load']!(ref, [])],
  },
} satisfies Record<string, EntryPlan>;

/** The entries `bench:log` knows. */
const ENTRIES = Object.keys(PLANS) as Entry[];
/** One of {@link ENTRIES}. */
export type Entry = keyof typeof PLANS;

/** The Markdown of a report: what was measured and how, then the entry's blocks. */
function markdown(r: EntryReport, o: LogOptions): string {
  const m = r.machine;
  const ref: Reference = { log: () => r, compare: nowhere, ab: nowhere, profile: nowhere, memory: nowhere };
  let blocks: string[];
  try {
    blocks = PLANS[r.entry].blocks(r, ref).map((b) => b.trim());
  } catch (err) {
    if (!(err instanceof FigureError)) throw err;
    blocks = [`(nothing to print: ${err.message})`];
  }
  return (
    `## ${r.entry}: ${PLANS[r.entry].what(o)}\n\n` +
    `Measured ${r.date} with ${r.entry === 'mixed-load' ? 'a raw node:net client (bench/probe.ts)' : `${o.tool} in ${o.threads} thread(s)`}${o.quick ? ' (--quick: durations cut to 1 s, request counts 50-fold; these figures are a smoke run, not a measurement)' : ''}.\n` +
    `Machine: ${machineLine(m)}; ${loadLine(m.loadAverage, m.cores)} at the start.\n` +
    `CPU: generator / server (master + workers) / whole machine, each in % of one core (${m.cores * 100}% = all ${m.cores} cores busy).\n\n` +
    blocks.join('\n\n') +
    `\n${r.missing.length > 0 ? `\nMissing from this tree, so not measured: stage ${r.missing.join(', ')}.\n` : ''}`
  );
}

const nowhere = (): never => {
  throw new FigureError('bench:log prints its own run only');
};

/** Seconds an entry's replay will take, roughly. */
export function estimateEntrySeconds(entry: Entry, o: LogOptions): number {
  return PLANS[entry].seconds(o);
}

/** Replays one entry and returns its report; saves it unless `save` is false. */
export async function replay(entry: Entry, o: LogOptions, run: RunInfo, save: { reference: boolean } | false = { reference: false }): Promise<EntryReport> {
  const machine = run.machine;
  note(`bench:log ${entry}${o.quick ? ' --quick' : ''} with ${o.tool}; generator and server share ${machine.cores} cores`);
  const body = await PLANS[entry].measure(o, machine);
  const measured = { entry, run: endRun(run), date: run.date, quick: o.quick, tool: o.tool, threads: o.threads, machine, ...body, markdown: '' };
  const report: EntryReport = { ...measured, markdown: markdown(measured, o) };
  if (save) saveRun(`log-${entry}${o.tool === 'autocannon' ? '' : `-${o.tool}`}`, report, {}, save.reference);
  return report;
}

/** The help text. */
export function usage(): string {
  const o: LogOptions = { quick: false, tool: 'autocannon', threads: DEFAULT_THREADS.autocannon, workers: 2 };
  const times = ENTRIES.map(
    (e) => `  ${e.padEnd(12)} about ${formatDuration(estimateEntrySeconds(e, o))} (--quick: ${formatDuration(estimateEntrySeconds(e, { ...o, quick: true }))})`,
  ).join('\n');
  return `Usage: npm run bench:log -- <entry> [options]

Replays one entry of the performance log (see docs/log.md) with its own runs, and prints its
tables with the log's figures beside ours. Takes the shared bench lock, and says up front
how long it will take. The entries, and how long each takes:
${times}

Options:
  --quick            1-second runs and 50-fold fewer requests: a smoke run, not a measurement
  --tool <name>      autocannon (default) or wrk (if installed)
  --threads <n>      generator threads (default: autocannon ${DEFAULT_THREADS.autocannon}, wrk ${DEFAULT_THREADS.wrk})
  --workers <n>      workers for stages 03 and 04 (default 2, the log's)
  --json             print the report as JSON instead of Markdown
  --save-reference   save as the reference run the docs cite, bench/results/reference/log-<entry>.json
                     (then run npm run figures); never with --quick
  -h, --help         show this help, start nothing
`;
}

/** Parses the command line; throws {@link BenchUsageError}. */
export function parseLogArgs(argv: readonly string[]): { entry: Entry; options: LogOptions; json: boolean; saveReference: boolean } | 'help' {
  const { values, positionals } = parseFlags(
    argv,
    {
      quick: { type: 'boolean' },
      tool: { type: 'string' },
      threads: { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean' },
      'save-reference': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) return 'help';
  if (positionals.length !== 1 || !(ENTRIES as readonly string[]).includes(positionals[0]!)) {
    throw new BenchUsageError(`give one entry: ${ENTRIES.join(', ')}`);
  }
  const { tool, threads } = generator(values);
  if (values['save-reference'] && values.quick) throw new BenchUsageError('--save-reference keeps a run for the docs: not a --quick one');
  const options: LogOptions = {
    quick: values.quick === true,
    tool,
    threads,
    workers: positive('--workers', values.workers) ?? 2,
  };
  return { entry: positionals[0] as Entry, options, json: values.json === true, saveReference: values['save-reference'] === true };
}

command(import.meta.url, {
  name: 'bench:log',
  usage,
  parse: parseLogArgs,
  missing: (p) => toolMissing(p.options.tool),
  estimate: (p) => `bench:log ${p.entry}: about ${formatDuration(estimateEntrySeconds(p.entry, p.options))}${p.options.quick ? ' (--quick)' : ''}`,
  run: async (p, argv) => {
    const report = await replay(p.entry, p.options, beginRun('bench:log', argv), { reference: p.saveReference });
    process.stdout.write(p.json ? JSON.stringify(report, null, 2) + '\n' : report.markdown);
  },
});
