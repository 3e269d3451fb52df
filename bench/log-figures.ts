/**
 * The performance log's own figures (the `hey` reports and tables of each entry; the log is
 * retold, with links to it, in `docs/log.md`), typed in once so that `bench:log` can print
 * them beside what it measures and `npm run figures` can quote them in the documents. These
 * are the log's numbers, not measurements of this repository.
 */

/** One `hey` run as the log reports it. */
export interface LogRun {
  /** `hey -c`. */
  readonly connections: number;
  /** `hey -z` in seconds, when the run was timed... */
  readonly durationS?: number;
  /** ...or `hey -n`. */
  readonly requests?: number;
  /** Requests/sec. */
  readonly rps: number;
  /** Average latency, ms. */
  readonly averageMs: number;
  /** 50 % and 99 % latency, ms, where the log printed them. */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  /** Errors the log reports. */
  readonly errors: number;
}

/** 2024-08-06: stage 01, `hey` defaults (200 requests, 50 at once), backlog 32. */
export const LOG_2024_08_06 = {
  /** Its report's error list: 17 `connection reset by peer` lines and one `broken pipe`, the 18 missing responses. */
  backlog32: { connections: 50, requests: 200, rps: 10059.2196, averageMs: 4.4, p50Ms: 4.3, p99Ms: 7.2, errors: 18, ok: 182, resetLines: 17, brokenPipeLines: 1 },
  /** "Initial run with hey has a slow request running at 300ms ... RPS around 630". */
  firstRun: { slowestMs: 300, rps: 630 },
  /** "When I bump the value up to 128 ... handles all 200 requests without error." */
  backlog128: { errors: 0 },
} as const;

/** 2025-01-01: stage 02 (full parser, one process), 30 s runs, and a 5 s follow-up at -c 5. */
export const LOG_2025_01_01: readonly LogRun[] = [
  { connections: 1, durationS: 30, rps: 2844.4364, averageMs: 0.4, p50Ms: 0.3, p99Ms: 0.6, errors: 0 },
  { connections: 10, durationS: 30, rps: 41147.4245, averageMs: 0.3, p50Ms: 0.2, p99Ms: 0.5, errors: 0 },
  { connections: 50, durationS: 30, rps: 42113.5053, averageMs: 1.5, p50Ms: 1.2, p99Ms: 2.0, errors: 0 },
  { connections: 100, durationS: 30, rps: 40817.2725, averageMs: 3.0, p50Ms: 2.4, p99Ms: 4.0, errors: 0 },
  { connections: 5, durationS: 5, rps: 21199.3306, averageMs: 0.2, errors: 0 },
];

/** 2026-01-01: stage 03 (fd passing, least connection, 2 workers), 30 s runs. */
export const LOG_2026_01_01: readonly LogRun[] = [
  { connections: 1, durationS: 30, rps: 5477.9175, averageMs: 0.2, p50Ms: 0.2, p99Ms: 0.3, errors: 0 },
  { connections: 10, durationS: 30, rps: 41352.6982, averageMs: 0.3, p50Ms: 0.2, p99Ms: 0.5, errors: 0 },
  { connections: 50, durationS: 30, rps: 59851.0663, averageMs: 1.5, p50Ms: 0.8, p99Ms: 2.0, errors: 0 },
  { connections: 100, durationS: 30, rps: 61985.1757, averageMs: 3.0, p50Ms: 1.5, p99Ms: 3.4, errors: 0 },
];

/** 2026-01-02: stage 04 (shared socket, 2 workers), 1,000,000 requests per run. */
export const LOG_2026_01_02: readonly LogRun[] = [
  { connections: 10, requests: 1_000_000, rps: 42968.5037, averageMs: 0.2, p50Ms: 0.2, p99Ms: 0.4, errors: 0 },
  { connections: 50, requests: 1_000_000, rps: 65076.3467, averageMs: 0.8, p50Ms: 0.7, p99Ms: 2.0, errors: 0 },
  { connections: 100, requests: 1_000_000, rps: 65975.5035, averageMs: 1.5, p50Ms: 1.4, p99Ms: 3.4, errors: 0 },
];

/** The log's FD-passing column in its 2026-01-02 comparison table (taken from 2026-01-01). */
export const LOG_FD_PASSING_FOR_2026_01_02: Readonly<Record<number, number>> = { 10: 41352, 50: 59851, 100: 61985 };
