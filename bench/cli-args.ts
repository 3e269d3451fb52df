/**
 * What the bench commands share on the command line: flags parsed with `node:util`'s
 * `parseArgs`, the one error type they print and exit 1 with, and {@link preamble}, the opening
 * of every command's `main()`: read the arguments, answer `--help`, check the tools, say what
 * the run will do and how long it will take, take the bench lock.
 */

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { announce, runUnderLock } from './lock.ts';
import { toolAvailable, TOOLS, type Tool } from './load.ts';

/** A mistake on the command line; the script prints the message and its usage, and exits 1. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
  /** Always 1: the exit status. */
  readonly status = 1;
  readonly code = 'BENCH_USAGE';
}

/** `parseArgs`, with its errors turned into {@link BenchUsageError}s. */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new BenchUsageError((err as Error).message.split('\n')[0]!);
  }
}

/** Reads a positive whole number flag. */
export function positive(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new BenchUsageError(`bad ${name} '${raw}': expected a whole number ≥ 1`);
  return n;
}

/** Reads a comma-separated list of positive whole numbers, e.g. `-c 10,50,100`. */
export function positiveList(name: string, raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const values = raw.split(',').map((v) => positive(name, v.trim())!);
  return [...new Set(values)];
}

/** Reads `--tool`. */
export function tool(raw: string | undefined): Tool {
  if (raw === undefined) return 'autocannon';
  if (!(TOOLS as readonly string[]).includes(raw)) throw new BenchUsageError(`bad --tool '${raw}': expected one of ${TOOLS.join(', ')}`);
  return raw as Tool;
}

/** `4 min 30 s`, `45 s`, `1 h 5 min`: a duration for the "this will take" line. */
export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h${Math.round((s % 3600) / 60) ? ` ${Math.round((s % 3600) / 60)} min` : ''}`;
}

/** Seconds to start a server and wait for its ready line, for estimates (tsx compiles the stage first). */
export const START_S = 2;
/** Seconds the autocannon threads take to start, per load, for estimates. */
export const GENERATOR_START_S = 0.5;

/** What {@link preamble} needs to know of a command. */
export interface Command<O> {
  /** The npm script (`bench:compare`): names the command in its messages and the lock's owner file. */
  readonly name: string;
  readonly usage: () => string;
  /** Reads the arguments: the options, or `'help'`; throws a {@link BenchUsageError}. */
  readonly parse: (argv: readonly string[]) => O | 'help';
  /** What the command needs and this machine lacks (`wrk is not installed`), or undefined. */
  readonly missing?: (o: O) => string | undefined;
  /** Checks that should fail before the lock is waited for (a typo in a commit); throws. */
  readonly check?: (o: O) => void;
  /** The line that says what the run will do and how long it takes; a command without one takes no lock. */
  readonly estimate?: (o: O) => string;
}

/** What {@link Command.missing} says of a load generator that is not installed. */
export function toolMissing(t: Tool): string | undefined {
  return toolAvailable(t) ? undefined : `${t} is not installed; nothing measured (try --tool autocannon)`;
}

/**
 * The opening of a command's `main()`: returns its options, or undefined once `--help` is
 * answered; exits 1 with one line (and the usage, for a mistake in the arguments) when the
 * arguments, the tools or the checks fail. A command with an estimate then announces it and
 * waits for the bench lock ({@link runUnderLock}).
 */
export async function preamble<O>(argv: readonly string[], c: Command<O>): Promise<O | undefined> {
  const fail = (line: string): never => {
    process.stderr.write(line);
    process.exit(1);
  };
  let o: O | 'help';
  try {
    o = c.parse(argv);
  } catch (err) {
    if (!(err instanceof BenchUsageError)) throw err;
    return fail(`${c.name}: error: ${err.message}\n\n${c.usage()}`);
  }
  if (o === 'help') {
    process.stdout.write(c.usage());
    return undefined;
  }
  const missing = c.missing?.(o);
  if (missing !== undefined) fail(`${c.name}: ${missing}\n`);
  try {
    c.check?.(o);
  } catch (err) {
    fail(`${c.name}: error: ${(err as Error).message}\n`);
  }
  if (c.estimate) {
    announce(c.estimate(o));
    await runUnderLock(c.name);
  }
  return o;
}
