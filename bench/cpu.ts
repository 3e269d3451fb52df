/**
 * CPU time of processes and of the whole machine, so that every report can say who was busy:
 * the load generator, the server, or something else.
 *
 * Strategy: three sources, best first, and a report that names the one it used.
 * - A server's processes: `/proc/<pid>/stat` (`utime + stime`, in clock ticks) where it exists
 *   (Linux); else `ps -o time=` (macOS prints centiseconds; procps on Linux only whole
 *   seconds, which is why `/proc` comes first); else nothing, and the report says "not
 *   measured".
 * - A generator run as a child (`wrk`): the shell that runs it prints its `times`
 *   afterwards, whose second line is the CPU its waited-for children used. POSIX, so it works
 *   wherever `sh` does.
 * - autocannon runs in this process (in worker threads): `process.cpuUsage()`, which counts
 *   every thread.
 * - The whole machine: `/proc/stat`, else `os.cpus()` (per-core busy and idle milliseconds, on
 *   every platform, but without softirq time).
 *
 * `NIBIRU_BENCH_CPU=ps` or `=none` pretends `/proc` is missing, to try the fallbacks on Linux.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Where a server's CPU time came from. */
export type CpuSource = 'proc' | 'ps' | 'none';

/** Clock ticks per second (`getconf CLK_TCK`), 100 on every Linux seen so far. */
export const CLOCK_TICKS: number = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function detectSource(): CpuSource {
  const forced = process.env.NIBIRU_BENCH_CPU;
  if (forced === 'none') return 'none';
  if (forced !== 'ps' && existsSync('/proc/self/stat')) return 'proc';
  return spawnSync('ps', ['-o', 'time=', '-p', String(process.pid)], { stdio: 'ignore' }).status === 0 ? 'ps' : 'none';
}

/** How this machine's server CPU times are read. */
export const CPU_SOURCE: CpuSource = detectSource();

/** One sentence on what {@link CPU_SOURCE} can and cannot measure, for reports. */
export function cpuSourceNote(source: CpuSource = CPU_SOURCE): string {
  if (source === 'proc') return 'server CPU from /proc/<pid>/stat';
  if (source === 'ps') return 'server CPU from ps (no /proc here; ps counts to 10 ms on macOS, to the second on Linux procps)';
  return 'server CPU not measured: neither /proc nor ps on this machine';
}

/** The fields of `/proc/<pid>/stat` after the command name (which may hold spaces). */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
}

function procCpuMs(pid: number): number | undefined {
  try {
    const f = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    // after "pid (comm) ", field 3 (state) is index 0, so utime (14) is index 11
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Parses a `ps -o time=` value: `[[DD-]HH:]MM:SS[.ss]`, in milliseconds. */
export function parsePsTime(value: string): number | undefined {
  const m = /^\s*(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)\s*$/.exec(value);
  if (!m) return undefined;
  const [, d, h, min, s] = m;
  return (((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min)) * 60 + Number(s)) * 1000;
}

function psCpuMs(pids: readonly number[]): number | undefined {
  const r = spawnSync('ps', ['-o', 'time=', '-p', pids.join(',')], { encoding: 'utf8' });
  if (r.error) return undefined;
  let sum = 0;
  for (const line of r.stdout.split('\n').filter((l) => l.trim() !== '')) sum += parsePsTime(line) ?? 0;
  return sum;
}

/**
 * CPU milliseconds (user + system) several processes have used so far; a process that is gone
 * counts 0. Undefined when this machine cannot tell ({@link CPU_SOURCE} is `none`).
 */
export function processesCpuMs(pids: readonly number[], source: CpuSource = CPU_SOURCE): number | undefined {
  if (pids.length === 0 || source === 'none') return undefined;
  if (source === 'ps') return psCpuMs(pids);
  let sum = 0;
  for (const pid of pids) sum += procCpuMs(pid) ?? 0;
  return sum;
}

/**
 * The CPU milliseconds of the children a shell waited for, from the output of its `times`
 * builtin (two lines, `<user> <system>` each, for the shell and then for its children, as
 * `0m0.123s`).
 */
export function childCpuMsFromTimes(output: string): number | undefined {
  const lines = output.trim().split('\n').filter((l) => /\d+m[\d.]+s/.test(l));
  const children = lines[lines.length - 1];
  if (lines.length < 2 || children === undefined) return undefined;
  const values = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => (Number(m[1]) * 60 + Number(m[2])) * 1000);
  return values.length === 2 ? values[0]! + values[1]! : undefined;
}

/** How much CPU a side used during a load. */
export interface CpuUse {
  /** CPU milliseconds used. */
  readonly cpuMs: number;
  /** Wall milliseconds of the load. */
  readonly wallMs: number;
  /** `cpuMs / wallMs` in percent of one core (200 % = two cores busy). */
  readonly percentOfCore: number;
}

/** Builds a {@link CpuUse}. */
export function cpuUse(cpuMs: number, wallMs: number): CpuUse {
  return { cpuMs, wallMs, percentOfCore: wallMs > 0 ? (100 * cpuMs) / wallMs : 0 };
}

/**
 * The whole machine's busy CPU milliseconds so far, all cores together (everything but idle
 * and iowait). From `/proc/stat` where it exists, because `os.cpus()` leaves out softirq
 * time, which is where the kernel's loopback networking runs; else from `os.cpus()`.
 */
export function machineBusyMs(): number | undefined {
  if (CPU_SOURCE === 'proc') {
    try {
      const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
      // user nice system idle iowait irq softirq steal ...
      const busy = cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + (cpu[7] ?? 0);
      return (busy * 1000) / CLOCK_TICKS;
    } catch {
      // fall through to os.cpus()
    }
  }
  const cpus = os.cpus();
  if (cpus.length === 0) return undefined;
  let busy = 0;
  for (const c of cpus) busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return busy;
}
