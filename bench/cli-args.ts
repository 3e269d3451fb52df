/**
 * The command-line flags the bench scripts share, parsed with `node:util`'s `parseArgs`, and
 * the one error type they print and exit 1 with.
 */

import { TOOLS, type Tool } from './load.ts';

/** A mistake on the command line; the script prints the message and its usage, and exits 1. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
  /** Always 1: the exit status. */
  readonly status = 1;
  readonly code = 'BENCH_USAGE';
}

/** Reads a positive whole number flag. */
export function positive(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new BenchUsageError(`bad ${name} '${raw}': expected a whole number ≥ 1`);
  return n;
}

/** Reads `--tool`. */
export function tool(raw: string | undefined): Tool {
  if (raw === undefined) return 'autocannon';
  if (!(TOOLS as readonly string[]).includes(raw)) throw new BenchUsageError(`bad --tool '${raw}': expected one of ${TOOLS.join(', ')}`);
  return raw as Tool;
}
