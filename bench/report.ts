/**
 * Prints a {@link Measured} load in the shape of `hey`'s report, the shape of every figure in
 * the performance log, so that a reader can hold the two side by side. A header says what
 * ran and where; a footer says how busy the generator and the server were.
 */

import type { Measured } from './load.ts';
import { loadLine, machineLine, type Machine } from './machine.ts';

const secs = (ms: number): string => `${(ms / 1000).toFixed(4)} secs`;

/** `hey`'s report for one load, with a header and a CPU footer. */
export function formatReport(m: Measured, machine: Machine, what: string): string {
  const { load } = m;
  const lines: string[] = [];
  const amount = load.durationS !== undefined ? `-d ${load.durationS} s` : `-n ${load.requests}`;
  lines.push(`${what}: ${load.tool} (${load.threads} thread${load.threads > 1 ? 's' : ''}) -c ${load.connections} ${amount}${load.close ? ' Connection: close' : ''} ${load.url}`);
  lines.push(`Machine: ${machineLine(machine)}; ${loadLine(machine.loadAverage, machine.cores)}`);
  lines.push('');
  lines.push('Summary:');
  lines.push(`  Total:\t${load.totalS.toFixed(4)} secs`);
  lines.push(`  Slowest:\t${secs(load.latency.slowestMs)}`);
  lines.push(`  Fastest:\t${secs(load.latency.fastestMs)}`);
  lines.push(`  Average:\t${secs(load.latency.averageMs)}`);
  lines.push(`  Requests/sec:\t${load.rps.toFixed(4)}`);
  lines.push('');
  lines.push('');
  lines.push('Response time histogram:');
  const max = Math.max(1, ...load.latency.histogram.map((b) => b.count));
  for (const b of load.latency.histogram) {
    lines.push(`  ${(b.markMs / 1000).toFixed(3)} [${b.count}]\t|${'■'.repeat(Math.round((b.count * 40) / max))}`);
  }
  lines.push('');
  lines.push('');
  lines.push('Latency distribution:');
  for (const p of load.latency.percentiles) lines.push(`  ${p.p}% in ${secs(p.ms)}`);
  if (load.latencyNote) lines.push(`  (${load.latencyNote})`);
  lines.push('');
  lines.push('Status code distribution:');
  for (const [code, n] of Object.entries(load.statusCodes)) lines.push(`  [${code}]\t${n} responses`);
  const errors = Object.entries(load.errors);
  if (errors.length > 0) {
    lines.push('');
    lines.push('Error distribution:');
    for (const [what, n] of errors.sort((a, b) => b[1] - a[1])) lines.push(`  [${n}]\t${what}`);
  }
  lines.push('');
  lines.push(cpuLine(m, machine));
  for (const v of m.verdicts) lines.push(`  ! ${v}`);
  return lines.join('\n') + '\n';
}

/** The CPU footer: each side's share, what could not be measured, and who was saturated. */
function cpuLine(m: Measured, machine: Machine): string {
  const gen = m.load.generatorCpu;
  const srv = m.serverCpu;
  const g = gen ? `${Math.round(gen.percentOfCore)}% of one core (it can use ${Math.min(m.load.threads, machine.cores) * 100}%)` : 'not measured';
  const s = srv
    ? `${Math.round(srv.percentOfCore)}% of one core over ${m.serverProcesses} process(es)`
    : m.serverProcesses === 0
      ? 'not measured (a server the suite did not start, whose processes it could not find)'
      : `not measured (${machine.cpuSource === 'none' ? 'neither /proc nor ps on this machine' : 'its processes had gone'})`;
  const all = m.machineCpu ? `; whole machine ${Math.round(m.machineCpu.percentOfCore)}% of ${machine.cores * 100}% (the rest is kernel network work or other programs)` : '';
  const saturated = m.verdicts.some((v) => v.startsWith('generator saturated')) ? '' : gen ? '; the generator was not saturated' : '';
  return `CPU (generator and server share ${machine.cores} cores): generator ${m.load.tool} ${g}; server ${s}${all}${saturated}`;
}
