import { describe, expect, it } from 'vitest';
import { LeastConnections } from '../src/balancer.ts';

describe('LeastConnections', () => {
  it('has nothing to pick without workers', () => {
    expect(new LeastConnections().pick()).toBeUndefined();
  });

  it('picks the worker with the fewest open connections', () => {
    const b = new LeastConnections<string>();
    b.add('a');
    b.add('b');
    b.add('c');
    b.opened('a');
    b.opened('a');
    b.opened('b');
    expect(b.pick()).toBe('c');
    b.opened('c');
    b.opened('c');
    expect(b.pick()).toBe('b');
  });

  it('sends new connections to the other worker while one holds connections open', () => {
    const b = new LeastConnections();
    b.add(1);
    b.add(2);
    for (let i = 0; i < 3; i++) b.opened(1);
    const picks = [];
    for (let i = 0; i < 3; i++) {
      const id = b.pick()!;
      b.opened(id);
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
      const id = b.pick()!;
      b.opened(id);
      b.closed(id);
      picks.push(id);
    }
    expect(picks).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('balances long-lived connections evenly', () => {
    const b = new LeastConnections();
    for (const id of [1, 2, 3]) b.add(id);
    for (let i = 0; i < 9; i++) b.opened(b.pick()!);
    expect([b.count(1), b.count(2), b.count(3)]).toEqual([3, 3, 3]);
  });

  it('counts completion notifications, never below zero', () => {
    const b = new LeastConnections();
    b.add(1);
    b.opened(1);
    b.opened(1);
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
    b.opened(1);
    b.opened(2);
    b.opened(2);
    b.remove(2);
    expect(b.has(2)).toBe(false);
    expect(b.ids).toEqual([1]);
    b.closed(2);
    b.opened(2);
    expect(b.count(2)).toBe(0);
    expect(b.pick()).toBe(1);
  });

  it('gives a replacement worker a fresh count, so it takes the next connections', () => {
    const b = new LeastConnections();
    b.add(1);
    b.add(2);
    for (let i = 0; i < 4; i++) b.opened(b.pick()!);
    b.remove(2);
    b.add(3);
    expect(b.pick()).toBe(3);
    b.opened(3);
    expect(b.pick()).toBe(3);
  });

  it('still picks after the last-picked worker was removed', () => {
    const b = new LeastConnections();
    b.add(1);
    b.add(2);
    expect(b.pick()).toBe(1);
    b.remove(1);
    expect(b.pick()).toBe(2);
  });
});
