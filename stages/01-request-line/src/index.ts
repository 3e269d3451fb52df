/**
 * Stage 01, the request-line server: the state of nibiru on 2024-08-06. One process parses
 * only the request-line of each connection, calls a WSGI-style application, answers with
 * `Connection: close` and closes.
 *
 * @module 01-request-line
 */

export * from './abnf.ts';
export * from './app.ts';
export * from './cli.ts';
export * from './connection.ts';
export * from './environ.ts';
export * from './errors.ts';
export * from './log.ts';
export * from './main.ts';
export * from './request-line.ts';
export * from './response.ts';
export * from './server.ts';
export * from './target.ts';
export * from './writer.ts';
