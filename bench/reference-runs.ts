/**
 * `npm run bench:reference [-- --only <name,...>]`: measures again every reference run the
 * documents cite, then rewrites their figures (`npm run figures`).
 *
 * Strategy: one list, {@link REFERENCE_RUNS}, of the commands that made the files in
 * `bench/results/reference/`, each run with `--save-reference` under one hold of the shared
 * lock, one after the other, so that the whole set comes from one session on one machine.
 * Each file records its command, commit, machine and load average; re-running on a quiet
 * machine is this one command. A run whose tool is not installed is skipped, and said so.
 */

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { estimateAbSeconds, parseAbArgs, type AbOptions } from './ab.ts';
import { BenchUsageError, command, formatDuration, parseFlags } from './cli-args.ts';
import { estimateSeconds, parseCompareArgs, type CompareOptions } from './compare.ts';
import { estimateMemorySeconds, parseMemoryArgs, type MemoryOptions } from './memory.ts';
import { toolAvailable } from './load.ts';
import { estimateEntrySeconds, parseLogArgs, type Entry, type LogOptions } from './log.ts';
import { loadAverage } from './machine.ts';
import { estimateProfileSeconds, parseProfileArgs, perfAvailable, type ProfileOptions } from './profile.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');

/** One reference run: the file it writes, and the command that writes it. */
export interface ReferenceRun {
  /** The file under `bench/results/reference/`, without `.json`. */
  readonly name: string;
  readonly script: 'bench:compare' | 'bench:log' | 'bench:ab' | 'bench:profile';
  /** Its arguments; `--save-reference` is added. */
  readonly args: readonly string[];
  /** What the documents use it for. */
  readonly why: string;
}

/** Every run the documents cite, in the order they are made. */
const REFERENCE_RUNS: readonly ReferenceRun[] = [
  { name: 'compare', script: 'bench:compare', args: ['--rounds', '5'], why: 'every stage and both yardsticks, the default generator: most figures' },
  { name: 'compare-1thread', script: 'bench:compare', args: ['--targets', '02,04,node:http,node:cluster', '--threads', '1', '--out', 'compare-1thread'], why: 'the same with one generator thread: what a saturated generator does to the ratios' },
  { name: 'compare-wrk', script: 'bench:compare', args: ['--tool', 'wrk'], why: 'every stage with wrk (skipped when wrk is not installed)' },
  { name: 'compare-memory', script: 'bench:compare', args: ['--memory', '--rounds', '3'], why: 'RSS per process and per 1,000 idle connections, every stage and both yardsticks' },
  { name: 'compare-workers-close', script: 'bench:compare', args: ['--preset', 'workers', '--close'], why: 'stages 04, 03 and node:cluster with a new connection per request' },
  { name: 'compare-fast-single', script: 'bench:compare', args: ['--targets', '05,02,node:http', '--workers', '1', '-c', '50,100', '--rounds', '5', '--out', 'compare-fast-single'], why: 'one process each: stage 05 --workers 1 and stage 02 against node:http (issue 11)' },
  { name: 'compare-fast-single-wrk', script: 'bench:compare', args: ['--targets', '05,02,node:http', '--workers', '1', '-c', '50,100', '--rounds', '5', '--tool', 'wrk', '--out', 'compare-fast-single-wrk'], why: 'the same with wrk, a lighter generator (skipped when wrk is not installed)' },
  { name: 'compare-fast-workers', script: 'bench:compare', args: ['--targets', '05,04,node:cluster', '-c', '50,100', '--rounds', '5', '--out', 'compare-fast-workers'], why: 'two workers each: stages 05 and 04 against node:cluster (issue 11)' },
  { name: 'compare-fast-workers-wrk', script: 'bench:compare', args: ['--targets', '05,04,node:cluster', '-c', '50,100', '--rounds', '5', '--tool', 'wrk', '--out', 'compare-fast-workers-wrk'], why: 'the same with wrk (skipped when wrk is not installed)' },
  { name: 'log-2024-08-06', script: 'bench:log', args: ['2024-08-06'], why: 'the backlog and the first request' },
  { name: 'log-2025-01-01', script: 'bench:log', args: ['2025-01-01'], why: "stage 02 with the log's loads; one connection by each tool" },
  { name: 'log-mixed-load', script: 'bench:log', args: ['mixed-load'], why: 'the experiment the log did not run' },
  { name: 'ab-02-8a01472-c56469c', script: 'bench:ab', args: ['8a01472..c56469c', '02'], why: 'the two connection changes of 2026-11-27, stage 02' },
  { name: 'ab-04-8a01472-c56469c', script: 'bench:ab', args: ['8a01472..c56469c', '04'], why: 'the same, stage 04' },
  { name: 'ab-02-8a01472-a4ebe9f', script: 'bench:ab', args: ['8a01472..a4ebe9f', '02'], why: 'the first change alone (no per-request __name)' },
  { name: 'ab-02-a4ebe9f-c56469c', script: 'bench:ab', args: ['a4ebe9f..c56469c', '02'], why: 'the second change alone (one read buffer)' },
  { name: 'ab-02-c56469c-c56469c', script: 'bench:ab', args: ['c56469c..c56469c', '02'], why: 'A against itself: the noise' },
  { name: 'ab-05-a6ea743-7fdca3d', script: 'bench:ab', args: ['a6ea743..7fdca3d', '05'], why: 'chapter 05, step 1: one read buffer for every socket' },
  { name: 'ab-05-7fdca3d-1218077', script: 'bench:ab', args: ['7fdca3d..1218077', '05', '-p', '10'], why: 'chapter 05, step 2: pipelined responses in one write, 10 requests pipelined' },
  { name: 'ab-05-1218077-1218077', script: 'bench:ab', args: ['1218077..1218077', '05'], why: 'chapter 05: stage 05 against itself, the noise' },
  { name: 'ab-05-1218077-1218077-p10', script: 'bench:ab', args: ['1218077..1218077', '05', '-p', '10', '--out', 'ab-05-1218077-1218077-p10'], why: 'chapter 05: the noise with 10 requests pipelined' },
  { name: 'ab-05-a6ea743-7fdca3d-w1-wrk', script: 'bench:ab', args: ['a6ea743..7fdca3d', '05', '--workers', '1', '--tool', 'wrk', '--rounds', '10', '--out', 'ab-05-a6ea743-7fdca3d-w1-wrk'], why: 'chapter 05, step 1 again: one worker and wrk, so that the machine is not saturated (skipped without wrk)' },
  { name: 'ab-05-1218077-1218077-w1-wrk', script: 'bench:ab', args: ['1218077..1218077', '05', '--workers', '1', '--tool', 'wrk', '--rounds', '10', '--out', 'ab-05-1218077-1218077-w1-wrk'], why: 'chapter 05: the noise of that setting' },
  { name: 'ab-05-01acea1-2362832', script: 'bench:ab', args: ['01acea1..2362832', '05', '--out', 'ab-05-01acea1-2362832'], why: 'chapter 05: writing to the handle, tried and taken out' },
  { name: 'ab-05-01acea1-2362832-w1-wrk', script: 'bench:ab', args: ['01acea1..2362832', '05', '--workers', '1', '--tool', 'wrk', '--rounds', '10', '--out', 'ab-05-01acea1-2362832-w1-wrk'], why: 'chapter 05: the same with one worker and wrk (skipped without wrk)' },
  { name: 'profile', script: 'bench:profile', args: ['--targets', '05,02,node:http', '--out', 'profile'], why: 'chapter 05: CPU per request by class, and the bound the kernel sets (skipped without perf or wrk)' },
  { name: 'profile-05-a6ea743-7fdca3d', script: 'bench:profile', args: ['--targets', '05', '--at', 'a6ea743..7fdca3d', '--rounds', '4', '--out', 'profile-05-a6ea743-7fdca3d'], why: 'chapter 05, step 1 in user space per request (skipped without perf or wrk)' },
  { name: 'profile-05-01acea1-2362832', script: 'bench:profile', args: ['--targets', '05', '--at', '01acea1..2362832', '--rounds', '4', '--out', 'profile-05-01acea1-2362832'], why: 'chapter 05, step 3 (taken out) in user space per request (skipped without perf or wrk)' },
  { name: 'profile-05-01acea1-01acea1', script: 'bench:profile', args: ['--targets', '05', '--at', '01acea1..01acea1', '--rounds', '4', '--out', 'profile-05-01acea1-01acea1'], why: 'chapter 05: the same code twice, the noise of a profile (skipped without perf or wrk)' },
  { name: 'profile-05-c8c0c16-841eb52', script: 'bench:profile', args: ['--targets', '05', '--at', 'c8c0c16..841eb52', '--rounds', '6', '--out', 'profile-05-c8c0c16-841eb52'], why: 'chapter 05, step 3 in user space per request (skipped without perf or wrk)' },
  { name: 'profile-05-841eb52-841eb52', script: 'bench:profile', args: ['--targets', '05', '--at', '841eb52..841eb52', '--rounds', '6', '--out', 'profile-05-841eb52-841eb52'], why: 'chapter 05: its noise (skipped without perf or wrk)' },
  { name: 'ab-05-c8c0c16-841eb52-w1-wrk', script: 'bench:ab', args: ['c8c0c16..841eb52', '05', '--workers', '1', '--tool', 'wrk', '--rounds', '10', '--out', 'ab-05-c8c0c16-841eb52-w1-wrk'], why: 'chapter 05, step 3 by bench:ab (skipped without wrk)' },
  { name: 'profile-04-05', script: 'bench:profile', args: ['--targets', '04,05,node:http', '--rounds', '4', '--out', 'profile-04-05'], why: 'chapter 05, step 1 by class: stage 04 against stage 05 (skipped without perf or wrk)' },
];

/** Roughly how long a reference run takes, in seconds. */
function estimateRun(r: ReferenceRun): number {
  if (r.script === 'bench:compare' && r.args.includes('--memory')) return estimateMemorySeconds(parseMemoryArgs(r.args) as MemoryOptions);
  if (r.script === 'bench:compare') return estimateSeconds(parseCompareArgs(r.args) as CompareOptions);
  if (r.script === 'bench:ab') return estimateAbSeconds(parseAbArgs(r.args) as AbOptions);
  if (r.script === 'bench:profile') return estimateProfileSeconds(parseProfileArgs(r.args) as ProfileOptions);
  const parsed = parseLogArgs(r.args) as { entry: Entry; options: LogOptions };
  return estimateEntrySeconds(parsed.entry, parsed.options);
}

/** Whether a run can be made on this machine (its tool is installed). */
function runnable(r: ReferenceRun): boolean {
  if (r.script === 'bench:profile') return perfAvailable() && toolAvailable('wrk');
  const i = r.args.indexOf('--tool');
  return i === -1 || toolAvailable(r.args[i + 1] as 'autocannon' | 'wrk');
}

/** The help text. */
export function usage(): string {
  const total = REFERENCE_RUNS.reduce((a, r) => a + estimateRun(r), 0);
  return `Usage: npm run bench:reference [-- --only <name,...>]

Measures again every reference run the documents cite, each with --save-reference, one
after the other under one hold of the shared bench lock, then runs npm run figures. Run it
on a quiet machine: every file records the load average, and the documents quote it.
All of them take about ${formatDuration(total)}.

The runs (bench/results/reference/<name>.json):
${REFERENCE_RUNS.map((r) => `  ${r.name.padEnd(24)} npm run ${r.script} -- ${r.args.join(' ')} --save-reference\n  ${' '.repeat(24)} about ${formatDuration(estimateRun(r))}: ${r.why}`).join('\n')}

Options:
  --only <names>   only these runs (comma-separated names from the list above)
  -h, --help       show this help, start nothing
`;
}

/** The runs `--only` names (all of them without it), or `'help'`; throws {@link BenchUsageError}. */
function parseReferenceArgs(argv: readonly string[]): ReferenceRun[] | 'help' {
  const { values } = parseFlags(argv, { only: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return 'help';
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = (only ?? []).filter((n) => !REFERENCE_RUNS.some((r) => r.name === n));
  if (unknown.length > 0) throw new BenchUsageError(`no reference run ${unknown.join(', ')}`);
  return REFERENCE_RUNS.filter((r) => only === undefined || only.includes(r.name));
}

command(import.meta.url, {
  name: 'bench:reference',
  usage,
  parse: parseReferenceArgs,
  estimate: (x) => `bench:reference: ${x.length} run(s), about ${formatDuration(x.filter(runnable).reduce((a, r) => a + estimateRun(r), 0))}`,
  run: (runs) => {
    const failed: string[] = [];
    for (const r of runs) {
      if (!runnable(r)) {
        process.stderr.write(`bench:reference: ${r.name}: skipped, its tool is not installed\n`);
        continue;
      }
      process.stderr.write(`\nbench:reference: ${r.name} (about ${formatDuration(estimateRun(r))}; load average ${loadAverage().join(', ')}): npm run ${r.script} -- ${r.args.join(' ')} --save-reference\n`);
      const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(HERE, `${r.script.slice(6)}.ts`), ...r.args, '--save-reference'], {
        cwd: ROOT,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, NIBIRU_BENCH_LOCKED: '1' },
      });
      if (child.status !== 0) failed.push(r.name);
    }
    const figures = spawnSync(process.execPath, ['--import', 'tsx', path.join(HERE, 'figures.ts')], { cwd: ROOT, stdio: 'inherit' });
    if (failed.length > 0) process.stderr.write(`bench:reference: failed: ${failed.join(', ')}\n`);
    process.exit(failed.length > 0 || figures.status !== 0 ? 1 : 0);
  },
});
