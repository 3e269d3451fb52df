/**
 * Stage 05, the fast path: beyond the log. Stage 04's server (a master, workers accepting on
 * one shared socket, the same supervision and command line) with the optimizations that a
 * profile of it motivated, each one measured against the step before (chapter 05 of the
 * guide). The behaviour is stage 04's: the whole spec corpus runs against both.
 *
 * @module 05-fast-path
 */

export * from './abnf.ts';
export * from './app.ts';
export * from './backoff.ts';
export * from './cli.ts';
export * from './connection.ts';
export * from './environ.ts';
export * from './errors.ts';
export * from './fields.ts';
export * from './log.ts';
export * from './main.ts';
export * from './master.ts';
export * from './messages.ts';
export * from './parser.ts';
export * from './read-buffer.ts';
export * from './request-line.ts';
export * from './response.ts';
export * from './server.ts';
export * from './serving.ts';
export * from './shared-socket.ts';
export * from './supervisor.ts';
export * from './target.ts';
export * from './writer.ts';
export * from './watchdog.ts';
export * from './worker.ts';
