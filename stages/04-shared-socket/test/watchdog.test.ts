import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callApp, type App, type Chunk, type Environ, type StartResponse } from '../src/app.ts';
import { AppCallWatch, startWatchdog, watchApp, type Watchdog } from '../src/watchdog.ts';

/** The fields of an environ that `watchApp` reads. */
const environ = (method: string, path: string, query = ''): Environ => ({ REQUEST_METHOD: method, PATH_INFO: path, QUERY_STRING: query }) as Environ;

/** A watch that records enter and leave, instead of writing the shared memory. */
class Recording extends AppCallWatch {
  readonly events: string[] = [];
  override enter(line: string): void {
    this.events.push(`enter ${line}`);
    super.enter(line);
  }
  override leave(): void {
    this.events.push('leave');
    super.leave();
  }
}

describe('watchApp', () => {
  it('marks the call of an app that returns an array, once, and leaves the array as it is', () => {
    const watch = new Recording();
    const body = ['a', 'b'];
    const app: App = (_e, start) => {
      watch.events.push('app');
      start('200 OK', []);
      return body;
    };
    const watched = watchApp(app, watch);
    expect(watched(environ('GET', '/slow', 'ms=5000'), () => {})).toBe(body);
    expect(watch.events).toEqual(['enter GET /slow?ms=5000', 'app', 'leave']);
  });

  it('marks every step of a streamed body: each next, the end, and close', () => {
    const watch = new Recording();
    let closed = false;
    const app: App = (_e, start) => {
      start('200 OK', []);
      const gen = (function* (): Generator<Chunk> {
        watch.events.push('step 1');
        yield 'one';
        watch.events.push('step 2');
        yield 'two';
      })();
      return Object.assign(gen, { close: () => void (closed = true) });
    };
    const res = callApp(watchApp(app, watch), environ('GET', '/stream'));
    expect(res.chunks).toEqual(['one']);
    expect(res.rest!.next()).toEqual({ done: false, value: 'two' });
    expect(res.rest!.next()).toEqual({ done: true, value: undefined });
    res.close!();
    expect(closed).toBe(true);
    // the call, the iterator's creation, then each step in its own enter/leave pair
    expect(watch.events.filter((e) => e !== 'leave')).toEqual([
      'enter GET /stream',
      'enter GET /stream',
      'enter GET /stream',
      'step 1',
      'enter GET /stream',
      'step 2',
      'enter GET /stream',
      'enter GET /stream',
    ]);
    expect(watch.events.filter((e) => e === 'enter GET /stream').length).toBe(watch.events.filter((e) => e === 'leave').length);
  });

  it('leaves the call marked as over when the app throws', () => {
    const watch = new Recording();
    const app: App = () => {
      throw new Error('boom');
    };
    expect(() => watchApp(app, watch)(environ('POST', '/x'), (() => {}) as StartResponse)).toThrow('boom');
    expect(watch.events).toEqual(['enter POST /x', 'leave']);
  });
});

describe('startWatchdog', () => {
  let dog: Watchdog | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await dog?.thread.terminate();
    dog = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Blocks this thread, as a stuck application would. */
  const block = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

  it('reports a call that runs past the timeout, once, with how long and its request line', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nibiru-watchdog-'));
    const file = path.join(dir, 'reports');
    const fd = openSync(file, 'w');
    dog = startWatchdog(100, fd);
    await new Promise<void>((r) => dog!.thread.once('online', () => r()));
    dog.watch.enter('GET /slow?ms=5000');
    block(2_000);
    dog.watch.leave();
    // a short call afterwards is not reported
    dog.watch.enter('GET /');
    dog.watch.leave();
    block(300);
    closeSync(fd);
    // the empty lines are its pings
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as { ms: number; request: string };
    expect(report.request).toBe('GET /slow?ms=5000');
    expect(report.ms).toBeGreaterThanOrEqual(100);
    expect(report.ms).toBeLessThan(2_000); // reported during the call
  });

  it('keeps quiet but for its pings while calls end within the timeout', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nibiru-watchdog-'));
    const file = path.join(dir, 'reports');
    const fd = openSync(file, 'w');
    dog = startWatchdog(200, fd);
    await new Promise<void>((r) => dog!.thread.once('online', () => r()));
    for (let i = 0; i < 10; i++) {
      dog.watch.enter(`GET /${i}`);
      block(50);
      dog.watch.leave();
    }
    block(300);
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).toMatch(/^\n+$/);
  });

  it('pings at each look, ten per timeout, while the main thread is blocked too', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nibiru-watchdog-'));
    const file = path.join(dir, 'reports');
    const fd = openSync(file, 'w');
    dog = startWatchdog(1_000, fd);
    await dog.running;
    block(1_050);
    closeSync(fd);
    const pings = readFileSync(file, 'utf8');
    expect(pings).toMatch(/^\n+$/);
    // one as it starts and one per 100 ms look; a loaded machine may miss a few
    expect(pings.length).toBeGreaterThanOrEqual(6);
    expect(pings.length).toBeLessThanOrEqual(12);
  });
});
