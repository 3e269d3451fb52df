/**
 * Starts a stage as a real process and stops it: the one launcher every spec, test and
 * benchmark uses.
 *
 * Strategy: spawn `node --import tsx bin/stage.ts <stage> <app> --port 0 ...` (or a stage
 * folder of your own, given as a path), read stdout until the ready line, and take the URL and
 * pids from it. Stopping sends a signal and waits for the exit code. Nothing is mocked: the
 * server is the program people run.
 *
 * To run the specs against your own version of a stage, point `NIBIRU_STAGE_DIR` at its
 * folder (the one holding `src/main.ts`); see `spec/README.md`.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** How to start a stage. */
export interface StartOptions {
  /** The application spec; defaults to `docs.app:app`. */
  readonly app?: string;
  /** More command-line arguments, e.g. `['--workers', '2']`. */
  readonly args?: readonly string[];
  /** The working directory the app is resolved from; defaults to the repository root. */
  readonly cwd?: string;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the ready line, in milliseconds; defaults to 20 s. */
  readonly readyTimeoutMs?: number;
}

/** How a stopped process ended. */
export interface Exit {
  /** The exit code, or null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, if any. */
  readonly signal: NodeJS.Signals | null;
}

/** A running stage. */
export interface StageProcess {
  /** The stage as given to {@link startStage}. */
  readonly stage: string;
  /** The base URL from the ready line, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The host it listens on. */
  readonly host: string;
  /** The port it listens on. */
  readonly port: number;
  /** The pid of the server (the master, for stages with workers). */
  readonly pid: number;
  /** The worker pids from the ready line; empty for single-process stages. */
  readonly workerPids: number[];
  /** The ready line itself. */
  readonly readyLine: string;
  /** The child process. */
  readonly child: ChildProcess;
  /** All stdout so far. */
  stdout(): string;
  /** All stderr so far. */
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** Sends `signal` (default SIGTERM) and waits up to `timeoutMs` for the exit, then SIGKILLs. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

/**
 * The command that runs `stage`: through `bin/stage.ts`, a stage folder's own `src/main.ts`
 * (when `stage` is a path), or a reference server (`ref:node-http`, `ref:node-cluster`).
 */
export function stageCommand(stage: string): string[] {
  if (stage.startsWith('ref:')) {
    // a reference server from bench/reference/, e.g. ref:node-http, ref:node-cluster
    return ['--import', 'tsx', path.join(ROOT, 'bench', 'reference', `${stage.slice(4)}.ts`)];
  }
  const dir = stage.includes('/') ? path.resolve(stage) : undefined;
  if (dir !== undefined) {
    const main = path.join(dir, 'src', 'main.ts');
    if (!existsSync(main)) throw new Error(`no src/main.ts in ${dir}`);
    return ['--import', 'tsx', main];
  }
  return ['--import', 'tsx', path.join(ROOT, 'bin', 'stage.ts'), stage];
}

/** Runs a stage to completion (for commands that exit, like `--help` or a bad flag). */
export function runStage(stage: string, argv: readonly string[], options: StartOptions = {}): Promise<Exit & { stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...stageCommand(stage), ...argv], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.readyTimeoutMs ?? 20_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Every server this process started and has not seen exit. */
const live = new Set<ChildProcess>();
let cleanupHooked = false;

/**
 * Makes sure no server outlives the process that started it: on exit, and on SIGINT, SIGTERM
 * or SIGHUP (when nobody else, such as a test runner, handles that signal), every live server
 * gets SIGTERM. Without this, an interrupted benchmark leaves its servers running.
 */
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (cleanupHooked) return;
  cleanupHooked = true;
  const stopAll = (): void => {
    for (const c of live) c.kill('SIGTERM');
  };
  process.once('exit', stopAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      stopAll();
      process.kill(process.pid, signal); // the listener is gone: the default action ends us
    });
  }
}

/** Matches the ready line every stage prints. */
export const READY_LINE = /listening on (http:\/\/(\S+?):(\d+))\s.*pid=(\d+)(?:.*workers=([\d,]+))?/;

/**
 * Starts a stage on port 0 and resolves once its ready line is out.
 *
 * @param stage a stage name (`01`, `02-full-parser`...) or the path of a stage folder.
 */
export function startStage(stage: string, options: StartOptions = {}): Promise<StageProcess> {
  const argv = [...stageCommand(stage), options.app ?? 'docs.app:app', '--port', '0', ...(options.args ?? [])];
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stage ${stage} printed no ready line within ${options.readyTimeoutMs ?? 20_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.readyTimeoutMs ?? 20_000);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`stage ${stage} exited (${exit.code ?? exit.signal}) before it was ready\nstderr: ${stderr}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      const before = stdout;
      stdout += d.toString();
      if (READY_LINE.test(before)) return;
      const m = READY_LINE.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      const proc: StageProcess = {
        stage,
        url: m[1]!,
        host: m[2]!.replace(/^\[|\]$/g, ''),
        port: Number(m[3]),
        pid: Number(m[4]),
        workerPids: m[5] ? m[5].split(',').map(Number) : [],
        readyLine: stdout.split('\n').find((l) => READY_LINE.test(l)) ?? m[0],
        child,
        stdout: () => stdout,
        stderr: () => stderr,
        exited,
        stop: async (signal = 'SIGTERM', timeoutMs = 10_000) => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          const exit = await exited;
          clearTimeout(kill);
          return exit;
        },
      };
      resolve(proc);
    });
  });
}
