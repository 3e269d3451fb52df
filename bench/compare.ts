/**
 * `npm run bench:compare -- [--preset single|workers] [--targets ...] [--against-url URL] [options]`
 *
 * Servers side by side, in one run: by default every stage, `node:http` (one process) and
 * `node:cluster` + `node:http` with the same number of workers; or a preset (`single`: stage
 * 02 against `node:http`; `workers`: stages 04 and 03 against `node:cluster`); plus any server
 * the suite did not start, by URL. A Markdown table (requests/s, its ratio to the yardstick
 * with the same number of processes, requests per server CPU-second, latencies, errors, the
 * CPU of each side), the results as JSON with the machine and the command, and two charts:
 * requests/s by connection count, and requests per server CPU-second by target.
 *
 * Strategy: rounds, not one long run. Each round starts every target once (in turn, the order
 * reversed every other round, so that no target always goes first), warms it up, loads it at
 * each connection count, and stops it. A figure is the median over rounds, with the lowest
 * and highest round beside it; a ratio between two targets is taken round by round (the two
 * ran seconds apart, under the same disturbance) and reported the same way. Runs are saved
 * under `bench/results/local/` (git-ignored), or, with `--save-reference`, as the reference
 * run the documents cite.
 */

import { listStages } from '../bin/stage.ts';
import { BenchUsageError, command, formatDuration, generator, GENERATOR_START_S, LOAD_FLAGS, parseFlags, positive, positiveList, ROUNDS_FLAGS, START_S } from './cli-args.ts';
import { cpuSourceNote } from './cpu.ts';
import { DEFAULT_THREADS, measureLoad, runLoad, type Measured, type Tool } from './load.ts';
import { loadLine, machineLine } from './machine.ts';
import { fmt, spreadText, table } from './markdown.ts';
import { beginRun, endRun, saveRun, type RunInfo } from './results.ts';
import { MEMORY_COMMAND } from './memory.ts';
import { median, roundRatios, spreadOf, type Spread } from './stats.ts';
import { barChart, roundsChart } from './svg.ts';
import { displayName, externalTarget, isExternal, resolveTarget, startTarget, type Target } from './target.ts';

/** The presets: the comparisons the issues asked about, as target lists with their own defaults. */
export const PRESETS = {
  single: { targets: ['02', 'node:http'], concurrencies: [50, 100], rounds: 5, what: 'stage 02 against node:http, one process each' },
  workers: { targets: ['04', '03', 'node:cluster'], concurrencies: [50, 100], rounds: 5, what: 'stages 04 and 03 against node:cluster, --workers each' },
} as const;
/** A preset's name. */
export type Preset = keyof typeof PRESETS;

/** One round's figures for one target at one connection count. */
export interface RoundFigures {
  readonly rps: number;
  readonly responses: number;
  readonly totalS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly generatorCpuPct?: number;
  readonly serverCpuPct?: number;
  /** Server CPU seconds used during the load. */
  readonly serverCpuS?: number;
  /** Responses per second of server CPU. */
  readonly perServerCpuS?: number;
  readonly machineCpuPct?: number;
  /** Established connections per server process a second into the load (master first), where `ss` could tell. */
  readonly connectionsPerProcess?: number[];
  readonly verdicts: string[];
}

/** One target at one connection count, over all rounds. */
export interface CompareRow {
  readonly target: string;
  readonly serverArgs: string[];
  readonly connections: number;
  readonly rounds: RoundFigures[];
  /** Requests/s: median, lowest and highest round. */
  readonly rps: Spread;
  /** Responses per second of server CPU, when it was measured. */
  readonly perServerCpuS?: Spread;
  /** Medians over rounds. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Errors over all rounds. */
  readonly errors: number;
  /** The yardstick this row is held against: node:http for one process, node:cluster for workers. */
  readonly yardstick?: string;
  /** Requests/s divided by the yardstick's, round by round. */
  readonly ratio?: Spread;
  /** Responses per server CPU-second divided by the yardstick's, round by round. */
  readonly ratioPerCpuS?: Spread;
}

/** A saved comparison. */
export interface CompareResults {
  readonly kind: 'nibiru-ts bench:compare';
  readonly run: RunInfo;
  /** ISO time the run began (also in {@link run}). */
  readonly date: string;
  readonly preset?: Preset;
  readonly tool: Tool;
  readonly threads: number;
  readonly close: boolean;
  readonly quick: boolean;
  readonly durationS: number;
  readonly roundCount: number;
  readonly workers: number;
  readonly concurrencies: number[];
  readonly targets: string[];
  /** For servers the suite did not start: how their CPU was (or was not) counted. */
  readonly notes: string[];
  readonly rows: CompareRow[];
}

/** How to run a comparison. */
export interface CompareOptions {
  readonly preset?: Preset;
  /** Launcher names (`02-full-parser`, `ref:node-http`, `url:name=...`). */
  readonly targets: string[];
  readonly quick: boolean;
  readonly concurrencies: number[];
  readonly durationS: number;
  readonly rounds: number;
  readonly workers: number;
  readonly tool: Tool;
  readonly threads: number;
  readonly close: boolean;
  /** Seconds of unmeasured load after each start (the JIT's warm-up). */
  readonly warmupS: number;
  readonly saveReference: boolean;
  readonly out: string;
}

const note = (s: string): void => void process.stderr.write(`${s}\n`);

/**
 * The yardstick a target is held against: the one with the same number of processes; none
 * for a server the suite did not start (its processes are its own business).
 */
export function yardstickOf(target: string, serverArgs: readonly string[], external = false): string | undefined {
  if (target === 'node:http' || target === 'node:cluster') return target;
  if (external || isExternal(target)) return undefined;
  return serverArgs.includes('--workers') ? 'node:cluster' : 'node:http';
}

/** Seconds a comparison will take, roughly: the loads, the warm-ups, the start-ups. */
export function estimateSeconds(o: CompareOptions): number {
  const started = o.targets.filter((t) => !isExternal(t)).length;
  const perRound = o.targets.length * (o.concurrencies.length * (o.durationS + GENERATOR_START_S) + o.warmupS) + started * START_S;
  return o.rounds * perRound;
}

/** Builds the rows of a comparison from every round's figures. */
export function buildRows(
  figures: Map<string, { args: string[]; rounds: RoundFigures[] }>,
  names: readonly string[],
  concurrencies: readonly number[],
  externals: ReadonlySet<string> = new Set(),
): CompareRow[] {
  const rows: CompareRow[] = [];
  for (const name of names) {
    for (const c of concurrencies) {
      const e = figures.get(`${name}\0${c}`);
      if (!e) continue;
      const rps = e.rounds.map((r) => r.rps);
      const per = e.rounds.map((r) => r.perServerCpuS ?? NaN);
      const perSpread = spreadOf(per);
      rows.push({
        target: name,
        serverArgs: e.args,
        connections: c,
        rounds: e.rounds,
        rps: spreadOf(rps),
        ...(perSpread.n > 0 ? { perServerCpuS: perSpread } : {}),
        p50Ms: median(e.rounds.map((r) => r.p50Ms)),
        p99Ms: median(e.rounds.map((r) => r.p99Ms)),
        errors: e.rounds.reduce((a, r) => a + r.errors, 0),
      });
    }
  }
  return rows.map((r) => {
    const yardstick = yardstickOf(r.target, r.serverArgs, externals.has(r.target));
    const base = rows.find((b) => b.target === yardstick && b.connections === r.connections);
    if (!yardstick || !base) return r;
    const ratio = spreadOf(roundRatios(r.rounds.map((x) => x.rps), base.rounds.map((x) => x.rps)));
    const perCpu = spreadOf(roundRatios(r.rounds.map((x) => x.perServerCpuS ?? NaN), base.rounds.map((x) => x.perServerCpuS ?? NaN)));
    return { ...r, yardstick, ratio, ...(perCpu.n > 0 ? { ratioPerCpuS: perCpu } : {}) };
  });
}

/** Runs the comparison. */
export async function compare(o: CompareOptions, run: RunInfo): Promise<CompareResults> {
  const machine = run.machine;
  const figures = new Map<string, { args: string[]; rounds: RoundFigures[] }>();
  const notes = new Set<string>();
  const names = new Map<string, string>();
  for (let round = 1; round <= o.rounds; round++) {
    // every other round in reverse, so that no target always goes first after a quiet spell
    const order = round % 2 === 1 ? o.targets : [...o.targets].reverse();
    for (const target of order) {
      const t = await startTarget(target, { workers: o.workers });
      names.set(target, t.name);
      if (t.pidsNote) notes.add(`${t.name}: ${t.pidsNote}`);
      try {
        if (o.warmupS > 0) await runLoad({ tool: o.tool, threads: o.threads, url: t.url, path: t.path, connections: Math.min(...o.concurrencies), durationS: o.warmupS, close: o.close });
        for (const c of o.concurrencies) {
          const f = await measureOne(t, o, c, machine.cores);
          const key = `${t.name}\0${c}`;
          const entry = figures.get(key) ?? { args: t.args, rounds: [] };
          entry.rounds.push(f);
          figures.set(key, entry);
          note(
            `  round ${round}/${o.rounds} ${t.name} -c ${c}: ${fmt(f.rps)} req/s, p99 ${fmt(f.p99Ms, 2)} ms, errors ${f.errors}, ` +
              `CPU gen ${f.generatorCpuPct ?? '?'}% server ${f.serverCpuPct ?? '?'}% machine ${f.machineCpuPct ?? '?'}%` +
              (f.verdicts.length ? ` [${f.verdicts.map((v) => v.split(':')[0]).join('; ')}]` : ''),
          );
        }
      } finally {
        await t.stop();
      }
    }
  }
  const targetNames = o.targets.map((t) => names.get(t) ?? displayName(t));
  return {
    kind: 'nibiru-ts bench:compare',
    run: endRun(run),
    date: run.date,
    ...(o.preset ? { preset: o.preset } : {}),
    tool: o.tool,
    threads: o.threads,
    close: o.close,
    quick: o.quick,
    durationS: o.durationS,
    roundCount: o.rounds,
    workers: o.workers,
    concurrencies: o.concurrencies,
    targets: targetNames,
    notes: [...notes],
    rows: buildRows(figures, targetNames, o.concurrencies, new Set(o.targets.filter(isExternal).map((t) => names.get(t) ?? displayName(t)))),
  };
}

async function measureOne(t: Target, o: CompareOptions, c: number, cores: number): Promise<RoundFigures> {
  return roundFigures(await measureLoad(t.pids, { tool: o.tool, threads: o.threads, url: t.url, path: t.path, connections: c, durationS: o.durationS, close: o.close, progress: true }, cores));
}

/** The figures a round keeps of one measured load. */
export function roundFigures(m: Measured): RoundFigures {
  const p = (q: number): number => m.load.latency.percentiles.find((x) => x.p === q)?.ms ?? NaN;
  const serverCpuS = m.serverCpu ? m.serverCpu.cpuMs / 1000 : undefined;
  return {
    rps: m.load.rps,
    responses: m.load.responses,
    totalS: m.load.totalS,
    p50Ms: p(50),
    p99Ms: p(99),
    errors: Object.values(m.load.errors).reduce((a, b) => a + b, 0),
    ...(m.load.generatorCpu ? { generatorCpuPct: Math.round(m.load.generatorCpu.percentOfCore) } : {}),
    ...(m.serverCpu ? { serverCpuPct: Math.round(m.serverCpu.percentOfCore) } : {}),
    ...(serverCpuS !== undefined ? { serverCpuS: Math.round(serverCpuS * 1000) / 1000 } : {}),
    ...(serverCpuS ? { perServerCpuS: m.load.responses / serverCpuS } : {}),
    ...(m.machineCpu ? { machineCpuPct: Math.round(m.machineCpu.percentOfCore) } : {}),
    ...(m.connectionsPerProcess ? { connectionsPerProcess: m.connectionsPerProcess } : {}),
    verdicts: m.verdicts,
  };
}

/** What the generator did over a whole run, in one sentence: its CPU, and when it was saturated. */
export function generatorSentence(runs: readonly RoundFigures[], tool: Tool, threads: number, cores: number): string {
  const gen = runs.map((x) => x.generatorCpuPct).filter((x): x is number => x !== undefined);
  const cap = Math.min(threads, cores) * 100;
  const who = `${tool} in ${threads} thread(s)`;
  if (gen.length === 0) return `Generator: ${who}; its CPU was not measured.`;
  const count = (prefix: string): number => runs.filter((x) => x.verdicts.some((v) => v.startsWith(prefix))).length;
  const saturated = count('generator saturated');
  return (
    `Generator: ${who} used ${Math.min(...gen)}–${Math.max(...gen)}% of one core (it can use ${cap}%); ` +
    (saturated === 0
      ? `it was not saturated in any of the ${runs.length} runs`
      : `**it was saturated in ${saturated} of ${runs.length} runs**, whose figures measure the generator as much as the server`) +
    `. Generator and server together filled the machine in ${count('machine saturated')} of ${runs.length} runs; other work took more than half a core in ${count('contended')}.`
  );
}

/** The Markdown table of a comparison. */
export function compareTable(r: CompareResults): string {
  const m = r.run.machine;
  let md = `## bench:compare${r.preset ? ` --preset ${r.preset}` : ''}\n\n`;
  md += `\`${r.run.command}\` at ${r.run.commit}, ${r.date.slice(0, 16).replace('T', ' ')} UTC: ${r.tool}, ${r.durationS} s per run, ${r.roundCount} round(s), `;
  md += `--workers ${r.workers} for the multi-process targets${r.close ? ', `Connection: close` on every request (a new connection per request)' : ''}${r.quick ? ' (--quick: a smoke run, not a measurement)' : ''}.\n`;
  md += `Machine: ${machineLine(m)}; ${loadLine(m.loadAverage, m.cores)} before, ${r.run.loadAverageAfter ? loadLine(r.run.loadAverageAfter, m.cores).replace(/ \(.*/, '') : '?'} after; ${cpuSourceNote(m.cpuSource)}.\n`;
  for (const n of r.notes) md += `${n}.\n`;
  md += `\n${generatorSentence(r.rows.flatMap((row) => row.rounds), r.tool, r.threads, m.cores)}\n\n`;
  md += table(
    ['target', '-c', 'req/s: median (range)', '× yardstick', 'per server CPU-s', 'p50', 'p99', 'errors', 'CPU gen / server / all'],
    r.rows.map((row) => [
      `${row.target}${row.serverArgs.length ? ' ' + row.serverArgs.join(' ') : ''}`,
      String(row.connections),
      spreadText(row.rps, 0),
      row.ratio && row.yardstick ? `${spreadText(row.ratio, 2)} ${row.yardstick}` : '—',
      spreadText(row.perServerCpuS, 0),
      `${fmt(row.p50Ms, 2)} ms`,
      `${fmt(row.p99Ms, 2)} ms`,
      String(row.errors),
      `${cpuMedian(row, 'generatorCpuPct')} / ${cpuMedian(row, 'serverCpuPct')} / ${cpuMedian(row, 'machineCpuPct')}`,
    ]),
  );
  md += `\nA figure is the median over the rounds, with the lowest and the highest round in brackets; a ratio is taken round by round (the two targets ran seconds apart) and reported the same way. `;
  md += `× yardstick: against node:http for one process, node:cluster for workers. per server CPU-s: responses per second of the server's CPU (master and workers). `;
  md += `CPU: median over rounds, % of one core (${m.cores * 100}% = all cores).\n`;
  return md;
}

function cpuMedian(row: CompareRow, key: 'generatorCpuPct' | 'serverCpuPct' | 'machineCpuPct'): string {
  const v = row.rounds.map((x) => x[key]).filter((x): x is number => x !== undefined);
  return v.length ? `${Math.round(median(v))}%` : '?';
}

/** The charts of a comparison: `''` (requests/s by connections) and `-cpu` (per server CPU-second). */
export function compareCharts(r: CompareResults): Record<string, string> {
  const m = r.run.machine;
  const sub = `${r.tool} ×${r.threads}, ${r.durationS} s × ${r.roundCount} rounds${r.close ? ', Connection: close' : ''}; ${m.cores} cores ${m.cpuModel}, Node ${m.node}, generator on the same cores; ${r.date.slice(0, 16)}Z`;
  const charts: Record<string, string> = {
    '': roundsChart(
      `requests/s by connections${r.preset ? ` (--preset ${r.preset})` : ''}`,
      sub,
      'requests/s',
      r.concurrencies,
      r.targets.map((name) => ({ name, rounds: r.concurrencies.map((c) => r.rows.find((x) => x.target === name && x.connections === c)?.rounds.map((x) => x.rps) ?? []) })),
    ),
  };
  const groups = r.targets
    .map((name) => ({
      name,
      bars: r.concurrencies.map((c) => ({
        label: `-c ${c}`,
        rounds: (r.rows.find((x) => x.target === name && x.connections === c)?.rounds ?? []).map((x) => x.perServerCpuS).filter((x): x is number => x !== undefined),
      })),
    }))
    .filter((g) => g.bars.some((b) => b.rounds.length > 0));
  if (groups.length > 0) charts['-cpu'] = barChart('requests per second of server CPU, by target', sub, 'requests per server CPU-second', groups);
  return charts;
}

/** The help text. */
export function usage(): string {
  const defaults = parseCompareArgs([]) as CompareOptions;
  return `Usage: npm run bench:compare -- [options]

Loads several servers with the same load, in rounds, and prints a table with every
figure's median and range; saves JSON and two SVG charts (requests/s by connections, and
requests per server CPU-second) under bench/results/local/, which git ignores.
Takes the shared bench lock, and says up front how long it will take (with the
defaults, about ${formatDuration(estimateSeconds(defaults))}; --quick: about ${formatDuration(estimateSeconds(parseCompareArgs(['--quick']) as CompareOptions))}).

Targets (default: every stage, node:http and node:cluster):
  --preset <name>         single:  ${PRESETS.single.what}
                          workers: ${PRESETS.workers.what}
                          (presets: -c 50,100 and 5 rounds unless given)
  --targets <list>        comma-separated: 01, 02-full-parser, node:http, node:cluster...;
                          'none' to load only the --against-url servers
  --against-url [name=]URL
                          also load a server the suite did not start (nginx, gunicorn,
                          the original nibiru, your own), in the same rounds; repeatable

Load:
  -c <list>               connections, comma-separated             (default 10,50,100)
  -d <seconds>            seconds per run                           (default 5; --quick 1)
  --rounds <n>            rounds; their spread is the noise         (default 3; --quick 2)
  --warmup <seconds>      unmeasured load after each start          (default 1; --quick 0)
  --workers <n>           workers for stages that take them, and node:cluster (default 2)
  --tool <name>           autocannon (default) or wrk (if installed)
  --threads <n>           generator threads                         (default: autocannon ${DEFAULT_THREADS.autocannon}, wrk ${DEFAULT_THREADS.wrk})
  --close                 Connection: close on every request: a new connection per request
  --quick                 1-second runs, 2 rounds: a smoke run, not a measurement

Results:
  --save-reference        save as the reference run the docs cite, bench/results/reference/<name>.json
                          (then run npm run figures); never with --quick
  --out <name>            the name to save under (default compare[-<preset>][-<tool>][-close])
  --memory                RSS per process and per 1,000 idle connections instead (--memory --help)
  -h, --help              show this help, start nothing
`;
}

/** Parses the command line; throws {@link BenchUsageError}. */
export function parseCompareArgs(argv: readonly string[]): CompareOptions | 'help' {
  const { values } = parseFlags(argv, {
    ...LOAD_FLAGS,
    ...ROUNDS_FLAGS,
    preset: { type: 'string' },
    targets: { type: 'string' },
    'against-url': { type: 'string', multiple: true },
    quick: { type: 'boolean' },
  });
  if (values.help) return 'help';
  const quick = values.quick === true;
  if (values.preset !== undefined && !(values.preset in PRESETS)) throw new BenchUsageError(`bad --preset '${values.preset}': expected ${Object.keys(PRESETS).join(' or ')}`);
  if (values.preset !== undefined && values.targets !== undefined) throw new BenchUsageError('give --preset or --targets, not both');
  const preset = values.preset as Preset | undefined;
  let targets: string[];
  if (values.targets === 'none') targets = [];
  else if (values.targets !== undefined || preset !== undefined) {
    const names = values.targets !== undefined ? values.targets.split(',').map((t) => t.trim()) : [...PRESETS[preset!].targets];
    targets = names.map((n) => {
      const t = resolveTarget(n);
      if (t === undefined) throw new BenchUsageError(`unknown target '${n}'; the targets are: ${listStages().join(', ')}, node:http, node:cluster`);
      return t;
    });
  } else targets = [...listStages(), 'ref:node-http', 'ref:node-cluster'];
  for (const raw of values['against-url'] ?? []) {
    try {
      targets.push(externalTarget(raw));
    } catch (err) {
      throw new BenchUsageError(`bad --against-url: ${(err as Error).message}`);
    }
  }
  targets = [...new Set(targets)];
  if (targets.length === 0) throw new BenchUsageError('no targets: --targets none needs at least one --against-url');
  const { tool: t, threads, close } = generator(values);
  if (values['save-reference'] && quick) throw new BenchUsageError('--save-reference keeps a run for the docs: not a --quick one');
  const warmup = values.warmup === '0' ? 0 : positive('--warmup', values.warmup);
  return {
    ...(preset ? { preset } : {}),
    targets,
    quick,
    concurrencies: positiveList('-c', values.c) ?? (preset ? [...PRESETS[preset].concurrencies] : [10, 50, 100]),
    durationS: positive('-d', values.d) ?? (quick ? 1 : 5),
    rounds: positive('--rounds', values.rounds) ?? (quick ? 2 : preset ? PRESETS[preset].rounds : 3),
    warmupS: warmup ?? (quick ? 0 : 1),
    workers: positive('--workers', values.workers) ?? 2,
    tool: t,
    threads,
    close,
    saveReference: values['save-reference'] === true,
    out: values.out ?? ['compare', preset, t === 'autocannon' ? undefined : t, close ? 'close' : undefined].filter(Boolean).join('-'),
  };
}

if (process.argv.includes('--memory')) command(import.meta.url, MEMORY_COMMAND);
else command(import.meta.url, {
  name: 'bench:compare',
  usage,
  parse: parseCompareArgs,
  estimate: (x) =>
    `bench:compare: ${x.targets.length} target(s) × ${x.concurrencies.length} connection count(s) × ${x.rounds} round(s) of ${x.durationS} s: about ${formatDuration(estimateSeconds(x))}` +
    `${x.quick ? ' (--quick)' : ''}`,
  run: async (o, argv) => {
    const results = await compare(o, beginRun('bench:compare', argv));
    saveRun(o.out, results, compareCharts(results), o.saveReference);
    process.stdout.write(compareTable(results));
  },
});
