/**
 * Writing a whole response straight to the socket's handle (stage 05, step 3 of chapter 05).
 *
 * Strategy: `socket.write` hands each response to the `Writable` stream machinery, which
 * counts it, queues it or passes it on, makes a write request for the handle, and schedules a
 * callback on the next tick to update its state, before the handle makes the one `write(2)`.
 * Node's `node:http` does the same. When nothing is waiting in the stream and nothing is
 * corked, all of that decides nothing: the bytes go to the handle at once. {@link writeWhole}
 * then skips the stream and makes the handle's own call, the one `socket.write` ends in
 * (`writev`, with the head as latin1 and text chunks as UTF-8, encoded by Node's C++ into one
 * buffer): no `Buffer` is allocated in JavaScript for the response, and no stream state
 * changes.
 *
 * The handle's calls need a write request object, `WriteWrap`, which only
 * `process.binding('stream_wrap')` gives: deprecated (DEP0111, a warning only under
 * `--pending-deprecation`), and private. So a feature check looks for it, and for `writev` on
 * a socket's handle; without them (another Node, or `NIBIRU_NO_DIRECT_WRITE=1`) every
 * response goes through `socket.write`, as stage 04's do.
 *
 * What the stream would have done and still must be done:
 *
 * - **Order.** A direct write is made only when the stream holds nothing and the handle's own
 *   queue is empty; libuv writes a handle's requests in order, so a later `socket.write` or
 *   `socket.end()` goes out after it.
 * - **Step 2.** Nor is it made while the socket is corked: the responses to pipelined
 *   requests still gather in the stream and leave in one `writev`.
 * - **Back-pressure.** When the kernel does not take the whole response at once, the rest
 *   waits in the handle's queue (`writeQueueSize`), where the stream does not count it. Only
 *   responses up to {@link DIRECT_WRITE_MAX} bytes are written directly, and the next write
 *   after one that did not finish goes through the stream, so the server never holds more than
 *   one such response beyond what the stream counts.
 * - **Errors.** A write that fails, at once or later, destroys the socket, as the stream does.
 *
 * Checked on Node 20.20, 22 and 24 (see chapter 05).
 */

import type { Socket } from 'node:net';
import type { Chunk } from './app.ts';

/** A write request for a handle: what `WriteWrap` makes. */
interface WriteRequest {
  handle: unknown;
  oncomplete: (this: WriteRequest, status: number) => void;
  async: boolean;
  /** The socket written to, until the write has finished. */
  socket: Socket | null;
  /** What is written, kept alive until the write has finished. */
  chunks: unknown[] | null;
}

/** The parts of a socket's handle this module uses. */
interface StreamHandle {
  writev(req: WriteRequest, chunks: unknown[], allBuffers: boolean): number;
  readonly writeQueueSize: number;
}

type WriteWrapClass = new () => WriteRequest;

/** The largest response written directly; larger ones go through `socket.write`. */
export const DIRECT_WRITE_MAX = 64 * 1024;

/** `WriteWrap`, or null when this Node does not give it (or `NIBIRU_NO_DIRECT_WRITE=1`). */
function findWriteWrap(): WriteWrapClass | null {
  if (process.env.NIBIRU_NO_DIRECT_WRITE === '1') return null;
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding('stream_wrap');
    const WriteWrap = binding.WriteWrap;
    return typeof WriteWrap === 'function' ? (WriteWrap as WriteWrapClass) : null;
  } catch {
    return null;
  }
}

const WRITE_WRAP = findWriteWrap();

/** Whether this process writes whole responses straight to the handle (false: `socket.write`). */
export const DIRECT_WRITE: boolean = WRITE_WRAP !== null;

/** Called by the handle when a write that did not finish at once has finished, or failed. */
function onComplete(this: WriteRequest, status: number): void {
  if (status < 0) this.socket?.destroy();
  this.socket = null;
  this.chunks = null;
}

/**
 * Writes a whole response, `head` (latin1) then `chunks` (text as UTF-8, bytes as they are),
 * `length` bytes of body in all, straight to the socket's handle when nothing is queued before
 * it. Returns false, having written nothing, when it cannot: then call `socket.write`.
 */
export function writeWhole(socket: Socket, head: string, chunks: readonly Chunk[], length: number): boolean {
  if (WRITE_WRAP === null || length > DIRECT_WRITE_MAX || socket.writableLength !== 0 || socket.writableCorked !== 0) return false;
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  if (handle == null || typeof handle.writev !== 'function' || handle.writeQueueSize !== 0) return false;
  const parts: unknown[] = [head, 'latin1'];
  for (const chunk of chunks) parts.push(chunk, typeof chunk === 'string' ? 'utf8' : 'buffer');
  const req = new WRITE_WRAP();
  req.handle = handle;
  req.oncomplete = onComplete;
  req.async = false;
  req.socket = socket;
  req.chunks = parts;
  const err = handle.writev(req, parts, false);
  if (err !== 0) socket.destroy();
  return true;
}
