/**
 * `npm run bench:compare [--quick] [-c 10,50,100] [-d seconds] [--rounds N] [--workers N] [--tool ...] [--against results.json]`
 *
 * The regression comparison: the same load against every stage, `node:http` (one process)
 * and `node:cluster` + `node:http` with the same number of workers, all in one run; a Markdown
 * table (requests/s, p50, p99, errors, ratio to `node:http`), the results as JSON under
 * `bench/results/` (with the machine, the Node version and the load tool) and an SVG chart of
 * requests/s by concurrency drawn from that JSON.
 *
 * Strategy: rounds, not one long run. Each round starts every target once, loads it at each
 * concurrency, and stops it; the figure is the median over rounds, and the spread across
 * rounds ((max - min) / median) is the noise this run measured. `--against` compares with a
 * saved run and flags a target/concurrency as slower only when the drop exceeds the larger of
 * the two runs' spreads (and at least 5 %); it exits 1 when something was flagged.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { listStages } from '../bin/stage.ts';
import { BenchUsageError, positive, tool as parseTool } from './cli-args.ts';
import { measureLoad, type Tool } from './load.ts';
import { runUnderLock } from './lock.ts';
import { describeMachine, machineLine, type Machine } from './machine.ts';
import { change, fmt, table } from './markdown.ts';
import { median, relativeSpread } from './stats.ts';
import { lineChart } from './svg.ts';
import { displayName, withTarget } from './target.ts';

/** The smallest change `--against` ever calls a regression, whatever the measured noise. */
export const MIN_NOISE = 0.05;

/** One round's figures for one target at one concurrency. */
export interface RoundFigures {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly generatorCpuPct?: number;
  readonly serverCpuPct?: number;
  readonly machineCpuPct?: number;
  readonly verdicts: string[];
}

/** One target at one concurrency, over all rounds. */
export interface CompareRow {
  readonly target: string;
  readonly serverArgs: string[];
  readonly connections: number;
  readonly rounds: RoundFigures[];
  /** Medians over rounds. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Errors over all rounds. */
  readonly errors: number;
  /** (max - min) / median of requests/s over rounds. */
  readonly spread: number;
  /** requests/s divided by node:http's at the same concurrency. */
  readonly ratioToNodeHttp?: number;
}

/** A saved comparison (`bench/results/compare-*.json`). */
export interface CompareResults {
  readonly kind: 'nibiru-ts bench:compare';
  readonly date: string;
  readonly machine: Machine;
  readonly tool: Tool;
  readonly quick: boolean;
  readonly durationS: number;
  readonly roundCount: number;
  readonly workers: number;
  readonly concurrencies: number[];
  readonly targets: string[];
  readonly rows: CompareRow[];
}

/** How to run a comparison. */
export interface CompareOptions {
  readonly quick: boolean;
  readonly concurrencies: number[];
  readonly durationS: number;
  readonly rounds: number;
  readonly workers: number;
  readonly tool: Tool;
  readonly against?: string;
  readonly out?: string;
}

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const note = (s: string): void => void process.stderr.write(`${s}\n`);

/** Runs the comparison. */
export async function compare(o: CompareOptions): Promise<CompareResults> {
  const machine = describeMachine();
  const targets = [...listStages(), 'ref:node-http', 'ref:node-cluster'];
  const figures = new Map<string, { args: string[]; rounds: RoundFigures[] }>();
  for (let round = 1; round <= o.rounds; round++) {
    for (const target of targets) {
      await withTarget(target, { workers: o.workers }, async (t) => {
        for (const c of o.concurrencies) {
          const m = await measureLoad(t.pids, { tool: o.tool, url: t.process.url, connections: c, durationS: o.durationS, progress: true }, machine.cores);
          const p = (q: number): number => m.load.latency.percentiles.find((x) => x.p === q)?.ms ?? NaN;
          const f: RoundFigures = {
            rps: m.load.rps,
            p50Ms: p(50),
            p99Ms: p(99),
            errors: Object.values(m.load.errors).reduce((a, b) => a + b, 0),
            ...(m.load.generatorCpu ? { generatorCpuPct: Math.round(m.load.generatorCpu.percentOfCore) } : {}),
            ...(m.serverCpu ? { serverCpuPct: Math.round(m.serverCpu.percentOfCore) } : {}),
            ...(m.machineCpu ? { machineCpuPct: Math.round(m.machineCpu.percentOfCore) } : {}),
            verdicts: m.verdicts,
          };
          const key = `${t.name}\0${c}`;
          const entry = figures.get(key) ?? { args: t.args, rounds: [] };
          entry.rounds.push(f);
          figures.set(key, entry);
          note(`  round ${round}/${o.rounds} ${t.name} -c ${c}: ${fmt(f.rps)} req/s, p99 ${fmt(f.p99Ms, 2)} ms, errors ${f.errors}, CPU gen ${f.generatorCpuPct ?? '?'}% server ${f.serverCpuPct ?? '?'}% machine ${f.machineCpuPct ?? '?'}%`);
        }
      });
    }
  }
  const names = targets.map(displayName);
  const rows: CompareRow[] = [];
  for (const name of names) {
    for (const c of o.concurrencies) {
      const e = figures.get(`${name}\0${c}`)!;
      const rps = e.rounds.map((r) => r.rps);
      rows.push({
        target: name,
        serverArgs: e.args,
        connections: c,
        rounds: e.rounds,
        rps: median(rps),
        p50Ms: median(e.rounds.map((r) => r.p50Ms)),
        p99Ms: median(e.rounds.map((r) => r.p99Ms)),
        errors: e.rounds.reduce((a, r) => a + r.errors, 0),
        spread: relativeSpread(rps),
      });
    }
  }
  const withRatio = rows.map((r) => {
    const base = rows.find((b) => b.target === 'node:http' && b.connections === r.connections);
    return base && base.rps > 0 ? { ...r, ratioToNodeHttp: r.rps / base.rps } : r;
  });
  return {
    kind: 'nibiru-ts bench:compare',
    date: new Date().toISOString(),
    machine,
    tool: o.tool,
    quick: o.quick,
    durationS: o.durationS,
    roundCount: o.rounds,
    workers: o.workers,
    concurrencies: o.concurrencies,
    targets: names,
    rows: withRatio,
  };
}

/** The Markdown table of a comparison. */
export function compareTable(r: CompareResults): string {
  let md = `## bench:compare\n\n`;
  md += `${r.date}: ${r.tool}, ${r.durationS} s per run, median of ${r.roundCount} round(s), --workers ${r.workers} for the multi-process targets${r.quick ? ' (--quick: a smoke run, not a measurement)' : ''}.\n`;
  md += `Machine: ${machineLine(r.machine)}.\n\n`;
  md += table(
    ['target', '-c', 'req/s', 'spread', 'p50', 'p99', 'errors', '× node:http', 'CPU gen / server / all'],
    r.rows.map((row) => {
      const last = row.rounds[row.rounds.length - 1];
      return [
        `${row.target}${row.serverArgs.length ? ' ' + row.serverArgs.join(' ') : ''}`,
        String(row.connections),
        fmt(row.rps),
        `${(row.spread * 100).toFixed(1)}%`,
        `${fmt(row.p50Ms, 2)} ms`,
        `${fmt(row.p99Ms, 2)} ms`,
        String(row.errors),
        row.ratioToNodeHttp !== undefined ? `${row.ratioToNodeHttp.toFixed(2)}×` : '—',
        last ? `${median(row.rounds.map((x) => x.generatorCpuPct ?? NaN))}% / ${median(row.rounds.map((x) => x.serverCpuPct ?? NaN))}% / ${median(row.rounds.map((x) => x.machineCpuPct ?? NaN))}%` : '—',
      ];
    }),
  );
  md += `\nspread: (max - min) / median of req/s over the rounds, the noise of this run. CPU: median over rounds, % of one core (${r.machine.cores * 100}% = all cores).\n`;
  return md;
}

/** The SVG chart of a comparison. */
export function compareChart(r: CompareResults): string {
  return lineChart(
    `requests/s by concurrency (${r.tool}, ${r.durationS} s, median of ${r.roundCount})`,
    `${r.machine.cores} cores ${r.machine.cpuModel}, Node ${r.machine.node}; generator and server share the cores; ${r.date.slice(0, 16)}Z`,
    r.concurrencies,
    r.targets.map((name) => ({ name, values: r.concurrencies.map((c) => r.rows.find((x) => x.target === name && x.connections === c)?.rps ?? NaN) })),
  );
}

/** A target/concurrency held against a saved run. */
export interface Regression {
  readonly target: string;
  readonly connections: number;
  readonly before: number;
  readonly after: number;
  /** The noise band: a drop larger than this fraction is flagged. */
  readonly band: number;
  readonly slower: boolean;
}

/** Compares a run with a saved one; a drop beyond both runs' noise (and {@link MIN_NOISE}) is flagged. */
export function against(saved: CompareResults, now: CompareResults): Regression[] {
  const out: Regression[] = [];
  for (const row of now.rows) {
    const old = saved.rows.find((x) => x.target === row.target && x.connections === row.connections);
    if (!old) continue;
    const band = Math.max(MIN_NOISE, old.spread, row.spread);
    out.push({ target: row.target, connections: row.connections, before: old.rps, after: row.rps, band, slower: row.rps < old.rps * (1 - band) });
  }
  return out;
}

/** The help text. */
export const USAGE = `Usage: npm run bench:compare -- [options]

Loads every stage, node:http and node:cluster with the same load, in rounds, and prints a
table; saves JSON and an SVG chart under bench/results/.

Options:
  --quick              1-second runs, 2 rounds: a smoke run, not a measurement
  -c <list>            concurrencies                        (default 10,50,100)
  -d <seconds>         seconds per run                      (default 5; --quick 1)
  --rounds <n>         rounds; the spread across them is the noise (default 3; --quick 2)
  --workers <n>        workers for stages that take them and node:cluster (default 2)
  --tool <name>        autocannon (default), hey or wrk
  --against <file>     flag targets slower than in that saved results file (exit 1 if any)
  --out <name>         file name stem under bench/results/ (default compare-<date>)
  -h, --help           show this help
`;

/** Parses the command line; throws {@link BenchUsageError}. */
export function parseCompareArgs(argv: readonly string[]): CompareOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean' },
        c: { type: 'string', short: 'c' },
        d: { type: 'string', short: 'd' },
        rounds: { type: 'string' },
        workers: { type: 'string' },
        tool: { type: 'string' },
        against: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new BenchUsageError((err as Error).message.split('\n')[0]!);
  }
  if (values.help) return 'help';
  const quick = values.quick === true;
  const concurrencies = (values.c ?? '10,50,100').split(',').map((c) => positive('-c', c.trim())!);
  return {
    quick,
    concurrencies,
    durationS: positive('-d', values.d) ?? (quick ? 1 : 5),
    rounds: positive('--rounds', values.rounds) ?? (quick ? 2 : 3),
    workers: positive('--workers', values.workers) ?? 2,
    tool: parseTool(values.tool),
    ...(values.against !== undefined ? { against: values.against } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
  };
}

async function main(argv: string[]): Promise<void> {
  let o;
  try {
    o = parseCompareArgs(argv);
  } catch (err) {
    if (!(err instanceof BenchUsageError)) throw err;
    process.stderr.write(`bench:compare: error: ${err.message}\n${USAGE}`);
    process.exit(1);
  }
  if (o === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const saved = o.against !== undefined ? (JSON.parse(readFileSync(o.against, 'utf8')) as CompareResults) : undefined;
  if (saved && saved.kind !== 'nibiru-ts bench:compare') throw new Error(`${o.against} is not a bench:compare results file`);
  runUnderLock();
  const results = await compare(o);
  mkdirSync(RESULTS, { recursive: true });
  const stem = o.out ?? `compare-${results.date.slice(0, 10)}${o.quick ? '.quick.tmp' : ''}`;
  const latest = o.quick ? 'latest.quick.tmp' : 'latest';
  // a quick run's JSON is *.tmp.json, which git ignores; its chart goes to the temp folder
  const svgDir = o.quick ? os.tmpdir() : RESULTS;
  for (const s of [stem, latest]) {
    writeFileSync(path.join(RESULTS, `${s}.json`), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(path.join(svgDir, `${s}.svg`), compareChart(results));
  }
  note(`saved bench/results/${stem}.json and ${latest}.json; charts ${path.join(svgDir, stem)}.svg and ${latest}.svg`);
  let md = compareTable(results);
  let flagged = false;
  if (saved) {
    const regs = against(saved, results);
    flagged = regs.some((r) => r.slower);
    md += `\n### Against ${path.basename(o.against!)} (${saved.date}, ${saved.machine.cores} cores ${saved.machine.cpuModel}, ${saved.tool})\n\n`;
    md += table(
      ['target', '-c', 'req/s then', 'req/s now', 'change', 'noise band', 'verdict'],
      regs.map((r) => [r.target, String(r.connections), fmt(r.before), fmt(r.after), change(r.before, r.after), `±${(r.band * 100).toFixed(1)}%`, r.slower ? 'SLOWER' : 'within noise or faster']),
    );
    if (saved.durationS !== results.durationS || saved.tool !== results.tool || saved.quick !== results.quick) {
      md += `\nThe saved run used ${saved.tool}, ${saved.durationS} s runs${saved.quick ? ' (--quick)' : ''}; this one ${results.tool}, ${results.durationS} s${results.quick ? ' (--quick)' : ''}: not the same load, so a difference may be the load's.\n`;
    }
    if (saved.machine.cpuModel !== results.machine.cpuModel || saved.machine.cores !== results.machine.cores) {
      md += `\nThe saved run was on another machine: a difference may be the machine's, not the code's.\n`;
    }
  }
  process.stdout.write(md);
  if (flagged) process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`bench:compare: error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
