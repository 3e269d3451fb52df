/**
 * One load against one running server, by autocannon (default) or `wrk`, turned into
 * one {@link LoadResult} of the same shape whatever the tool.
 *
 * Strategy:
 * - **autocannon** runs in this process, in `threads` worker threads (`bench/load-worker.ts`,
 *   default {@link DEFAULT_THREADS}), the connections shared out between them: one Node
 *   thread generating load saturates before a fast stage does, and then the figures measure
 *   the generator. Every response's latency is kept, so percentiles and the histogram are
 *   exact. Its CPU is this process's (`process.cpuUsage()` counts every thread).
 * - **wrk** runs as a child; it prints its figures as one JSON line (`bench/wrk-report.lua`).
 *   A shell runs it and then prints its `times`, the CPU wrk used (see `bench/cpu.ts`).
 * - The server's CPU is measured by {@link measureLoad} around the load, so every report can
 *   say which side was saturated, or that it could not tell.
 *
 * What it will not do: start or stop servers (see `bench/target.ts`).
 */

import { execFile, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { childCpuMsFromTimes, cpuUse, machineBusyMs, processesCpuMs, type CpuUse } from './cpu.ts';
import type { WorkerJob, WorkerReport } from './load-worker.ts';
import { summarize, type LatencySummary } from './stats.ts';

/** The load generators bench/ can drive. */
export type Tool = 'autocannon' | 'wrk';

/** The tools, in the order the help lists them. */
export const TOOLS: readonly Tool[] = ['autocannon', 'wrk'];

/**
 * Generator threads by default: autocannon gets two (one saturates before stage 02 does, see
 * `docs/performance.md`), wrk one (one C thread already outruns these servers).
 */
export const DEFAULT_THREADS: Readonly<Record<Tool, number>> = { autocannon: 2, wrk: 1 };

/** What load to put on a server. */
export interface LoadOptions {
  /** The load generator; defaults to autocannon. */
  readonly tool?: Tool;
  /** The server's base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The request path; defaults to `/`. */
  readonly path?: string;
  /** Connections held open at once (`wrk -c`). */
  readonly connections: number;
  /** Run for this many seconds (`wrk -d`)... */
  readonly durationS?: number;
  /** ...or until this many responses (not possible with wrk). */
  readonly requests?: number;
  /** Print a progress line on stderr while the load runs; defaults to false. */
  readonly progress?: boolean;
  /** The server's pids, for the progress line's CPU figure. */
  readonly serverPids?: readonly number[];
  /** Generator threads (autocannon, wrk); defaults to {@link DEFAULT_THREADS}. */
  readonly threads?: number;
  /** Send `Connection: close` with every request, so that every request is a new connection. */
  readonly close?: boolean;
  /**
   * Requests each connection sends before it waits for responses (autocannon only; default 1).
   * Latencies are then per batch, not per request.
   */
  readonly pipelining?: number;
  /** Called the moment the load starts (after the generator's own start-up). */
  readonly onStart?: () => void;
}

/** What one load measured. */
export interface LoadResult {
  readonly tool: Tool;
  readonly url: string;
  readonly connections: number;
  readonly durationS?: number;
  readonly requests?: number;
  /** Wall time of the load, in seconds. */
  readonly totalS: number;
  /** Responses received (any status). */
  readonly responses: number;
  /** Responses per second over {@link totalS}. */
  readonly rps: number;
  /** Latencies of the responses. */
  readonly latency: LatencySummary;
  /** How the latency figures were obtained, when not from every response. */
  readonly latencyNote?: string;
  /** Responses per status code (`wrk` only tells 2xx/3xx from the rest). */
  readonly statusCodes: Record<string, number>;
  /** Responses that took 900 ms or more (a dropped SYN is retransmitted after ~1 s); only when every latency is known. */
  readonly over900Ms?: number;
  /** Failed requests, per error (connection reset, timeout...). */
  readonly errors: Record<string, number>;
  /** The generator's CPU use, when it could be read. */
  readonly generatorCpu?: CpuUse;
  /** The generator's threads: it can use at most as many cores. */
  readonly threads: number;
  /** Whether every request carried `Connection: close`. */
  readonly close: boolean;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Whether a tool is installed (autocannon always is: it is a devDependency). */
export function toolAvailable(tool: Tool): boolean {
  if (tool === 'autocannon') return true;
  const probe = spawnSync(tool, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined;
}

/** Runs one load and returns what it measured. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if ((options.durationS === undefined) === (options.requests === undefined)) {
    throw new Error('give exactly one of a duration (-d) and a request count (-n)');
  }
  if (options.requests !== undefined && options.requests < options.connections) {
    throw new Error(`-n ${options.requests} is fewer than -c ${options.connections}: every connection needs a request`);
  }
  const tool = options.tool ?? 'autocannon';
  if (tool === 'wrk' && options.requests !== undefined) throw new Error('wrk runs for a duration only: use -d, not -n');
  if (!toolAvailable(tool)) throw new Error(`${tool} is not installed (try --tool autocannon)`);
  if (options.threads !== undefined && options.threads < 1) throw new Error('give at least one generator thread');
  if (tool !== 'autocannon' && (options.pipelining ?? 1) > 1) throw new Error(`${tool} does not pipeline requests (use autocannon)`);
  const progress = options.progress ? startProgress(options) : undefined;
  const url = new URL(options.path ?? '/', options.url).href;
  try {
    const measured = tool === 'autocannon' ? runAutocannon(options, url, progress) : runWrk(options, url);
    const amount = options.durationS !== undefined ? { durationS: options.durationS } : { requests: options.requests! };
    return { tool, url, connections: options.connections, ...amount, close: options.close === true, ...(await measured) };
  } finally {
    progress?.stop();
  }
}

/** A progress line: elapsed time, responses so far (autocannon), CPU of both sides. */
interface Progress {
  count(n: number): void;
  stop(): void;
}

function startProgress(options: LoadOptions): Progress {
  const started = performance.now();
  const tty = process.stderr.isTTY === true;
  let responses = 0;
  let lastResponses = 0;
  let lastAt = started;
  let lastServer = processesCpuMs(options.serverPids ?? []);
  const goal =
    options.durationS !== undefined ? `${options.durationS} s` : `${options.requests} requests`;
  const timer = setInterval(
    () => {
      const now = performance.now();
      const server = processesCpuMs(options.serverPids ?? []);
      const serverPct =
        server !== undefined && lastServer !== undefined ? `, server CPU ${Math.round((100 * (server - lastServer)) / (now - lastAt))}%` : '';
      const rate = options.tool === undefined || options.tool === 'autocannon'
        ? `, ${responses} responses, ${Math.round(((responses - lastResponses) * 1000) / (now - lastAt))} req/s now`
        : '';
      const line = `  [${options.tool ?? 'autocannon'} -c ${options.connections}] ${((now - started) / 1000).toFixed(1)} s of ${goal}${rate}${serverPct}`;
      lastResponses = responses;
      lastAt = now;
      lastServer = server;
      process.stderr.write(tty ? `\r${line.padEnd(100)}` : `${line}\n`);
    },
    tty ? 1000 : 5000,
  );
  timer.unref();
  return {
    count: (n) => (responses = n),
    stop: () => {
      clearInterval(timer);
      if (tty) process.stderr.write(`\r${' '.repeat(100)}\r`);
    },
  };
}

/** Shares `total` out over `parts` as evenly as whole numbers allow. */
export function share(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

const WORKER_URL = new URL('./load-worker.ts', import.meta.url).href;

/**
 * Starts one generator thread. Worker threads do not inherit `--import tsx`, so the thread
 * first registers tsx itself (resolved here, so that it works from any working directory).
 */
function startWorker(): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL)}); })`;
  const w = new Worker(code, { eval: true, workerData: { nibiruLoadWorker: true } });
  w.unref(); // idle generator threads must not keep the command alive
  return w;
}

/** The generator threads started so far, kept for the next load. */
const pool: Promise<Worker>[] = [];

/** `n` ready generator threads, started once per command and reused by every load. */
async function generatorThreads(n: number): Promise<Worker[]> {
  while (pool.length < n) {
    const w = startWorker();
    pool.push(message(w, 'ready').then(() => w));
  }
  return Promise.all(pool.slice(0, n));
}

/** What a tool measured, beside what the load was ({@link runLoad} adds that). */
type Measurement = Omit<LoadResult, 'tool' | 'url' | 'connections' | 'durationS' | 'requests' | 'close'>;

async function runAutocannon(options: LoadOptions, url: string, progress?: Progress): Promise<Measurement> {
  const threads = Math.min(options.threads ?? DEFAULT_THREADS.autocannon, options.connections);
  const connections = share(options.connections, threads);
  const amounts = options.requests !== undefined ? share(options.requests, threads) : undefined;
  const counts = new Array<number>(threads).fill(0);
  const workers = await generatorThreads(threads);
  const listeners: ((m: { type: string; n?: number }) => void)[] = [];
  for (const w of workers) w.ref(); // a load in progress keeps the command alive
  try {
    options.onStart?.();
    const cpu0 = process.cpuUsage();
    const done = workers.map((w, i) => {
      const onCount = (m: { type: string; n?: number }): void => {
        if (m.type !== 'count') return;
        counts[i] = m.n!;
        progress?.count(counts.reduce((a, b) => a + b, 0));
      };
      listeners.push(onCount);
      w.on('message', onCount);
      return message(w, 'done') as Promise<WorkerReport>;
    });
    workers.forEach((w, i) => {
      const job: WorkerJob = {
        url,
        connections: connections[i]!,
        ...(amounts ? { requests: amounts[i]! } : { durationS: options.durationS! }),
        ...(options.close ? { headers: { connection: 'close' } } : {}),
        ...(options.pipelining !== undefined && options.pipelining > 1 ? { pipelining: options.pipelining } : {}),
      };
      w.postMessage({ type: 'run', job });
    });
    const reports = await Promise.all(done);
    const cpu = process.cpuUsage(cpu0);
    const startedAt = Math.min(...reports.map((r) => r.startedAt));
    const wallMs = Math.max(...reports.map((r) => r.lastResponseAt)) - startedAt;
    const latencies = new Float64Array(reports.reduce((a, r) => a + r.latencies.length, 0));
    let at = 0;
    for (const r of reports) {
      latencies.set(r.latencies, at);
      at += r.latencies.length;
    }
    const statusCodes = mergeCounts(reports.map((r) => r.statusCodes));
    const errors = mergeCounts(reports.map((r) => r.errors));
    let over900Ms = 0;
    for (const ms of latencies) if (ms >= 900) over900Ms++;
    return {
      totalS: wallMs / 1000,
      responses: latencies.length,
      rps: (latencies.length * 1000) / wallMs,
      latency: summarize(latencies),
      over900Ms,
      statusCodes,
      errors,
      // autocannon resolves on its next 1-second tick after the last response; that idle
      // tail costs no CPU, so the load's CPU is set against the time to its last response
      generatorCpu: cpuUse((cpu.user + cpu.system) / 1000, wallMs),
      threads,
    };
  } finally {
    workers.forEach((w, i) => {
      if (listeners[i]) w.off('message', listeners[i]);
      w.unref();
    });
  }
}

/** Resolves with the first message of `type` from a worker; rejects on its error or early exit. */
function message(w: Worker, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const settle = (): void => void w.off('message', onMessage).off('error', reject).off('exit', onExit);
    const onMessage = (m: { type: string; message?: string }): void => {
      if (m.type === type) resolve(m);
      else if (m.type === 'error') reject(new Error(`generator thread: ${m.message}`));
      else return;
      settle();
    };
    const onExit = (code: number): void => {
      settle();
      reject(new Error(`generator thread exited (${code}) before '${type}'`));
    };
    w.on('message', onMessage).once('error', reject).on('exit', onExit);
  });
}

function mergeCounts(all: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of all) for (const [k, n] of Object.entries(counts)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** Runs `command` under `sh`, which prints `@@times` and its `times` after the command exits. */
function runTimed(command: string, args: readonly string[], onStart?: () => void): Promise<{ stdout: string; stderr: string; code: number | null; cpuMs?: number; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const script = '"$@"; rc=$?; echo @@times; times; exit $rc';
    const t0 = performance.now();
    onStart?.();
    const child = spawn('sh', ['-c', script, 'sh', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - t0;
      const at = stdout.lastIndexOf('@@times\n');
      const cpuMs = at === -1 ? undefined : childCpuMsFromTimes(stdout.slice(at + 8));
      resolve({ stdout: at === -1 ? stdout : stdout.slice(0, at), stderr, code, wallMs, ...(cpuMs !== undefined ? { cpuMs } : {}) });
    });
  });
}

async function runWrk(options: LoadOptions, url: string): Promise<Measurement> {
  const threads = Math.min(options.threads ?? DEFAULT_THREADS.wrk, options.connections);
  const args = [`-t${threads}`, `-c${options.connections}`, `-d${options.durationS}s`, '-s', path.join(HERE, 'wrk-report.lua')];
  if (options.close) args.push('-H', 'Connection: close');
  args.push(url);
  const run = await runTimed('wrk', args, options.onStart);
  if (run.code !== 0) throw new Error(`wrk exited ${run.code}: ${run.stderr || run.stdout}`);
  const line = /^@@wrk (.*)$/m.exec(run.stdout);
  if (!line) throw new Error(`wrk printed no report:\n${run.stdout}${run.stderr}`);
  const w = JSON.parse(line[1]!) as {
    durationUs: number; requests: number; connect: number; read: number; write: number; status: number; timeout: number;
    minUs: number; maxUs: number; meanUs: number; pointsUs: number[];
  };
  const points = w.pointsUs.map((us) => us / 1000);
  const fromPoints = summarize(points);
  const errors: Record<string, number> = {};
  for (const k of ['connect', 'read', 'write', 'timeout'] as const) if (w[k] > 0) errors[`${k} errors (wrk)`] = w[k];
  const statusCodes: Record<string, number> = { '2xx/3xx': w.requests - w.status };
  if (w.status > 0) statusCodes['other'] = w.status;
  const scale = w.requests / Math.max(1, points.length);
  return {
    totalS: w.durationUs / 1e6,
    responses: w.requests,
    rps: w.requests / (w.durationUs / 1e6),
    latency: {
      ...fromPoints,
      count: w.requests,
      fastestMs: w.minUs / 1000,
      slowestMs: w.maxUs / 1000,
      averageMs: w.meanUs / 1000,
      histogram: fromPoints.histogram.map((b) => ({ markMs: b.markMs, count: Math.round(b.count * scale) })),
    },
    latencyNote: "wrk's own figures; the histogram is drawn from 1000 of its percentiles (wrk hands out no raw latencies)",
    statusCodes,
    errors,
    ...(run.cpuMs !== undefined ? { generatorCpu: cpuUse(run.cpuMs, run.wallMs) } : {}),
    threads,
  };
}

/** A load plus the server's side of it. */
export interface Measured {
  readonly load: LoadResult;
  /** The server's CPU use (master and workers together), when it could be read. */
  readonly serverCpu?: CpuUse;
  /**
   * The whole machine's busy time (all cores, including the kernel's network work and any
   * other program), in percent of one core; what generator and server do not account for
   * is the kernel's softirq work or somebody else's load.
   */
  readonly machineCpu?: CpuUse;
  /** The server's processes counted (0: a server the suite did not start, whose pids it does not know). */
  readonly serverProcesses: number;
  /**
   * Established connections each server process held a second into the load (master first,
   * as the pids were given), from `ss`; only for servers of several processes, where `ss`
   * can tell (Linux).
   */
  readonly connectionsPerProcess?: number[];
  /** Saturation findings, one sentence each (empty when nothing was saturated). */
  readonly verdicts: string[];
}

/**
 * How many established connections on `port` each of `pids` holds, from `ss -tnp`; undefined
 * where `ss` is missing or shows no pids.
 */
function connectionsPerPid(port: number, pids: readonly number[]): Promise<number[] | undefined> {
  return new Promise((resolve) => {
    execFile('ss', ['-Htnp', 'state', 'established', `( sport = :${port} )`], (err, stdout) => {
      if (err) return resolve(undefined);
      const counts = pids.map(() => 0);
      for (const line of stdout.split('\n')) {
        for (const m of line.matchAll(/pid=(\d+)/g)) {
          const i = pids.indexOf(Number(m[1]));
          if (i !== -1) counts[i]!++;
        }
      }
      resolve(counts.some((c) => c > 0) ? counts : undefined);
    });
  });
}

/** Runs a load while measuring the server's CPU time, and says which side was saturated. */
export async function measureLoad(serverPids: readonly number[], options: LoadOptions, cores: number): Promise<Measured> {
  let before: number | undefined;
  let machineBefore: number | undefined;
  let t0 = performance.now();
  let spread: Promise<number[] | undefined> | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const port = Number(new URL(options.url).port);
  const load = await runLoad({
    ...options,
    serverPids,
    onStart: () => {
      before = processesCpuMs(serverPids);
      machineBefore = machineBusyMs();
      t0 = performance.now();
      // how the connections are spread over the processes, once they have all been accepted
      if (serverPids.length > 1 && port > 0) {
        const at = Math.min(1000, ((options.durationS ?? 2) * 1000) / 2);
        sampler = setTimeout(() => (spread = connectionsPerPid(port, serverPids)), at);
      }
    },
  });
  clearTimeout(sampler);
  const wallMs = performance.now() - t0;
  const after = processesCpuMs(serverPids);
  const machineAfter = machineBusyMs();
  const connectionsPerProcess = await spread;
  // autocannon ends a second after its last response; that tail costs the server nothing, so
  // the server's CPU is set against the load's own duration, as the generator's is
  const serverCpu = before !== undefined && after !== undefined ? cpuUse(after - before, Math.min(wallMs, load.totalS * 1000)) : undefined;
  const machineCpu = machineBefore !== undefined && machineAfter !== undefined ? cpuUse(machineAfter - machineBefore, wallMs) : undefined;
  return {
    load,
    ...(serverCpu ? { serverCpu } : {}),
    ...(machineCpu ? { machineCpu } : {}),
    serverProcesses: serverPids.length,
    ...(connectionsPerProcess ? { connectionsPerProcess } : {}),
    verdicts: saturation(load, serverCpu, serverPids.length, cores, machineCpu),
  };
}

/**
 * Who was saturated: the generator (≥ 90 % of the cores it can use), the server (≥ 90 % of
 * the cores its processes can use), or the whole machine (both together ≥ 90 % of all cores);
 * and whether something else took a share of the machine ("contended").
 */
function saturation(load: LoadResult, serverCpu: CpuUse | undefined, serverProcesses: number, cores: number, machineCpu?: CpuUse): string[] {
  const verdicts: string[] = [];
  const gen = load.generatorCpu?.percentOfCore;
  const genCap = 100 * Math.min(load.threads, cores);
  if (gen !== undefined && gen >= 0.9 * genCap) {
    verdicts.push(
      `generator saturated: ${load.tool} used ${Math.round(gen)}% of the ${genCap / 100} core(s) it can use; the figures may measure the generator, not the server`,
    );
  }
  const srv = serverCpu?.percentOfCore;
  const srvCap = 100 * Math.min(Math.max(1, serverProcesses), cores);
  if (srv !== undefined && srv >= 0.9 * srvCap) {
    verdicts.push(`server saturated: it used ${Math.round(srv)}% of the ${srvCap / 100} core(s) its processes can use`);
  }
  if (gen !== undefined && srv !== undefined && gen + srv >= 0.9 * 100 * cores) {
    verdicts.push(
      `machine saturated: generator and server together used ${Math.round(gen + srv)}% of ${cores * 100}% (${cores} cores); they compete for the same cores`,
    );
  }
  if (gen !== undefined && srv !== undefined && machineCpu !== undefined && machineCpu.wallMs > 0) {
    // in CPU milliseconds over the machine's window: the three are not measured over quite the same time
    const rest = (100 * (machineCpu.cpuMs - load.generatorCpu!.cpuMs - serverCpu!.cpuMs)) / machineCpu.wallMs;
    // loopback networking is partly kernel softirq time billed to nobody; beyond half a core
    // of it, something else was running
    if (rest >= 50) {
      verdicts.push(
        `contended: the machine was ${Math.round(machineCpu.percentOfCore)}% busy, generator and server only ${Math.round(gen + srv)}%; ` +
          `${Math.round(rest)}% (of one core) went to the kernel or to other programs, so these figures understate both sides`,
      );
    }
  }
  return verdicts;
}
