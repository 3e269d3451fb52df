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
 *   ({@link UsageError}, {@link AppLoadError}, {@link ListenError}), which `main` prints on one
 *   line before it exits: 2 ({@link EXIT_USAGE}) for a mistake on the command line, else 1.
 *
 * This stage only parses the request-line, so it only needs the statuses a request-line can
 * produce. Later stages add the rest.
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
