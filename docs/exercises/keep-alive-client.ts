/**
 * A keep-alive client for the exercise specs: one connection, one request at a time, so a
 * test can hold a connection open on a worker and ask it which process it reached.
 */

import net from 'node:net';
import { parseResponses, type RawResponse } from '../../spec/client.ts';

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One persistent connection that sends one request at a time. */
export class KeepAliveClient {
  /** The socket. */
  readonly socket: net.Socket;
  /** Whether the connection has closed. */
  closed = false;
  #buf: Buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  /** Opens a connection to `port` on 127.0.0.1. */
  static connect(port: number): Promise<KeepAliveClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(new KeepAliveClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends raw bytes as they are. */
  write(bytes: string): void {
    this.socket.write(bytes, 'latin1');
  }

  /** Waits for the next complete response. */
  async response(timeoutMs = 10_000): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { responses, rest } = parseResponses(this.#buf);
      if (responses.length > 0) {
        this.#buf = rest;
        return responses[0]!;
      }
      if (this.closed) throw new Error('the connection closed before a complete response');
      if (Date.now() > deadline) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        this.#wake = r;
        setTimeout(r, 100);
      });
    }
  }

  /** `GET path` on this connection. */
  async get(path: string, timeoutMs?: number): Promise<RawResponse> {
    this.write(`GET ${path} HTTP/1.1\r\nHost: exercise\r\n\r\n`);
    return this.response(timeoutMs);
  }

  /** The pid of the process that answers on this connection (`GET /pid`). */
  async pid(): Promise<number> {
    return Number((await this.get('/pid')).body.toString().trim());
  }

  /** Closes this side and waits until the server has closed too. */
  async close(): Promise<void> {
    this.socket.end();
    while (!this.closed) await sleep(10);
  }
}
