/**
 * Stage 03, file-descriptor passing: the state of nibiru on 2026-01-01. A master process
 * accepts every connection and passes its descriptor, unread, to the worker with the fewest
 * open connections; workers report each close back. The workers serve connections with stage
 * 02's connection handling, unchanged.
 *
 * @module 03-fd-passing
 */

export * from './abnf.ts';
export * from './app.ts';
export * from './backoff.ts';
export * from './balancer.ts';
export * from './cli.ts';
export * from './connection.ts';
export * from './dispatcher.ts';
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
export * from './supervisor.ts';
export * from './target.ts';
export * from './writer.ts';
export * from './watchdog.ts';
export * from './worker.ts';
