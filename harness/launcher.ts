/**
 * Starts a stage as a real process and stops it: the one launcher every spec, test and
 * benchmark uses.
 *
 * Strategy: spawn `node bin/nibiru-ts.mjs <stage> <app> --port 0 ...` (or a stage folder of
 * your own, given as a path), read stdout until the ready line, and take the URL and pids from
 * it. Stopping sends a signal and waits for the exit code. Nothing is mocked: the server is
 * the program people run, compiled into the same cache (`bin/compile.mjs`); with
 * `NIBIRU_TSX=1` it runs through tsx instead, as `npm run coverage` needs.
 *
 * Every wait here is for an event: the ready line, a line on stderr, the exit, or what Linux's
 * `/proc/<pid>/wchan` says a process sleeps in ({@link blockedInApp}, {@link idleInEventLoop},
 * {@link waitUntilReaped}). Each also has a deadline, {@link PATIENCE_MS} unless told, so that a
 * server that never does the thing fails the test instead of hanging it; the deadline is never
 * what a test measures, and it is generous, since a busy 2-core machine can take many seconds
 * to start a stage.
 *
 * To run the specs against your own version of a stage, point `NIBIRU_STAGE_DIR` at its
 * folder (the one holding `src/main.ts`); see `spec/README.md`.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledPath, prepare } from '../bin/compile.mjs';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * How long the waits here give a server before they fail, in milliseconds: a deadline against
 * hanging, not a measure. Under `npm test` beside another `npm test` on a busy 2-core machine,
 * starting a stage (a master and two workers) took up to 40 s.
 */
export const PATIENCE_MS = 90_000;

/** How to start a stage. */
export interface StartOptions {
  /** The application spec; defaults to `docs.app:app`. */
  readonly app?: string;
  /** More command-line arguments, e.g. `['--workers', '2']`. */
  readonly args?: readonly string[];
  /** The working directory the app is resolved from; defaults to the repository root. */
  readonly cwd?: string;
  /**
   * Where to listen, as arguments; defaults to `['--port', '0']` (a free port). The ready line
   * says where it is listening.
   */
  readonly listen?: readonly string[];
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * How long to wait for the ready line (or, for {@link runStage}, for the exit), in
   * milliseconds; defaults to {@link PATIENCE_MS}.
   */
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
  /**
   * Resolves when the process has exited. Its last output may still be on the way: wait for
   * {@link StageProcess.finished} before reading what it printed last.
   */
  readonly exited: Promise<Exit>;
  /**
   * Resolves once the process has exited and its stdout and stderr have been read to their end
   * (Node's `close` event), so {@link StageProcess.stderr} holds all it printed. A worker that
   * outlives its master keeps the pipes open, and this waits for it too.
   */
  readonly finished: Promise<Exit>;
  /**
   * Resolves with the match once `pattern` matches all stderr so far (now, or when more comes);
   * rejects after `timeoutMs` (default {@link PATIENCE_MS}) or when stderr ends without a match.
   */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /**
   * Sends `signal` (default SIGTERM) and waits up to `timeoutMs` (default 60 s, far longer than the
   * default `--grace`) for the exit, then SIGKILLs.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

/**
 * The command that runs `stage`: through `bin/nibiru-ts.mjs` (`bin/stage.ts` with tsx under
 * `NIBIRU_TSX=1`), for a stage name or the path of a stage folder, or a reference server
 * (`ref:node-http`, `ref:node-cluster`).
 */
export function stageCommand(stage: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (stage.startsWith('ref:')) {
    // a reference server from bench/reference/, e.g. ref:node-http, ref:node-cluster: its
    // compiled copy run as the main module, as a stage is (node:cluster forks process.argv[1])
    const file = path.join(ROOT, 'bench', 'reference', `${stage.slice(4)}.ts`);
    const compiled = env.NIBIRU_TSX === '1' ? undefined : prepare([file]);
    if (compiled?.entry === undefined) {
      if (compiled?.warning) process.stderr.write(`${compiled.warning}\n`);
      return ['--import', 'tsx', file];
    }
    return [compiledPath(compiled.entry, file)]; // each bundle maps its own stack traces
  }
  const dir = stage.includes('/') ? path.resolve(stage) : undefined;
  if (dir !== undefined && !existsSync(path.join(dir, 'src', 'main.ts'))) throw new Error(`no src/main.ts in ${dir}`);
  const launcher = env.NIBIRU_TSX === '1' ? ['--import', 'tsx', path.join(ROOT, 'bin', 'stage.ts')] : [path.join(ROOT, 'bin', 'nibiru-ts.mjs')];
  return [...launcher, dir ?? stage];
}

/**
 * Runs a stage to completion (for commands that exit, like `--help` or a bad flag), and
 * resolves once its output has been read to the end. SIGKILLs it after `readyTimeoutMs`.
 */
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
    const timer = setTimeout(() => child.kill('SIGKILL'), options.readyTimeoutMs ?? PATIENCE_MS);
    // 'close', not 'exit': 'exit' can come before the last bytes of stdout and stderr are read
    child.on('close', (code, signal) => {
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
  const argv = [...stageCommand(stage), options.app ?? 'docs.app:app', ...(options.listen ?? ['--port', '0']), ...(options.args ?? [])];
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stdout = '';
  let stderr = '';
  const stderrWaiters = new Set<() => void>();
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const wake of stderrWaiters) wake();
  });
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const finished = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  let stderrEnded = false;
  child.stderr!.on('end', () => {
    stderrEnded = true;
    for (const wake of stderrWaiters) wake();
  });
  const waitForStderr = (pattern: RegExp, timeoutMs = PATIENCE_MS): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(stderr);
        if (m) return settle(() => resolve(m));
        if (stderrEnded) settle(() => reject(new Error(`stage ${stage}: stderr ended without matching ${pattern}\nstderr: ${stderr}`)));
      };
      const timer = setTimeout(
        () => settle(() => reject(new Error(`stage ${stage}: stderr did not match ${pattern} within ${timeoutMs} ms\nstderr: ${stderr}`))),
        timeoutMs,
      );
      const settle = (then: () => void): void => {
        clearTimeout(timer);
        stderrWaiters.delete(check);
        then();
      };
      stderrWaiters.add(check);
      check();
    });
  const readyTimeoutMs = options.readyTimeoutMs ?? PATIENCE_MS;

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`stage ${stage} printed no ready line within ${readyTimeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, readyTimeoutMs);
    // finished, not exited: the error quotes all that the process printed
    void finished.then((exit) => {
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
        finished,
        waitForStderr,
        stop: async (signal = 'SIGTERM', timeoutMs = 60_000) => {
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

/** Resolves after `ms` milliseconds. */
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the main thread of one of `pids` sleeps in the kernel function `wchan` matches,
 * as `/proc/<pid>/wchan` tells, and resolves with that pid. With `steadyMs`, it must be seen
 * there in every look for that long: a Node process also waits in a futex for a moment now
 * and then (its garbage collector's helper threads, on a busy machine), and a moment must not
 * pass for the application. Where there is no such file (not Linux), a pause of `fallbackMs`
 * has to do.
 */
export async function waitForWchan(pids: readonly number[], wchan: RegExp, what: string, fallbackMs: number, timeoutMs = PATIENCE_MS, steadyMs = 0): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const since = new Map<number, number>(); // pid → when it was first seen there, this time
  for (;;) {
    for (const pid of pids) {
      let now: string;
      try {
        now = readFileSync(`/proc/${pid}/wchan`, 'utf8');
      } catch {
        if (existsSync('/proc/self/wchan')) continue; // that process is gone; another may still do it
        await pause(fallbackMs);
        return pid;
      }
      if (!wchan.test(now)) {
        since.delete(pid);
        continue;
      }
      const first = since.get(pid) ?? Date.now();
      since.set(pid, first);
      if (Date.now() - first >= steadyMs) return pid;
    }
    if (Date.now() > deadline) throw new Error(`none of the processes ${pids.join(', ')} was ${what} within ${timeoutMs} ms`);
    await pause(5);
  }
}

/**
 * Waits until one of `pids` is blocked inside the application, as `/slow` blocks it
 * (`Atomics.wait`, a futex), and resolves with that pid; an idle Node process sleeps in
 * `epoll_wait` instead. So a test knows its request has reached the app, without guessing how
 * long that takes.
 */
export function blockedInApp(...pids: number[]): Promise<number> {
  // Every /slow a spec calls blocks for a second or more; 150 ms in a futex is the app.
  return waitForWchan(pids, /futex/, 'blocked in the app', 300, PATIENCE_MS, 150);
}

/**
 * Waits until `pid` sleeps in `epoll_wait`: its event loop has handled every event that had
 * arrived (a message on its IPC channel, a closed socket) and waits for more. Seen after an
 * event was sent to it, this says the process has dealt with it.
 */
export async function idleInEventLoop(pid: number): Promise<void> {
  await waitForWchan([pid], /epoll/, 'idle in its event loop', 1000);
}

/**
 * Waits until `pid` no longer exists: it has exited and its parent has reaped it (a child that
 * has exited but is not yet reaped still exists, as a zombie). For a worker, this says its
 * master has seen the exit (Node reaps a child and runs its `exit` handlers in one step).
 */
export async function waitUntilReaped(pid: number, timeoutMs = PATIENCE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} was not reaped within ${timeoutMs} ms`);
    await pause(10);
  }
}

/**
 * Waits until `check()` holds, looking again every few milliseconds; rejects, naming `what`,
 * after `timeoutMs`. For conditions that several events make true (so many responses in, a
 * new pid answering) rather than one.
 */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = PATIENCE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await pause(10);
  }
}
