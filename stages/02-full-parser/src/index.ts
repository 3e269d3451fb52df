/**
 * Stage 02, the full parser: the state of nibiru on 2025-01-01. One process parses whole
 * HTTP/1.1 requests (header fields, bodies, chunked), keeps connections alive, answers
 * pipelined requests in order, and enforces a limit on every part of a request.
 *
 * @module 02-full-parser
 */

export * from './abnf.ts';
export * from './app.ts';
export * from './cli.ts';
export * from './connection.ts';
export * from './environ.ts';
export * from './errors.ts';
export * from './fields.ts';
export * from './log.ts';
export * from './main.ts';
export * from './parser.ts';
export * from './request-line.ts';
export * from './response.ts';
export * from './server.ts';
export * from './serving.ts';
export * from './target.ts';
export * from './writer.ts';
