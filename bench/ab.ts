/**
 * `npm run bench:ab -- <A>..<B> <stage> [options]`: did a change make a stage faster?
 *
 * One stage at two commits (or at a commit and the working tree, `<A> <stage>`), measured
 * side by side in one run: both servers run for the whole session and take turns under the
 * same load, A first in odd rounds and B first in even ones (the order itself can bias), and
 * every round gives a ratio B / A of requests/s and of requests per second of server CPU.
 * The report gives each round's ratios and their median and range; per server CPU-second is
 * the steadier figure on a shared machine, because it does not depend on how much of the
 * cores the server got.
 *
 * Strategy: each commit is exported with `git archive` into a temporary folder, with a
 * symbolic link to this checkout's `node_modules`; its stage starts there, with its own
 * `docs.app:app`. The folders are removed when the command ends, however it ends. Run with
 * A = B, it measures the noise: the yardstick for any other ratio.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listStages, resolveStage } from '../bin/stage.ts';
import { BenchUsageError, command, formatDuration, generator, GENERATOR_START_S, LOAD_FLAGS, parseFlags, positive, ROUNDS_FLAGS, START_S } from './cli-args.ts';
import { generatorSentence, roundFigures, type RoundFigures } from './compare.ts';
import { DEFAULT_THREADS, measureLoad, runLoad, type Tool } from './load.ts';
import { loadLine, machineLine } from './machine.ts';
import { fmt, spreadText, table } from './markdown.ts';
import { beginRun, endRun, saveRun, type RunInfo } from './results.ts';
import { roundRatios, spreadOf, type Spread } from './stats.ts';
import { startTarget, type Target } from './target.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One side of the comparison. */
export interface Side {
  /** What the user typed (`HEAD~3`), or `working tree`. */
  readonly ref: string;
  /** The short commit, or `working tree`. */
  readonly commit: string;
}

/** How to run an A/B comparison. */
export interface AbOptions {
  readonly a: string;
  /** Undefined: the working tree. */
  readonly b?: string;
  readonly stage: string;
  readonly rounds: number;
  readonly durationS: number;
  readonly connections: number;
  readonly workers: number;
  readonly tool: Tool;
  readonly threads: number;
  readonly close: boolean;
  /** Requests each connection pipelines (autocannon); 1: none. */
  readonly pipelining: number;
  readonly warmupS: number;
  readonly saveReference: boolean;
  readonly out?: string;
}

/** One round: both sides under the same load, one after the other. */
export interface AbRound {
  readonly first: 'A' | 'B';
  readonly a: RoundFigures;
  readonly b: RoundFigures;
}

/** A saved A/B comparison. */
export interface AbResults {
  readonly kind: 'nibiru-ts bench:ab';
  readonly run: RunInfo;
  readonly date: string;
  /** The stage folder, as found at A. */
  readonly stage: string;
  readonly a: Side;
  readonly b: Side;
  readonly tool: Tool;
  readonly threads: number;
  readonly close: boolean;
  /** Requests each connection pipelined; absent in runs saved before the option existed (1). */
  readonly pipelining?: number;
  readonly durationS: number;
  readonly connections: number;
  readonly serverArgs: string[];
  readonly rounds: AbRound[];
  /** B / A of requests/s, round by round. */
  readonly ratio: Spread;
  /** B / A of requests per server CPU-second, round by round. */
  readonly ratioPerCpuS: Spread;
}

/** The help text. */
export function usage(): string {
  const d = parseAbArgs(['HEAD', '02']) as AbOptions;
  return `Usage: npm run bench:ab -- <A>..<B> <stage> [options]
       npm run bench:ab -- <A> <stage> [options]          (B: your working tree)

Measures one stage at two commits, side by side in one run: checks each commit out into a
temporary folder (git archive), starts both, loads them in turn (A first in odd rounds, B
first in even ones), and prints every round's ratio B / A of requests/s and of requests per
second of server CPU, with their median and range. A..A measures the noise.
Takes the shared bench lock; with the defaults it takes about ${formatDuration(estimateAbSeconds(d))}.

  npm run bench:ab -- HEAD~1 02         did my last commit make stage 02 faster?

Options:
  --rounds <n>        rounds                                  (default ${d.rounds})
  -d <seconds>        seconds per load                        (default ${d.durationS})
  -c <n>              connections                             (default ${d.connections})
  --workers <n>       workers, for stages that take them      (default ${d.workers})
  --warmup <seconds>  unmeasured load on each server first    (default ${d.warmupS})
  --tool <name>       autocannon (default) or wrk (if installed)
  --threads <n>       generator threads                       (default: autocannon ${DEFAULT_THREADS.autocannon}, wrk ${DEFAULT_THREADS.wrk})
  --close             Connection: close on every request: a new connection per request
  -p <n>              requests pipelined per connection (autocannon)  (default ${d.pipelining})
  --save-reference    save as a reference run the docs cite, bench/results/reference/<name>.json
  --out <name>        the name to save under                  (default ab-<stage>-<A>-<B>)
  -h, --help          show this help, start nothing
`;
}

/** Parses the command line; throws {@link BenchUsageError}. */
export function parseAbArgs(argv: readonly string[]): AbOptions | 'help' {
  const { values, positionals } = parseFlags(argv, { ...LOAD_FLAGS, ...ROUNDS_FLAGS, p: { type: 'string', short: 'p' } }, true);
  if (values.help) return 'help';
  if (positionals.length !== 2) throw new BenchUsageError('give the commits and the stage: <A>..<B> <stage>, or <A> <stage>');
  const [range, stage] = positionals as [string, string];
  const dots = range.indexOf('..');
  const a = dots === -1 ? range : range.slice(0, dots);
  const b = dots === -1 ? undefined : range.slice(dots + 2);
  if (a === '' || b === '') throw new BenchUsageError(`bad range '${range}': expected <A>..<B>, both given`);
  return {
    a,
    ...(b !== undefined ? { b } : {}),
    stage,
    rounds: positive('--rounds', values.rounds) ?? 6,
    durationS: positive('-d', values.d) ?? 5,
    connections: positive('-c', values.c) ?? 50,
    workers: positive('--workers', values.workers) ?? 2,
    warmupS: values.warmup === '0' ? 0 : (positive('--warmup', values.warmup) ?? 2),
    ...generator(values),
    pipelining: positive('-p', values.p) ?? 1,
    saveReference: values['save-reference'] === true,
    ...(values.out !== undefined ? { out: values.out } : {}),
  };
}

/** Seconds an A/B run will take, roughly. */
export function estimateAbSeconds(o: AbOptions): number {
  return 2 * (START_S + o.warmupS + GENERATOR_START_S) + o.rounds * 2 * (o.durationS + GENERATOR_START_S);
}

/** The short commit of a ref; throws {@link BenchUsageError} when git does not know it. */
export function resolveCommit(ref: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    throw new BenchUsageError(`git knows no commit '${ref}'`);
  }
}

/** Exports `commit` into a new temporary folder with this checkout's `node_modules`; returns the folder. */
function exportCommit(commit: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `nibiru-ab-${commit}-`));
  const archive = spawnSync('git', ['archive', '--format=tar', commit], { cwd: ROOT, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${commit} failed: ${archive.stderr.toString()}`);
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr.toString()}`);
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** One side exported: where its tree is, and the stage folder `name` means there. */
export interface Checkout extends Side {
  readonly side: 'A' | 'B';
  /** The exported tree, or this checkout for the working tree. */
  readonly tree: string;
  readonly stage: string;
}

/**
 * Runs `fn` with commit A and commit B (undefined: the working tree) exported and the stage
 * `name` found in each (`bench:ab`, and `bench:profile --at`); the exports are removed when
 * it ends, however it ends.
 */
export async function withCheckouts<T>(refs: readonly [string, string | undefined], name: string, fn: (a: Checkout, b: Checkout) => Promise<T>): Promise<T> {
  const exported: string[] = [];
  const removeAll = (): void => {
    for (const dir of exported.splice(0)) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', removeAll);
  // an interrupted run must not leave its exports behind; exiting also stops the servers
  // (harness/launcher.ts stops them on exit, and leaves signals to whoever handles them first)
  const onSignal = (signal: NodeJS.Signals): void => {
    removeAll();
    process.exit(128 + (os.constants.signals[signal] ?? 1));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
  try {
    const [a, b] = refs.map((ref, i): Checkout => {
      const side = i === 0 ? 'A' : 'B';
      const commit = ref === undefined ? 'working tree' : resolveCommit(ref);
      const tree = ref === undefined ? ROOT : exportCommit(commit);
      if (tree !== ROOT) exported.push(tree);
      const stage = resolveStage(name, listStages(path.join(tree, 'stages')));
      if (stage === undefined) throw new BenchUsageError(`no stage '${name}' at ${side} (${commit})`);
      return { side, ref: ref ?? commit, commit, tree, stage };
    }) as [Checkout, Checkout];
    return await fn(a, b);
  } finally {
    removeAll();
  }
}

/** Runs the rounds against two started servers. */
async function rounds(o: AbOptions, a: Target, b: Target, cores: number): Promise<AbRound[]> {
  const out: AbRound[] = [];
  const load = (t: Target): Promise<RoundFigures> =>
    measureLoad(t.pids, { tool: o.tool, threads: o.threads, url: t.url, connections: o.connections, durationS: o.durationS, close: o.close, pipelining: o.pipelining, progress: true }, cores).then(roundFigures);
  for (let r = 1; r <= o.rounds; r++) {
    const first = r % 2 === 1 ? 'A' : 'B';
    const [x, y] = first === 'A' ? [a, b] : [b, a];
    const fx = await load(x);
    const fy = await load(y);
    const round: AbRound = first === 'A' ? { first, a: fx, b: fy } : { first, a: fy, b: fx };
    out.push(round);
    process.stderr.write(
      `  round ${r}/${o.rounds} (${first} first): A ${fmt(round.a.rps)} req/s, B ${fmt(round.b.rps)} req/s, B/A ${(round.b.rps / round.a.rps).toFixed(2)}; ` +
        `per server CPU-s B/A ${round.a.perServerCpuS && round.b.perServerCpuS ? (round.b.perServerCpuS / round.a.perServerCpuS).toFixed(2) : '?'}\n`,
    );
  }
  return out;
}

/** Runs the A/B comparison. */
export function ab(o: AbOptions, run: RunInfo): Promise<AbResults> {
  return withCheckouts([o.a, o.b], o.stage, async (a, b) => {
    const start = (c: Checkout): Promise<Target> => startTarget(path.join(c.tree, 'stages', c.stage), { workers: o.workers, cwd: c.tree, label: `${c.side} ${c.commit}` });
    const ta = await start(a);
    try {
      const tb = await start(b);
      try {
        if (o.warmupS > 0) {
          for (const t of [ta, tb]) await runLoad({ tool: o.tool, threads: o.threads, url: t.url, connections: o.connections, durationS: o.warmupS, close: o.close, pipelining: o.pipelining });
        }
        const rs = await rounds(o, ta, tb, run.machine.cores);
        return {
          kind: 'nibiru-ts bench:ab',
          run: endRun(run),
          date: run.date,
          stage: a.stage,
          a: { ref: a.ref, commit: a.commit },
          b: { ref: b.ref, commit: b.commit },
          tool: o.tool,
          threads: o.threads,
          close: o.close,
          pipelining: o.pipelining,
          durationS: o.durationS,
          connections: o.connections,
          serverArgs: ta.args,
          rounds: rs,
          ratio: spreadOf(roundRatios(rs.map((r) => r.b.rps), rs.map((r) => r.a.rps))),
          ratioPerCpuS: spreadOf(roundRatios(rs.map((r) => r.b.perServerCpuS ?? NaN), rs.map((r) => r.a.perServerCpuS ?? NaN))),
        };
      } finally {
        await tb.stop();
      }
    } finally {
      await ta.stop();
    }
  });
}

/** The Markdown report of an A/B comparison. */
function abReport(r: AbResults): string {
  const m = r.run.machine;
  let md = `## bench:ab: stage ${r.stage}, A = ${r.a.ref} (${r.a.commit}), B = ${r.b.ref}${r.b.commit !== r.b.ref ? ` (${r.b.commit})` : ''}\n\n`;
  md += `\`${r.run.command}\`, ${r.date.slice(0, 16).replace('T', ' ')} UTC: ${r.tool}, -c ${r.connections}, ${r.durationS} s per load, ${r.rounds.length} rounds${r.serverArgs.length ? `, ${r.serverArgs.join(' ')}` : ''}${r.close ? ', `Connection: close` on every request' : ''}${(r.pipelining ?? 1) > 1 ? `, ${r.pipelining} requests pipelined per connection` : ''}.\n`;
  md += `Machine: ${machineLine(m)}; ${loadLine(m.loadAverage, m.cores)} before, ${r.run.loadAverageAfter ? loadLine(r.run.loadAverageAfter, m.cores).replace(/ \(.*/, '') : '?'} after.\n\n`;
  md += `${generatorSentence(r.rounds.flatMap((x) => [x.a, x.b]), r.tool, r.threads, m.cores)}\n\n`;
  const ratio = (x?: number, y?: number): string => (x !== undefined && y ? (x / y).toFixed(2) : '—');
  md += table(
    ['round', 'first', 'A req/s', 'B req/s', 'B / A', 'A per server CPU-s', 'B per server CPU-s', 'B / A per CPU-s'],
    r.rounds.map((x, i) => [String(i + 1), x.first, fmt(x.a.rps), fmt(x.b.rps), ratio(x.b.rps, x.a.rps), fmt(x.a.perServerCpuS ?? NaN), fmt(x.b.perServerCpuS ?? NaN), ratio(x.b.perServerCpuS, x.a.perServerCpuS)]),
  );
  md += `\nB / A, median (lowest–highest round): **${spreadText(r.ratio, 2)}** in requests/s, **${spreadText(r.ratioPerCpuS, 2)}** in requests per server CPU-second.\n`;
  return md;
}

command(import.meta.url, {
  name: 'bench:ab',
  usage,
  parse: parseAbArgs,
  // a typo in a commit should not wait half an hour for the lock
  check: (x) => [x.a, x.b].forEach((ref) => ref !== undefined && resolveCommit(ref)),
  estimate: (x) => `bench:ab: ${x.rounds} rounds × 2 loads of ${x.durationS} s: about ${formatDuration(estimateAbSeconds(x))}`,
  run: async (o, argv) => {
    const results = await ab(o, beginRun('bench:ab', argv));
    const name = o.out ?? `ab-${results.stage.slice(0, 2)}-${results.a.commit}-${o.b !== undefined ? results.b.commit : 'tree'}`;
    saveRun(name, results, {}, o.saveReference);
    process.stdout.write(abReport(results));
  },
});
