/**
 * `npm run bench:compare -- --memory`: what each server costs in memory, side by side in one run.
 *
 * Strategy: every server starts through `harness/launcher.ts`, as the specs start it, so that
 * the launcher's way of running a stage is what is weighed: stage 02 and `node:http` as one
 * process, the other stages and `node:cluster` with `--workers`, each stage with `docs.app:app`
 * and with the one-line `bench/reference/hello.ts`, and stage 04 once more with `--timeout 0`,
 * without its watchdog thread: the thread's cost is the difference of the workers. Per server:
 * one request, a second's rest, the resident set of each process (`VmRSS`, `/proc/<pid>/status`);
 * a load (autocannon, 50 connections), a second's rest, each process again; then `--idle`
 * keep-alive connections that have had one answer each, held open while the sum over the
 * processes is read: its growth per 1,000 from the first quarter on. From each process's start (`/proc/<pid>/stat`) to the ready line
 * is its start to serving; the ready line waits for every worker, so the latest-forked one's
 * figure is the tight one. A figure is the median over rounds; a worker's, the largest worker's.
 * What it will not do: run without Linux's `/proc`, or say what the memory holds.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listStages } from '../bin/stage.ts';
import { transformSync } from 'esbuild';
import { READY_LINE, startStage } from '../harness/launcher.ts';
import { formatDuration, parseFlags, positive, START_S, type Command } from './cli-args.ts';
import { CLOCK_TICKS, statFields } from './cpu.ts';
import { runLoad } from './load.ts';
import { loadLine, machineLine } from './machine.ts';
import { fmt, table } from './markdown.ts';
import { beginRun, endRun, saveRun, type RunInfo } from './results.ts';
import { median } from './stats.ts';
import { barChart, type Bar } from './svg.ts';
import { acceptsFlag, displayName } from './target.ts';

/**
 * One server: per round, each process's figures, the master (or the only one) first; the
 * milliseconds from its start to the ready line; the MB per 1,000 idle keep-alive connections
 * over all its processes, and how many of them were still open when the memory was read.
 */
export interface MemoryRow { readonly name: string; readonly app: string; readonly idleMb: number[][]; readonly loadedMb: number[][]; readonly readyMs: number[][]; readonly perThousandMb: number[]; readonly open: number[] }

/** A saved memory run. */
export interface MemoryResults { readonly kind: 'nibiru-ts bench:compare --memory'; readonly run: RunInfo; readonly date: string; readonly durationS: number; readonly idle: number; readonly roundCount: number; readonly rows: MemoryRow[] }

/** How to run the memory mode. */
export interface MemoryOptions { readonly durationS: number; readonly idle: number; readonly rounds: number; readonly workers: number; readonly saveReference: boolean; readonly out: string }
/** The yardstick of the goal: `node:http` as `node` runs a `.mjs`, whatever the launcher does. */
export const PLAIN = 'node:http, plain node';
// stage 01 closes every connection: it has no idle connection to weigh
const STAGES = listStages().slice(1);
const SERVERS: (readonly [string, string, readonly string[]])[] = [
  ...['docs.app:app', 'bench.reference.hello:app'].flatMap((app) => STAGES.map((s) => [s, app, []] as const)),
  ['04-shared-socket', 'docs.app:app', ['--timeout', '0']], ['ref:node-http', '-', []], ['ref:node-cluster', '-', []], [PLAIN, '-', []],
];
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const startedS = (pid: number): number => Number(statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[19]) / CLOCK_TICKS;
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Opens `n` connections, 100 at a time, and resolves once each has had the answer to one request. */
async function hold(host: string, port: number, n: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => new Promise<void>((resolve, reject) => {
      const s = net.connect(port, host, () => s.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).on('error', reject).once('data', () => resolve());
      sockets.push(s);
    }));
    await Promise.all(batch).catch((err: Error) => (sockets.forEach((s) => s.destroy()), Promise.reject(err)));
  }
  return sockets;
}

interface Server { readonly url: string; readonly host: string; readonly port: number; readonly pid: number; readonly workerPids: number[]; stop(): Promise<unknown> }

/** {@link PLAIN}: `reference/node-http.ts` without its types (esbuild), run by `node` with no flag. */
async function plainNodeHttp(): Promise<Server> {
  const file = path.join(os.tmpdir(), `nibiru-node-http-${process.pid}.mjs`);
  writeFileSync(file, transformSync(readFileSync(new URL('reference/node-http.ts', import.meta.url), 'utf8'), { loader: 'ts' }).code);
  const child = spawn(process.execPath, [file, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  let out = '';
  const m = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => void ((out += d.toString()), READY_LINE.test(out) && resolve(READY_LINE.exec(out)!)));
    void exited.then(() => reject(new Error(`${PLAIN} exited before it was ready`)));
  });
  return { url: m[1]!, host: m[2]!, port: Number(m[3]), pid: child.pid!, workerPids: [], stop: async () => (child.kill(), await exited, rmSync(file, { force: true })) };
}

async function measure(stage: string, app: string, args: readonly string[], o: MemoryOptions): Promise<Omit<MemoryRow, 'name' | 'app'> & { name: string }> {
  const all = [...args, ...(stage !== PLAIN && (await acceptsFlag(stage, '--workers')) ? ['--workers', String(o.workers)] : [])];
  const proc: Server = stage === PLAIN ? await plainNodeHttp() : await startStage(stage, { app: app === '-' ? 'docs.app:app' : app, args: all });
  const readyS = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  try {
    const pids = [proc.pid, ...proc.workerPids];
    const readyMs = pids.map((p) => Math.round((readyS - startedS(p)) * 1000));
    await (await fetch(proc.url)).arrayBuffer();
    await sleep(1000);
    const idleMb = pids.map(rssMb);
    await runLoad({ url: proc.url, connections: 50, durationS: o.durationS });
    await sleep(1000);
    const loadedMb = pids.map(rssMb);
    // the connections after the load, whose figures they would otherwise raise; counted from
    // the first quarter on, which also pays for what a server makes only once
    const first = await hold(proc.host, proc.port, Math.floor(o.idle / 4));
    await sleep(300);
    const before = sum(pids.map(rssMb));
    const sockets = [...first, ...(await hold(proc.host, proc.port, o.idle - first.length))];
    await sleep(500);
    const perThousandMb = ((sum(pids.map(rssMb)) - before) * 1000) / (o.idle - first.length);
    const open = sockets.filter((s) => !s.readableEnded && !s.destroyed).length;
    sockets.forEach((s) => s.destroy());
    return { name: `${displayName(stage)}${all.length ? ` ${all.join(' ')}` : ''}`, idleMb: [idleMb], loadedMb: [loadedMb], readyMs: [readyMs], perThousandMb: [perThousandMb], open: [open] };
  } finally {
    await proc.stop();
  }
}

/** `+3.2 / +8.0 ✓`: one process over `node:http` (idle / after the load), ✓ when within +5 MB / +10 MB (+ `threadMb`). */
export function goal(idleMb: number, loadedMb: number, http: { readonly idleMb: number; readonly loadedMb: number }, threadMb = 0): string {
  const [idle, loaded] = [idleMb - http.idleMb, loadedMb - http.loadedMb];
  const sign = (x: number): string => `${x < 0 ? '−' : '+'}${fmt(Math.abs(x), 1)}`;
  return `${sign(idle)} / ${sign(loaded)} ${idle <= 5 + threadMb && loaded <= 10 + threadMb ? '✓' : '✗'}`;
}

type Which = (xs: readonly number[]) => number | undefined;
const med = (rounds: readonly number[][], pick: Which): number => median(rounds.map(pick).filter((x): x is number => x !== undefined));
const master: Which = (xs) => xs[0];
const worker: Which = (xs) => (xs.length > 1 ? Math.max(...xs.slice(1)) : undefined);
const mb = (x: number): string => (Number.isFinite(x) ? fmt(x, 1) : '—');
const appName = (app: string): string => (app === '-' ? '—' : app.startsWith('docs') ? 'docs' : 'one line');

/** What the watchdog thread costs a worker: stage 04's largest worker with it less without it (`--timeout 0`), in MB. */
export function threadMb(r: MemoryResults): number {
  const [on, off] = ['04-shared-socket --workers', '04-shared-socket --timeout 0'].map((n) => r.rows.find((x) => x.app === 'docs.app:app' && x.name.startsWith(n)));
  return on && off ? med(on.idleMb, worker) - med(off.idleMb, worker) : NaN;
}

/**
 * The Markdown table of a memory run, and the sentence that says how it was made; `compact`
 * gives the yardsticks as the launcher starts them a sentence instead of rows.
 */
export function memoryTable(r: MemoryResults, compact = false): string {
  const http = r.rows.find((x) => x.name === PLAIN) ?? r.rows.find((x) => x.name === 'node:http');
  const base = http && { idleMb: med(http.idleMb, master), loadedMb: med(http.loadedMb, master) };
  const thread = threadMb(r);
  const launched = (x: MemoryRow): boolean => compact && x.name.startsWith('node:') && x.name !== PLAIN;
  const cell = (x: MemoryRow, k: 'idleMb' | 'loadedMb'): string => (x.idleMb[0]!.length > 1 ? `${mb(med(x[k], master))} / ${mb(med(x[k], worker))}` : mb(med(x[k], master)));
  const rows = r.rows.filter((x) => !launched(x)).map((x) => {
    const both = (f: (p: Which) => string, sep = ' / '): string => (x.idleMb[0]!.length > 1 ? `${f(master)}${sep}${f(worker)}` : f(master));
    const allowance = (p: Which): number => (p === worker && /^\d/.test(x.name) && !x.name.includes('--timeout 0') ? thread || 0 : 0);
    const open = Math.min(...x.open);
    return [x.name, appName(x.app), cell(x, 'idleMb'), cell(x, 'loadedMb'), both((p) => fmt(med(x.readyMs, p === worker ? (xs) => Math.min(...xs.slice(1)) : p))),
      `${mb(median(x.perThousandMb))}${open < r.idle ? ` (${fmt(open)} open)` : ''}`, base ? both((p) => goal(med(x.idleMb, p), med(x.loadedMb, p), base, allowance(p)), '; ') : '—'];
  });
  const m = r.run.machine;
  return `${table(['server', 'app', 'RSS idle, MB: master / worker', 'after the load', 'start to ready, ms', 'MB per 1,000 idle conns', `over ${http?.name}, MB: idle / loaded (master; worker)`], rows)}
Idle after one request; after autocannon, 50 connections for ${r.durationS} s; per 1,000 of ${fmt(r.idle)} keep-alive connections then held idle, counted from the first quarter on (“n open”: fewer were still open when it was read). A worker is the largest one; its start to ready, the last forked. The watchdog thread costs ${mb(thread)} MB: a worker's allowance in the last column. ${r.rows.filter(launched).map((x) => `${x.name} as the launcher starts it: ${cell(x, 'idleMb')} MB idle, ${cell(x, 'loadedMb')} after the load. `).join('')}${r.roundCount} round(s); \`${r.run.command}\`, ${r.date.slice(0, 16).replace('T', ' ')} UTC, at ${r.run.commit}, Node ${m.node}, ${loadLine(m.loadAverage, m.cores)}.`;
}

/** The chart of a memory run: per server, the master and the largest worker, idle and after the load. */
export function memoryChart(r: MemoryResults): string {
  const short = (x: MemoryRow): string => (x.name === PLAIN ? 'plain http' : x.name.startsWith('node:') ? x.name.slice(5).replace(/ .*/, '') : x.name.includes('--timeout 0') ? '04 t0' : `${x.name.slice(0, 2)} ${x.app.startsWith('docs') ? 'docs' : '1 line'}`);
  const bars = (x: MemoryRow): Bar[] => ([['idle', x.idleMb], ['loaded', x.loadedMb]] as const).flatMap(([when, v]) => [master, worker].map((p, i) => ({ label: `${when}: ${i ? 'worker' : 'master'}`, rounds: v.map(p).filter((y): y is number => y !== undefined) })));
  return barChart('resident set per process, MB', `${r.roundCount} round(s), a worker's bar every worker; t0: --timeout 0; ${machineLine(r.run.machine)}; ${r.date.slice(0, 16)}Z`, 'RSS, MB', r.rows.map((x) => ({ name: short(x), bars: bars(x) })));
}

/** Reads the memory mode's arguments; throws a `BenchUsageError`. */
export function parseMemoryArgs(argv: readonly string[]): MemoryOptions | 'help' {
  const { values } = parseFlags(argv, { memory: { type: 'boolean' }, d: { type: 'string', short: 'd' }, idle: { type: 'string' }, rounds: { type: 'string' }, workers: { type: 'string' }, 'save-reference': { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return 'help';
  return { durationS: positive('-d', values.d) ?? 10, idle: positive('--idle', values.idle) ?? 2000, rounds: positive('--rounds', values.rounds) ?? 1, workers: positive('--workers', values.workers) ?? 2, saveReference: values['save-reference'] === true, out: values.out ?? 'compare-memory' };
}

/** Seconds a memory run takes, roughly. */
export const estimateMemorySeconds = (o: MemoryOptions): number => o.rounds * SERVERS.length * (START_S + o.durationS + 5);
const usage = (): string => `Usage: npm run bench:compare -- --memory [-d <s> (10)] [--idle <n> (2000)] [--rounds <n> (1)] [--workers <n> (2)] [--save-reference] [--out <name>]
RSS per process, idle, per 1,000 idle connections and after a load, and start to ready (bench/memory.ts). About ${formatDuration(estimateMemorySeconds(parseMemoryArgs([]) as MemoryOptions))}; Linux only.\n`;

/** `bench:compare --memory`: the command `compare.ts` runs when `--memory` is among its arguments. */
export const MEMORY_COMMAND: Command<MemoryOptions> = {
  name: 'bench:compare',
  usage,
  parse: parseMemoryArgs,
  estimate: (x) => `bench:compare --memory: ${SERVERS.length} servers × ${x.rounds} round(s): about ${formatDuration(estimateMemorySeconds(x))}`,
  run: async (o, argv) => {
    const run = beginRun('bench:compare', argv);
    const rows: MemoryRow[] = [];
    for (let round = 1; round <= o.rounds; round++) {
      for (const [stage, app, args] of round % 2 ? SERVERS : [...SERVERS].reverse()) {
        const m = await measure(stage, app, args, o);
        process.stderr.write(`  round ${round}/${o.rounds} ${m.name} ${app}: ${m.idleMb[0]!.map((x) => mb(x)).join(', ')} MB idle\n`);
        const row = rows.find((x) => x.name === m.name && x.app === app);
        if (!row) rows.push({ ...m, app });
        else for (const k of ['idleMb', 'loadedMb', 'readyMs', 'perThousandMb', 'open'] as const) (row[k] as unknown[]).push(m[k][0]!);
      }
    }
    const results: MemoryResults = { kind: 'nibiru-ts bench:compare --memory', run: endRun(run), date: run.date, durationS: o.durationS, idle: o.idle, roundCount: o.rounds, rows };
    saveRun(o.out, results, { '': memoryChart(results) }, o.saveReference);
    process.stdout.write(`${memoryTable(results)}\n`);
  },
};
