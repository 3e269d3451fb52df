/**
 * Every kind of error the server reports, each with a stable `code`.
 *
 * Strategy: one base class, {@link NibiruError}, with a `code` that tests and logs can match on
 * (in the manner of undici's `UND_ERR_*`), and one subclass per condition. Two families:
 *
 * - **Protocol errors** ({@link HttpError} and its subclasses) carry the `status` the client is
 *   answered with. The parser only throws these; the connection catches once, writes a minimal
 *   response with `Connection: close`, and ends the socket. A connection is never reused
 *   after a protocol error.
 * - **The server's own errors**: a response the application got wrong
 *   ({@link ResponseError}, answered with a 500), and what stops the server from starting
 *   ({@link UsageError}, {@link AppLoadError}, {@link ListenError}, {@link WorkerStartError}),
 *   which `main` prints on one line before it exits: 2 ({@link EXIT_USAGE}) for a mistake on
 *   the command line, else 1.
 *
 * Stage 02 parses whole requests, so it adds the statuses they can produce: 413 for a body
 * over the limit, 431 for a header section over the limits, and 408 for the connection to
 * answer a client that is too slow (the parser never sees time, so it never throws that one).
 */

/** Base class of every error the server reports; `code` is stable, the message is for people. */
export class NibiruError extends Error {
  /** A stable, machine-readable identifier, e.g. `NIB_ERR_BAD_REQUEST`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------
// Protocol errors

/**
 * Base class of every protocol error. `status` is the response status the server sends.
 *
 * @see RFC 9110 §15 (status codes)
 */
export class HttpError extends NibiruError {
  /** The HTTP status code the server answers with. */
  readonly status: number;

  constructor(status: number, code: string, message: string) {
    super(code, message);
    this.status = status;
  }
}

/**
 * The request is malformed: 400.
 *
 * @see RFC 9110 §15.5.1
 */
export class BadRequest extends HttpError {
  constructor(message: string) {
    super(400, 'NIB_ERR_BAD_REQUEST', message);
  }
}

/**
 * The request-line is longer than the configured limit: 414.
 *
 * @see RFC 9112 §3 ("A server that receives a request-target longer than any URI it wishes
 * to parse MUST respond with a 414 (URI Too Long) status code.")
 */
export class UriTooLong extends HttpError {
  constructor(limit: number) {
    super(414, 'NIB_ERR_URI_TOO_LONG', `request-line longer than ${limit} bytes`);
  }
}

/**
 * The method is well formed but the server does not implement it: 501.
 *
 * @see RFC 9110 §9.1 ("An origin server that receives a request method that is unrecognized
 * or not implemented SHOULD respond with the 501 (Not Implemented) status code.")
 */
export class NotImplemented extends HttpError {
  constructor(message: string) {
    super(501, 'NIB_ERR_NOT_IMPLEMENTED', message);
  }
}

/**
 * The request's major HTTP version is not one the server speaks: 505.
 *
 * @see RFC 9110 §15.6.6
 */
export class VersionNotSupported extends HttpError {
  constructor(version: string) {
    super(505, 'NIB_ERR_VERSION_NOT_SUPPORTED', `HTTP version not supported: ${version}`);
  }
}

/**
 * The client did not send its request in time: 408. Thrown by the connection, never by the
 * parser, which does not know about time.
 *
 * @see RFC 9110 §15.5.9
 */
export class RequestTimeout extends HttpError {
  constructor(message = 'request header section not received in time') {
    super(408, 'NIB_ERR_REQUEST_TIMEOUT', message);
  }
}

/**
 * The request's content is larger than the server is willing to process: 413.
 *
 * @see RFC 9110 §15.5.14
 */
export class ContentTooLarge extends HttpError {
  constructor(message: string) {
    super(413, 'NIB_ERR_CONTENT_TOO_LARGE', message);
  }
}

/**
 * The header section (or trailer section) is larger, or has more field lines, than the server
 * is willing to process: 431.
 *
 * @see RFC 6585 §5; RFC 9110 §15.5 (status codes are extensible)
 */
export class HeaderFieldsTooLarge extends HttpError {
  constructor(message: string) {
    super(431, 'NIB_ERR_HEADER_FIELDS_TOO_LARGE', message);
  }
}

// ---------------------------------------------------------------------------------------------
// The server's own errors

/**
 * The application broke the interface (PEP 3333): a bad status or header, a body that is not
 * text or bytes, a `Content-Length` that does not match. The client gets a 500.
 */
export class ResponseError extends NibiruError {
  constructor(message: string) {
    super('NIB_ERR_INVALID_RESPONSE', message);
  }
}

/** A command-line mistake; `main` prints the message on one line and exits 2 ({@link EXIT_USAGE}). */
export class UsageError extends NibiruError {
  constructor(message: string) {
    super('NIB_ERR_USAGE', message);
  }
}

/** The application could not be loaded; `main` prints the message and exits 1. */
export class AppLoadError extends NibiruError {
  constructor(message: string) {
    super('NIB_ERR_APP_LOAD', message);
  }
}

/** The server could not listen; the message says why in one line. */
export class ListenError extends NibiruError {
  constructor(message: string) {
    super('NIB_ERR_LISTEN', message);
  }
}

/** A worker failed to start: it exited (or was killed) before it was ready. */
export class WorkerStartError extends NibiruError {
  constructor(message: string) {
    super('NIB_ERR_WORKER_START', message);
  }
}
