/**
 * `bench:compare --memory`'s arithmetic on made-up figures: the goal against `node:http`, the
 * watchdog thread's cost, and the table that names the yardstick it held each process against.
 */

import { describe, expect, it } from 'vitest';
import { goal, memoryTable, PLAIN, threadMb, type MemoryResults, type MemoryRow } from './memory.ts';

const http = { idleMb: 45, loadedMb: 55 };
const row = (name: string, app: string, idle: number[], loaded: number[]): MemoryRow => ({ name, app, idleMb: [idle], loadedMb: [loaded], readyMs: [idle.map(() => 100)], perThousandMb: [7], open: [2000] });
const RUN = {
  kind: 'nibiru-ts bench:compare --memory',
  run: { command: 'npm run bench:compare -- --memory', commit: 'abc1234', machine: { node: 'v20', cores: 2, loadAverage: [1, 1, 1] } },
  date: '2026-12-07T23:00:00.000Z',
  durationS: 10,
  idle: 2000,
  roundCount: 1,
  rows: [
    row('04-shared-socket --workers 2', 'docs.app:app', [49, 58, 59], [52, 70, 69]),
    row('04-shared-socket --timeout 0 --workers 2', 'docs.app:app', [49, 50, 50], [52, 60, 61]),
    row('node:http', '-', [80], [90]),
    row(PLAIN, '-', [45], [55]),
  ],
} as unknown as MemoryResults;

describe('bench:compare --memory', () => {
  it('a process meets the goal at node:http + 5 MB idle and + 10 MB after the load, and not beyond', () => {
    expect(goal(50, 65, http)).toBe('+5.0 / +10.0 ✓');
    expect(goal(50.1, 60, http)).toBe('+5.1 / +5.0 ✗');
    expect(goal(44, 66, http)).toBe('−1.0 / +11.0 ✗');
  });
  it('a worker may add its watchdog thread to both', () => {
    expect(goal(59, 74, http, 9)).toBe('+14.0 / +19.0 ✓');
    expect(goal(59, 74, http, 8)).toBe('+14.0 / +19.0 ✗');
  });
  it('the thread costs the difference of the largest workers with it and with --timeout 0', () => {
    expect(threadMb(RUN)).toBe(9);
  });
  it('holds every process against node:http on plain node, a worker with its thread allowed', () => {
    const table = memoryTable(RUN);
    expect(table).toContain(`over ${PLAIN}, MB`);
    expect(table).toMatch(/\| 04-shared-socket --workers 2 +\| docs +\| 49\.0 \/ 59\.0 +\| 52\.0 \/ 70\.0 .*\| \+4\.0 \/ −3\.0 ✓; \+14\.0 \/ \+15\.0 ✓ +\|/);
    expect(table).toMatch(/\| node:http +\| — +\| 80\.0 .*\| \+35\.0 \/ \+35\.0 ✗ +\|/);
    expect(memoryTable(RUN, true)).toContain('| node:http, plain node ');
    expect(memoryTable(RUN, true)).not.toContain('| node:http ');
    expect(memoryTable(RUN, true)).toContain('node:http as the launcher starts it: 80.0 MB idle, 90.0 after the load.');
  });
});
