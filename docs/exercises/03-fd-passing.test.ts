/**
 * Exercises of chapter 03, passing file descriptors (docs/guide/03-fd-passing.md).
 *
 * Run against the reference: `npx vitest run docs/exercises/03-fd-passing.test.ts`;
 * against yours: `NIBIRU_STAGE_DIR=path/to/your/stage npx vitest run docs/exercises/03-fd-passing.test.ts`
 * (your stage is started with `--workers 2`), or `npm run check:mine -- path/to/your-03`, which
 * also runs the RFC and worker specs.
 *
 * The wrong versions these specs were tried on: copies of the reference stage with one
 * plausible mistake each, and the spec that fails on it. Those marked * passed every spec of
 * this file until the spec named was added.
 *
 * | exercise | wrong version | caught by |
 * | --- | --- | --- |
 * | 3.1 | round-robin, counts ignored | a worker whose connection closed gets the next one |
 * | 3.1 | the master ignores the workers' `closed` reports | a worker whose connection closed gets the next one |
 * | 3.1 | the worker never reports a close | a worker whose connection closed gets the next one |
 * | 3.1 | ties always go to the first worker (no rotation) | 3.3: connections made one at a time all tie, so the replacement never serves |
 * | 3.2 | no `pauseOnConnect`: the master starts reading what it will hand over * | 20 connections at once |
 * | 3.3 | no replacement forked | … a replacement appears |
 * | 3.3 | the dead worker left in the balancer: not a mistake here, `dispatch` drops a worker whose process is gone (passes, rightly) | — |
 * | 3.3 | the replacement forked at once, no backoff | not this file: `spec/workers.spec.ts`, a crash loop is slowed down (`check:mine` runs it) |
 */

import { describe, expect, it } from 'vitest';
import { exchange } from '../../harness/client.ts';
import { describeExercise } from './exercise.ts';
import { KeepAliveClient } from '../../harness/client.ts';
import { idleInEventLoop, PATIENCE_MS, waitUntilReaped } from '../../harness/launcher.ts';

const STAGE = '03-fd-passing';

describeExercise(STAGE, 'chapter 03 exercises (one server; 3.3 kills a worker, so it runs last)', (server) => {
  describe('exercise 3.1: least connections, counted from hand-overs and close reports', () => {
    it('a worker whose connection closed gets the next one, where round-robin would not', async () => {
      const held = await KeepAliveClient.connect(server().port);
      const second = await KeepAliveClient.connect(server().port);
      try {
        const busy = await held.pid();
        const other = await second.pid();
        expect(other).not.toBe(busy); // 1 open connection on `busy`, 0 on the other: least wins
        await second.close();
        // the worker's close report travels to the master: once the worker is idle it has sent
        // it, once the master is idle after that it has counted it
        await idleInEventLoop(other);
        await idleInEventLoop(server().pid);
        // counts are now busy 1, other 0: least connections picks `other` again;
        // round-robin, which would alternate busy, other, busy, would not
        const third = await KeepAliveClient.connect(server().port);
        try {
          expect(await third.pid()).toBe(other);
        } finally {
          third.socket.destroy();
        }
      } finally {
        held.socket.destroy();
        second.socket.destroy();
      }
    });
  });

  describe('exercise 3.2: the master hands over connections without reading a byte', () => {
    it('a request whose first bytes arrive while the master holds the connection is served whole', async () => {
      // the first piece goes out the moment the connection is up, before any worker has it
      const pieces = ['GE', 'T /pid HTTP/1.1\r\nHost: exercise\r\n', 'Connection: close\r\n\r\n'];
      for (let i = 0; i < 10; i++) {
        const r = await exchange(server().port, pieces, { pauseMs: 20 });
        expect(r.responses.map((x) => x.status)).toEqual([200]);
        expect(server().workerPids).toContain(Number(r.responses[0]!.body.toString().trim()));
      }
    });

    it('20 connections at once, each sending its first bytes on connect: every one is served whole', async () => {
      // Node sends one descriptor at a time to a worker and waits for its acknowledgement, so
      // in a burst most connections wait in the master: long enough for it to read their
      // first bytes, unless it was told not to
      const pieces = ['GE', 'T /pid HTTP/1.1\r\nHost: exercise\r\n', 'Connection: close\r\n\r\n'];
      const all = await Promise.all(Array.from({ length: 20 }, () => exchange(server().port, pieces, { pauseMs: 50, timeoutMs: 5000 })));
      expect(all.map((r) => r.responses.map((x) => x.status))).toEqual(all.map(() => [200]));
    });

    it('the master never answers: every response names a worker', async () => {
      for (let i = 0; i < 10; i++) {
        const r = await exchange(server().port, 'GET /pid HTTP/1.1\r\nHost: exercise\r\nConnection: close\r\n\r\n');
        const pid = Number(r.responses[0]!.body.toString().trim());
        expect(pid).not.toBe(server().pid);
        expect(server().workerPids).toContain(pid);
      }
    });
  });

  describe('exercise 3.3: a worker dies, the server lives', () => {
    it('after kill -9 of a worker (and the moment the master needs to notice), every new connection is served, and a replacement appears', async () => {
      const [victim] = server().workerPids as [number, number];
      process.kill(victim, 'SIGKILL');
      // a connection handed over before the master learns of the death is lost with the
      // worker; wait for the master to reap it, which is when it learns
      await waitUntilReaped(victim);
      const seen = new Set<number>();
      // a deadline against hanging: a replacement starts in seconds, more on a busy machine
      const deadline = Date.now() + PATIENCE_MS;
      let replaced = false;
      while (!replaced && Date.now() < deadline) {
        const r = await exchange(server().port, 'GET /pid HTTP/1.1\r\nHost: exercise\r\nConnection: close\r\n\r\n');
        expect(r.responses.map((x) => x.status)).toEqual([200]);
        const pid = Number(r.responses[0]!.body.toString().trim());
        expect(pid).not.toBe(victim);
        seen.add(pid);
        replaced = [...seen].some((p) => !server().workerPids.includes(p));
      }
      expect(replaced).toBe(true);
    });
  });
});


