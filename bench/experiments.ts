/**
 * The measurements the log's claims call for, beyond plain load runs: the first request a
 * fresh server answers, and a mixed load in which some requests block a worker (`/slow`),
 * counted per worker pid.
 *
 * Strategy: both use `bench/probe.ts`, a raw `node:net` client, because they need what a
 * load generator does not hand out: the time of one particular request, and the body of
 * every response (`/pid` and `/slow` answer the pid of the process that served them).
 */

import { getOnce, ProbeConnection, type ProbeResponse } from './probe.ts';
import { median, percentile } from './stats.ts';
import { startTarget, withTarget, type TargetOptions } from './target.ts';

/** How quickly a fresh server answers. */
export interface FirstRequest {
  readonly target: string;
  /** Milliseconds from spawn to the ready line. */
  readonly readyMs: number;
  /** Milliseconds from spawn to the end of the first response. */
  readonly firstResponseMs: number;
  /** The first request's latency (new connection), ms. */
  readonly firstLatencyMs: number;
  /** The median latency of the next requests (new connection each), ms. */
  readonly nextMedianMs: number;
  /** How many "next" requests were timed. */
  readonly nextCount: number;
}

/**
 * Starts `target`, sends one request the moment the ready line is out, then `next` more, one
 * at a time, each on a new connection (as `hey` does against a server that closes).
 */
export function firstRequest(target: string, options: TargetOptions = {}, next = 20): Promise<FirstRequest> {
  return withTarget(target, options, async (t) => {
    const first = await getOnce(t.host, t.port, '/');
    if (first.status !== 200) throw new Error(`${t.name}: first response was ${first.status}`);
    const firstResponseMs = performance.now() - t.spawnedAt;
    const later: number[] = [];
    for (let i = 0; i < next; i++) later.push((await getOnce(t.host, t.port, '/')).ms);
    return { target: t.name, readyMs: t.readyMs, firstResponseMs, firstLatencyMs: first.ms, nextMedianMs: median(later), nextCount: next };
  });
}

/** How a mixed load spread over a server's processes, and what its latency tail looked like. */
export interface MixedLoadResult {
  readonly target: string;
  readonly mode: 'keep-alive' | 'new connection per request';
  readonly connections: number;
  readonly durationS: number;
  /** Every how-many-th request is a `/slow?ms=slowMs`. */
  readonly slowEvery: number;
  readonly slowMs: number;
  readonly rps: number;
  readonly fast: LatencyTail;
  readonly slow: LatencyTail;
  /** Requests answered per pid (fast, slow), from the response bodies. */
  readonly perPid: Record<string, { fast: number; slow: number }>;
  readonly errors: number;
}

/** A few points of a latency distribution, ms. */
export interface LatencyTail {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

function tail(ms: number[]): LatencyTail {
  const s = Float64Array.from(ms).sort();
  return { count: s.length, p50: percentile(s, 50), p99: percentile(s, 99), p999: percentile(s, 99.9), max: s.length ? s[s.length - 1]! : 0 };
}

/**
 * Runs `connections` client loops for `durationS` seconds against a started target; every
 * `slowEvery`-th request (counted across all loops) is `/slow?ms=slowMs`, the others `/pid`.
 */
export async function mixedLoad(
  target: string,
  options: TargetOptions & { connections: number; durationS: number; slowEvery: number; slowMs: number; keepAlive: boolean },
): Promise<MixedLoadResult> {
  const t = await startTarget(target, options);
  const { host, port } = t;
  const authority = `${host}:${port}`;
  const fast: number[] = [];
  const slow: number[] = [];
  const perPid: Record<string, { fast: number; slow: number }> = {};
  let errors = 0;
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + options.durationS * 1000;
  const record = (res: ProbeResponse, isSlow: boolean): void => {
    const pid = /(\d+)\s*$/.exec(res.body.trim())?.[1] ?? '?';
    const entry = (perPid[pid] ??= { fast: 0, slow: 0 });
    if (res.status !== 200) errors++;
    if (isSlow) {
      slow.push(res.ms);
      entry.slow++;
    } else {
      fast.push(res.ms);
      entry.fast++;
    }
  };
  const loop = async (): Promise<void> => {
    let conn: ProbeConnection | undefined;
    while (performance.now() < deadline) {
      const isSlow = ++started % options.slowEvery === 0;
      const path = isSlow ? `/slow?ms=${options.slowMs}` : '/pid';
      try {
        if (options.keepAlive) {
          const c0 = performance.now();
          const fresh = conn === undefined || !conn.usable;
          if (fresh) conn = await ProbeConnection.open(host, port);
          const res = await conn!.get(path, authority);
          record({ ...res, ms: fresh ? performance.now() - c0 : res.ms }, isSlow);
          if (res.closing) {
            conn!.close();
            conn = undefined;
          }
        } else {
          record(await getOnce(host, port, path), isSlow);
        }
      } catch {
        errors++;
        conn?.close();
        conn = undefined;
      }
    }
    conn?.close();
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, loop));
  } finally {
    await t.stop();
  }
  const wallS = (performance.now() - t0) / 1000;
  return {
    target: t.name,
    mode: options.keepAlive ? 'keep-alive' : 'new connection per request',
    connections: options.connections,
    durationS: options.durationS,
    slowEvery: options.slowEvery,
    slowMs: options.slowMs,
    rps: (fast.length + slow.length) / wallS,
    fast: tail(fast),
    slow: tail(slow),
    perPid,
    errors,
  };
}
