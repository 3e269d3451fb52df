/**
 * A tiny HTTP/1.1 client for the experiments that need what a load generator does not give:
 * the body of each response (which pid answered) and the time of one particular request
 * (the first one a server ever answers).
 *
 * Strategy: raw bytes on `node:net`, one request at a time per connection, the response read
 * by `Content-Length` (or to the close, when there is none). It understands exactly the
 * responses `docs.app:app` gives, and nothing more: it is a probe, not a client library.
 */

import net from 'node:net';

/** One response as the probe saw it. */
export interface ProbeResponse {
  readonly status: number;
  readonly body: string;
  /** Milliseconds from writing the request (or from connecting, for a new connection) to the last byte. */
  readonly ms: number;
  /** Whether the server will close the connection after this response. */
  readonly closing: boolean;
}

/** A connection that sends requests one after another. */
export class ProbeConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended = false;
  private failure: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.buffer = this.buffer.length === 0 ? d : Buffer.concat([this.buffer, d]);
      this.waiter?.();
    });
    socket.on('end', () => {
      this.ended = true;
      this.waiter?.();
    });
    socket.on('error', (err) => {
      this.failure = err;
      this.waiter?.();
    });
  }

  /** Opens a connection; resolves once it is established. */
  static open(host: string, port: number): Promise<ProbeConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new ProbeConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Whether the connection can carry another request. */
  get usable(): boolean {
    return !this.ended && this.failure === undefined && !this.socket.destroyed;
  }

  /** Sends `GET path` and reads the whole response. */
  async get(path: string, host: string, close = false): Promise<ProbeResponse> {
    const t0 = performance.now();
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`);
    for (;;) {
      const parsed = this.parse();
      if (parsed) return { ...parsed, ms: performance.now() - t0 };
      if (this.failure) throw this.failure;
      if (this.ended) throw new Error('connection closed before a whole response');
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }

  private parse(): Omit<ProbeResponse, 'ms'> | undefined {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd === -1) return undefined;
    const head = this.buffer.subarray(0, headEnd).toString('latin1');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const closing = /\r\nconnection:\s*close/i.test(head) || head.startsWith('HTTP/1.0');
    const start = headEnd + 4;
    let end: number;
    if (length) {
      end = start + Number(length[1]);
      if (this.buffer.length < end) return undefined;
    } else {
      if (!this.ended) return undefined;
      end = this.buffer.length;
    }
    const body = this.buffer.subarray(start, end).toString('utf8');
    this.buffer = this.buffer.subarray(end);
    return { status, body, closing };
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }
}

/** One request on a new connection, timed from the connect, as `hey` times a new connection. */
export async function getOnce(host: string, port: number, path: string): Promise<ProbeResponse> {
  const t0 = performance.now();
  const conn = await ProbeConnection.open(host, port);
  try {
    const res = await conn.get(path, `${host}:${port}`, true);
    return { ...res, ms: performance.now() - t0 };
  } finally {
    conn.close();
  }
}
