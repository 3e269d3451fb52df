/**
 * Reading every socket of the process into one buffer (stage 05, step 1 of chapter 05).
 *
 * Strategy: by default Node reads a socket into a new buffer each time (a 64 KiB allocation,
 * shrunk to what arrived) and passes it through the `Readable` stream machinery to a `'data'`
 * event. For a request of a hundred bytes, that is most of the cost of reading it (the
 * profile of stage 04 in chapter 05). Node's public API has the cure, for sockets it creates
 * itself: `new net.Socket({ onread: { buffer, callback } })` reads into `buffer` and calls
 * `callback(count)` instead. A server's sockets are created by Node without that option, so
 * {@link readIntoSharedBuffer} switches an accepted socket over afterwards, doing what the
 * constructor would have done: set the two fields where the socket keeps the buffer and the
 * callback, and call its handle's `useUserBuffer`. Those are private: the fields are symbols
 * without a public name, found here once, by their values, on a socket made with `onread`;
 * `_handle.useUserBuffer` is the native call. If any of it is missing (another Node), the
 * feature check says no and the connection reads `'data'` events, as stage 04 does.
 *
 * One buffer serves every connection of the process: a read is handled to its end before the
 * next read is made, on the one thread. So nothing may keep a view of it once the callback
 * returns: the parser copies what it has not consumed (`RequestParser.keepBuffered`), and the
 * connection copies body bytes.
 *
 * Checked on Node 20.20 (see chapter 05 for the versions tried). Set `NIBIRU_NO_SHARED_READ=1`
 * to take the fallback on any Node; the tests do, to run the specs through it.
 */

import { Socket } from 'node:net';

/** The buffer every socket of this process reads into. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** The private fields of a socket made with `onread`. */
interface OnreadFields {
  readonly buffer: symbol;
  readonly callback: symbol;
}

/** Where a socket made with `onread` keeps its buffer and its callback, or null. */
function findOnreadFields(): OnreadFields | null {
  if (process.env.NIBIRU_NO_SHARED_READ === '1') return null;
  const callback = (): void => undefined;
  // `onread` is documented for the constructor, yet missing from @types/node 20's options type
  const probe = new Socket({ onread: { buffer: READ_BUFFER, callback } } as ConstructorParameters<typeof Socket>[0]);
  let buffer: symbol | undefined;
  let found: symbol | undefined;
  for (const field of Object.getOwnPropertySymbols(probe)) {
    const value: unknown = (probe as unknown as Record<symbol, unknown>)[field];
    if (value === READ_BUFFER) buffer = field;
    else if (value === callback) found = field;
  }
  probe.destroy();
  return buffer && found ? { buffer, callback: found } : null;
}

const ONREAD_FIELDS = findOnreadFields();

/** Whether this process reads sockets into one buffer (false: the `'data'` fallback). */
export const SHARED_READ: boolean = ONREAD_FIELDS !== null;

/**
 * Switches `socket` to reading into the shared buffer, calling `onRead(bytes)` with a view of
 * what arrived instead of emitting `'data'`. The view is valid only until `onRead` returns.
 * Returns false, changing nothing, when that cannot be done: then listen for `'data'`.
 */
export function readIntoSharedBuffer(socket: Socket, onRead: (bytes: Buffer) => void): boolean {
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (buffer: Uint8Array) => void } })._handle;
  // a socket that has read already (bytes waiting in its stream buffer) stays as it is
  if (ONREAD_FIELDS === null || typeof handle?.useUserBuffer !== 'function' || socket.readableLength !== 0) return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  fields[ONREAD_FIELDS.buffer] = READ_BUFFER;
  fields[ONREAD_FIELDS.callback] = (count: number): void => onRead(READ_BUFFER.subarray(0, count));
  handle.useUserBuffer(READ_BUFFER);
  return true;
}
