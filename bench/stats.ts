/**
 * Statistics over measured latencies, in the shape `hey` prints them.
 *
 * Strategy: keep every response's latency (a million numbers is 8 MB), sort once, and read
 * exact percentiles and `hey`'s 11-bucket histogram from the sorted list. Nothing here is
 * sampled or estimated, so a reader can compare figures with the log's `hey` reports.
 */

/** The percentiles `hey` prints under "Latency distribution". */
const HEY_PERCENTILES = [10, 25, 50, 75, 90, 95, 99] as const;

/** One bar of a response-time histogram: responses at or below `markMs` (and above the previous mark). */
export interface Bucket {
  /** The upper edge of the bucket, in milliseconds. */
  readonly markMs: number;
  /** How many responses fall in it. */
  readonly count: number;
}

/** One percentile: `p` percent of responses took at most `ms`. */
export interface Percentile {
  readonly p: number;
  readonly ms: number;
}

/** What a list of latencies says. */
export interface LatencySummary {
  readonly count: number;
  readonly fastestMs: number;
  readonly slowestMs: number;
  readonly averageMs: number;
  readonly percentiles: Percentile[];
  readonly histogram: Bucket[];
}

/**
 * Summarises latencies (milliseconds) as `hey` does: fastest, slowest, average, the
 * percentiles of {@link HEY_PERCENTILES}, and 11 equal-width buckets
 * from fastest to slowest.
 */
export function summarize(latenciesMs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  const count = sorted.length;
  if (count === 0) return { count, fastestMs: 0, slowestMs: 0, averageMs: 0, percentiles: [], histogram: [] };
  let sum = 0;
  for (const v of sorted) sum += v;
  const fastestMs = sorted[0]!;
  const slowestMs = sorted[count - 1]!;
  return {
    count,
    fastestMs,
    slowestMs,
    averageMs: sum / count,
    percentiles: HEY_PERCENTILES.map((p) => ({ p, ms: percentile(sorted, p) })),
    histogram: histogram(sorted),
  };
}

/** The nearest-rank percentile of an ascending list. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** `hey`'s histogram: 11 marks from fastest to slowest in steps of (slowest - fastest) / 10. */
export function histogram(sorted: ArrayLike<number>): Bucket[] {
  const n = sorted.length;
  if (n === 0) return [];
  const fastest = sorted[0]!;
  const step = (sorted[n - 1]! - fastest) / 10;
  const counts = new Array<number>(11).fill(0);
  let bi = 0;
  for (let i = 0; i < n; i++) {
    while (bi < 10 && sorted[i]! > fastest + step * bi) bi++;
    counts[bi]!++;
  }
  return counts.map((count, i) => ({ markMs: fastest + step * i, count }));
}

/** The median of some numbers (used for repeated rounds). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A figure measured in several rounds: its median and its range. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** How many rounds. */
  readonly n: number;
}

/** The {@link Spread} of some rounds' figures (NaNs ignored; all NaN for none). */
export function spreadOf(values: readonly number[]): Spread {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
}

/**
 * Element-wise ratios `a[i] / b[i]` of two targets' rounds: each round runs the targets back
 * to back, so a round's ratio compares runs seconds apart, under the same disturbance.
 */
export function roundRatios(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (b[i]! > 0 && Number.isFinite(a[i]!)) out.push(a[i]! / b[i]!);
  return out;
}
