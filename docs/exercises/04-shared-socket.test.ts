/**
 * Exercises of chapter 04, the shared socket (docs/guide/04-shared-socket.md).
 *
 * Run against the reference: `npx vitest run docs/exercises/04-shared-socket.test.ts`;
 * against yours: `NIBIRU_STAGE_DIR=path/to/your/stage npx vitest run docs/exercises/04-shared-socket.test.ts`
 * (your stage is started with `--workers 2`), or `npm run check:mine -- path/to/your-04`, which
 * also runs the RFC and worker specs.
 *
 * The wrong versions these specs were tried on: copies of the reference stage with one
 * plausible mistake each, and the spec that fails on it. Those marked * passed every spec of
 * this file until the spec named was added.
 *
 * Stage 03, where chapter 04's exercises start, already replaces a dead worker and stops its
 * workers with it: 4.2 and 4.3 are questions the chapter answers, and their specs check that
 * exercise 4.1's rewrite keeps what stage 03 did (`start-red.test.ts` holds each exercise to
 * fail on its starting point, which these could not).
 *
 * | exercise | wrong version | caught by |
 * | --- | --- | --- |
 * | 4.1 | stage 03 unchanged (the master still accepts and hands over) * | with the master stopped (SIGSTOP), new connections are still … answered |
 * | 4.1 (question 4.2) | the master closes its copy of the socket once the first workers run | after kill -9 of a worker, a new pid answers |
 * | 4.1 (question 4.2) | no replacement forked | after kill -9 of a worker, a new pid answers |
 * | 4.1 (question 4.3) | the master neither signals its workers nor do they watch `disconnect` | SIGTERM to the master stops every worker |
 * | 4.1 (question 4.3) | workers do not watch `disconnect`: fine on SIGTERM, orphans on a SIGKILLed master * | a master killed with SIGKILL leaves no worker behind |
 * | 4.1 (question 4.3) | a worker exits at once on SIGTERM, dropping requests in flight | not this file: `spec/rfc9112-9-persistence.spec.ts`, SIGTERM while a request is in flight (`check:mine` runs it) |
 */

import { describe, expect, it } from 'vitest';
import { exchange } from '../../harness/client.ts';
import { blockedInApp, PATIENCE_MS, startStage, waitUntil, waitUntilReaped } from '../../harness/launcher.ts';
import { STAGE_ARGS } from '../../spec/stages.ts';
import { describeExercise, exerciseTarget, stageExists } from './exercise.ts';
import { KeepAliveClient } from '../../harness/client.ts';

const STAGE = '04-shared-socket';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeExercise(STAGE, 'chapter 04 (one server; its last spec kills a worker, so it runs last)', (server) => {
  describe('exercise 4.1: a blocked worker does not block the server', () => {
    it('while one worker runs /slow?ms=5000, a new connection is answered first, by the other worker', async () => {
      const slowClient = await KeepAliveClient.connect(server().port);
      try {
        const slowPid = await slowClient.pid();
        const order: string[] = [];
        // 5 s: far longer than a new connection takes to be answered, even on a busy machine
        const slow = slowClient.get('/slow?ms=5000').then((r) => {
          order.push('slow');
          return r;
        });
        await blockedInApp(slowPid); // the slow request has reached its worker, which is now blocked
        const r = await exchange(server().port, 'GET /pid HTTP/1.1\r\nHost: exercise\r\nConnection: close\r\n\r\n');
        order.push('fast');
        expect(r.responses.map((x) => x.status)).toEqual([200]);
        expect(Number(r.responses[0]!.body.toString().trim())).not.toBe(slowPid);
        expect((await slow).body.toString()).toBe(`slept 5000 ms in ${slowPid}\n`);
        expect(order).toEqual(['fast', 'slow']);
      } finally {
        slowClient.socket.destroy();
      }
    });
  });

  describe('exercise 4.1: nobody but the workers is on a connection\'s path', () => {
    it('with the master stopped (SIGSTOP), new connections are still accepted and answered by the workers', async () => {
      process.kill(server().pid, 'SIGSTOP');
      try {
        for (let i = 0; i < 5; i++) {
          const r = await exchange(server().port, 'GET /pid HTTP/1.1\r\nHost: exercise\r\nConnection: close\r\n\r\n');
          expect(r.responses.map((x) => x.status)).toEqual([200]);
          expect(server().workerPids).toContain(Number(r.responses[0]!.body.toString().trim()));
        }
      } finally {
        process.kill(server().pid, 'SIGCONT');
      }
    }, 20_000);
  });

  describe('exercise 4.1 keeps what stage 03 did (question 4.2): a replacement worker inherits the listening socket', () => {
    it('after kill -9 of a worker, a new pid answers on the same port', async () => {
      const [victim] = server().workerPids as [number, number];
      process.kill(victim, 'SIGKILL');
      await waitUntilReaped(victim);
      // a deadline against hanging: a replacement starts in seconds, more on a busy machine
      const deadline = Date.now() + PATIENCE_MS;
      let replacement: number | undefined;
      while (replacement === undefined && Date.now() < deadline) {
        // new connections only: a keep-alive one would stay on the worker that accepted it
        const r = await exchange(server().port, 'GET /pid HTTP/1.1\r\nHost: exercise\r\nConnection: close\r\n\r\n');
        expect(r.responses.map((x) => x.status)).toEqual([200]);
        const pid = Number(r.responses[0]!.body.toString().trim());
        if (!server().workerPids.includes(pid)) replacement = pid;
      }
      expect(replacement).toBeDefined();
      expect(replacement).not.toBe(server().pid);
    });
  });
});



(stageExists(STAGE) ? it : it.skip)(`exercise 4.1 keeps what stage 03 did (question 4.3): SIGTERM to the master stops every worker, and the master exits 0 [${exerciseTarget(STAGE)}]`, async () => {
  const proc = await startStage(exerciseTarget(STAGE), { args: [...(STAGE_ARGS[STAGE] ?? [])] });
  const workers = proc.workerPids;
  try {
    expect(workers.length).toBeGreaterThanOrEqual(2);
    const exit = await proc.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    await waitUntil(() => !workers.some(alive), 'every worker gone');
    expect(workers.filter(alive)).toEqual([]);
  } finally {
    // a version that fails this must not leave its workers running on your machine
    for (const pid of workers.filter(alive)) process.kill(pid, 'SIGKILL');
  }
});

(stageExists(STAGE) ? it : it.skip)(`exercise 4.1 keeps what stage 03 did (question 4.3): a master killed with SIGKILL (no word to anyone) leaves no worker behind [${exerciseTarget(STAGE)}]`, async () => {
  const proc = await startStage(exerciseTarget(STAGE), { args: [...(STAGE_ARGS[STAGE] ?? [])] });
  const workers = proc.workerPids;
  try {
    expect(workers.length).toBeGreaterThanOrEqual(2);
    expect(await proc.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // each worker notices its IPC channel closing
    await waitUntil(() => !workers.some(alive), 'every worker gone after the master');
    expect(workers.filter(alive)).toEqual([]);
  } finally {
    for (const pid of workers.filter(alive)) process.kill(pid, 'SIGKILL');
  }
});
