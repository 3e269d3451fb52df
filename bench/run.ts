/**
 * `npm run bench -- <stage>`: one run, one report. Starts the stage (or `node:http` /
 * `node:cluster`) with `docs.app:app`, waits for its ready line, loads it, stops it, and
 * prints the load in the shape of the log's `hey` reports, with the CPU each side used.
 * Defaults are `hey`'s: 200 requests, 50 at once.
 *
 * Strategy: the work is in `bench/target.ts` (start/stop), `bench/load.ts` (the load and its
 * CPU) and `bench/report.ts` (the text); this file reads the flags (`--help` lists them).
 */

import { listStages } from '../bin/stage.ts';
import { BenchUsageError, command, formatDuration, generator, GENERATOR_START_S, LOAD_FLAGS, parseFlags, positive, START_S } from './cli-args.ts';
import { DEFAULT_THREADS, measureLoad, type Tool } from './load.ts';
import { describeMachine } from './machine.ts';
import { formatReport } from './report.ts';
import { acceptsFlag, displayName, resolveTarget, withTarget } from './target.ts';

/** The help text. */
export const USAGE = `Usage: npm run bench -- <stage> [options]

Starts <stage> with docs.app:app, loads it, stops it, and prints a hey-style report with
the CPU the generator and the server used. <stage> is a stage (01, 02-full-parser, ...) or a
yardstick (node:http, node:cluster). Takes the shared bench lock; one run, which takes -d
seconds (or as long as -n responses take) plus the server's start-up.

Options:
  -c <n>             connections at once                 (default 50, hey's)
  -n <n>             stop after n responses              (default 200, hey's, unless -d)
  -d <seconds>       run for a duration instead of -n
  --workers <n>      worker processes, for stages that take --workers
  --tool <name>      autocannon (default) or wrk (if installed; wrk needs -d)
  --threads <n>      generator threads                   (default: autocannon ${DEFAULT_THREADS.autocannon}, wrk ${DEFAULT_THREADS.wrk})
  --close            Connection: close on every request: a new connection per request
  --json             print the result as JSON instead
  -h, --help         show this help, start nothing
`;

/** A parsed \`bench\` command line. */
export interface RunArgs {
  readonly target: string;
  readonly connections: number;
  readonly durationS?: number;
  readonly requests?: number;
  readonly workers?: number;
  readonly tool: Tool;
  readonly threads: number;
  readonly close: boolean;
  readonly json: boolean;
}

/**
 * Parses the command line.
 *
 * @throws {@link BenchUsageError}
 */
export function parseRunArgs(argv: readonly string[]): RunArgs | 'help' {
  const { values, positionals } = parseFlags(
    argv,
    { ...LOAD_FLAGS, n: { type: 'string', short: 'n' }, json: { type: 'boolean' } },
    true,
  );
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new BenchUsageError(positionals.length === 0 ? 'no stage given' : `one stage at a time, got: ${positionals.join(' ')}`);
  const target = resolveTarget(positionals[0]!);
  if (target === undefined) {
    throw new BenchUsageError(`unknown stage '${positionals[0]}'; the stages are: ${listStages().join(', ')}, node:http, node:cluster`);
  }
  if (values.d !== undefined && values.n !== undefined) throw new BenchUsageError('give -d or -n, not both');
  const durationS = positive('-d', values.d);
  const load = generator(values);
  if (load.tool === 'wrk' && durationS === undefined) throw new BenchUsageError('wrk runs for a duration only: give -d');
  return {
    target,
    connections: positive('-c', values.c) ?? 50,
    ...(durationS !== undefined ? { durationS } : { requests: positive('-n', values.n) ?? 200 }),
    ...(values.workers !== undefined ? { workers: positive('--workers', values.workers)! } : {}),
    ...load,
    json: values.json === true,
  };
}

command(import.meta.url, {
  name: 'bench',
  usage: () => USAGE,
  parse: parseRunArgs,
  estimate: (o) =>
    `bench: one run of ${o.durationS !== undefined ? `${o.durationS} s, about ${formatDuration(o.durationS + START_S + GENERATOR_START_S)} with the start-up` : `${o.requests} requests`}`,
  run: async (args) => {
    if (args.workers !== undefined && !(await acceptsFlag(args.target, '--workers'))) {
      process.stderr.write(`bench: ${displayName(args.target)} is one process and takes no --workers; ignored\n`);
    }
    const machine = describeMachine();
    const options = args.workers !== undefined ? { workers: args.workers } : {};
    const { measured, serverArgs, name } = await withTarget(args.target, options, async (t) => {
      const load = { tool: args.tool, url: t.url, connections: args.connections, threads: args.threads, close: args.close, progress: true };
      const amount = args.durationS !== undefined ? { durationS: args.durationS } : { requests: args.requests! };
      return { measured: await measureLoad(t.pids, { ...load, ...amount }, machine.cores), serverArgs: t.args, name: t.name };
    });
    if (args.json) process.stdout.write(JSON.stringify({ machine, target: name, serverArgs, ...measured }, null, 2) + '\n');
    else process.stdout.write(formatReport(measured, machine, `${name}${serverArgs.length ? ' ' + serverArgs.join(' ') : ''}`));
  },
});
