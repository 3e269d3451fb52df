import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classify, findTarget, parseProfileArgs, parseStacks, perfAvailable, profileRatio, profileTable, summarize, userUs, type ProfileResults } from './profile.ts';
import { toolAvailable } from './load.ts';
import { LOCK_BUSY } from './lock.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Three samples as `perf script -F ip,sym,dso` prints them (abridged stacks).
const SCRIPT = `
\t    ffffffff8a1 tcp_sendmsg_locked ([kernel.kallsyms])
\t    7f18 JS:*start file:///r/stages/05-fast-path/src/response.ts:12:662 (/tmp/perf-1.map)

\t    9d5f27 node::StreamBase::Writev (/usr/bin/node)
\t    7f18 JS:*writeWhole file:///r/stages/05-fast-path/src/write-handle.ts:1:10 (/tmp/perf-1.map)
\t    7f19 JS:^onStreamRead node:internal/stream_base_commons:168:22 (/tmp/perf-1.map)

\t    14b8865 uv__read (/usr/bin/node)
\t    14c05fb uv__io_poll (/usr/bin/node)
\t    14ac8a7 uv_run (/usr/bin/node)

\t    c4a574 v8::internal::Scavenger::Process (/usr/bin/node)
\t    7f18 JS:*callApp file:///r/stages/05-fast-path/src/app.ts:1:2720 (/tmp/perf-1.map)

\t    7f20 JS:*writeOrBuffer node:internal/streams/writable:548:23 (/tmp/perf-1.map)

\t    7f21 JS:*app file:///r/docs/app.ts:3:1 (/tmp/perf-1.map)
\t    7f18 JS:*callApp file:///r/stages/05-fast-path/src/app.ts:1:2720 (/tmp/perf-1.map)
`;

describe('classifying samples', () => {
  const stacks = parseStacks(SCRIPT);

  it('splits perf script output into one stack per sample, innermost frame first', () => {
    expect(stacks).toHaveLength(6);
    expect(stacks[2]).toHaveLength(3);
    expect(stacks[0]![0]).toMatch(/tcp_sendmsg_locked/);
  });

  it('puts kernel, GC, native-only, the server by module, Node by area and the app apart', () => {
    expect(stacks.map(classify)).toEqual([
      { cls: 'kernel' },
      { cls: 'server', module: 'write-handle' }, // the native writev counts for its JavaScript caller
      { cls: 'node-native' },
      { cls: 'gc' },
      { cls: 'node-streams' },
      { cls: 'app' },
    ]);
  });

  it('turns samples into microseconds per request', () => {
    // 6 samples at 1000 Hz are 6 ms of CPU; over 3 requests, 2,000 µs each
    const p = summarize('05-fast-path', stacks, 3, 1, 1000);
    expect(p.totalUs).toBeCloseTo(2000);
    expect(p.us.kernel).toBeCloseTo(1000 / 3);
    expect(p.modules).toEqual({ 'write-handle': 1000 / 3 });
    expect(p.rps).toBe(3);
  });
});

describe('the report', () => {
  const profileOf = (name: string, kernel: number, user: number): ProfileResults['targets'][number] =>
    summarize(name, [...Array(kernel).fill(['x ([kernel.kallsyms])']), ...Array(user).fill(['JS:*f file:///r/stages/05-fast-path/src/parser.ts:1:1'])], 1, 10, 1);
  const results = { targets: [profileOf('05-fast-path', 6, 4), profileOf('node:http', 10, 10)] } as unknown as ProfileResults;

  it('gives the ratio of CPU per request, and the bound set by the kernel time', () => {
    const { ratio, bound } = profileRatio(results, '05', 'node:http');
    expect(ratio).toBeCloseTo(2); // 20 / 10
    expect(bound).toBeCloseTo(20 / 6);
    expect(profileRatio(results, '05', 'node:http').withoutServer).toBeCloseTo(20 / 6); // all its user time is the server's here
    expect(() => profileRatio(results, '03', 'node:http')).toThrow(/no target 03/);
  });

  it('finds a target by its name or what it starts with, and counts user space without the kernel', () => {
    expect(findTarget(results, '05').name).toBe('05-fast-path');
    expect(findTarget(results, 'node:http').name).toBe('node:http');
    expect(userUs(findTarget(results, '05'))).toBeCloseTo(4e6); // 4 of its 10 samples, at 1 Hz over 1 request
  });

  it('tables the classes that any target spends time in', () => {
    const md = profileTable(results);
    expect(md).toMatch(/kernel: system calls/);
    expect(md).toMatch(/the server's own JavaScript/);
    expect(md).not.toMatch(/garbage collector/);
    expect(md).toMatch(/\*\*all\*\*/);
  });
});

describe('the command line', () => {
  it('defaults to stage 05, stage 02 and node:http', () => {
    expect(parseProfileArgs([])).toMatchObject({ targets: ['05-fast-path', '02-full-parser', 'ref:node-http'], durationS: 4, rounds: 3, connections: 50 });
  });

  it('--at profiles one stage at two commits, and needs that one stage', () => {
    expect(parseProfileArgs(['--at', 'HEAD~1..HEAD', '--targets', '05'])).toMatchObject({ targets: ['05-fast-path'], at: { a: 'HEAD~1', b: 'HEAD' } });
    expect(() => parseProfileArgs(['--at', 'HEAD~1..HEAD'])).toThrow(/give it with --targets <stage>/);
    expect(() => parseProfileArgs(['--at', 'HEAD~1..HEAD', '--targets', 'node:http'])).toThrow(/needs a stage/);
    expect(() => parseProfileArgs(['--at', 'HEAD', '--targets', '05'])).toThrow(/expected <A>\.\.<B>/);
  });

  it('refuses node:cluster, which is not one process', () => {
    expect(() => parseProfileArgs(['--targets', 'node:cluster'])).toThrow(/cannot profile/);
  });

  it('profiles node:http for real when perf and wrk are installed', { timeout: 120_000 }, (ctx) => {
    if (!perfAvailable() || !toolAvailable('wrk')) ctx.skip('needs perf (apt-get install linux-perf) and wrk (apt-get install wrk)');
    const local = mkdtempSync(path.join(os.tmpdir(), 'nibiru-profile-test-'));
    try {
      const r = spawnSync('npm', ['run', '--silent', 'bench:profile', '--', '--targets', 'node:http', '-d', '2', '--rounds', '1', '--warmup', '1', '-c', '8'], {
        cwd: ROOT,
        encoding: 'utf8',
        // like the other smoke runs (bench.test.ts), wait a minute at most for the bench lock
        env: { ...process.env, NIBIRU_BENCH_LOCAL_DIR: local, NIBIRU_BENCH_LOCK_WAIT: '60' },
      });
      if (r.status === LOCK_BUSY) ctx.skip('the bench lock was held by another benchmark for the 60 s a smoke run waits');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/\| kernel: system calls, TCP on loopback +\| +\d+\.\d\d +\|/);
      const saved = readdirSync(local).filter((f) => f.startsWith('profile-'));
      expect(saved).toHaveLength(1);
      const data = JSON.parse(readFileSync(path.join(local, saved[0]!), 'utf8')) as ProfileResults;
      expect(data.targets[0]!.requests).toBeGreaterThan(0);
      expect(data.targets[0]!.samples).toBeGreaterThan(100);
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  });
});
