/**
 * `npm run bench:log -- <entry> [--quick] [--tool autocannon|hey|wrk] [--threads N] [--reports] [--save-reference]`
 *
 * Replays one entry of the performance log with its exact runs (concurrencies, durations or
 * request counts, worker counts) and prints the entry's tables with the log's own figures
 * beside the ones measured here. Entries: `2024-08-06`, `2025-01-01`, `2026-01-01`,
 * `2026-01-02`, and the experiment the log did not run, `mixed-load`.
 *
 * Strategy: each entry is a function from options to an {@link EntryReport} (Markdown text
 * plus every run as data). The report is printed and saved as JSON under
 * `bench/results/local/` (git-ignored), or with `--save-reference` as the reference run the
 * documents cite (`bench/results/reference/log-<entry>.json`). `--quick` scales durations to
 * 1 s and request counts down 50-fold, for a smoke run; its figures mean nothing. A stage
 * that does not exist yet is skipped and named as missing. The log's own figures, printed
 * beside ours, are in `bench/log-figures.ts`.
 */

import { pathToFileURL } from 'node:url';
import { listStages } from '../bin/stage.ts';
import { BenchUsageError, formatDuration, GENERATOR_START_S, parseFlags, positive, preamble, START_S, tool as parseTool, toolMissing } from './cli-args.ts';
import { firstRequest, mixedLoad, type FirstRequest, type MixedLoadResult } from './experiments.ts';
import { LOG_2024_08_06, LOG_2025_01_01, LOG_2026_01_01, LOG_2026_01_02, LOG_FD_PASSING_FOR_2026_01_02, type LogRun } from './log-figures.ts';
import { DEFAULT_THREADS, measureLoad, toolAvailable, TOOLS, type LoadResult, type Measured, type Tool } from './load.ts';
import { loadLine, machineLine, type Machine } from './machine.ts';
import { change, fmt, table } from './markdown.ts';
import { formatReport } from './report.ts';
import { beginRun, endRun, saveRun, type RunInfo } from './results.ts';
import { median } from './stats.ts';
import { startTarget, type Target, type TargetOptions } from './target.ts';

/** The entries `bench:log` knows. */
export const ENTRIES = ['2024-08-06', '2025-01-01', '2026-01-01', '2026-01-02', 'mixed-load'] as const;
/** One of {@link ENTRIES}. */
export type Entry = (typeof ENTRIES)[number];

/** How to replay an entry. */
export interface LogOptions {
  readonly quick: boolean;
  readonly tool: Tool;
  /** Generator threads (autocannon, wrk). */
  readonly threads: number;
  /** Workers for the multi-process stages; the log used 2. */
  readonly workers: number;
  /** Print every run's hey-style report on stderr as it finishes. */
  readonly reports: boolean;
}

/**
 * One load run of an entry, as it is saved: the {@link LoadResult}'s own figures, its
 * latencies and errors flattened to numbers, and the CPU of each side in percent.
 */
export interface RunRecord extends Pick<LoadResult, 'tool' | 'threads' | 'connections' | 'durationS' | 'requests' | 'totalS' | 'responses' | 'rps' | 'statusCodes' | 'over900Ms'> {
  readonly target: string;
  readonly serverArgs: string[];
  readonly label?: string;
  readonly averageMs: number;
  readonly fastestMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly slowestMs: number;
  readonly errors: number;
  readonly errorKinds: Record<string, number>;
  readonly generatorCpuPct?: number;
  readonly serverCpuPct?: number;
  /** The whole machine's busy CPU in percent of one core (200 % = both cores of two). */
  readonly machineCpuPct?: number;
  readonly verdicts: string[];
}

/** What one entry's replay produced. */
export interface EntryReport {
  readonly entry: Entry;
  /** The command, commit, machine and load average of the run. */
  readonly run: RunInfo;
  readonly date: string;
  readonly quick: boolean;
  readonly tool: Tool;
  readonly threads: number;
  readonly machine: Machine;
  readonly stages: string[];
  /** Stages the entry needs that are not in this tree. */
  readonly missing: string[];
  readonly runs: RunRecord[];
  readonly extra: Record<string, unknown>;
  /** The Markdown the command printed. */
  readonly markdown: string;
}

const note = (s: string): void => void process.stderr.write(`${s}\n`);

/** Scales a log duration for `--quick`. */
const dur = (o: LogOptions, s: number): number => (o.quick ? 1 : s);
/** Scales a log request count for `--quick` (never below 200, hey's default). */
const reqs = (o: LogOptions, n: number): number => (o.quick ? Math.max(200, Math.round(n / 50)) : n);

function toRecord(t: Target, m: Measured, label?: string): RunRecord {
  const l = m.load;
  const p = (q: number): number => l.latency.percentiles.find((x) => x.p === q)?.ms ?? NaN;
  return {
    target: t.name,
    serverArgs: t.args,
    ...(label ? { label } : {}),
    tool: l.tool,
    threads: l.threads,
    connections: l.connections,
    ...(l.durationS !== undefined ? { durationS: l.durationS } : { requests: l.requests! }),
    totalS: l.totalS,
    responses: l.responses,
    rps: l.rps,
    averageMs: l.latency.averageMs,
    fastestMs: l.latency.fastestMs,
    p50Ms: p(50),
    p99Ms: p(99),
    slowestMs: l.latency.slowestMs,
    ...(l.over900Ms !== undefined ? { over900Ms: l.over900Ms } : {}),
    errors: Object.values(l.errors).reduce((a, b) => a + b, 0),
    errorKinds: l.errors,
    statusCodes: l.statusCodes,
    ...(l.generatorCpu ? { generatorCpuPct: Math.round(l.generatorCpu.percentOfCore) } : {}),
    ...(m.serverCpu ? { serverCpuPct: Math.round(m.serverCpu.percentOfCore) } : {}),
    ...(m.machineCpu ? { machineCpuPct: Math.round(m.machineCpu.percentOfCore) } : {}),
    verdicts: m.verdicts,
  };
}

/** Runs one load on a started target and records it. */
async function run(
  t: Target,
  o: LogOptions,
  machine: Machine,
  load: { connections: number; durationS?: number; requests?: number; tool?: Tool },
  label?: string,
): Promise<RunRecord> {
  const tool = load.tool ?? o.tool;
  const m = await measureLoad(
    t.pids,
    {
      tool,
      ...(tool === o.tool ? { threads: o.threads } : {}),
      url: t.url,
      connections: load.connections,
      ...(load.durationS !== undefined ? { durationS: load.durationS } : { requests: load.requests! }),
      progress: true,
    },
    machine.cores,
  );
  const r = toRecord(t, m, label);
  const over = o.reports ? formatReport(m, machine, `${t.name} ${t.args.join(' ')}`) : '';
  note(
    `  ${t.name}${t.args.length ? ' ' + t.args.join(' ') : ''} ${tool} -c ${r.connections} ${r.durationS !== undefined ? `-d ${r.durationS}` : `-n ${r.requests}`}${label ? ` (${label})` : ''}: ` +
      `${fmt(r.rps)} req/s, avg ${fmt(r.averageMs, 2)} ms, p99 ${fmt(r.p99Ms, 2)} ms, errors ${r.errors}, ` +
      `CPU generator ${r.generatorCpuPct ?? '?'}% server ${r.serverCpuPct ?? '?'}% machine ${r.machineCpuPct ?? '?'}%${r.verdicts.length ? ' [' + r.verdicts.map((v) => v.split(':')[0]).join('; ') + ']' : ''}`,
  );
  if (over) note(over);
  return r;
}

/** Finds an existing stage by number, or undefined. */
function stage(nn: string): string | undefined {
  return listStages().find((s) => s.startsWith(nn));
}

/** Runs `loads` against one stage started once, or records it as missing. */
async function runStage(
  nn: string,
  targetOptions: TargetOptions,
  o: LogOptions,
  machine: Machine,
  loads: { connections: number; durationS?: number; requests?: number }[],
  missing: string[],
): Promise<RunRecord[]> {
  const s = stage(nn);
  if (s === undefined) {
    missing.push(nn);
    note(`  stage ${nn} is not in this tree (no stages/${nn}-*/src/main.ts): skipped`);
    return [];
  }
  const t = await startTarget(s, targetOptions);
  try {
    const out: RunRecord[] = [];
    for (const l of loads) out.push(await run(t, o, machine, l));
    return out;
  } finally {
    await t.stop();
  }
}

const ms = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : `${fmt(v, 2)} ms`);
const rate = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : fmt(v));
const find = (runs: RunRecord[], target: string | undefined, c: number): RunRecord | undefined =>
  runs.find((r) => r.target === target && r.connections === c);

function header(entry: Entry, o: LogOptions, machine: Machine, what: string, tool: string = o.tool): string {
  return (
    `## ${entry}: ${what}\n\n` +
    `Measured ${new Date().toISOString()} with ${tool}${tool === o.tool && tool !== 'hey' ? ` in ${o.threads} thread(s)` : ''}${o.quick ? ' (--quick: durations cut to 1 s, request counts 50-fold; these figures are a smoke run, not a measurement)' : ''}.\n` +
    `Machine: ${machineLine(machine)}; ${loadLine(machine.loadAverage, machine.cores)} at the start.\n` +
    `CPU columns: generator / server (master + workers) / whole machine, each in % of one core (${machine.cores * 100}% = all ${machine.cores} cores busy).\n\n`
  );
}

function cpuCell(r: RunRecord | undefined): string {
  if (!r) return '—';
  return `${r.generatorCpuPct ?? '?'}% / ${r.serverCpuPct ?? '?'}% / ${r.machineCpuPct ?? '?'}%${r.verdicts.some((v) => v.startsWith('generator')) ? ' (generator saturated)' : r.verdicts.some((v) => v.startsWith('machine')) ? ' (machine saturated)' : r.verdicts.some((v) => v.startsWith('contended')) ? ' (contended)' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// 2024-08-06: stage 01, hey's defaults, backlog 32 then 128; the slow first request.

async function entry20240806(o: LogOptions, machine: Machine): Promise<Omit<EntryReport, 'entry' | 'run' | 'date' | 'quick' | 'tool' | 'threads' | 'machine' | 'markdown'> & { markdown: string }> {
  const missing: string[] = [];
  const runs: RunRecord[] = [];
  const s01 = stage('01');
  const rounds = o.quick ? 2 : 5;
  if (s01 === undefined) missing.push('01');
  else {
    for (const backlog of [32, 128]) {
      const t = await startTarget(s01, { backlog });
      try {
        for (let i = 1; i <= rounds; i++) runs.push(await run(t, o, machine, { connections: 50, requests: 200 }, `backlog ${backlog}, run ${i}`));
        // the log's runs could not overflow a backlog of 32 by much; a burst of connections can
        runs.push(await run(t, o, machine, { connections: 500, requests: o.quick ? 1000 : 5000 }, `backlog ${backlog}, burst`));
      } finally {
        await t.stop();
      }
    }
  }
  const launches = o.quick ? 1 : 3;
  const first: FirstRequest[] = [];
  for (const target of [...listStages(), 'ref:node-http']) {
    const per: FirstRequest[] = [];
    for (let i = 0; i < launches; i++) per.push(await firstRequest(target, target.startsWith('03') || target.startsWith('04') ? { workers: o.workers } : {}));
    const m = (k: keyof FirstRequest): number => median(per.map((p) => p[k] as number));
    first.push({ target: per[0]!.target, readyMs: m('readyMs'), firstResponseMs: m('firstResponseMs'), firstLatencyMs: m('firstLatencyMs'), nextMedianMs: m('nextMedianMs'), nextCount: per[0]!.nextCount });
    note(`  first request ${per[0]!.target}: ready ${fmt(m('readyMs'))} ms, first response ${fmt(m('firstResponseMs'))} ms after spawn, first latency ${fmt(m('firstLatencyMs'), 2)} ms, next ${fmt(m('nextMedianMs'), 2)} ms`);
  }
  let md = header('2024-08-06', o, machine, "stage 01, hey's defaults (200 requests, 50 at once), backlog 32 then 128");
  md += `Kernel: somaxconn ${machine.somaxconn ?? '?'}, tcp_abort_on_overflow ${machine.tcpAbortOnOverflow ?? '?'}, tcp_syncookies ${machine.tcpSyncookies ?? '?'}. `;
  md += `With tcp_abort_on_overflow = 0, Linux drops a connection the full accept queue cannot take (the client's SYN or final ACK is ignored and retransmitted about 1 s later) instead of resetting it; a full queue shows up as ~1 s latencies, not as errors.\n\n`;
  md += table(
    ['run', 'req/s', 'avg', 'p99', 'slowest', 'errors', '≥ 900 ms', 'CPU gen / server / all', 'the log'],
    runs.map((r) => [
      r.label ?? '',
      rate(r.rps),
      ms(r.averageMs),
      ms(r.p99Ms),
      ms(r.slowestMs),
      String(r.errors),
      String(r.over900Ms ?? '—'),
      cpuCell(r),
      r.label === 'backlog 32, run 1'
        ? `first run: ~${LOG_2024_08_06.firstRun.rps} req/s, a ${LOG_2024_08_06.firstRun.slowestMs} ms request`
        : r.label?.startsWith('backlog 32, run')
          ? `${fmt(LOG_2024_08_06.backlog32.rps)} req/s, avg ${LOG_2024_08_06.backlog32.averageMs} ms, ${LOG_2024_08_06.backlog32.errors} errors (a later run)`
          : r.label?.startsWith('backlog 128, run')
            ? 'all 200 requests, no error'
            : 'not in the log',
    ]),
  );
  if (runs.length > 0) {
    const errs = (b: number): number => runs.filter((r) => r.label?.startsWith(`backlog ${b},`)).reduce((a, r) => a + r.errors, 0);
    const slow = (b: number): number => runs.filter((r) => r.label?.startsWith(`backlog ${b},`)).reduce((a, r) => a + (r.over900Ms ?? 0), 0);
    const worst = (b: number): string => ms(Math.max(...runs.filter((r) => r.label?.startsWith(`backlog ${b},`)).map((r) => r.slowestMs)));
    md += runs[0]!.tool === 'autocannon'
      ? `\nAll runs together: backlog 32 → ${errs(32)} errors and ${slow(32)} responses ≥ 900 ms; backlog 128 → ${errs(128)} errors and ${slow(128)} responses ≥ 900 ms.\n`
      : `\nAll runs together: backlog 32 → ${errs(32)} errors, slowest ${worst(32)}; backlog 128 → ${errs(128)} errors, slowest ${worst(128)} (counting responses ≥ 900 ms needs every latency, which only autocannon gives here).\n`;
  }
  md += `\n### The slow first request, per stage (median of ${launches} launch${launches > 1 ? 'es' : ''}; each request on a new connection)\n\n`;
  md += table(
    ['server', 'spawn → ready line', 'spawn → first response', 'first request', `next ${first[0]?.nextCount ?? 20} (median)`],
    first.map((f) => [f.target, ms(f.readyMs), ms(f.firstResponseMs), ms(f.firstLatencyMs), ms(f.nextMedianMs)]),
  );
  md += `\nThe log's first run had a 300 ms request and ~630 req/s; later runs were much faster.\n`;
  return { stages: s01 ? [s01] : [], missing, runs, extra: { firstRequest: first }, markdown: md };
}

// ---------------------------------------------------------------------------------------------
// 2025-01-01: stage 02, one process, hey -c 1/10/50/100 for 30 s, -c 5 for 5 s; Little's law.

async function entry20250101(o: LogOptions, machine: Machine) {
  const missing: string[] = [];
  const loads = LOG_2025_01_01.map((l) => ({ connections: l.connections, durationS: dur(o, l.durationS!) }));
  const runs = await runStage('02', {}, o, machine, loads, missing);
  // one connection, by every installed tool: is ~2.8k req/s at -c 1 a hey limitation?
  const oneConn: RunRecord[] = [];
  const s02 = stage('02');
  if (s02) {
    const t = await startTarget(s02);
    try {
      for (const tool of TOOLS) {
        if (!toolAvailable(tool)) {
          note(`  ${tool} is not installed: its one-connection run is skipped`);
          continue;
        }
        oneConn.push(await run(t, o, machine, { connections: 1, durationS: dur(o, 5), tool }, `one connection, ${tool}`));
      }
    } finally {
      await t.stop();
    }
  }
  const s = s02 ?? '02';
  let md = header('2025-01-01', o, machine, 'stage 02 (full parser, one process), 30 s per concurrency, then 5 s at -c 5');
  md += table(
    ['-c', 'duration', 'req/s here', 'req/s log', 'avg here', 'avg log', 'p99 here', 'p99 log', 'errors', 'CPU gen / server / all'],
    LOG_2025_01_01.map((l) => {
      const r = find(runs, s, l.connections);
      return [String(l.connections), `${dur(o, l.durationS!)} s`, rate(r?.rps), rate(l.rps), ms(r?.averageMs), ms(l.averageMs), ms(r?.p99Ms), ms(l.p99Ms), r ? String(r.errors) : '—', cpuCell(r)];
    }),
  );
  md += `\n### Little's law: throughput = concurrency / mean latency\n\n`;
  md += `For a closed loop of c connections, each sending its next request when the last response arrives, req/s = c / (mean latency). The log's averages are rounded to 0.1 ms, so its column is approximate.\n\n`;
  md += table(
    ['-c', 'log: c / avg', 'log: req/s', 'here: c / avg', 'here: req/s'],
    LOG_2025_01_01.map((l) => {
      const r = find(runs, s, l.connections);
      return [String(l.connections), rate((l.connections * 1000) / l.averageMs), rate(l.rps), r ? rate((l.connections * 1000) / r.averageMs) : '—', rate(r?.rps)];
    }),
  );
  md += `\n### One connection, by each load generator (${dur(o, 5)} s each)\n\n`;
  md += table(
    ['tool', 'req/s', 'avg', '1 / avg', 'p99', 'CPU gen / server / all'],
    oneConn.map((r) => [r.tool, rate(r.rps), ms(r.averageMs), rate(1000 / r.averageMs), ms(r.p99Ms), cpuCell(r)]),
  );
  return { stages: s02 ? [s02] : [], missing, runs: [...runs, ...oneConn], extra: {}, markdown: md };
}

/**
 * A step against the stage before it, here and in the log, one row per connection count of
 * the log's entry: `names` are the two columns' names and the step (`02 → 03`); `logBefore`
 * is the log's figure for the stage before, `here` the two runs of this replay.
 */
function stepTable(names: [string, string, string], log: readonly LogRun[], logBefore: (c: number) => number, here: (c: number) => [RunRecord | undefined, RunRecord | undefined]): string {
  const [a, b, step] = names;
  return table(
    ['-c', `${a} here`, `${b} here`, 'improvement here', `${a} log`, `${b} log`, 'improvement log', `avg here (${step})`, 'errors', `CPU gen / server / all (${step.slice(-2)})`],
    log.map((l) => {
      const [x, y] = here(l.connections);
      const lx = logBefore(l.connections);
      return [
        String(l.connections),
        rate(x?.rps),
        rate(y?.rps),
        x && y ? change(x.rps, y.rps) : '—',
        rate(lx),
        rate(l.rps),
        change(lx, l.rps),
        `${ms(x?.averageMs)} → ${ms(y?.averageMs)}`,
        `${x?.errors ?? '—'} / ${y?.errors ?? '—'}`,
        cpuCell(y),
      ];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// 2026-01-01: stage 03 (2 workers) against the stage 02 baseline, 30 s per concurrency.

async function entry20260101(o: LogOptions, machine: Machine) {
  const missing: string[] = [];
  const loads = LOG_2026_01_01.map((l) => ({ connections: l.connections, durationS: dur(o, l.durationS!) }));
  const base = await runStage('02', {}, o, machine, loads, missing);
  const conc = await runStage('03', { workers: o.workers }, o, machine, loads, missing);
  const s02 = stage('02');
  const s03 = stage('03');
  let md = header('2026-01-01', o, machine, `stage 03 (fd passing, least connection, --workers ${o.workers}) against the stage 02 baseline, ${dur(o, 30)} s per row`);
  md += stepTable(['baseline', 'concurrent', '02 → 03'], LOG_2026_01_01, (c) => LOG_2025_01_01.find((x) => x.connections === c)!.rps, (c) => [find(base, s02, c), find(conc, s03, c)]);
  return { stages: [s02, s03].filter((x): x is string => !!x), missing, runs: [...base, ...conc], extra: {}, markdown: md };
}

// ---------------------------------------------------------------------------------------------
// 2026-01-02: stage 04 (shared socket) against stage 03, 1,000,000 requests per row.

async function entry20260102(o: LogOptions, machine: Machine) {
  const missing: string[] = [];
  const loads = LOG_2026_01_02.map((l) => ({ connections: l.connections, requests: reqs(o, l.requests!) }));
  const fd = await runStage('03', { workers: o.workers }, o, machine, loads, missing);
  const shared = await runStage('04', { workers: o.workers }, o, machine, loads, missing);
  const s03 = stage('03');
  const s04 = stage('04');
  let md = header('2026-01-02', o, machine, `stage 04 (shared socket, --workers ${o.workers}) against stage 03, -n ${fmt(reqs(o, 1_000_000))} per row`);
  md += stepTable(['FD passing', 'shared socket', '03 → 04'], LOG_2026_01_02, (c) => LOG_FD_PASSING_FOR_2026_01_02[c]!, (c) => [find(fd, s03, c), find(shared, s04, c)]);
  md += `\nThe log's own comparison set fresh 1M-request runs of 04 against 30-second runs of 03 from the entry before; here both run the same -n in one session.\n`;
  return { stages: [s03, s04].filter((x): x is string => !!x), missing, runs: [...fd, ...shared], extra: {}, markdown: md };
}

// ---------------------------------------------------------------------------------------------
// mixed-load: the experiment the log did not run. 03 (least connection) vs 04 (kernel accept).

async function entryMixed(o: LogOptions, machine: Machine) {
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
  let md = header('mixed-load', o, machine, `a share of requests hit /slow: stage 03 (least connection) vs 04 (the kernel's accept), --workers ${o.workers}`, 'a raw node:net client (bench/probe.ts)');
  md += `${settings.connections} client loops for ${settings.durationS} s, one request at a time each; every ${settings.slowEvery}th request is \`/slow?ms=${settings.slowMs}\` (it blocks its worker), the rest \`/pid\`. `;
  md += `Latencies are from a raw node:net client (bench/probe.ts); "new connection per request" includes the connect. Requests are counted per worker pid from the response bodies.\n\n`;
  md += table(
    ['stage', 'mode', 'req/s', 'fast p50', 'fast p99', 'fast p99.9', 'fast max', 'slow p50', 'slow p99', 'per worker (fast + slow)', 'errors'],
    results.map((r) => [
      r.target,
      r.mode,
      rate(r.rps),
      ms(r.fast.p50),
      ms(r.fast.p99),
      ms(r.fast.p999),
      ms(r.fast.max),
      ms(r.slow.p50),
      ms(r.slow.p99),
      Object.entries(r.perPid)
        .sort((a, b) => b[1].fast + b[1].slow - (a[1].fast + a[1].slow))
        .map(([pid, c]) => `${pid}: ${c.fast} + ${c.slow}`)
        .join(', '),
      String(r.errors),
    ]),
  );
  return { stages: ['03', '04'].map(stage).filter((x): x is string => !!x), missing, runs: [], extra: { mixedLoad: results, settings }, markdown: md };
}

const RUNNERS: Record<Entry, (o: LogOptions, m: Machine) => Promise<Omit<EntryReport, 'entry' | 'run' | 'date' | 'quick' | 'tool' | 'threads' | 'machine'>>> = {
  '2024-08-06': entry20240806,
  '2025-01-01': entry20250101,
  '2026-01-01': entry20260101,
  '2026-01-02': entry20260102,
  'mixed-load': entryMixed,
};

/** Seconds an entry's replay will take, roughly (2026-01-02's 1M-request rows: at 20,000 req/s). */
export function estimateEntrySeconds(entry: Entry, o: LogOptions): number {
  const stages = listStages().length;
  const launches = o.quick ? 1 : 3;
  const load = (s: number): number => s + GENERATOR_START_S;
  switch (entry) {
    case '2024-08-06':
      return 2 * (START_S + (o.quick ? 2 : 5) * load(1) + load(3)) + (stages + 1) * launches * (START_S + 1);
    case '2025-01-01': {
      const tools = TOOLS.filter(toolAvailable).length;
      return START_S + LOG_2025_01_01.reduce((a, l) => a + load(dur(o, l.durationS!)), 0) + START_S + tools * load(dur(o, 5));
    }
    case '2026-01-01':
      return 2 * (START_S + LOG_2026_01_01.reduce((a, l) => a + load(dur(o, l.durationS!)), 0));
    case '2026-01-02':
      return 2 * (START_S + LOG_2026_01_02.reduce((a, l) => a + load(reqs(o, l.requests!) / 20_000), 0));
    case 'mixed-load':
      return 4 * (START_S + (o.quick ? 1 : 10));
  }
}

/** Replays one entry and returns its report; saves it unless `save` is false. */
export async function replay(entry: Entry, o: LogOptions, run: RunInfo, save: { reference: boolean } | false = { reference: false }): Promise<EntryReport> {
  const machine = run.machine;
  note(`bench:log ${entry}${o.quick ? ' --quick' : ''} with ${o.tool}; generator and server share ${machine.cores} cores`);
  const body = await RUNNERS[entry](o, machine);
  let markdown = body.markdown;
  if (body.missing.length > 0) markdown += `\nMissing from this tree, so not measured: stage ${body.missing.join(', ')}.\n`;
  const report: EntryReport = { entry, run: endRun(run), date: run.date, quick: o.quick, tool: o.tool, threads: o.threads, machine, ...body, markdown };
  if (save) {
    const name = `log-${entry}${o.tool === 'autocannon' ? '' : `-${o.tool}`}`;
    saveRun(name, report, {}, save.reference);
  }
  return report;
}

/** The help text. */
export function usage(): string {
  const o: LogOptions = { quick: false, tool: 'autocannon', threads: DEFAULT_THREADS.autocannon, workers: 2, reports: false };
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
  --tool <name>      autocannon (default), hey or wrk (wrk cannot do 2026-01-02's -n runs)
  --threads <n>      generator threads (default: autocannon ${DEFAULT_THREADS.autocannon}, wrk ${DEFAULT_THREADS.wrk})
  --workers <n>      workers for stages 03 and 04 (default 2, the log's)
  --reports          also print every run's hey-style report (on stderr)
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
      reports: { type: 'boolean' },
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
  const t = parseTool(values.tool);
  if (t === 'wrk' && positionals[0] === '2026-01-02') throw new BenchUsageError('2026-01-02 runs -n 1000000; wrk runs for a duration only');
  if (values['save-reference'] && values.quick) throw new BenchUsageError('--save-reference keeps a run for the docs: not a --quick one');
  const options: LogOptions = {
    quick: values.quick === true,
    tool: t,
    threads: positive('--threads', values.threads) ?? DEFAULT_THREADS[t],
    workers: positive('--workers', values.workers) ?? 2,
    reports: values.reports === true,
  };
  return { entry: positionals[0] as Entry, options, json: values.json === true, saveReference: values['save-reference'] === true };
}

async function main(argv: string[]): Promise<void> {
  const parsed = await preamble(argv, 'bench:log', usage, parseLogArgs, {
    missing: (p) => toolMissing(p.options.tool),
    estimate: (p) => `bench:log ${p.entry}: about ${formatDuration(estimateEntrySeconds(p.entry, p.options))}${p.options.quick ? ' (--quick)' : ''}`,
  });
  if (parsed === undefined) return;
  const report = await replay(parsed.entry, parsed.options, beginRun('bench:log', argv), { reference: parsed.saveReference });
  process.stdout.write(parsed.json ? JSON.stringify(report, null, 2) + '\n' : report.markdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`bench:log: error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
