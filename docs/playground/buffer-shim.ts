/**
 * The part of Node's `Buffer` that stage 02's parser uses, for the browser bundle.
 *
 * Strategy: `build.ts` gives this file to esbuild's `inject`, so that every free `Buffer` in
 * the bundled sources (the parser's `Buffer.alloc`, `Buffer.concat`, and the engine's
 * `Buffer.from`) means this class, and the parser's own code stays exactly what the server
 * runs. It is a `Uint8Array`, so `subarray`, `indexOf` and indexing are the platform's own
 * (and `subarray` returns this class again); `toString` decodes latin1, the one encoding the
 * parser asks for.
 *
 * What it will not do: anything else `Buffer` does. Another encoding throws, so that a change
 * in the parser that needs more shows up as an error in the playground's tests, not as a
 * quietly different result.
 */

/** A `Uint8Array` with the few `Buffer` methods the parser calls. */
export class Buffer extends Uint8Array {
  /** A zero-filled buffer of `size` bytes. */
  static alloc(size: number): Buffer {
    return new Buffer(size);
  }

  /** A copy of `bytes` (the only form of `Buffer.from` the playground uses). */
  static copyOf(bytes: ArrayLike<number>): Buffer {
    const copy = new Buffer(bytes.length);
    copy.set(bytes);
    return copy;
  }

  /** One buffer holding `list`'s bytes, in order. */
  static concat(list: readonly Uint8Array[]): Buffer {
    const out = new Buffer(list.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of list) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }

  /** The bytes `[start, end)` decoded as latin1: one character per byte. */
  override toString(encoding?: string, start = 0, end = this.length): string {
    if (encoding !== 'latin1') throw new Error(`the playground's Buffer decodes latin1 only, not ${String(encoding)}`);
    let s = '';
    // String.fromCharCode takes arguments: a slice at a time keeps the call stack small
    for (let i = start; i < end; i += 4096) s += String.fromCharCode(...this.subarray(i, Math.min(end, i + 4096)));
    return s;
  }
}

// `Buffer.from(bytes)` as Node spells it; a static named `from` would clash with the typed
// array's own `from` in TypeScript, so it is attached here.
Object.defineProperty(Buffer, 'from', { value: Buffer.copyOf });
