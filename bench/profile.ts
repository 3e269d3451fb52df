/**
 * `npm run bench:profile -- [--targets 05,02,node:http] [options]`: where does each request's
 * CPU time go?
 *
 * Each target is started in one process (`--workers 1`: one worker serves), loaded with wrk,
 * and sampled by Linux `perf` (`perf record -e cpu-clock -g`, with Node's `--perf-basic-prof`
 * so that JavaScript frames have names) for the length of the load. Every sample is put in
 * one class, by what it was doing: the kernel (system calls, and TCP on loopback), Node's C++
 * and libuv with no JavaScript on the stack, the garbage collector, or the JavaScript function
 * nearest the top of the stack (with the native code it called): the server's own modules,
 * the application, Node's own JavaScript (streams, `node:http`, `Buffer`, ...). Divided by
 * the requests served in the same seconds, each class is a cost in microseconds per request.
 *
 * Why per request and not a share: the A/B ratios of `bench:ab` are as noisy as the machine,
 * tens of percent here, while a step that saves a tenth of a microsecond is real and worth
 * knowing. And why the kernel apart: two servers that make the same system calls pay the
 * same kernel time per request, so the kernel time of the faster one bounds how far any
 * change to its JavaScript can take it (the bound this report prints).
 *
 * Needs `perf` (Debian: linux-perf) with permission to sample another process, and wrk; says
 * so and measures nothing without them. Samples are CPU time at 999 Hz, so a target needs a
 * few seconds of load for its small classes to mean anything.
 */

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveCommit, withCheckouts, type Checkout } from './ab.ts';
import { BenchUsageError, command, formatDuration, parseFlags, positive, ROUNDS_FLAGS } from './cli-args.ts';
import { runLoad, toolAvailable } from './load.ts';
import { loadLine, machineLine } from './machine.ts';
import { fmt, table } from './markdown.ts';
import { beginRun, endRun, saveRun, type RunInfo } from './results.ts';
import { displayName, resolveTarget, startTarget, type Target } from './target.ts';

/** The sampling rate, in samples per CPU-second. */
const FREQUENCY_HZ = 999;

/** How to run a profile. */
export interface ProfileOptions {
  /** The targets, as resolved names (`05-fast-path`, `ref:node-http`). */
  readonly targets: readonly string[];
  /** Seconds of load sampled per target in each round. */
  readonly durationS: number;
  /** Rounds: in each, every target is sampled once, in turn. */
  readonly rounds: number;
  /** Seconds of load before sampling starts (the JIT's warm-up). */
  readonly warmupS: number;
  readonly connections: number;
  /** Profile one stage at two commits instead (`--at A..B`): the targets are then that stage at each. */
  readonly at?: { readonly a: string; readonly b: string };
  readonly saveReference: boolean;
  readonly out?: string;
}

/** The classes a sample falls in, in the order reports list them. */
const CLASSES = ['kernel', 'node-native', 'gc', 'server', 'app', 'node-streams', 'node-http', 'node-buffer', 'node-other', 'other'] as const;

/** One class. */
export type SampleClass = (typeof CLASSES)[number];

/** What each class means, for a report. */
const CLASS_NAMES: Readonly<Record<SampleClass, string>> = {
  kernel: 'kernel: system calls, TCP on loopback',
  'node-native': "Node's C++ and libuv, no JavaScript on the stack",
  gc: 'garbage collector',
  server: "the server's own JavaScript (and what it calls)",
  app: 'the application',
  'node-streams': "Node's streams and sockets (JavaScript)",
  'node-http': "Node's node:http (JavaScript)",
  'node-buffer': "Node's Buffer (JavaScript)",
  'node-other': "Node's other JavaScript (timers, task queues, events)",
  other: 'other',
};

/** One sample, as the frames of its stack, innermost first (lines of `perf script`). */
export type Stack = readonly string[];

/** Splits the output of `perf script -F ip,sym,dso` into stacks. */
export function parseStacks(text: string): Stack[] {
  return text
    .split(/\n\s*\n/)
    .map((block) => block.split('\n').map((line) => line.trim()).filter((line) => line !== ''))
    .filter((frames) => frames.length > 0);
}

/**
 * The class of one sample, and for the server's own code the module (`parser`, `response`).
 * The innermost frame decides kernel and GC; otherwise the innermost JavaScript frame does,
 * so native code called from JavaScript (a `Buffer` write, the handle's `writev`) counts for
 * the JavaScript that called it.
 */
export function classify(stack: Stack): { cls: SampleClass; module?: string } {
  const leaf = stack[0] ?? '';
  if (leaf.includes('[kernel.kallsyms]')) return { cls: 'kernel' };
  if (stack.some((f) => /v8::internal::(Heap|Scavenger|MarkCompact|ConcurrentMarking|Sweeper|MinorMarkCompact|GCTracer)/.test(f))) return { cls: 'gc' };
  for (const frame of stack) {
    if (!frame.includes('JS:')) continue;
    const stage = /\/stages\/[^/\s]+\/src\/([\w-]+)\.(?:ts|mjs)/.exec(frame);
    if (stage) return { cls: 'server', module: stage[1]! };
    if (/\/docs\/[\w-]+\.ts|\/bench\/reference\/[\w-]+\.ts|\/spec\/apps\//.test(frame)) return { cls: 'app' };
    const node = /JS:\S*\s+node:([\w/]+)/.exec(frame);
    if (node) {
      const mod = node[1]!;
      if (/^(internal\/streams\/|internal\/stream_base_commons|net$|stream$|internal\/net)/.test(mod)) return { cls: 'node-streams' };
      if (/^(_http_|internal\/http)/.test(mod)) return { cls: 'node-http' };
      if (/^(buffer$|internal\/buffer)/.test(mod)) return { cls: 'node-buffer' };
      return { cls: 'node-other' };
    }
  }
  if (stack.some((f) => /\buv_run\b|\buv__io_poll\b/.test(f))) return { cls: 'node-native' };
  return { cls: 'other' };
}

/** What one target's profile found. */
export interface TargetProfile {
  /** The target's display name. */
  readonly name: string;
  /** Responses in the sampled seconds. */
  readonly requests: number;
  /** Requests per second during sampling. */
  readonly rps: number;
  /** Samples taken of the serving process. */
  readonly samples: number;
  /** Microseconds of CPU per request, per class. */
  readonly us: Readonly<Record<SampleClass, number>>;
  /** Microseconds per request of the server's own JavaScript, per module. */
  readonly modules: Readonly<Record<string, number>>;
  /** Microseconds of CPU per request in all. */
  readonly totalUs: number;
  /** The same, round by round (saved runs only). */
  readonly roundsUs?: readonly number[];
}

/** A saved profile run. */
export interface ProfileResults {
  readonly kind: 'nibiru-ts bench:profile';
  readonly run: RunInfo;
  readonly date: string;
  readonly durationS: number;
  readonly warmupS: number;
  readonly rounds: number;
  readonly connections: number;
  readonly frequencyHz: number;
  /** The commits, for a run with `--at`. */
  readonly at?: { readonly a: string; readonly b: string };
  readonly targets: TargetProfile[];
}

/** Microseconds of CPU per request that `samples` taken at `hz` stand for, over `requests`. */
function usPerRequest(samples: number, requests: number, hz = FREQUENCY_HZ): number {
  return requests > 0 ? (samples / hz / requests) * 1e6 : NaN;
}

/** A target's microseconds per request outside the kernel. */
export function userUs(t: TargetProfile): number {
  return t.totalUs - t.us.kernel;
}

/**
 * The target of a profile that `name` means: its display name, or what it starts with (`05`
 * for `05-fast-path`, `A` for `A-01acea1`). Throws when there is none.
 */
export function findTarget(r: ProfileResults, name: string): TargetProfile {
  const t = r.targets.find((x) => x.name === name || x.name.startsWith(`${name}-`) || x.name.startsWith(`${name} `));
  if (!t) throw new Error(`no target ${name} in this profile (it has ${r.targets.map((x) => x.name).join(', ')})`);
  return t;
}

/** Turns the stacks sampled while `requests` were served into costs per request. */
export function summarize(name: string, stacks: readonly Stack[], requests: number, seconds: number, hz = FREQUENCY_HZ): TargetProfile {
  const counts = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<SampleClass, number>;
  const modules: Record<string, number> = {};
  for (const stack of stacks) {
    const { cls, module } = classify(stack);
    counts[cls]++;
    if (module !== undefined) modules[module] = (modules[module] ?? 0) + 1;
  }
  const perRequest = (n: number): number => usPerRequest(n, requests, hz);
  const us = Object.fromEntries(CLASSES.map((c) => [c, perRequest(counts[c])])) as Record<SampleClass, number>;
  const byModule = Object.fromEntries(Object.entries(modules).sort((a, b) => b[1] - a[1]).map(([m, n]) => [m, perRequest(n)]));
  return { name, requests, rps: requests / seconds, samples: stacks.length, us, modules: byModule, totalUs: perRequest(stacks.length) };
}

/** Whether `perf` can be run here. */
export function perfAvailable(): boolean {
  const r = spawnSync('perf', ['--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/** Waits for a child process to end; resolves with its exit status. */
function exited(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** What one turn of sampling a target gave. */
interface Turn {
  readonly stacks: Stack[];
  readonly requests: number;
  readonly seconds: number;
}

/** The process that serves a target started with `--workers 1`: its one worker, or itself. */
function servingPid(t: Target): number {
  return t.pids[t.pids.length - 1]!;
}

/** Samples the serving process of `t` for `o.durationS` seconds under wrk. */
async function sample(t: Target, o: ProfileOptions, data: string): Promise<Turn> {
  const perf = spawn('perf', ['record', '-F', String(FREQUENCY_HZ), '-e', 'cpu-clock', '-g', '-p', String(servingPid(t)), '-o', data, '--', 'sleep', String(o.durationS)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let perfErr = '';
  perf.stderr?.on('data', (b: Buffer) => (perfErr += b.toString()));
  const [load, status] = await Promise.all([runLoad({ tool: 'wrk', url: t.url, connections: o.connections, durationS: o.durationS }), exited(perf)]);
  if (status !== 0) throw new Error(`perf record failed (${status}): ${perfErr.trim().split('\n').pop() ?? ''}`);
  const script = spawnSync('perf', ['script', '-i', data, '-F', 'ip,sym,dso'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr.trim().split('\n').pop() ?? ''}`);
  rmSync(data, { force: true });
  return { stacks: parseStacks(script.stdout), requests: load.responses, seconds: load.totalS };
}

/**
 * Profiles every target: starts them all (one process each, `--perf-basic-prof`), warms each
 * up, then samples them in turn, round after round (the first target first in odd rounds,
 * the last first in even ones), so that a machine whose speed drifts shares the drift out.
 */
export function profile(o: ProfileOptions, run: RunInfo): Promise<ProfileResults> {
  const env = { NODE_OPTIONS: [process.env.NODE_OPTIONS, '--perf-basic-prof'].filter(Boolean).join(' ') };
  if (o.at === undefined) return sampleAll(o, run, o.targets.map((target) => () => startTarget(target, { workers: 1, env })));
  // the stage at each commit, exported as bench:ab does
  const at = (c: Checkout) => (): Promise<Target> => startTarget(path.join(c.tree, 'stages', c.stage), { workers: 1, cwd: c.tree, label: `${c.side}-${c.commit}`, env });
  return withCheckouts([o.at.a, o.at.b], o.targets[0]!, (a, b) => sampleAll(o, run, [at(a), at(b)]));
}

async function sampleAll(o: ProfileOptions, run: RunInfo, starts: readonly (() => Promise<Target>)[]): Promise<ProfileResults> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nibiru-profile-'));
  const started: Target[] = [];
  try {
    for (const start of starts) started.push(await start());
    for (const t of started) await runLoad({ tool: 'wrk', url: t.url, connections: o.connections, durationS: o.warmupS });
    const turns: Turn[][] = started.map(() => []);
    for (let round = 1; round <= o.rounds; round++) {
      const order = started.map((_, i) => i);
      if (round % 2 === 0) order.reverse();
      for (const i of order) {
        const t = started[i]!;
        const turn = await sample(t, o, path.join(dir, `${i}-${round}.data`));
        turns[i]!.push(turn);
        process.stderr.write(`  round ${round}/${o.rounds} ${t.name}: ${fmt(turn.requests / turn.seconds, 0)} req/s, ${usPerRequest(turn.stacks.length, turn.requests).toFixed(2)} µs of CPU per request\n`);
      }
    }
    const targets = started.map((t, i) => {
      const all = turns[i]!;
      const p = summarize(t.name, all.flatMap((x) => x.stacks), all.reduce((a, x) => a + x.requests, 0), all.reduce((a, x) => a + x.seconds, 0));
      return { ...p, roundsUs: all.map((x) => usPerRequest(x.stacks.length, x.requests)) };
    });
    return { kind: 'nibiru-ts bench:profile', run: endRun(run), date: run.date, durationS: o.durationS, warmupS: o.warmupS, rounds: o.rounds, connections: o.connections, frequencyHz: FREQUENCY_HZ, ...(o.at ? { at: o.at } : {}), targets };
  } finally {
    for (const t of started) {
      await t.stop();
      rmSync(`/tmp/perf-${servingPid(t)}.map`, { force: true });
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const us2 = (v: number): string => (Number.isFinite(v) && v !== 0 ? v.toFixed(2) : '—');

/** The table of costs per request: one row per class, one column per target. */
export function profileTable(r: ProfileResults): string {
  const header = ['µs of CPU per request', ...r.targets.map((t) => t.name)];
  const rows: string[][] = [];
  for (const c of CLASSES.filter((x) => r.targets.some((t) => t.us[x] >= 0.005))) {
    rows.push([CLASS_NAMES[c], ...r.targets.map((t) => us2(t.us[c]))]);
    if (c !== 'server') continue;
    // the server's own JavaScript by module, the larger first
    const modules = [...new Set(r.targets.flatMap((t) => Object.keys(t.modules)))].filter((m) => r.targets.some((t) => (t.modules[m] ?? 0) >= 0.05));
    modules.sort((a, b) => Math.max(...r.targets.map((t) => t.modules[b] ?? 0)) - Math.max(...r.targets.map((t) => t.modules[a] ?? 0)));
    for (const m of modules) rows.push([`    of which \`${m}.ts\``, ...r.targets.map((t) => us2(t.modules[m] ?? 0))]);
  }
  rows.push(['user space: all but the kernel', ...r.targets.map((t) => us2(userUs(t)))]);
  rows.push(['**all**', ...r.targets.map((t) => `**${us2(t.totalUs)}**`)]);
  if (r.targets.every((t) => (t.roundsUs?.length ?? 0) > 1)) {
    rows.push(['all, lowest–highest round', ...r.targets.map((t) => `${us2(Math.min(...t.roundsUs!))}–${us2(Math.max(...t.roundsUs!))}`)]);
  }
  rows.push(['requests/s while sampled', ...r.targets.map((t) => fmt(t.rps, 0))]);
  return table(header, rows);
}

/**
 * The ratio of `b`'s CPU per request to `a`'s (how many times cheaper `a` is); what it would
 * be if `a`'s own JavaScript cost nothing (`withoutServer`); and the most it could be, if all
 * of `a`'s user-space time (all but the kernel) were zero (`bound`).
 */
export function profileRatio(r: ProfileResults, a: string, b: string): { ratio: number; bound: number; withoutServer: number } {
  const ta = findTarget(r, a);
  const tb = findTarget(r, b);
  return { ratio: tb.totalUs / ta.totalUs, bound: tb.totalUs / ta.us.kernel, withoutServer: tb.totalUs / (ta.totalUs - ta.us.server) };
}

/** How a profile was made, in a sentence. */
export function profileNote(r: ProfileResults): string {
  return `One process each, taking turns: ${r.rounds} round(s) of ${r.durationS} s per target under wrk in 1 thread at -c ${r.connections}, sampled by perf at ${r.frequencyHz} Hz, after ${r.warmupS} s of warm-up; the generator and the server share the machine's ${r.run.machine.cores} cores.`;
}

/** The report: the table, the ratios to the last target, how it was made. */
function profileReport(r: ProfileResults): string {
  let md = `# bench:profile, ${r.date}\n\n${machineLine(r.run.machine)}\n${loadLine(r.run.machine.loadAverage, r.run.machine.cores)}\n\n`;
  md += `${profileTable(r)}\n\n`;
  const last = r.targets[r.targets.length - 1]!;
  if (r.at !== undefined) {
    const [a, b] = r.targets as [TargetProfile, TargetProfile];
    md += `- B / A: user space ${us2(userUs(a))} → ${us2(userUs(b))} µs per request (${(userUs(b) / userUs(a)).toFixed(2)}×); in all ${us2(a.totalUs)} → ${us2(b.totalUs)} (${(b.totalUs / a.totalUs).toFixed(2)}×), the kernel's part moving from run to run.\n`;
    return `${md}\n${profileNote(r)}\n`;
  }
  for (const t of r.targets.slice(0, -1)) {
    const { ratio, bound, withoutServer } = profileRatio(r, t.name, last.name);
    md += `- ${t.name}: ${last.name} spends ${ratio.toFixed(2)}× its CPU per request. Were ${t.name}'s own JavaScript free, that would be ${withoutServer.toFixed(2)}×; were all its user-space time zero, its kernel time alone would make it ${bound.toFixed(2)}×: no change to its JavaScript can go further.\n`;
  }
  md += `\n${profileNote(r)}\n`;
  return md;
}

/** The help text. */
export function usage(): string {
  const d = parseProfileArgs([]) as ProfileOptions;
  return `Usage: npm run bench:profile -- [options]

Where each request's CPU time goes, per target: starts each in one process, loads them in
turn with wrk, round after round, samples the serving process with perf (cpu-clock, with
Node's --perf-basic-prof), and prints microseconds of CPU per request by class (kernel,
Node's C++, GC, the server's JavaScript by module, the app, Node's streams, node:http,
Buffer). Needs perf (Debian: linux-perf) and wrk.
Takes the shared bench lock; with the defaults it takes about ${formatDuration(estimateProfileSeconds(d))}.

Options:
  --targets <list>    what to profile, comma-separated       (default 05,02,node:http)
  --at <A>..<B>       one stage (--targets) at two commits, as bench:ab exports them
  --rounds <n>        rounds, each target sampled once in each (default ${d.rounds})
  -d <seconds>        seconds sampled per target and round    (default ${d.durationS})
  --warmup <seconds>  load before sampling                    (default ${d.warmupS})
  -c <n>              connections                             (default ${d.connections})
  --save-reference    save as a reference run the docs cite, bench/results/reference/<name>.json
  --out <name>        the name to save under                  (default profile)
  -h, --help          show this help, start nothing
`;
}

/** Parses the command line; throws {@link BenchUsageError}. */
export function parseProfileArgs(argv: readonly string[]): ProfileOptions | 'help' {
  const { values, positionals } = parseFlags(
    argv,
    { ...ROUNDS_FLAGS, targets: { type: 'string' }, at: { type: 'string' }, d: { type: 'string', short: 'd' }, c: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) return 'help';
  if (positionals.length > 0) throw new BenchUsageError(`unexpected argument ${positionals[0]}`);
  let at: { a: string; b: string } | undefined;
  if (values.at !== undefined) {
    const m = /^(.+)\.\.(.+)$/.exec(values.at);
    if (!m) throw new BenchUsageError(`bad --at '${values.at}': expected <A>..<B>`);
    if (values.targets === undefined || values.targets.includes(',')) throw new BenchUsageError('--at profiles one stage at two commits: give it with --targets <stage>');
    at = { a: m[1]!, b: m[2]! };
  }
  const targets = (values.targets ?? '05,02,node:http').split(',').map((name) => {
    const t = resolveTarget(name.trim());
    if (t === undefined || t === 'ref:node-cluster') throw new BenchUsageError(`cannot profile ${name}: give a stage or node:http`);
    if (at !== undefined && t.startsWith('ref:')) throw new BenchUsageError(`--at needs a stage, not ${name}`);
    return t;
  });
  return {
    targets,
    durationS: positive('-d', values.d) ?? 4,
    rounds: positive('--rounds', values.rounds) ?? 3,
    warmupS: positive('--warmup', values.warmup) ?? 3,
    connections: positive('-c', values.c) ?? 50,
    ...(at !== undefined ? { at } : {}),
    saveReference: values['save-reference'] ?? false,
    ...(values.out !== undefined ? { out: values.out } : {}),
  };
}

/** Roughly how long a profile takes, in seconds. */
export function estimateProfileSeconds(o: ProfileOptions): number {
  return (o.at === undefined ? o.targets.length : 2) * (o.warmupS + 4 + o.rounds * (o.durationS + 1));
}

command(import.meta.url, {
  name: 'bench:profile',
  usage,
  parse: parseProfileArgs,
  missing: () => {
    const missing = [perfAvailable() ? '' : 'perf (Debian: apt-get install linux-perf)', toolAvailable('wrk') ? '' : 'wrk (apt-get install wrk)'].filter(Boolean);
    return missing.length > 0 ? `needs ${missing.join(' and ')}; nothing measured` : undefined;
  },
  check: (x) => [x.at?.a, x.at?.b].forEach((ref) => ref !== undefined && resolveCommit(ref)),
  estimate: (x) =>
    `bench:profile: ${x.at === undefined ? x.targets.map(displayName).join(', ') : `${displayName(x.targets[0]!)} at ${x.at.a} and ${x.at.b}`}: about ${formatDuration(estimateProfileSeconds(x))}`,
  run: async (o, argv) => {
    const results = await profile(o, beginRun('bench:profile', argv));
    saveRun(o.out ?? 'profile', results, {}, o.saveReference);
    process.stdout.write(profileReport(results));
  },
});
