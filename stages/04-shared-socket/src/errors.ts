/**
 * Errors that carry the HTTP status they should produce.
 *
 * Strategy: one base class, {@link HttpError}, with a `status` and a stable `code` (in the
 * manner of undici's `UND_ERR_*`), and one subclass per condition. Parsers only throw these;
 * the connection catches once, writes a minimal response with `Connection: close`, and ends
 * the socket. A connection is never reused after a protocol error.
 *
 * This stage parses whole requests (header section and body), so it adds the errors they can
 * produce: 413 for a body over the limit, 431 for a header section over the limits, and 408
 * for the connection to answer a client that is too slow to send its header section (the
 * parser itself never sees time, so it never throws that one).
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

/**
 * The client did not send a complete header section in time: 408. Thrown by the connection,
 * never by the parser, which does not know about time.
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
