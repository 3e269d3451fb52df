/**
 * The CI smoke test of bench/: every command through its real entry point, against real
 * servers under a real load generator, for a second or two. It checks what the commands
 * print and save (the shape of a report), never a speed: the figures of a 1-second run on a
 * shared CI machine mean nothing. Runs are saved to a temporary folder, not to
 * `bench/results/`. A test that needs a tool this machine lacks (`wrk`, `flock`), or that could
 * not take the bench lock within a minute, is skipped with a note that says so, and the run's
 * summary lists it (`bench/skip-notes.ts`).
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbResults } from './ab.ts';
import type { CompareResults } from './compare.ts';
import { LOCK_BUSY } from './lock.ts';
import type { EntryReport } from './log.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPTS = {
  bench: 'run.ts',
  'bench:log': 'log.ts',
  'bench:compare': 'compare.ts',
  'bench:ab': 'ab.ts',
  'bench:parser': 'parser.ts',
  'bench:reference': 'reference-runs.ts',
  'bench:profile': 'profile.ts',
  figures: 'figures.ts',
} as const;

const HAS_WRK = spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
const HAS_FLOCK = spawnSync('flock', ['--version'], { stdio: 'ignore' }).status === 0 && existsSync('/proc/locks');
/** Why a smoke run is skipped when it could not take the lock; the run's summary lists it (bench/skip-notes.ts). */
const LOCK_NOTE = 'the bench lock was held by another benchmark for the 60 s a smoke run waits';

let results: string;
beforeAll(() => {
  results = mkdtempSync(path.join(os.tmpdir(), 'nibiru-bench-test-'));
});
afterAll(() => rmSync(results, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(script: keyof typeof SCRIPTS, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('bench', SCRIPTS[script]), ...args], {
      cwd: ROOT,
      // wait at most a minute for another benchmark to release the shared lock (the tests that
      // run a benchmark allow for that minute and the run itself: a second npm test, a session
      // measuring, holds the lock for minutes)
      env: { ...process.env, NIBIRU_BENCH_LOCK_WAIT: '60', NIBIRU_BENCH_LOCAL_DIR: results, ...env },
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

/** The one results file a run saved whose name starts with `prefix`. */
function saved<T>(prefix: string): T {
  const names = readdirSync(results).filter((n) => n.startsWith(prefix) && n.endsWith('.json'));
  expect(names, `one ${prefix}*.json in ${results}`).toHaveLength(1);
  const file = path.join(results, names[0]!);
  const data = JSON.parse(readFileSync(file, 'utf8')) as T;
  rmSync(file);
  return data;
}

describe('every bench command answers --help with its usage and starts nothing', () => {
  for (const script of Object.keys(SCRIPTS) as (keyof typeof SCRIPTS)[]) {
    it(`npm run ${script} -- --help`, async () => {
      const before = readdirSync(results);
      const r = await run(script, ['--help']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.startsWith(`Usage: npm run ${script}`)).toBe(true);
      expect(r.stderr).toBe(''); // no "this will take" line, no lock, no server
      expect(readdirSync(results)).toEqual(before);
    });
  }
  it('a mistake on the command line exits 1 with the error and the usage', async () => {
    const r = await run('bench:compare', ['--tool', 'ab']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("bad --tool 'ab'");
    expect(r.stderr).toContain('Usage: npm run bench:compare');
  });
});

describe('bench:compare --quick (smoke run, shape only)', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    // a server the suite does not start: --against-url puts it in the same rounds
    server = http.createServer((_req, res) => res.end('Nibiru Docs'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('loads a stage and a server given by URL in the same rounds, and reports both', { timeout: 240_000 }, async (ctx) => {
    const r = await run('bench:compare', ['--quick', '--targets', '02', '--against-url', `mine=${url}`, '-c', '4', '--rounds', '2']);
    if (r.code === LOCK_BUSY) ctx.skip(LOCK_NOTE);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/bench:compare: 2 target\(s\) × 1 connection count\(s\) × 2 round\(s\) of 1 s: about /);
    const data = saved<CompareResults>('compare-');
    expect(readdirSync(results).filter((n) => n.endsWith('.svg'))).toHaveLength(2); // req/s, per server CPU-second
    for (const n of readdirSync(results)) rmSync(path.join(results, n));
    expect(data.kind).toBe('nibiru-ts bench:compare');
    expect(data.targets).toEqual(['02-full-parser', 'mine']);
    expect(data.run.command).toContain(`--against-url mine=${url}`);
    expect(data.run.machine.loadAverage).toHaveLength(3);
    expect(data.run.loadAverageAfter).toHaveLength(3);
    expect(data.notes).toHaveLength(1);
    expect(data.notes[0]).toMatch(/^mine: not started by the suite/);
    for (const row of data.rows) {
      expect(row.rounds).toHaveLength(2);
      expect(row.rps.n).toBe(2);
      expect(row.rps.min).toBeLessThanOrEqual(row.rps.median);
      for (const round of row.rounds) expect(round.responses).toBeGreaterThan(0);
      expect(row.ratio).toBeUndefined(); // neither has its yardstick in this run
    }
    expect(r.stdout).toContain('| mine ');
    expect(r.stdout).toContain('| 02-full-parser ');
    expect(r.stdout).toMatch(/Generator: autocannon in \d thread\(s\) used \d+–\d+% of one core/);
    expect(r.stdout).toMatch(/it was (not saturated|\*\*saturated)/);
  });
});

describe('bench:ab (smoke run, shape only)', () => {
  it('measures one stage at two commits, in alternating rounds, and removes its checkouts', { timeout: 240_000 }, async (ctx) => {
    // a temporary folder of its own: another bench:ab running beside this test (a second
    // npm test, a session measuring) makes and removes its checkouts in the shared one
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'nibiru-ab-test-'));
    const r = await run('bench:ab', ['HEAD..HEAD', '01', '--rounds', '2', '-d', '1', '--warmup', '0', '-c', '4'], { TMPDIR: tmp });
    if (r.code === LOCK_BUSY) ctx.skip(LOCK_NOTE);
    expect(r.code, r.stderr).toBe(0);
    const data = saved<AbResults>('ab-01-');
    expect(data.a.commit).toBe(data.b.commit);
    expect(data.rounds.map((x) => x.first)).toEqual(['A', 'B']);
    expect(data.ratio.n).toBe(2);
    expect(r.stdout).toMatch(/B \/ A, median \(lowest–highest round\): \*\*[\d.]+ \([\d.]+–[\d.]+\)\*\* in requests\/s/);
    expect(readdirSync(tmp).filter((n) => n.startsWith('nibiru-ab-'))).toEqual([]);
    rmSync(tmp, { recursive: true, force: true });
  });
});

describe('bench (one run, shape only)', () => {
  it('says what it could not measure instead of failing (no /proc, no ps: as on a machine without either)', { timeout: 180_000 }, async (ctx) => {
    const r = await run('bench', ['01', '-n', '100', '-c', '10'], { NIBIRU_BENCH_CPU: 'none' });
    if (r.code === LOCK_BUSY) ctx.skip(LOCK_NOTE);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Requests/sec:');
    expect(r.stdout).toContain('server not measured (neither /proc nor ps on this machine)');
    expect(r.stdout).toMatch(/generator autocannon \d+% of one core/);
  });
  it('drives wrk when it is installed', { timeout: 180_000 }, async (ctx) => {
    if (!HAS_WRK) ctx.skip('wrk is not installed (apt-get install wrk)');
    const r = await run('bench', ['node:http', '--tool', 'wrk', '-d', '1', '-c', '4']);
    if (r.code === LOCK_BUSY) ctx.skip(LOCK_NOTE);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/node:http: wrk \(1 thread\) -c 4 -d 1 s/);
    expect(r.stdout).toMatch(/generator wrk \d+% of one core/);
  });
});

describe('bench:log --quick (smoke run, shape only)', () => {
  it('replays 2025-01-01 end to end and reports every run with the log figures beside', { timeout: 300_000 }, async (ctx) => {
    const r = await run('bench:log', ['2025-01-01', '--quick', '--json']);
    if (r.code === LOCK_BUSY) ctx.skip(LOCK_NOTE);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as EntryReport;
    expect(saved<EntryReport>('log-2025-01-01').date).toBe(report.date);
    expect(report.entry).toBe('2025-01-01');
    expect(report.quick).toBe(true);
    expect(report.machine.node).toBe(process.version);
    expect(report.missing).toEqual([]);
    // the five rows of the entry (-c 1, 10, 50, 100, 5), then one-connection runs per installed tool
    expect(report.runs.filter((x) => x.label === undefined).map((x) => x.connections)).toEqual([1, 10, 50, 100, 5]);
    for (const x of report.runs) {
      expect(x.target).toBe('02-full-parser');
      expect(x.responses).toBeGreaterThan(0);
      expect(x.p50Ms).toBeLessThanOrEqual(x.p99Ms);
    }
    expect(report.runs.some((x) => x.label === 'one connection, autocannon')).toBe(true);
    expect(report.markdown).toContain('| req/s log');
    expect(report.markdown).toContain('2,844'); // the log's own -c 1 figure, beside ours
    expect(report.markdown).toMatch(/share these \d+ cores/);
  });
});

describe('the shared lock', () => {
  let holder: ChildProcess | undefined;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nibiru-lock-test-'));
  });
  afterAll(() => {
    holder?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a benchmark that must wait says who holds the lock and since when, then gives up after NIBIRU_BENCH_LOCK_WAIT', { timeout: 60_000 }, async (ctx) => {
    if (!HAS_FLOCK) ctx.skip('flock(1) or /proc/locks is missing on this machine');
    const lock = path.join(dir, 'bench.lock');
    // someone else's benchmark: it took the lock with flock(1) and wrote no owner file
    holder = spawn('flock', [lock, 'sleep', '60'], { stdio: 'ignore' });
    for (let i = 0; i < 200 && !readFileSync('/proc/locks', 'utf8').includes(` ${holder.pid} `); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25)); // wait for flock to take it
    }
    const env = { NIBIRU_BENCH_LOCK: lock, NIBIRU_BENCH_LOCK_WAIT: '1' };
    const anonymous = await run('bench', ['01', '-n', '10', '-c', '1'], env);
    expect(anonymous.code).toBe(LOCK_BUSY);
    expect(anonymous.stderr).toContain(`bench: waiting for the bench lock ${lock}, held by pid ${holder.pid} (flock ${lock} sleep 60), a process running since `);
    expect(anonymous.stderr).toContain('gave up waiting');
    // a bench command that holds it says what it runs and since when it holds it
    writeFileSync(`${lock}.owner`, JSON.stringify({ pid: holder.pid, command: 'npm run bench:compare -- --tool wrk', since: Date.now() - 90_000 }));
    const named = await run('bench', ['01', '-n', '10', '-c', '1'], env);
    expect(named.code).toBe(LOCK_BUSY);
    expect(named.stderr).toMatch(new RegExp(`held by pid ${holder.pid} \\(npm run bench:compare -- --tool wrk\\), since \\d\\d:\\d\\d:\\d\\d UTC \\(1 min \\d+ s ago\\)`));
  });
});
