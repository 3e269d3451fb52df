/**
 * CPU time of processes, from `/proc`, so that every report can say who was busy: the load
 * generator or the server.
 *
 * Strategy: read `utime + stime` (fields 14 and 15 of `/proc/<pid>/stat`, in clock ticks)
 * before and after a load, for the server's master and workers; the generator is either this
 * process (`process.cputime`, for autocannon) or a child whose time is read by its parent
 * shell after `wait` (see `bench/load.ts`). Where `/proc` does not exist (macOS), the figures
 * are missing and the report says so.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Clock ticks per second (`getconf CLK_TCK`), 100 on every Linux seen so far. */
export const CLOCK_TICKS: number = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Whether process CPU times can be read at all. */
export const HAS_PROC = existsSync('/proc/self/stat');

/** The fields of `/proc/<pid>/stat` after the command name (which may hold spaces). */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
}

/**
 * CPU milliseconds (user + system) a process has used, or undefined when it is gone.
 *
 * @param children add the time of children it has waited for (`cutime + cstime`).
 */
export function processCpuMs(pid: number, children = false): number | undefined {
  try {
    const f = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    // after "pid (comm) ", field 3 (state) is index 0, so utime (14) is index 11
    let ticks = Number(f[11]) + Number(f[12]);
    if (children) ticks += Number(f[13]) + Number(f[14]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** The parsed CPU milliseconds of a `/proc/<pid>/stat` line, with waited-for children. */
export function cpuMsFromStat(stat: string): number {
  const f = statFields(stat);
  return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / CLOCK_TICKS;
}

/** CPU milliseconds of several processes together; missing ones count 0. */
export function processesCpuMs(pids: readonly number[]): number | undefined {
  if (!HAS_PROC) return undefined;
  let sum = 0;
  for (const pid of pids) sum += processCpuMs(pid) ?? 0;
  return sum;
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

/** The whole machine's busy CPU milliseconds so far (all cores; everything but idle and iowait), from `/proc/stat`. */
export function machineBusyMs(): number | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...
    const busy = cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + (cpu[7] ?? 0);
    return (busy * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
