/**
 * The pure parts of bench/, on fixed inputs: statistics, option parsing, the readers of other
 * tools' output (the shell's `times`, `ps`, `/proc/locks`), the charts. Nothing here starts a
 * server or measures a speed (see `bench/bench.test.ts`).
 */

import { describe, expect, it } from 'vitest';
import { parseAbArgs } from './ab.ts';
import { BenchUsageError, formatDuration, positiveList } from './cli-args.ts';
import { buildRows, parseCompareArgs, yardstickOf, type CompareOptions, type RoundFigures } from './compare.ts';
import { childCpuMsFromTimes, parsePsTime, statFields } from './cpu.ts';
import { share } from './load.ts';
import { lockHolderPids, waitingLine } from './lock.ts';
import { parseLogArgs } from './log.ts';
import { parseRunArgs } from './run.ts';
import { histogram, median, percentile, roundRatios, spreadOf, summarize } from './stats.ts';
import { barChart, roundsChart } from './svg.ts';
import { externalTarget, parseExternal } from './target.ts';

describe('stats', () => {
  it('takes nearest-rank percentiles and the median of an even count as the mean of the middle two', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 10)).toBe(1);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
  it("puts hey's 11 histogram marks from fastest to slowest, every latency in one bucket", () => {
    const h = histogram([1, 1, 2, 3, 11]);
    expect(h).toHaveLength(11);
    expect(h[0]!.markMs).toBe(1);
    expect(h[10]!.markMs).toBe(11);
    expect(h.reduce((a, b) => a + b.count, 0)).toBe(5);
    expect(summarize([3, 1, 2]).averageMs).toBe(2);
  });
  it('gives a spread of rounds as median and range, ignoring NaN', () => {
    expect(spreadOf([3, 1, NaN, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spreadOf([]).n).toBe(0);
  });
  it('takes ratios round by round, skipping rounds where either side is missing', () => {
    expect(roundRatios([2, 3, NaN], [1, 2, 4])).toEqual([2, 1.5]);
    expect(roundRatios([1, 2], [0, 1])).toEqual([2]);
  });
});

describe('option parsing', () => {
  it('bench:compare: every stage and both yardsticks by default, presets with their own defaults', () => {
    const d = parseCompareArgs([]) as CompareOptions;
    expect(d.targets).toContain('ref:node-http');
    expect(d.targets).toContain('ref:node-cluster');
    expect(d.targets.some((t) => t.startsWith('02-'))).toBe(true);
    expect(d.concurrencies).toEqual([10, 50, 100]);
    expect(d.out).toBe('compare');
    const w = parseCompareArgs(['--preset', 'workers', '--close', '--tool', 'wrk']) as CompareOptions;
    expect(w.targets.map((t) => t.slice(0, 2))).toEqual(['04', '03', 're']);
    expect(w.concurrencies).toEqual([50, 100]);
    expect(w.rounds).toBe(5);
    expect(w.threads).toBe(1);
    expect(w.out).toBe('compare-workers-wrk-close');
    const q = parseCompareArgs(['--quick']) as CompareOptions;
    expect([q.durationS, q.rounds, q.warmupS]).toEqual([1, 2, 0]);
  });
  it('bench:compare: --against-url adds a target, --targets none keeps only those, names are checked', () => {
    const o = parseCompareArgs(['--targets', 'none', '--against-url', 'nginx=http://127.0.0.1:9000/x', '--against-url', 'http://localhost:9001/']) as CompareOptions;
    expect(o.targets).toEqual(['url:nginx=http://127.0.0.1:9000/x', 'url:localhost:9001=http://localhost:9001/']);
    expect(() => parseCompareArgs(['--targets', 'none'])).toThrow(BenchUsageError);
    expect(() => parseCompareArgs(['--targets', '07'])).toThrow(/unknown target '07'/);
    expect(() => parseCompareArgs(['--against-url', 'ftp://x/'])).toThrow(/only http/);
    expect(() => parseCompareArgs(['--preset', 'fast'])).toThrow(/bad --preset/);
    expect(() => parseCompareArgs(['--quick', '--save-reference'])).toThrow(/not a --quick one/);
    expect(() => parseCompareArgs(['-c', '10,x'])).toThrow(/bad -c 'x'/);
    expect(parseCompareArgs(['--help'])).toBe('help');
  });
  it('bench:ab: A..B, or A against the working tree; both sides must be given', () => {
    expect(parseAbArgs(['HEAD~2..HEAD', '02'])).toMatchObject({ a: 'HEAD~2', b: 'HEAD', stage: '02', rounds: 6 });
    const tree = parseAbArgs(['abc123', '4', '--rounds', '3']);
    expect(tree).toMatchObject({ a: 'abc123', stage: '4', rounds: 3 });
    expect((tree as { b?: string }).b).toBeUndefined();
    expect(() => parseAbArgs(['HEAD..', '02'])).toThrow(/both given/);
    expect(() => parseAbArgs(['HEAD'])).toThrow(BenchUsageError);
    expect(parseAbArgs(['-h'])).toBe('help');
  });
  it('bench:log and bench: refuse what cannot run', () => {
    expect(() => parseLogArgs(['1999-01-01'])).toThrow(/give one entry/);
    expect(parseLogArgs(['2025-01-01', '--threads', '3'])).toMatchObject({ entry: '2025-01-01', options: { threads: 3 } });
    expect(() => parseRunArgs(['02', '--tool', 'wrk'])).toThrow(/give -d/);
    expect(() => parseRunArgs(['02', '-d', '1', '-n', '5'])).toThrow(/not both/);
    expect(parseRunArgs(['node:http', '--close', '-d', '2'])).toMatchObject({ target: 'ref:node-http', close: true, durationS: 2 });
    expect(parseRunArgs(['--help'])).toBe('help');
    expect(positiveList('-c', '10, 50,10')).toEqual([10, 50]);
  });
  it('a server given by URL keeps its name and its path', () => {
    expect(parseExternal(externalTarget('gunicorn=http://127.0.0.1:8000/app?x=1'))).toEqual({ name: 'gunicorn', url: 'http://127.0.0.1:8000/app?x=1' });
    expect(parseExternal(externalTarget('http://[::1]:8000/'))).toEqual({ name: '[::1]:8000', url: 'http://[::1]:8000/' });
  });
  it('formats durations for the "this will take" line', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(270)).toBe('4 min 30 s');
    expect(formatDuration(3900)).toBe('1 h 5 min');
  });
});

describe('reading other tools', () => {
  it("reads the CPU of a shell's waited-for children from its `times` (bash, dash)", () => {
    expect(childCpuMsFromTimes('0m0.010s 0m0.002s\n0m1.500s 0m0.250s\n')).toBeCloseTo(1750);
    expect(childCpuMsFromTimes('0m0.000000s 0m0.001000s\n1m2.000000s 0m0.500000s\n')).toBeCloseTo(62500);
    expect(childCpuMsFromTimes('nothing')).toBeUndefined();
  });
  it('reads ps times, macOS (centiseconds) and procps (days and hours)', () => {
    expect(parsePsTime('   0:01.25')).toBe(1250);
    expect(parsePsTime('01:02:03')).toBe(3_723_000);
    expect(parsePsTime('1-00:00:01')).toBe(86_401_000);
    expect(parsePsTime('?')).toBeUndefined();
  });
  it('reads /proc/<pid>/stat past a command name with spaces and parentheses', () => {
    expect(statFields('123 (my (odd) cmd) S 1 2 3')[0]).toBe('S');
    expect(statFields('123 (my (odd) cmd) S 1 2 3')[1]).toBe('1');
  });
  it('finds who holds a flock in /proc/locks, by inode', () => {
    const locks = '1: FLOCK  ADVISORY  WRITE 4242 00:2a:131 0 EOF\n2: POSIX  ADVISORY  WRITE 99 00:2a:131 0 EOF\n3: FLOCK  ADVISORY  WRITE 77 fd:01:555 0 EOF\n';
    expect(lockHolderPids(locks, 131)).toEqual([4242]);
    expect(lockHolderPids(locks, 555)).toEqual([77]);
    expect(lockHolderPids(locks, 1)).toEqual([]);
  });
  it('says who holds the bench lock and since when', () => {
    const since = Date.UTC(2026, 11, 2, 4, 30, 0);
    const line = waitingLine({ pid: 4242, command: 'npm run bench:compare -- --tool wrk', since, sinceIsStart: false }, 1800, since + 200_000);
    expect(line).toContain('held by pid 4242 (npm run bench:compare -- --tool wrk), since 04:30:00 UTC (3 min 20 s ago)');
    expect(line).toContain('at most 30 min');
    expect(waitingLine(undefined, 60)).toContain('cannot name');
  });
});

const round = (rps: number, perServerCpuS?: number): RoundFigures => ({
  rps,
  responses: rps,
  totalS: 1,
  p50Ms: 1,
  p99Ms: 2,
  errors: 0,
  ...(perServerCpuS !== undefined ? { perServerCpuS } : {}),
  verdicts: [],
});

describe('comparison rows', () => {
  const figures = new Map([
    ['02-full-parser\u000010', { args: [], rounds: [round(200, 400), round(300, 450), round(100, 500)] }],
    ['node:http\u000010', { args: [], rounds: [round(100, 200), round(100, 300), round(100, 250)] }],
    ['04-shared-socket\u000010', { args: ['--workers', '2'], rounds: [round(50)] }],
  ]);
  const rows = buildRows(figures, ['02-full-parser', 'node:http', '04-shared-socket'], [10]);
  it('gives medians with ranges, and ratios to the yardstick taken round by round', () => {
    const r02 = rows[0]!;
    expect(r02.rps).toEqual({ median: 200, min: 100, max: 300, n: 3 });
    expect(r02.yardstick).toBe('node:http');
    expect(r02.ratio).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(r02.ratioPerCpuS).toEqual({ median: 2, min: 1.5, max: 2, n: 3 });
    expect(rows[1]!.ratio!.median).toBe(1);
  });
  it('holds one process against node:http and workers against node:cluster, not an absent one', () => {
    expect(yardstickOf('02-full-parser', [])).toBe('node:http');
    expect(yardstickOf('04-shared-socket', ['--workers', '2'])).toBe('node:cluster');
    expect(yardstickOf('nginx', [], true)).toBeUndefined();
    expect(yardstickOf('url:x=http://a/', [])).toBeUndefined();
    expect(rows[2]!.ratio).toBeUndefined();
  });
});

describe('the load is shared out over the generator threads', () => {
  it('as evenly as whole numbers allow', () => {
    expect(share(100, 2)).toEqual([50, 50]);
    expect(share(5, 2)).toEqual([3, 2]);
    expect(share(1, 1)).toEqual([1]);
  });
});

describe('the charts', () => {
  it('space connection counts by value and draw every round, with a whisker per point', () => {
    const svg = roundsChart('t', 's', 'requests/s', [10, 50, 100], [
      { name: '02-full-parser', rounds: [[1, 2, 3], [2, 3, 4], [3, 4, 5]] },
      { name: 'node:http', rounds: [[2], [], [4, 5]] },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(12); // every round, none for the gap
    const ticks = [...svg.matchAll(/<text x="([\d.]+)" y="\d+" text-anchor="middle">(10|50|100)<\/text>/g)].map((m) => Number(m[1]));
    expect(ticks).toHaveLength(3);
    // 10, 50, 100 on a value axis: the gap from 50 to 100 is 5/4 of the gap from 10 to 50
    expect((ticks[2]! - ticks[1]!) / (ticks[1]! - ticks[0]!)).toBeCloseTo(50 / 40, 1);
    expect(svg).toContain('>node:http</text>');
  });
  it('draws one bar per target and connection count, with every round as a dot', () => {
    const svg = barChart('t', 's', 'requests per server CPU-second', [
      { name: '02', bars: [{ label: '-c 10', rounds: [1, 2] }, { label: '-c 50', rounds: [3] }] },
      { name: 'node:http', bars: [{ label: '-c 10', rounds: [1] }, { label: '-c 50', rounds: [] }] },
    ]);
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width/g)!.length).toBe(3 + 2); // 3 bars, 2 legend keys
    expect(svg.match(/<circle/g)).toHaveLength(4);
  });
});
