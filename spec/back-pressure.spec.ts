/**
 * RFC 9112 §9.3.2, pipelining with a client that does not read: the server stops reading (and
 * so stops parsing further pipelined requests) while a connection holds more than
 * `--max-write-buffer` bytes of responses not yet sent, and resumes when they drain. Without
 * that bound, one client that pipelines thousands of requests for a large page and never reads
 * makes the server build every response in memory.
 *
 * Over real TCP, against every stage that keeps connections open: one client pipelines 10,000
 * requests for an 84 KB body and never reads; the serving process's resident memory (Linux's
 * `/proc/<pid>/status`) is sampled until the process has stopped working (its CPU time stands
 * still), and another client is served meanwhile. The specs skip, saying so, where there is no
 * `/proc`.
 */

import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { expect, it } from 'vitest';
import { sleep } from '../harness/client.ts';
import { startStage } from '../harness/launcher.ts';
import { get } from './messages.ts';
import { describeStages, expects } from './stages.ts';

const APP = 'spec.apps.probe:app';
const HAS_PROC = existsSync('/proc/self/status') && existsSync('/proc/self/stat');
const PAGE_BYTES = 84 * 1024;
const REQUESTS = 10_000;
const MB = 1024 * 1024;

/** The resident set size of `pid`, in bytes. */
function rss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** The CPU time `pid` has used so far, in clock ticks (user + system). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the fields after the command name, which is in parentheses and may hold spaces
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Samples the memory of `pid` until it has used no CPU for `quietMs` (it has stopped
 * working), or its memory has grown past `limit` bytes over `base`, or `deadlineMs` passed.
 * Returns the largest growth seen.
 */
async function growthUntilQuiet(pid: number, base: number, limit: number, quietMs = 1000, deadlineMs = 60_000): Promise<number> {
  const end = Date.now() + deadlineMs;
  let most = 0;
  let ticks = cpuTicks(pid);
  let quietSince = Date.now();
  while (Date.now() < end) {
    await sleep(50);
    most = Math.max(most, rss(pid) - base);
    if (most > limit) return most;
    const now = cpuTicks(pid);
    if (now > ticks + 1) {
      ticks = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) {
      return most;
    }
  }
  throw new Error(`process ${pid} was still working after ${deadlineMs} ms`);
}

describeStages('RFC 9112 §9.3.2 pipelining: back-pressure', ({ spec, stage, target }) => {
  if (!HAS_PROC) {
    it.skip(`a client that pipelines and never reads does not grow the server's memory [${stage}] (no /proc here to read memory from)`);
    return;
  }

  spec(
    'lifecycle',
    `${REQUESTS} pipelined requests for an 84 KB page, never read: the serving process grows less than 100 MB, and another client is served`,
    async () => {
      // one worker, so that the process serving the client is known
      const proc = await startStage(target, { app: APP, args: expects(stage, 'workers') ? ['--workers', '1'] : [] });
      const client = new net.Socket();
      try {
        const pid = proc.workerPids[0] ?? proc.pid;
        const target = `/big?bytes=${PAGE_BYTES}`;
        // warm up: the first response allocates what every later one reuses
        const warm = await fetch(proc.url + target);
        expect((await warm.arrayBuffer()).byteLength).toBe(PAGE_BYTES);
        const base = rss(pid);

        await new Promise<void>((resolve, reject) => {
          client.once('error', reject);
          client.connect(proc.port, '127.0.0.1', resolve);
        });
        client.pause(); // never read: the responses pile up in the server
        client.on('error', () => {});
        client.write(get(target).repeat(REQUESTS), 'latin1');

        const grown = await growthUntilQuiet(pid, base, 100 * MB);
        expect(grown).toBeLessThan(100 * MB);

        // the process is not stuck on the client that does not read
        const other = await fetch(proc.url + '/ignore');
        expect(await other.text()).toBe('ignored');
      } finally {
        client.destroy();
        await proc.stop();
      }
    },
    90_000,
  );

  spec('persistence', 'a pipeline whose responses exceed --max-write-buffer is still answered in full and in order to a client that reads', async () => {
    const args = ['--max-write-buffer', '65536', ...(expects(stage, 'workers') ? ['--workers', '1'] : [])];
    const proc = await startStage(target, { app: APP, args });
    try {
      const n = 40;
      const requests = Array.from({ length: n }, (_, i) => get(`/big?bytes=${20_000 + i}`)).join('');
      const bytes = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const socket = net.connect(proc.port, '127.0.0.1', () => socket.end(requests, 'latin1'));
        socket.on('data', (d: Buffer) => chunks.push(d));
        socket.on('error', reject);
        socket.on('close', () => resolve(Buffer.concat(chunks)));
      });
      const lengths = [...bytes.toString('latin1').matchAll(/Content-Length: (\d+)/gi)].map((m) => Number(m[1]));
      expect(lengths).toEqual(Array.from({ length: n }, (_, i) => 20_000 + i));
    } finally {
      await proc.stop();
    }
  }, 30_000);
});
