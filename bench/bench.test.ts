/**
 * The CI smoke test of bench/: one `--quick` log entry end to end, through the real command,
 * against real servers under a real load generator. It checks the report's shape, never a
 * speed: the figures of a 1-second run on a shared CI machine mean nothing.
 *
 * The pure parts (hey's report parser, the regression rule, the chart) are checked on fixed
 * inputs beside it.
 */

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { against, type CompareResults, type CompareRow } from './compare.ts';
import { parseHey } from './load.ts';
import type { EntryReport } from './log.ts';
import { LOCK_BUSY } from './lock.ts';
import { lineChart } from './svg.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function runLog(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/log.ts', ...args], {
      cwd: ROOT,
      // wait at most a minute for another benchmark to release the shared lock
      env: { ...process.env, NIBIRU_BENCH_LOCK_WAIT: '60' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // 'close', not 'exit': 'exit' can come before the last of stdout (the JSON report) is read
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('bench:log --quick (smoke run, shape only)', () => {
  it('replays 2025-01-01 end to end and reports every run with the log figures beside', { timeout: 300_000 }, async (ctx) => {
    const run = await runLog(['2025-01-01', '--quick', '--json']);
    if (run.code === LOCK_BUSY) ctx.skip(); // another benchmark held the lock for a minute
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as EntryReport;
    expect(report.entry).toBe('2025-01-01');
    expect(report.quick).toBe(true);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
    expect(report.missing).toEqual([]);
    // the five rows of the entry (-c 1, 10, 50, 100, 5), then one-connection runs per installed tool
    const rows = report.runs.filter((r) => r.label === undefined);
    expect(rows.map((r) => r.connections)).toEqual([1, 10, 50, 100, 5]);
    for (const r of report.runs) {
      expect(r.target).toBe('02-full-parser');
      expect(r.responses).toBeGreaterThan(0);
      expect(Number.isFinite(r.rps)).toBe(true);
      expect(r.p50Ms).toBeLessThanOrEqual(r.p99Ms);
      expect(r.statusCodes).toBeTypeOf('object');
    }
    expect(report.runs.some((r) => r.label === 'one connection, autocannon')).toBe(true);
    expect(report.markdown).toContain('| req/s log');
    expect(report.markdown).toContain('2,844'); // the log's own -c 1 figure, beside ours
    expect(report.markdown).toContain("Little's law");
    expect(report.markdown).toMatch(/share these \d+ cores/);
  });
});

const HEY_REPORT = `
Summary:
  Total:	0.0199 secs
  Slowest:	0.0072 secs
  Fastest:	0.0015 secs
  Average:	0.0044 secs
  Requests/sec:	10059.2196


Response time histogram:
  0.002 [1]	|■
  0.007 [5]	|■■■■


Latency distribution:
  10% in 0.0033 secs
  99% in 0.0072 secs

Status code distribution:
  [200]	182 responses

Error distribution:
  [1]	Get "http://localhost:8081": read tcp [::1]:57435->[::1]:8081: read: connection reset by peer
  [1]	Get "http://localhost:8081": read tcp [::1]:57437->[::1]:8081: read: connection reset by peer
  [1]	Get "http://localhost:8081": write tcp [::1]:57547->[::1]:8081: write: broken pipe
`;

describe("parseHey reads hey's report", () => {
  it('takes the summary, histogram, percentiles, status codes, and groups errors by kind', () => {
    const r = parseHey(HEY_REPORT);
    expect(r.rps).toBeCloseTo(10059.2196);
    expect(r.latency.slowestMs).toBeCloseTo(7.2);
    expect(r.latency.histogram).toHaveLength(2);
    expect(r.latency.percentiles).toEqual([
      { p: 10, ms: expect.closeTo(3.3) },
      { p: 99, ms: expect.closeTo(7.2) },
    ]);
    expect(r.statusCodes).toEqual({ '200': 182 });
    expect(r.responses).toBe(182);
    expect(Object.values(r.errors).reduce((a, b) => a + b, 0)).toBe(3);
    expect(Object.keys(r.errors)).toHaveLength(2);
  });
});

describe("parseHey undoes hey's over-count beyond 1,000,000 responses", () => {
  it("takes the response count from Requests/sec and divides Average by responses / 1M (the log's 50-connection run)", () => {
    const out = `Summary:\n  Total:\t30.0014 secs\n  Slowest:\t0.0055 secs\n  Fastest:\t0.0002 secs\n  Average:\t0.0015 secs\n  Requests/sec:\t42113.5053\n\n\nLatency distribution:\n  50% in 0.0012 secs\n\nStatus code distribution:\n  [200]\t1000000 responses\n`;
    const r = parseHey(out);
    expect(r.heyCapped).toBe(true);
    expect(r.responses).toBe(Math.round(42113.5053 * 30.0014));
    expect(r.latency.averageMs).toBeCloseTo(1.5 / (r.responses / 1_000_000), 3);
  });
});

describe('bench:compare --against flags only drops beyond the measured noise', () => {
  const row = (rps: number, spread: number): CompareRow => ({ target: '02-full-parser', serverArgs: [], connections: 10, rounds: [], rps, p50Ms: 1, p99Ms: 2, errors: 0, spread });
  const results = (rows: CompareRow[]): CompareResults =>
    ({ kind: 'nibiru-ts bench:compare', rows } as unknown as CompareResults);
  it('a 3 % drop is noise, a 20 % drop is not, and a noisy saved run widens the band', () => {
    expect(against(results([row(1000, 0.01)]), results([row(970, 0.01)]))[0]!.slower).toBe(false);
    expect(against(results([row(1000, 0.01)]), results([row(800, 0.01)]))[0]!.slower).toBe(true);
    expect(against(results([row(1000, 0.3)]), results([row(800, 0.01)]))[0]!.slower).toBe(false);
  });
});

describe('the compare chart', () => {
  it('draws one line and one legend entry per series, leaving gaps for missing points', () => {
    const svg = lineChart('t', 's', [10, 50, 100], [
      { name: '01-request-line', values: [1, 2, 3] },
      { name: 'node:http', values: [2, NaN, 4] },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(5);
    expect(svg).toContain('>node:http</text>');
  });
});
