/**
 * What the bench commands share on the command line: flags parsed with `node:util`'s
 * `parseArgs`, the one error type they print and exit 1 with, and the estimate of how long a
 * run will take, which every command prints before it starts.
 */

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TOOLS, type Tool } from './load.ts';

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
