/**
 * Stage 04, the shared socket: the state of nibiru on 2026-01-02. A master process binds the
 * listening socket once and forks workers that inherit it; each worker accepts on it, and the
 * kernel hands each connection to one of them. No message crosses between processes per
 * connection. The workers serve connections with stage 02's connection handling, unchanged.
 *
 * @module 04-shared-socket
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
