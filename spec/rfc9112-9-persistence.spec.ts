/**
 * RFC 9112 §9, connection management: persistence, pipelining, closing — over real TCP against
 * every stage, with raw bytes, Node's `fetch` and (when installed) curl.
 */

import http from 'node:http';
import net from 'node:net';
import { expect, it } from 'vitest';
import { EXCHANGE_TIMEOUT_MS, exchange, KeepAliveClient, parseResponses } from '../harness/client.ts';
import { blockedInApp, startStage } from '../harness/launcher.ts';
import { streamBigBody } from './apps/probe.ts';
import { curl, get, HAS_CURL, message, post } from './messages.ts';
import { send, settled, within } from './processes.ts';
import { describeStages, expects } from './stages.ts';

const APP = 'spec.apps.probe:app';
/** How long a server has to exit after SIGTERM, its connections done: the default --grace (5 s), and more. */
const EXIT_MS = 45_000;

describeStages(
  'RFC 9112 §9 persistence',
  ({ server, spec, stage }) => {
    spec('persistence', '§9.3: an HTTP/1.1 connection stays open after a response (keep-alive is the default)', async () => {
      const r = await exchange(server().port, get('/ignore'), { responses: 1 });
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(r.responses[0]!.header('connection')).toBeUndefined();
      // one response arrived and the exchange stopped there, before any close
      expect(r.closed).toBe(false);
    });

    spec('persistence', '§9.3: a second request on the same connection is answered', async () => {
      const r = await exchange(server().port, [get('/ignore'), get('/echo', 'Connection: close')], { pauseMs: 150 });
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(r.closed).toBe(true);
    });

    spec('request-line', '§9.6: a client\'s Connection: close is honoured: the response says close and the server closes', async () => {
      const r = await exchange(server().port, get('/ignore', 'Connection: close'));
      expect(r.responses[0]!.header('connection')).toBe('close');
      expect(r.closed).toBe(true);
      expect(r.timedOut).toBe(false);
    });

    spec('persistence', '§9.6: Connection: close on the second of two requests: both answered, then closed', async () => {
      const r = await exchange(server().port, get('/ignore') + get('/ignore', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(r.responses[0]!.header('connection')).toBeUndefined();
      expect(r.responses[1]!.header('connection')).toBe('close');
      expect(r.closed).toBe(true);
    });

    spec('request-line', '§9.3: an HTTP/1.0 request without keep-alive is answered, with Connection: close, then closed', async () => {
      const r = await exchange(server().port, message('GET /ignore HTTP/1.0'));
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(r.responses[0]!.version).toBe('HTTP/1.1');
      expect(r.responses[0]!.header('connection')).toBe('close');
      expect(r.closed).toBe(true);
    });

    spec('persistence', '§9.3: an HTTP/1.0 request with Connection: keep-alive gets keep-alive and the connection stays open', async () => {
      const ka = message('GET /ignore HTTP/1.0', ['Connection: keep-alive']);
      const r = await exchange(server().port, [ka, message('GET /echo HTTP/1.0')], { pauseMs: 150 });
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(r.responses[0]!.header('connection')).toBe('keep-alive');
      expect(r.responses[1]!.header('connection')).toBe('close');
      expect(r.closed).toBe(true);
    });

    spec('persistence', '§9.3.2: pipelined requests sent in one write are answered in order', async () => {
      const targets = ['/echo?i=0', '/ignore', '/echo?i=2', '/nope', '/echo?i=4'];
      const r = await exchange(server().port, targets.map((t) => get(t)).join(''), { responses: targets.length });
      expect(r.responses.map((x) => x.status)).toEqual([200, 200, 200, 404, 200]);
      const queries = [0, 2, 4].map((i) => JSON.parse(r.responses[i]!.body.toString()).QUERY_STRING);
      expect(queries).toEqual(['i=0', 'i=2', 'i=4']);
      expect(r.responses[1]!.body.toString()).toBe('ignored');
    });

    spec('persistence', '§9.3.2: a pipeline split across writes at awkward places is still answered in order', async () => {
      const bytes = get('/echo?i=0') + post('/echo?i=1', 'hello') + get('/echo?i=2', 'Connection: close');
      const pieces = [bytes.slice(0, 20), bytes.slice(20, 61), bytes.slice(61, 90), bytes.slice(90)];
      const r = await exchange(server().port, pieces, { pauseMs: 20 });
      expect(r.responses.map((x) => JSON.parse(x.body.toString()).QUERY_STRING)).toEqual(['i=0', 'i=1', 'i=2']);
      expect(JSON.parse(r.responses[1]!.body.toString()).body).toBe('hello');
    });

    spec('persistence', '§9.3.2: a streamed response that waits for its client to read is finished before the next pipelined request is answered, with no byte in between', async () => {
      // 16 MiB, four times what the socket buffers took on Linux with its default limits (3.8 MB
      // queued by the server's kernel, 0.2 MB by the client's and its Node): the stream has to
      // wait for the client
      const n = 256;
      const size = 64 * 1024;
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(server().port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
      socket.on('error', () => {}); // a reset shows as a close, and the checks below say what was missing
      try {
        socket.pause(); // not reading, until the server has done all it will do meanwhile
        const chunks: Buffer[] = [];
        socket.on('data', (d: Buffer) => chunks.push(d));
        const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
        await send(socket, get(`/stream-big?n=${n}&size=${size}`) + get('/echo?i=1'));
        await settled(server()); // the stream waits for the client; /echo?i=1 waits behind it
        await send(socket, get('/echo?i=2', 'Connection: close'));
        await settled(server()); // ...and so does a request that came while it waited
        socket.resume();
        await within(closed, EXCHANGE_TIMEOUT_MS, 'the connection closed after the third response');

        const raw = Buffer.concat(chunks);
        // three status lines, and each response fills the bytes from its own to the next:
        // none starts inside the streamed body, and nothing lies between two responses
        const starts = [...raw.toString('latin1').matchAll(/HTTP\/1\.1 \d{3} /g)].map((m) => m.index);
        expect(starts, 'offsets of the status lines (one inside the streamed body is a response sent in its midst)').toHaveLength(3);
        expect(starts[0]).toBe(0);
        const responses = [0, 1, 2].map((i) => {
          const { responses: one, rest } = parseResponses(raw.subarray(starts[i], starts[i + 1] ?? raw.length));
          expect([one.length, rest.length], `response ${i + 1}: complete, and nothing after it`).toEqual([1, 0]);
          return one[0]!;
        });
        expect(responses.map((x) => x.status)).toEqual([200, 200, 200]);
        expect(responses[0]!.body.equals(streamBigBody(n, size)), 'the streamed body arrived whole, in order, unmixed').toBe(true);
        expect(responses.slice(1).map((x) => JSON.parse(x.body.toString()).QUERY_STRING)).toEqual(['i=1', 'i=2']);
      } finally {
        socket.destroy();
      }
    });

    spec('persistence', '§9.3: a body the app did not read is drained, so the next request on the connection parses right', async () => {
      const body = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(50);
      const r = await exchange(server().port, post('/ignore', body) + get('/echo?after=1', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(JSON.parse(r.responses[1]!.body.toString()).QUERY_STRING).toBe('after=1');
    });

    spec('persistence', 'RFC 9110 §9.3.2: HEAD gets no body, and the request after it on the connection parses right', async () => {
      const r = await exchange(server().port, message('HEAD /big?bytes=5000 HTTP/1.1', ['Host: localhost']) + get('/echo', 'Connection: close'), { head: [0] });
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(r.responses[0]!.header('content-length')).toBe('5000');
      expect(r.responses[1]!.header('content-type')).toBe('application/json');
    });

    spec('persistence', 'an app that throws gets a 500 and the next request on the same connection is served', async () => {
      const r = await exchange(server().port, get('/throw') + get('/ignore', 'Connection: close'));
      expect(r.responses.map((x) => x.status)).toEqual([500, 200]);
      // stderr and the socket are two pipes: the stack may be read after the response
      await server().waitForStderr(/probe: thrown on purpose/);
    });

    spec('persistence', '§9.3: fetch reuses one connection for sequential requests', async () => {
      const agentPorts = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const res = await fetch(server().url + '/echo', { signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS) });
        agentPorts.add(((await res.json()) as { REMOTE_PORT: string }).REMOTE_PORT);
        // fetch puts the connection back in its pool on the next turn of this process's event
        // loop (a wait for our own client, not for the server)
        await new Promise((r) => setImmediate(r));
      }
      expect(agentPorts.size).toBe(1);
    });

    spec('persistence', '§9.3: node:http with a keep-alive agent gets every response on one socket', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const ports = await Promise.all(
          [0, 1, 2, 3].map(
            () =>
              new Promise<string>((resolve, reject) => {
                http.get(server().url + '/echo', { agent, signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS) }, (res) => {
                  let text = '';
                  res.on('data', (d: Buffer) => (text += d.toString()));
                  res.on('end', () => resolve(JSON.parse(text).REMOTE_PORT));
                  res.on('error', reject);
                }).on('error', reject);
              }),
          ),
        );
        expect(new Set(ports).size).toBe(1);
      } finally {
        agent.destroy();
      }
    });

    if (HAS_CURL) {
      spec('persistence', '§9.3: curl re-uses the connection for two URLs', async () => {
        const r = await curl(['-v', server().url + '/ignore', server().url + '/echo']);
        expect(r.code).toBe(0);
        expect(r.stderr).toMatch(/Re-using existing connection|Reusing existing connection/i);
        expect(r.stdout).toMatch(/^ignored\{/);
      });
    } else {
      it.skip(`§9.3: curl re-uses the connection for two URLs [${stage}] (curl is not installed)`);
    }
  },
  { app: APP },
);

describeStages('RFC 9112 §9.6 graceful close on shutdown', ({ spec, stage, target }) => {
  // With one worker, every connection of a test reaches the same process.
  const oneWorker = expects(stage, 'workers') ? ['--workers', '1'] : [];

  spec('request-line', 'SIGTERM while the app is running: the response is still delivered, then exit 0', async () => {
    const proc = await startStage(target, { app: 'docs.app:app' });
    try {
      const pending = exchange(proc.port, get('/slow?ms=1000'));
      // the signal comes once the request is inside the app, however long it took to get there
      await blockedInApp(...(proc.workerPids.length > 0 ? proc.workerPids : [proc.pid]));
      proc.child.kill('SIGTERM');
      const r = await pending;
      expect(r.responses.map((x) => x.status)).toEqual([200]);
      expect(r.closed).toBe(true);
      expect(await within(proc.exited, EXIT_MS, 'the server exiting after SIGTERM')).toEqual({ code: 0, signal: null });
    } finally {
      await proc.stop();
    }
  });


  spec('persistence', 'SIGTERM while a request is in flight: its response is completed with Connection: close, then exit 0', async () => {
    const proc = await startStage(target, { app: APP, args: oneWorker });
    const inFlight = await KeepAliveClient.connect(proc.port);
    const idle = await KeepAliveClient.connect(proc.port);
    try {
      // The header section now, the body after the signal: the request is in flight when it
      // comes. The 100 (Continue) says the server has the header section.
      inFlight.write(message('POST /echo HTTP/1.1', ['Host: localhost', 'Content-Length: 5', 'Expect: 100-continue']));
      expect((await inFlight.response()).status).toBe(100);
      // An idle keep-alive connection to the same process: when it closes, the signal has been
      // handled there, and only then does the body go out.
      expect((await idle.get('/ignore')).status).toBe(200);
      proc.child.kill('SIGTERM');
      await idle.closedByServer();
      inFlight.write('hello');
      const res = await inFlight.response();
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString()).body).toBe('hello');
      expect(res.header('connection')).toBe('close');
      await inFlight.closedByServer();
      expect(await within(proc.exited, EXIT_MS, 'the server exiting after SIGTERM')).toEqual({ code: 0, signal: null });
    } finally {
      inFlight.destroy();
      idle.destroy();
      await proc.stop();
    }
  });

  spec('persistence', 'SIGTERM closes idle keep-alive connections at once and exits 0', async () => {
    // Keep-alive timeout and grace far beyond any wait here: a close can only be the shutdown's own.
    const proc = await startStage(target, { app: 'docs.app:app', args: ['--keep-alive-timeout', '1h', '--grace', '1h'] });
    const c = await KeepAliveClient.connect(proc.port);
    try {
      const res = await c.get('/');
      expect(res.status).toBe(200);
      expect(res.header('connection')).toBeUndefined(); // it was kept open...
      proc.child.kill('SIGTERM');
      await c.closedByServer(); // ...until the shutdown closed it
      expect(await within(proc.exited, EXIT_MS, 'the server exiting after SIGTERM')).toEqual({ code: 0, signal: null });
    } finally {
      c.destroy();
      await proc.stop();
    }
  });
});
