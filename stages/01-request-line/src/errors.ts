/**
 * Errors that carry the HTTP status they should produce.
 *
 * Strategy: one base class, {@link HttpError}, with a `status` and a stable `code` (in the
 * manner of undici's `UND_ERR_*`), and one subclass per condition. Parsers only throw these;
 * the connection catches once, writes a minimal response with `Connection: close`, and ends
 * the socket. A connection is never reused after a protocol error.
 *
 * This stage only parses the request-line, so it only needs the errors a request-line can
 * produce. Later stages add the rest.
 */

/**
 * Base class of every protocol error. `status` is the response status the server sends;
 * `code` is a stable identifier that tests and logs can match on.
 *
 * @see RFC 9110 §15 (status codes)
 */
export class HttpError extends Error {
  /** The HTTP status code the server answers with. */
  readonly status: number;
  /** A stable, machine-readable identifier, e.g. `NIB_ERR_BAD_REQUEST`. */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
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
