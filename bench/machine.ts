/**
 * The machine a measurement ran on, recorded beside every figure: CPU model, cores, Node
 * version, kernel, the kernel settings that the backlog experiment depends on, and how busy
 * the machine was (its load average) when the run began and ended.
 */

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { CPU_SOURCE, type CpuSource } from './cpu.ts';

/** What every report and results file says about where it was measured. */
export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  readonly kernel: string;
  /** `/proc/sys/net/core/somaxconn`: the kernel's cap on any listen backlog. */
  readonly somaxconn?: number;
  /** `/proc/sys/net/ipv4/tcp_abort_on_overflow`: 1 resets connections a full accept queue cannot take. */
  readonly tcpAbortOnOverflow?: number;
  /** `/proc/sys/net/ipv4/tcp_syncookies`. */
  readonly tcpSyncookies?: number;
  /** Where the load generator ran. */
  readonly generatorPlacement: string;
  /** The 1-, 5- and 15-minute load averages when the run began (all 0 where the OS has none). */
  readonly loadAverage: readonly number[];
  /** How server CPU was measured (see `bench/cpu.ts`). */
  readonly cpuSource: CpuSource;
}

function readNumber(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** Describes this machine. */
export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    somaxconn: readNumber('/proc/sys/net/core/somaxconn'),
    tcpAbortOnOverflow: readNumber('/proc/sys/net/ipv4/tcp_abort_on_overflow'),
    tcpSyncookies: readNumber('/proc/sys/net/ipv4/tcp_syncookies'),
    generatorPlacement: 'same machine as the server, over loopback (127.0.0.1)',
    loadAverage: loadAverage(),
    cpuSource: CPU_SOURCE,
  };
}

/** The 1-, 5- and 15-minute load averages now, to two decimals. */
export function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

/** `load average 1.23, 0.98, 0.50 (2 cores)`: a load above the core count means a busy machine. */
export function loadLine(load: readonly number[], cores: number): string {
  return `load average ${load.map((l) => l.toFixed(2)).join(', ')} (${cores} cores)`;
}

/** One line for the top of a report, e.g. `2 cores (AMD EPYC), Node v20.20.2, linux x64 6.18`. */
export function machineLine(m: Machine): string {
  return (
    `${m.cores} cores (${m.cpuModel}), Node ${m.node}, ${m.platform} ${m.kernel}; ` +
    `the load generator runs on the ${m.generatorPlacement}: generator and server share these ${m.cores} cores`
  );
}
