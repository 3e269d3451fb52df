/**
 * What bench/ loads: a stage of this repository (or of another checkout, for `bench:ab`), one
 * of the two yardsticks of `bench/reference/` (`node:http` in one process, `node:cluster` +
 * `node:http`), or a server the suite did not start, given by its URL.
 *
 * Strategy: every server the suite starts goes through `harness/launcher.ts` on port 0 with
 * `docs.app:app`, exactly as the specs start it, and is stopped with SIGTERM. The flags a
 * stage takes (`--workers`, `--backlog`) are read from its own `--help`, so that a stage added
 * later is driven correctly without editing this file. A server given by URL is only checked
 * to answer; its processes are looked up by listening port with `ss` where that works (Linux,
 * a server on this machine run by this user), so that its CPU can be counted too.
 */

import { spawnSync } from 'node:child_process';
import { listStages, resolveStage } from '../bin/stage.ts';
import { runStage, startStage } from '../harness/launcher.ts';

/** The yardsticks: launcher name and the name reports print. */
const REFERENCES = { 'ref:node-http': 'node:http', 'ref:node-cluster': 'node:cluster' } as const;

/** How to start a target. */
export interface TargetOptions {
  /** Worker processes, for targets that take `--workers`. */
  readonly workers?: number;
  /** The listen backlog, for targets that take `--backlog`. */
  readonly backlog?: number;
  /** The working directory (a checkout, for `bench:ab`); defaults to this repository. */
  readonly cwd?: string;
  /** The name reports print, instead of the stage's. */
  readonly label?: string;
  /** Extra environment variables for the server (`NODE_OPTIONS` for `bench:profile`). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A running target. */
export interface Target {
  /** The stage folder (`02-full-parser`), the yardstick's name (`node:http`), or the label given. */
  readonly name: string;
  /** The server's base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The request path every load uses (`/`, or the path of a URL given with `--against-url`). */
  readonly path: string;
  readonly host: string;
  readonly port: number;
  /** The server's pids: the master, then its workers; empty when they are not known. */
  readonly pids: number[];
  /** How the pids were found, when the suite did not start the server. */
  readonly pidsNote?: string;
  /** The arguments it was started with. */
  readonly args: string[];
  /** Milliseconds from spawn to the ready line (0 for a server given by URL). */
  readonly readyMs: number;
  /** Monotonic time (performance.now()) of the spawn. */
  readonly spawnedAt: number;
  stop(): Promise<void>;
}

const flagCache = new Map<string, string>();

/** The `--help` text of a stage (cached). */
async function helpOf(stage: string, cwd?: string): Promise<string> {
  const key = `${cwd ?? ''}\0${stage}`;
  let help = flagCache.get(key);
  if (help === undefined) {
    const run = await runStage(stage, ['--help'], cwd ? { cwd } : {});
    help = run.stdout + run.stderr;
    flagCache.set(key, help);
  }
  return help;
}

/** Whether a target accepts a flag, e.g. `--workers`. */
export async function acceptsFlag(target: string, flag: string, cwd?: string): Promise<boolean> {
  if (target === 'ref:node-cluster') return flag === '--workers';
  if (target === 'ref:node-http' || isExternal(target)) return false;
  return new RegExp(`${flag}\\b`).test(await helpOf(target, cwd));
}

/**
 * Resolves what a user typed (`01`, `2`, `03-fd-passing`, `node:http`, `ref:node-cluster`) to
 * a launcher name, or undefined when there is no such target.
 */
export function resolveTarget(name: string): string | undefined {
  if (name === 'node:http' || name === 'node-http' || name === 'ref:node-http') return 'ref:node-http';
  if (name === 'node:cluster' || name === 'node-cluster' || name === 'ref:node-cluster') return 'ref:node-cluster';
  return resolveStage(name, listStages());
}

/** The name reports print for a launcher name. */
export function displayName(target: string): string {
  if (isExternal(target)) return parseExternal(target).name;
  return (REFERENCES as Record<string, string>)[target] ?? target;
}

/** A server given by URL, as the target string `url:<name>=<url>`. */
export interface External {
  readonly name: string;
  readonly url: string;
}

/** Whether a target string names a server given by URL. */
export function isExternal(target: string): boolean {
  return target.startsWith('url:');
}

/**
 * Reads what `--against-url` was given, `[name=]http://host:port/path`, as a target string;
 * throws when it is not an http URL. Without a name, the URL's `host:port` is the name.
 */
export function externalTarget(raw: string): string {
  const m = /^(?:([^=/]+)=)?(.*)$/.exec(raw)!;
  let url: URL;
  try {
    url = new URL(m[2]!);
  } catch {
    throw new Error(`not a URL: '${m[2]}'`);
  }
  if (url.protocol !== 'http:') throw new Error(`only http:// URLs can be loaded, not '${url.href}'`);
  const name = m[1] ?? url.host;
  return `url:${name}=${url.href}`;
}

/** The name and URL of a target string made by {@link externalTarget}. */
export function parseExternal(target: string): External {
  const rest = target.slice(4);
  const at = rest.indexOf('=http');
  return { name: rest.slice(0, at), url: rest.slice(at + 1) };
}

/**
 * The pids of the processes listening on `port` on this machine (every worker of a pre-fork
 * server holds the listening socket), from `ss -ltnp`; empty when `ss` is missing or shows no
 * pids (another user's processes).
 */
function listeningPids(port: number): number[] {
  const r = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return [];
  return [...new Set([...r.stdout.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
}

async function startExternal(target: string): Promise<Target> {
  const { name, url } = parseExternal(target);
  const u = new URL(url);
  const port = Number(u.port || 80);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
  } catch (err) {
    throw new Error(`${name}: nothing answers at ${url} (${(err as Error).cause ?? (err as Error).message}); start that server first`);
  }
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  const pids = local ? listeningPids(port) : [];
  const pidsNote = pids.length > 0
    ? `not started by the suite; its CPU is that of the ${pids.length} process(es) listening on port ${port} (found with ss)`
    : `not started by the suite, and its processes were not found${local ? ' (ss shows no pid for that port)' : ' (not on this machine)'}: its CPU is not measured`;
  return {
    name,
    url: `${u.protocol}//${u.host}`,
    path: `${u.pathname}${u.search}`,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    pids,
    pidsNote,
    args: [],
    readyMs: 0,
    spawnedAt: performance.now(),
    stop: async () => {},
  };
}

/** Starts a target (or checks that a server given by URL answers) and waits for its ready line. */
export async function startTarget(target: string, options: TargetOptions = {}): Promise<Target> {
  if (isExternal(target)) return startExternal(target);
  const args: string[] = [];
  if (options.workers !== undefined && (await acceptsFlag(target, '--workers', options.cwd))) args.push('--workers', String(options.workers));
  if (options.backlog !== undefined) {
    if (!(await acceptsFlag(target, '--backlog', options.cwd))) throw new Error(`${displayName(target)} takes no --backlog`);
    args.push('--backlog', String(options.backlog));
  }
  const spawnedAt = performance.now();
  const proc = await startStage(target, { args, ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.env ? { env: options.env } : {}) });
  const readyMs = performance.now() - spawnedAt;
  return {
    name: options.label ?? displayName(target),
    url: proc.url,
    path: '/',
    host: proc.host,
    port: proc.port,
    pids: [proc.pid, ...proc.workerPids],
    args,
    readyMs,
    spawnedAt,
    stop: async () => {
      await proc.stop();
    },
  };
}

/** Starts a target, runs `fn` with it, and stops it whatever happens. */
export async function withTarget<T>(target: string, options: TargetOptions, fn: (t: Target) => Promise<T>): Promise<T> {
  const t = await startTarget(target, options);
  try {
    return await fn(t);
  } finally {
    await t.stop();
  }
}
