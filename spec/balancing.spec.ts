/**
 * Least-connection balancing (stage 03): the master hands each new connection to the worker
 * with the fewest open connections, as counted from its own hand-overs and the workers'
 * completion notifications.
 *
 * Only stages with the `balancing` feature are expected to pass this; single-process stages
 * are expected to fail it. In stage 04 the kernel, not the master, chooses which worker
 * accepts, and the outcome of this scenario depends on which process the kernel wakes first,
 * so it is neither expected to pass nor to fail there: it is skipped.
 */

import { describe, expect, it } from 'vitest';
import { KeepAliveClient as Client } from '../harness/client.ts';
import { idleInEventLoop, startStage } from '../harness/launcher.ts';
import { expects, STAGE_ARGS, stagesUnderTest, stageTest } from './stages.ts';

for (const { name, target } of stagesUnderTest()) {
  // in a stage with workers but no balancer (04) the outcome is the kernel's: skip, not fail
  const test = expects(name, 'balancing') ? it : expects(name, 'workers') ? it.skip : stageTest(name, 'balancing');

  describe(`least-connection balancing [${name}]`, () => {
    test('long-lived connections are spread evenly: 4 connections, 2 workers, 2 each', async () => {
      const proc = await startStage(target, { args: [...(STAGE_ARGS[name] ?? []), '--workers', '2'] });
      const clients: Client[] = [];
      try {
        for (let i = 0; i < 4; i++) clients.push(await Client.connect(proc.port));
        const pids: number[] = [];
        for (const c of clients) pids.push(await c.pid());
        for (const w of proc.workerPids) expect(pids.filter((p) => p === w)).toHaveLength(2);
      } finally {
        for (const c of clients) c.destroy();
        await proc.stop();
      }
    });

    test('with /slow requests held open on one worker, new connections go to the other', async () => {
      const proc = await startStage(target, { args: [...(STAGE_ARGS[name] ?? []), '--workers', '2'] });
      const clients: Client[] = [];
      try {
        // four long-lived connections, two on each worker (see the test above)
        for (let i = 0; i < 4; i++) clients.push(await Client.connect(proc.port));
        const pids: number[] = [];
        for (const c of clients) pids.push(await c.pid());
        const busy = pids[0]!;
        const other = proc.workerPids.find((p) => p !== busy)!;
        // close the other worker's connections; its completion notifications bring its count to 0
        const held = clients.filter((_, i) => pids[i] === busy);
        for (const [i, c] of clients.entries()) if (pids[i] !== busy) await c.close();
        // The notifications travel from the worker to the master. Once the worker has closed
        // the sockets and is idle, it has sent them; once the master is idle after that, it has
        // read and counted them.
        await idleInEventLoop(other);
        await idleInEventLoop(proc.pid);
        // the busy worker now holds 2 connections, each running a /slow request
        const slow = held.map((c) => c.get('/slow?ms=2000'));
        // least connections: 2 against 0, so the next two connections go to the other worker
        const fresh = [await Client.connect(proc.port), await Client.connect(proc.port)];
        clients.push(...fresh);
        const freshPids = await Promise.all(fresh.map((c) => c.pid()));
        expect(freshPids).toEqual([other, other]);
        for (const res of await Promise.all(slow)) {
          expect(res.status).toBe(200);
          expect(res.body.toString()).toBe(`slept 2000 ms in ${busy}\n`);
        }
      } finally {
        for (const c of clients) c.destroy();
        await proc.stop();
      }
    });
  });
}
