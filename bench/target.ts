/**
 * What bench/ loads: a stage of this repository, or one of the two yardsticks of
 * `bench/reference/` (`node:http` in one process, `node:cluster` + `node:http`).
 *
 * Strategy: every target starts through `spec/launcher.ts` on port 0 with `docs.app:app`,
 * exactly as the specs start it, and is stopped with SIGTERM. The flags a stage takes
 * (`--workers`, `--backlog`) are read from its own `--help`, so that a stage added later is
 * driven correctly without editing this file.
 */

import { listStages, resolveStage } from '../bin/stage.ts';
import { runStage, startStage, type StageProcess } from '../spec/launcher.ts';

/** The yardsticks: launcher name and the name reports print. */
export const REFERENCES = { 'ref:node-http': 'node:http', 'ref:node-cluster': 'node:cluster' } as const;

/** How to start a target. */
export interface TargetOptions {
  /** Worker processes, for targets that take `--workers`. */
  readonly workers?: number;
  /** The listen backlog, for targets that take `--backlog`. */
  readonly backlog?: number;
}

/** A running target. */
export interface Target {
  /** The stage folder (`02-full-parser`) or the reference's name (`node:http`). */
  readonly name: string;
  readonly process: StageProcess;
  /** The server's pids: the master, then its workers. */
  readonly pids: number[];
  /** The arguments it was started with. */
  readonly args: string[];
  /** Milliseconds from spawn to the ready line. */
  readonly readyMs: number;
  /** Monotonic time (performance.now()) of the spawn. */
  readonly spawnedAt: number;
  stop(): Promise<void>;
}

const flagCache = new Map<string, string>();

/** The `--help` text of a stage (cached). */
async function helpOf(stage: string): Promise<string> {
  let help = flagCache.get(stage);
  if (help === undefined) {
    const run = await runStage(stage, ['--help']);
    help = run.stdout + run.stderr;
    flagCache.set(stage, help);
  }
  return help;
}

/** Whether a target accepts a flag, e.g. `--workers`. */
export async function acceptsFlag(target: string, flag: string): Promise<boolean> {
  if (target === 'ref:node-cluster') return flag === '--workers';
  if (target === 'ref:node-http') return false;
  return new RegExp(`${flag}\\b`).test(await helpOf(target));
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
  return (REFERENCES as Record<string, string>)[target] ?? target;
}

/** Starts a target and waits for its ready line. */
export async function startTarget(target: string, options: TargetOptions = {}): Promise<Target> {
  const args: string[] = [];
  if (options.workers !== undefined && (await acceptsFlag(target, '--workers'))) args.push('--workers', String(options.workers));
  if (options.backlog !== undefined) {
    if (!(await acceptsFlag(target, '--backlog'))) throw new Error(`${displayName(target)} takes no --backlog`);
    args.push('--backlog', String(options.backlog));
  }
  const spawnedAt = performance.now();
  const proc = await startStage(target, { args });
  const readyMs = performance.now() - spawnedAt;
  return {
    name: displayName(target),
    process: proc,
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
