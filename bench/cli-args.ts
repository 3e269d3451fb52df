/**
 * What the bench commands share on the command line: flags parsed with `node:util`'s
 * `parseArgs`, the one error type they print and exit 1 with, and {@link command}, which opens
 * every command: read the arguments, answer `--help`, check the tools, say what the run will
 * do and how long it will take, take the bench lock, run.
 */

import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { announce, runUnderLock } from './lock.ts';
import { DEFAULT_THREADS, toolAvailable, TOOLS, type Tool } from './load.ts';

/** A mistake on the command line; the script prints the message and its usage, and exits 1. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
  /** Always 1: the exit status. */
  readonly status = 1;
  readonly code = 'BENCH_USAGE';
}

/** `parseArgs` of `argv` (strict), with its errors turned into {@link BenchUsageError}s. */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O, allowPositionals = false): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean }>> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals });
  } catch (err) {
    throw new BenchUsageError((err as Error).message.split('\n')[0]!);
  }
}

/** The flags of every command that loads a server: connections, duration, generator, workers. */
export const LOAD_FLAGS = {
  c: { type: 'string', short: 'c' },
  d: { type: 'string', short: 'd' },
  workers: { type: 'string' },
  tool: { type: 'string' },
  threads: { type: 'string' },
  close: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flags of a command that measures in rounds and saves its run. */
export const ROUNDS_FLAGS = {
  rounds: { type: 'string' },
  warmup: { type: 'string' },
  'save-reference': { type: 'boolean' },
  out: { type: 'string' },
} as const;

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

/** Reads `--tool`, `--threads` and `--close` ({@link LOAD_FLAGS}), the same way for every command. */
export function generator(values: { tool?: string; threads?: string; close?: boolean }): { tool: Tool; threads: number; close: boolean } {
  const tool = (values.tool ?? 'autocannon') as Tool;
  if (!TOOLS.includes(tool)) throw new BenchUsageError(`bad --tool '${tool}': expected one of ${TOOLS.join(', ')}`);
  return { tool, threads: positive('--threads', values.threads) ?? DEFAULT_THREADS[tool], close: values.close === true };
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

/** A command: its name, its arguments and help, what it checks before it runs, and its work. */
export interface Command<O> {
  /** The npm script (`bench:compare`): names the command in its messages and in the lock's owner file. */
  readonly name: string;
  readonly usage: () => string;
  /** Reads the arguments, or says `'help'`; throws {@link BenchUsageError}. */
  readonly parse: (argv: readonly string[]) => O | 'help';
  /**
   * What the command needs and this machine lacks (`wrk is not installed; ...`), or undefined;
   * by default, the load generator its options name as `tool`, if any.
   */
  readonly missing?: (o: O) => string | undefined;
  /** Checks that should fail before the lock is waited for (a typo in a commit); throws. */
  readonly check?: (o: O) => void;
  /** The line that says what the run will do and how long it takes; a command without one takes no lock. */
  readonly estimate?: (o: O) => string;
  /** The work, once the arguments are read and the lock is taken. */
  readonly run: (o: O, argv: readonly string[]) => Promise<void> | void;
}

/** What {@link Command.missing} says of a load generator that is not installed. */
export function toolMissing(t: Tool): string | undefined {
  return toolAvailable(t) ? undefined : `${t} is not installed; nothing measured (try --tool autocannon)`;
}

/**
 * Runs `c` when `meta` (the command file's `import.meta.url`) is the entry point: reads the
 * arguments, answers `--help` with the usage, checks the tools and `c.check`, announces the
 * estimate and waits for the bench lock ({@link runUnderLock}), then runs. A mistake in the
 * arguments exits 1 with one line and the usage; any other failure, 1 with one line.
 */
export function command<O>(meta: string, c: Command<O>): void {
  if (!process.argv[1] || meta !== pathToFileURL(process.argv[1]).href) return;
  const argv = process.argv.slice(2);
  const fail = (line: string): never => {
    process.stderr.write(line);
    process.exit(1);
  };
  (async () => {
    let o: O | 'help';
    try {
      o = c.parse(argv);
    } catch (err) {
      if (!(err instanceof BenchUsageError)) throw err;
      return fail(`${c.name}: error: ${err.message}\n\n${c.usage()}`);
    }
    if (o === 'help') return void process.stdout.write(c.usage());
    const tool = (o as { tool?: Tool }).tool;
    const missing = c.missing ? c.missing(o) : tool !== undefined ? toolMissing(tool) : undefined;
    if (missing !== undefined) fail(`${c.name}: ${missing}\n`);
    c.check?.(o);
    if (c.estimate) {
      announce(c.estimate(o));
      await runUnderLock(c.name);
    }
    await c.run(o, argv);
  })().catch((err: unknown) => fail(`${c.name}: error: ${err instanceof Error ? err.message : String(err)}\n`));
}
