/**
 * One thread of the autocannon load generator: `bench/load.ts` starts one of these per
 * generator thread, each with its share of the connections, so that the generator can use
 * more than one core (one Node thread saturates before a fast server does).
 *
 * Strategy: the thread lives as long as the command (starting one costs a good part of a
 * second: tsx compiles this file and autocannon again in each thread). For every `run`
 * message it runs one autocannon instance with the connection wrapper of
 * `reconnectAfterClose`, keeps every response's latency, and posts them back in one
 * transferred `Float64Array` with the status codes, the errors and the wall-clock times of
 * the first request and the last response. A `count` message every second feeds the
 * progress line.
 */

import { parentPort, workerData } from 'node:worker_threads';
import autocannon, { type Client } from 'autocannon';

/** What a generator thread is asked to do. */
export interface WorkerJob {
  readonly url: string;
  readonly connections: number;
  readonly durationS?: number;
  readonly requests?: number;
  /** Request headers, e.g. `{ connection: 'close' }`. */
  readonly headers?: Record<string, string>;
  /** Requests each connection sends without waiting for the responses (autocannon's `pipelining`). */
  readonly pipelining?: number;
}

/** What a generator thread reports when its load is over. */
export interface WorkerReport {
  readonly type: 'done';
  readonly latencies: Float64Array;
  readonly statusCodes: Record<string, number>;
  readonly errors: Record<string, number>;
  /** Wall-clock milliseconds (epoch) when the load started. */
  readonly startedAt: number;
  /** Wall-clock milliseconds (epoch) of the last response, or of the end when there was none. */
  readonly lastResponseAt: number;
}

/**
 * Makes an autocannon client open a fresh connection for the request after a response that
 * ends its connection (`Connection: close` or HTTP/1.0), instead of writing it on the
 * closing one. autocannon 8 writes the next request on the closing connection, reconnects,
 * and then times the next response from the lost request; with this wrapper the next request
 * goes on a fresh connection and its time includes the connect, as `hey`'s does.
 */
function reconnectAfterClose(client: Client): void {
  let closing = false;
  client.on('headers', (info: { shouldKeepAlive?: boolean }) => {
    closing = info.shouldKeepAlive === false;
  });
  const next = client._doRequest;
  client._doRequest = function doRequest(this: Client): void {
    if (closing) {
      closing = false;
      this._destroyConnection(); // also forgets the connection's 'end' handler
      this._connect(); // which writes the request, through this wrapper, on the new connection
      return;
    }
    next.call(this);
  };
}

const now = (): number => performance.timeOrigin + performance.now();

async function run(job: WorkerJob): Promise<void> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const startedAt = now();
  let lastResponseAt = startedAt;
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    ...(job.requests !== undefined ? { amount: job.requests } : { duration: job.durationS! }),
    timeout: 10,
    ...(job.headers ? { headers: job.headers } : {}),
    ...(job.pipelining ? { pipelining: job.pipelining } : {}),
    setupClient: reconnectAfterClose,
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    lastResponseAt = now();
    latencies.push(responseTimeMs);
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
  });
  instance.on('reqError', (err: NodeJS.ErrnoException) => {
    const key = err.code ? `${err.code}: ${err.message}` : err.message;
    errors[key] = (errors[key] ?? 0) + 1;
  });
  const ticker = setInterval(() => parentPort!.postMessage({ type: 'count', n: latencies.length }), 1000);
  await instance;
  clearInterval(ticker);
  const array = Float64Array.from(latencies);
  const report: WorkerReport = {
    type: 'done',
    latencies: array,
    statusCodes,
    errors,
    startedAt,
    lastResponseAt: latencies.length > 0 ? lastResponseAt : now(),
  };
  parentPort!.postMessage(report, [array.buffer]);
}

if (parentPort && (workerData as { nibiruLoadWorker?: boolean } | undefined)?.nibiruLoadWorker) {
  parentPort.on('message', (m: { type: string; job: WorkerJob }) => {
    if (m.type !== 'run') return;
    run(m.job).catch((err: unknown) => parentPort!.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
  });
  parentPort.postMessage({ type: 'ready' });
}
