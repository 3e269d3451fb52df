// The types of `compile.mjs`, for the TypeScript that imports it (the spec launcher).

/** An entry to import from, or why there is none (see `compile.mjs`). */
export type Prepared =
  | { readonly entry: string; readonly url: (file: string) => string }
  | { readonly entry: undefined; readonly warning: string | undefined };

/** Makes sure the files the entries reach are compiled, compiling them in a child on a miss. */
export function prepare(entries: readonly string[], options?: { root?: string }): Prepared;

/** Where `file` (an absolute path) is compiled to under an entry. */
export function compiledPath(entry: string, file: string): string;
