import { describe, expect, it } from 'vitest';
import { Backoff, DEFAULT_BACKOFF } from '../src/backoff.ts';

describe('Backoff', () => {
  it('doubles the restart delay of a worker that keeps dying young, up to the maximum', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, resetAfterMs: 10_000 });
    expect([0, 1, 2, 3, 4, 5].map(() => b.delay(50))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('starts again from the first delay after a worker lived long enough', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, resetAfterMs: 10_000 });
    b.delay(0);
    b.delay(0);
    expect(b.delay(10_000)).toBe(100);
    expect(b.delay(0)).toBe(200);
  });

  it('has documented defaults: 100 ms doubling to 5 s, reset after 10 s', () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialMs: 100, maxMs: 5_000, resetAfterMs: 10_000 });
    const b = new Backoff();
    const delays = Array.from({ length: 8 }, () => b.delay(0));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });
});
