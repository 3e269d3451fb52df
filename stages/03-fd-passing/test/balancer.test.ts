import { describe, expect, it } from 'vitest';
import { LeastConnections, STALLED_AFTER_MS } from '../src/balancer.ts';

describe('LeastConnections', () => {
  it('has nothing to pick without workers', () => {
    expect(new LeastConnections().pick(0)).toBeUndefined();
  });

  it('picks the worker with the fewest open connections', () => {
    const b = new LeastConnections<string>();
    b.add('a');
    b.add('b');
    b.add('c');
    b.opened('a', 0);
    b.opened('a', 0);
    b.opened('b', 0);
    expect(b.pick(0)).toBe('c');
    b.opened('c', 0);
    b.opened('c', 0);
    expect(b.pick(0)).toBe('b');
  });

  it('sends new connections to the other worker while one holds connections open', () => {
    const b = new LeastConnections();
    b.add(1);
    b.add(2);
    for (let i = 0; i < 3; i++) b.opened(1, 0);
    const picks = [];
    for (let i = 0; i < 3; i++) {
      const id = b.pick(0)!;
      b.opened(id, 0);
      picks.push(id);
    }
    expect(picks).toEqual([2, 2, 2]);
  });

  it('breaks ties round-robin, so idle workers take turns', () => {
    const b = new LeastConnections();
    b.add(1);
    b.add(2);
    b.add(3);
    // short connections: each closes before the next arrives
    const picks = [];
    for (let i = 0; i < 6; i++) {
      const id = b.pick(0)!;
      b.opened(id, 0);
      b.closed(id);
      picks.push(id);
    }
    expect(picks).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('balances long-lived connections evenly', () => {
    const b = new LeastConnections();
    for (const id of [1, 2, 3]) b.add(id);
    for (let i = 0; i < 9; i++) b.opened(b.pick(0)!, 0);
    expect([b.count(1), b.count(2), b.count(3)]).toEqual([3, 3, 3]);
  });

  it('counts completion notifications, never below zero', () => {
    const b = new LeastConnections();
    b.add(1);
    b.opened(1, 0);
    b.opened(1, 0);
    b.closed(1);
    expect(b.count(1)).toBe(1);
    b.closed(1);
    b.closed(1);
    expect(b.count(1)).toBe(0);
  });

  it('forgets a dead worker and its connections, and ignores its late notifications', () => {
    const b = new LeastConnections();
    b.add(1);
    b.add(2);
    b.opened(1, 0);
    b.opened(2, 0);
    b.opened(2, 0);
    b.remove(2);
    expect(b.has(2)).toBe(false);
    expect(b.ids).toEqual([1]);
    b.closed(2);
    b.opened(2, 0);
    expect(b.count(2)).toBe(0);
    expect(b.pick(0)).toBe(1);
  });

  it('gives a replacement worker a fresh count, so it takes the next connections', () => {
    const b = new LeastConnections();
    b.add(1);
    b.add(2);
    for (let i = 0; i < 4; i++) b.opened(b.pick(0)!, 0);
    b.remove(2);
    b.add(3);
    expect(b.pick(0)).toBe(3);
    b.opened(3, 0);
    expect(b.pick(0)).toBe(3);
  });

  it('still picks after the last-picked worker was removed', () => {
    const b = new LeastConnections();
    b.add(1);
    b.add(2);
    expect(b.pick(0)).toBe(1);
    b.remove(1);
    expect(b.pick(0)).toBe(2);
  });

  it('passes over a worker that has left a hand-off unacknowledged for STALLED_AFTER_MS, until it takes it', () => {
    const b = new LeastConnections();
    b.add(1);
    b.add(2);
    // worker 1 holds one connection (its stuck call); worker 2 is busy with three short ones
    b.opened(1, 0);
    b.accepted(1);
    for (let i = 0; i < 3; i++) {
      b.opened(2, 0);
      b.accepted(2);
    }
    expect(b.pick(100)).toBe(1); // the fewest: worker 1, which now gets stuck
    b.opened(1, 100);
    expect(b.isStalled(1, 100 + STALLED_AFTER_MS - 1)).toBe(false);
    expect(b.pick(100 + STALLED_AFTER_MS - 1)).toBe(1); // 2 against 3: still worker 1
    b.opened(1, 100 + STALLED_AFTER_MS - 1);
    expect(b.unacknowledgedFor(1, 100 + STALLED_AFTER_MS)).toBe(STALLED_AFTER_MS);
    expect(b.isStalled(1, 100 + STALLED_AFTER_MS)).toBe(true);
    const later = 100 + STALLED_AFTER_MS;
    for (let i = 0; i < 5; i++) {
      expect(b.pick(later + i)).toBe(2);
      b.opened(2, later + i);
      b.accepted(2);
    }
    // worker 1 comes back and takes both: it is picked again
    b.accepted(1);
    b.accepted(1);
    expect(b.isStalled(1, later + 10)).toBe(false);
    expect(b.pick(later + 10)).toBe(1);
  });

  it('picks among all workers when every one is stalled, least connections first', () => {
    const b = new LeastConnections<string>(50);
    b.add('a');
    b.add('b');
    b.opened('a', 0);
    b.opened('a', 0);
    b.opened('b', 0);
    expect(b.isStalled('a', 50) && b.isStalled('b', 50)).toBe(true);
    expect(b.pick(50)).toBe('b');
  });

  it('does not count a stall against a worker that acknowledges what it is handed', () => {
    const b = new LeastConnections();
    b.add(1);
    for (let t = 0; t < 10 * STALLED_AFTER_MS; t += 100) {
      b.opened(1, t);
      b.accepted(1);
      b.closed(1);
      expect(b.isStalled(1, t + 99)).toBe(false);
    }
    expect(b.unacknowledgedFor(1, 10 * STALLED_AFTER_MS)).toBe(0);
  });
});
