// The parser playground: built by `npm run playground` from docs/playground/page.ts, with
// stage 02's parser (stages/02-full-parser/src/parser.ts) as the server runs it. Do not edit.

// docs/playground/buffer-shim.ts
var Buffer = class _Buffer extends Uint8Array {
  /** A zero-filled buffer of `size` bytes. */
  static alloc(size) {
    return new _Buffer(size);
  }
  /** A copy of `bytes` (the only form of `Buffer.from` the playground uses). */
  static copyOf(bytes2) {
    const copy = new _Buffer(bytes2.length);
    copy.set(bytes2);
    return copy;
  }
  /** One buffer holding `list`'s bytes, in order. */
  static concat(list) {
    const out = new _Buffer(list.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of list) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }
  /** The bytes `[start, end)` decoded as latin1: one character per byte. */
  toString(encoding, start = 0, end = this.length) {
    if (encoding !== "latin1") throw new Error(`the playground's Buffer decodes latin1 only, not ${String(encoding)}`);
    let s = "";
    for (let i = start; i < end; i += 4096) s += String.fromCharCode(...this.subarray(i, Math.min(end, i + 4096)));
    return s;
  }
};
Object.defineProperty(Buffer, "from", { value: Buffer.copyOf });

// stages/02-full-parser/src/errors.ts
var NibiruError = class extends Error {
  /** A stable, machine-readable identifier, e.g. `NIB_ERR_BAD_REQUEST`. */
  code;
  constructor(code, message) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
};
var HttpError = class extends NibiruError {
  /** The HTTP status code the server answers with. */
  status;
  constructor(status, code, message) {
    super(code, message);
    this.status = status;
  }
};
var BadRequest = class extends HttpError {
  constructor(message) {
    super(400, "NIB_ERR_BAD_REQUEST", message);
  }
};
var UriTooLong = class extends HttpError {
  constructor(limit) {
    super(414, "NIB_ERR_URI_TOO_LONG", `request-line longer than ${limit} bytes`);
  }
};
var NotImplemented = class extends HttpError {
  constructor(message) {
    super(501, "NIB_ERR_NOT_IMPLEMENTED", message);
  }
};
var VersionNotSupported = class extends HttpError {
  constructor(version) {
    super(505, "NIB_ERR_VERSION_NOT_SUPPORTED", `HTTP version not supported: ${version}`);
  }
};
var ContentTooLarge = class extends HttpError {
  constructor(message) {
    super(413, "NIB_ERR_CONTENT_TOO_LARGE", message);
  }
};
var HeaderFieldsTooLarge = class extends HttpError {
  constructor(message) {
    super(431, "NIB_ERR_HEADER_FIELDS_TOO_LARGE", message);
  }
};

// stages/02-full-parser/src/abnf.ts
var LF = 10;
var CR = 13;
var SP = 32;
var HTAB = 9;
var ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
var DIGIT = "0123456789";
function charClass(...members) {
  const flags = new Uint8Array(256);
  for (const member of members) {
    if (typeof member === "string") {
      for (let i = 0; i < member.length; i++) flags[member.charCodeAt(i)] = 1;
    } else {
      for (let code = member[0]; code <= member[1]; code++) flags[code] = 1;
    }
  }
  return flags;
}
var TCHAR = charClass("!#$%&'*+-.^_`|~", DIGIT, ALPHA);
var FIELD_CHAR = charClass([33, 126], [128, 255], " 	");
var QDTEXT = charClass("	 !", [35, 91], [93, 126], [128, 255]);
var HOST_CHAR = charClass("-._~!$&'()*+,;=", DIGIT, ALPHA);
function isTchar(code) {
  return TCHAR[code] === 1;
}
function isToken(s) {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTchar(s.charCodeAt(i))) return false;
  return true;
}
function isFieldChar(code) {
  return FIELD_CHAR[code] === 1;
}
function isVchar(code) {
  return code >= 33 && code <= 126;
}
function isQdtext(code) {
  return QDTEXT[code] === 1;
}
function isHostChar(code) {
  return HOST_CHAR[code] === 1;
}
function isDigit(code) {
  return code >= 48 && code <= 57;
}
function isHexDigit(code) {
  return isDigit(code) || code >= 65 && code <= 70 || code >= 97 && code <= 102;
}
function isWhitespace(code) {
  return code === SP || code === HTAB;
}
function trimWhitespace(s) {
  let start = 0;
  let end = s.length;
  while (start < end && isWhitespace(s.charCodeAt(start))) start++;
  while (end > start && isWhitespace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

// stages/02-full-parser/src/fields.ts
function parseFieldLine(line) {
  if (isWhitespace(line.charCodeAt(0))) throw new BadRequest("obs-fold or whitespace before a field line");
  let colon = 0;
  while (colon < line.length && isTchar(line.charCodeAt(colon))) colon++;
  if (colon === line.length || line[colon] !== ":" || colon === 0) {
    throw new BadRequest(
      isWhitespace(line.charCodeAt(colon)) ? "whitespace between field name and colon" : "invalid character in field name"
    );
  }
  const value = trimWhitespace(line.slice(colon + 1));
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (!isFieldChar(code)) {
      throw new BadRequest(code === 13 ? "bare CR in field value" : "invalid character in field value");
    }
  }
  return [line.slice(0, colon).toLowerCase(), value];
}
function listElements(value) {
  const elements = [];
  for (const part of value.toLowerCase().split(",")) {
    const element = trimWhitespace(part);
    if (element !== "") elements.push(element);
  }
  return elements;
}
function parseContentLength(value) {
  let length = -1;
  for (const part of value.split(",")) {
    const digits = trimWhitespace(part);
    if (!isDigits(digits)) throw new BadRequest("Content-Length must be 1*DIGIT");
    if (digits.length > 15) throw new BadRequest("Content-Length too long");
    const n = Number(digits);
    if (length !== -1 && n !== length) throw new BadRequest("differing Content-Length values");
    length = n;
  }
  return length;
}
function isDigits(s) {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}
function checkTransferEncoding(value) {
  const codings = listElements(value);
  if (!codings.every(isToken)) throw new BadRequest("malformed Transfer-Encoding");
  const last = codings.length - 1;
  if (last < 0 || codings[last] !== "chunked") throw new BadRequest("chunked must be the final transfer coding");
  if (codings.indexOf("chunked") !== last) throw new BadRequest("chunked applied more than once");
  if (last > 0) throw new NotImplemented(`transfer coding not implemented: ${codings[0]}`);
}
function persistenceOptions(value) {
  const options = listElements(value);
  return { close: options.includes("close"), keepAlive: options.includes("keep-alive") };
}
function expectsContinue(value) {
  return listElements(value).includes("100-continue");
}
function isValidHost(value) {
  let i = 0;
  if (value.startsWith("[")) {
    i = 1;
    while (i < value.length && (isHostChar(value.charCodeAt(i)) || value[i] === ":")) i++;
    if (i === 1 || value[i] !== "]") return false;
    i++;
  } else {
    while (i < value.length && value[i] !== ":") {
      if (value[i] === "%") {
        if (!isHexDigit(value.charCodeAt(i + 1)) || !isHexDigit(value.charCodeAt(i + 2))) return false;
        i += 3;
      } else if (isHostChar(value.charCodeAt(i))) {
        i++;
      } else {
        return false;
      }
    }
  }
  if (i === value.length) return true;
  if (value[i] !== ":") return false;
  const port = value.slice(i + 1);
  return port === "" || isDigits(port) && Number(port) <= 65535;
}
function parseChunkLine(line) {
  let end = 0;
  while (end < line.length && isHexDigit(line.charCodeAt(end))) end++;
  if (end === 0) throw new BadRequest("chunk-size must be hexadecimal");
  const size = Number.parseInt(line.slice(0, end), 16);
  if (end > 16 || size > Number.MAX_SAFE_INTEGER) throw new BadRequest("chunk-size too large");
  checkChunkExtensions(line, end);
  return { size, extensionLength: line.length - end };
}
function checkChunkExtensions(line, i) {
  const skipWhitespace = () => {
    while (i < line.length && isWhitespace(line.charCodeAt(i))) i++;
  };
  while (i < line.length) {
    skipWhitespace();
    if (line[i] !== ";") throw new BadRequest("malformed chunk-size line");
    i++;
    skipWhitespace();
    const nameStart = i;
    while (i < line.length && isTchar(line.charCodeAt(i))) i++;
    if (i === nameStart) throw new BadRequest("malformed chunk extension");
    let j = i;
    while (j < line.length && isWhitespace(line.charCodeAt(j))) j++;
    if (line[j] !== "=") continue;
    i = j + 1;
    skipWhitespace();
    if (line[i] === '"') {
      i = endOfQuotedString(line, i);
    } else {
      const valueStart = i;
      while (i < line.length && isTchar(line.charCodeAt(i))) i++;
      if (i === valueStart) throw new BadRequest("malformed chunk extension");
    }
  }
}
function endOfQuotedString(line, i) {
  for (i++; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (line[i] === '"') return i + 1;
    if (line[i] === "\\") {
      i++;
      if (!isFieldChar(line.charCodeAt(i))) break;
    } else if (!isQdtext(code)) {
      break;
    }
  }
  throw new BadRequest("malformed quoted-string in chunk extension");
}

// stages/02-full-parser/src/target.ts
function parseTarget(method, target) {
  if (target.startsWith("/")) return { form: "origin", authority: "" };
  if (target === "*") {
    if (method !== "OPTIONS") throw new BadRequest("asterisk-form is only for OPTIONS");
    return { form: "asterisk", authority: "" };
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target)) {
    const authority = authorityOf(target);
    if (authority === "" || authority.startsWith(":")) throw new BadRequest("absolute-form target without a host");
    if (!isValidHost(authority)) throw new BadRequest("invalid authority in absolute-form target");
    return { form: "absolute", authority };
  }
  throw new BadRequest("request-target must be origin-form, absolute-form or *");
}
function authorityOf(target) {
  const start = target.indexOf("//") + 2;
  let end = start;
  while (end < target.length && !"/?#".includes(target[end])) end++;
  return target.slice(start, end);
}

// stages/02-full-parser/src/request-line.ts
function parseRequestLine(line) {
  let i = 0;
  while (i < line.length && isTchar(line.charCodeAt(i))) i++;
  if (i === 0) throw new BadRequest("request-line must start with a method token");
  if (line.charCodeAt(i) !== SP) throw new BadRequest("invalid character in method");
  const method = line.slice(0, i);
  const targetStart = ++i;
  while (i < line.length && line.charCodeAt(i) !== SP) {
    if (!isVchar(line.charCodeAt(i))) throw new BadRequest("invalid character in request-target");
    i++;
  }
  if (i === targetStart) throw new BadRequest("empty request-target");
  if (i === line.length) throw new BadRequest("missing HTTP-version");
  const target = line.slice(targetStart, i);
  const version = parseVersion(line.slice(i + 1));
  if (method === "CONNECT") throw new NotImplemented("method not implemented: CONNECT");
  const { form, authority } = parseTarget(method, target);
  return { method, target, form, authority, version };
}
function parseVersion(text) {
  if (text.length !== 8 || !text.startsWith("HTTP/") || !isDigit(text.charCodeAt(5)) || text[6] !== "." || !isDigit(text.charCodeAt(7))) {
    throw new BadRequest("malformed HTTP-version");
  }
  if (text[5] !== "1") throw new VersionNotSupported(text);
  return text[7] === "0" ? "1.0" : "1.1";
}

// stages/02-full-parser/src/parser.ts
var DEFAULT_LIMITS = Object.freeze({
  maxRequestLine: 8192,
  maxHeaderBytes: 16384,
  maxHeaderCount: 100,
  maxBodyBytes: 1048576
});
var MAX_LEADING_EMPTY_BYTES = 256;
var MAX_CHUNK_LINE_BYTES = 4096;
var MAX_CHUNK_EXT_BYTES = 16384;
var NEED_DATA = /* @__PURE__ */ Symbol("NEED_DATA");
var ReceiveBuffer = class {
  #bytes = Buffer.alloc(0);
  #start = 0;
  /** How many bytes are buffered. */
  get length() {
    return this.#bytes.length - this.#start;
  }
  append(bytes2) {
    this.#bytes = this.length === 0 ? bytes2 : Buffer.concat([this.#bytes.subarray(this.#start), bytes2]);
    this.#start = 0;
  }
  /** The byte at `offset` from the start of what is buffered; undefined past either end. */
  at(offset) {
    return offset < 0 ? void 0 : this.#bytes[this.#start + offset];
  }
  /** The offset of the first LF buffered, or -1 when there is none yet. */
  indexOfLf() {
    const i = this.#bytes.indexOf(LF, this.#start);
    return i === -1 ? -1 : i - this.#start;
  }
  /** Consumes the first `n` bytes and returns them (a view, not a copy). */
  take(n) {
    const bytes2 = this.#bytes.subarray(this.#start, this.#start + n);
    this.#start += n;
    return bytes2;
  }
  /** Whether the line that ends with the LF at offset `lf` ends with CRLF. */
  endsWithCrlf(lf) {
    return this.at(lf - 1) === CR;
  }
  /**
   * Consumes the line that ends with the CRLF whose LF is at offset `lf`, and returns its text
   * without the CRLF, decoded as latin1.
   */
  takeLine(lf) {
    const text = this.#bytes.toString("latin1", this.#start, this.#start + lf - 1);
    this.#start += lf + 1;
    return text;
  }
};
var Message = class {
  constructor(line) {
    this.line = line;
  }
  line;
  headers = [];
  trailers = [];
  /** Bytes and lines of the header and trailer sections so far, for the limits. */
  fieldBytes = 0;
  fieldCount = 0;
  // What the header fields said.
  hostCount = 0;
  contentLength = -1;
  transferEncoding = null;
  closeAsked = false;
  keepAliveAsked = false;
  expectContinue = false;
  /** Body bytes still to come: of the `Content-Length`, or of the current chunk. */
  remaining = 0;
  /** Chunked: the decoded body's size and the extensions' bytes so far, for the limits. */
  bodyBytes = 0;
  extensionBytes = 0;
};
var RequestParser = class {
  #limits;
  #buffer = new ReceiveBuffer();
  #reading = "request-line";
  /** The error thrown, once one was: the parser is dead. */
  #error = null;
  /** Bytes of empty lines skipped before the request-line being read. */
  #leadingEmpty = 0;
  /** The request being read, once its request-line is. */
  #message = null;
  /** Its method, while its header section is being read (see {@link method}). */
  #headMethod = null;
  /** @param limits overrides for {@link DEFAULT_LIMITS}. */
  constructor(limits) {
    this.#limits = {
      maxRequestLine: limits?.maxRequestLine ?? DEFAULT_LIMITS.maxRequestLine,
      maxHeaderBytes: limits?.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes,
      maxHeaderCount: limits?.maxHeaderCount ?? DEFAULT_LIMITS.maxHeaderCount,
      maxBodyBytes: limits?.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes
    };
  }
  /**
   * Appends bytes received from the client. The parser keeps a reference to `bytes` (body
   * {@link Data} are views of it), so the caller must not modify it afterwards. Bytes received
   * after an error are dropped.
   */
  receive(bytes2) {
    if (bytes2.length === 0 || this.#reading === "error") return;
    this.#buffer.append(bytes2);
  }
  /** How many received bytes are not consumed yet. */
  get buffered() {
    return this.#buffer.length;
  }
  /** Where the parser is; see {@link ParserState}. */
  get state() {
    switch (this.#reading) {
      case "request-line":
        return "idle";
      case "header-lines":
        return "headers";
      case "error":
        return "error";
      default:
        return "body";
    }
  }
  /**
   * The method of the request whose header section is being read, from the moment its
   * request-line is parsed until the {@link Request} event, and after an error thrown in that
   * header section; null otherwise (the caller has the `Request` while it reads the body). A
   * connection answering an error needs it: a response to HEAD has no body (RFC 9110 §9.3.2).
   */
  get method() {
    return this.#headMethod;
  }
  /**
   * Returns the next event, or {@link NEED_DATA}. After a thrown error the parser is dead and
   * every call throws it again.
   *
   * @throws {@link HttpError} subclasses only, each naming the status to answer with.
   * @see RFC 9112 §2.2, §3, §5, §6, §7
   */
  next() {
    if (this.#reading === "error") throw this.#error;
    try {
      return this.#nextEvent();
    } catch (err) {
      this.#reading = "error";
      this.#error = err;
      throw err;
    }
  }
  #nextEvent() {
    for (; ; ) {
      const message = this.#message;
      switch (this.#reading) {
        case "request-line": {
          const line = this.#readRequestLine();
          if (line === null) return NEED_DATA;
          this.#message = new Message(line);
          this.#headMethod = line.method;
          this.#reading = "header-lines";
          break;
        }
        case "header-lines": {
          if (!this.#readFieldLines(message, message.headers)) return NEED_DATA;
          const request = this.#endOfHead(message);
          this.#headMethod = null;
          return request;
        }
        case "length-body":
          return this.#readBodyBytes(message, "end");
        case "chunk-line":
          if (!this.#readChunkLine(message)) return NEED_DATA;
          break;
        case "chunk-data":
          return this.#readBodyBytes(message, "chunk-end");
        case "chunk-end":
          if (!this.#readChunkEnd()) return NEED_DATA;
          break;
        case "trailer-lines":
          if (!this.#readFieldLines(message, message.trailers)) return NEED_DATA;
          this.#reading = "end";
          break;
        case "end":
          this.#reading = "request-line";
          this.#message = null;
          return { type: "end", trailers: message.trailers };
        case "error":
          return NEED_DATA;
      }
    }
  }
  // -------------------------------------------------------------------------------------------
  // Request-line
  /**
   * Skips empty lines, then parses the request-line once its CRLF is here; null until then.
   *
   * ```abnf
   * HTTP-message = start-line CRLF *( field-line CRLF ) CRLF [ message-body ]   ; §2.1
   * ```
   *
   * @see RFC 9112 §2.2, §3
   */
  #readRequestLine() {
    const buffer = this.#buffer;
    const max = this.#limits.maxRequestLine;
    while (buffer.at(0) === CR && buffer.at(1) === LF) {
      buffer.take(2);
      this.#leadingEmpty += 2;
      if (this.#leadingEmpty > MAX_LEADING_EMPTY_BYTES) {
        throw new BadRequest("too many empty lines before the request-line");
      }
    }
    if (buffer.length === 0 || buffer.length === 1 && buffer.at(0) === CR) return null;
    const first = buffer.at(0);
    if (!isTchar(first)) {
      throw new BadRequest(first === LF ? "bare LF before the request-line" : "request-line must start with a method token");
    }
    const lf = buffer.indexOfLf();
    if (lf === -1) {
      const length = buffer.length - (buffer.at(buffer.length - 1) === CR ? 1 : 0);
      if (length > max) throw new UriTooLong(max);
      return null;
    }
    const crlf = buffer.endsWithCrlf(lf);
    if ((crlf ? lf - 1 : lf) > max) throw new UriTooLong(max);
    if (!crlf) throw new BadRequest("request-line must end with CRLF, not a bare LF");
    this.#leadingEmpty = 0;
    return parseRequestLine(buffer.takeLine(lf));
  }
  // -------------------------------------------------------------------------------------------
  // Field lines (the header section, and the trailer section of a chunked body)
  /**
   * Reads field lines into `into` up to and including the empty line that ends the section.
   * Returns false when more bytes are needed.
   *
   * ```abnf
   * field-line = field-name ":" OWS field-value OWS        ; §5
   * ```
   *
   * @see RFC 9112 §5, §7.1.2; RFC 6585 §5 (431)
   */
  #readFieldLines(message, into) {
    const buffer = this.#buffer;
    const { maxHeaderBytes, maxHeaderCount } = this.#limits;
    for (; ; ) {
      const lf = buffer.indexOfLf();
      if (lf === -1) {
        if (message.fieldBytes + buffer.length > maxHeaderBytes) throw this.#tooLarge();
        return false;
      }
      message.fieldBytes += lf + 1;
      if (message.fieldBytes > maxHeaderBytes) throw this.#tooLarge();
      if (!buffer.endsWithCrlf(lf)) {
        throw new BadRequest(lf === 0 ? "bare LF in field section" : "field line ends in a bare LF");
      }
      const line = buffer.takeLine(lf);
      if (line === "") return true;
      const field = parseFieldLine(line);
      if (++message.fieldCount > maxHeaderCount) {
        throw new HeaderFieldsTooLarge(`more than ${maxHeaderCount} field lines`);
      }
      if (into === message.headers) this.#noteHeader(message, field);
      into.push(field);
    }
  }
  #tooLarge() {
    return new HeaderFieldsTooLarge(`field lines longer than ${this.#limits.maxHeaderBytes} bytes`);
  }
  /**
   * Takes note of the header fields the parser acts on. Host and Content-Length are checked
   * here, on their own line; the others once the section is complete ({@link #endOfHead}).
   */
  #noteHeader(message, [name, value]) {
    switch (name) {
      case "host":
        if (++message.hostCount > 1) throw new BadRequest("more than one Host field");
        if (!isValidHost(value)) throw new BadRequest("invalid Host");
        break;
      case "content-length": {
        const length = parseContentLength(value);
        if (message.contentLength !== -1 && length !== message.contentLength) {
          throw new BadRequest("differing Content-Length values");
        }
        message.contentLength = length;
        break;
      }
      case "transfer-encoding":
        message.transferEncoding = message.transferEncoding === null ? value : `${message.transferEncoding},${value}`;
        break;
      case "connection": {
        const { close, keepAlive } = persistenceOptions(value);
        message.closeAsked ||= close;
        message.keepAliveAsked ||= keepAlive;
        break;
      }
      case "expect":
        message.expectContinue ||= expectsContinue(value);
        break;
    }
  }
  /**
   * The header section is complete: settle Host and framing, and make the event.
   *
   * @see RFC 9112 §3.2 (Host), §6.1 and §6.3 (framing); RFC 9110 §10.1.1
   */
  #endOfHead(message) {
    const { method, target, form, authority, version } = message.line;
    if (version === "1.1" && message.hostCount === 0) throw new BadRequest("missing Host field");
    let body;
    let contentLength = message.contentLength;
    if (message.transferEncoding !== null) {
      if (contentLength !== -1) throw new BadRequest("both Transfer-Encoding and Content-Length");
      if (version === "1.0") throw new BadRequest("Transfer-Encoding in an HTTP/1.0 request");
      checkTransferEncoding(message.transferEncoding);
      body = "chunked";
      this.#reading = "chunk-line";
    } else if (contentLength !== -1) {
      if (contentLength > this.#limits.maxBodyBytes) {
        throw new ContentTooLarge(`Content-Length larger than ${this.#limits.maxBodyBytes}`);
      }
      body = "length";
      message.remaining = contentLength;
      this.#reading = contentLength === 0 ? "end" : "length-body";
    } else {
      body = "none";
      contentLength = 0;
      this.#reading = "end";
    }
    return {
      type: "request",
      method,
      target,
      form,
      authority,
      version,
      headers: message.headers,
      connection: { close: message.closeAsked, keepAlive: message.keepAliveAsked },
      expectContinue: message.expectContinue && version === "1.1",
      body,
      contentLength
    };
  }
  // -------------------------------------------------------------------------------------------
  // Body
  /**
   * Up to `message.remaining` of the buffered bytes, as a Data event; then `after` is read.
   *
   * @see RFC 9112 §6.2 (Content-Length), §7.1 (chunk-data)
   */
  #readBodyBytes(message, after) {
    const buffer = this.#buffer;
    if (buffer.length === 0) return NEED_DATA;
    const chunk = buffer.take(Math.min(buffer.length, message.remaining));
    message.remaining -= chunk.length;
    if (message.remaining === 0) this.#reading = after;
    return { type: "data", chunk };
  }
  /**
   * Reads a chunk line once its LF is here. Returns false when more bytes are needed.
   *
   * ```abnf
   * chunked-body = *chunk last-chunk trailer-section CRLF   ; §7.1
   * chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
   * last-chunk   = 1*("0") [ chunk-ext ] CRLF
   * ```
   *
   * The line must end with CRLF, as every line of a request (see the top of this file).
   *
   * @see RFC 9112 §7.1
   */
  #readChunkLine(message) {
    const buffer = this.#buffer;
    const lf = buffer.indexOfLf();
    if (lf === -1) {
      if (buffer.length > MAX_CHUNK_LINE_BYTES) throw new BadRequest("chunk-size line too long");
      return false;
    }
    if (lf + 1 > MAX_CHUNK_LINE_BYTES) throw new BadRequest("chunk-size line too long");
    if (!buffer.endsWithCrlf(lf)) throw new BadRequest("chunk-size line must end with CRLF");
    const { size, extensionLength } = parseChunkLine(buffer.takeLine(lf));
    message.extensionBytes += extensionLength;
    if (message.extensionBytes > MAX_CHUNK_EXT_BYTES) {
      throw new ContentTooLarge(`chunk extensions longer than ${MAX_CHUNK_EXT_BYTES} bytes`);
    }
    if (size === 0) {
      this.#reading = "trailer-lines";
      return true;
    }
    if (size > this.#limits.maxBodyBytes - message.bodyBytes) {
      throw new ContentTooLarge(`body larger than ${this.#limits.maxBodyBytes} bytes`);
    }
    message.bodyBytes += size;
    message.remaining = size;
    this.#reading = "chunk-data";
    return true;
  }
  /**
   * Consumes the CRLF after a chunk's data. Each byte is judged as it arrives: anything but
   * CRLF is a 400 (§7.1).
   */
  #readChunkEnd() {
    const buffer = this.#buffer;
    if (buffer.length === 0) return false;
    if (buffer.at(0) !== CR) throw new BadRequest("chunk-data not followed by CRLF");
    if (buffer.length === 1) return false;
    if (buffer.at(1) !== LF) throw new BadRequest("chunk-data not followed by CRLF");
    buffer.take(2);
    this.#reading = "chunk-line";
    return true;
  }
};

// docs/playground/engine.ts
var MAX_INPUT_BYTES = 65536;
var MAX_STEPS = 2e4;
var LIMIT_NAMES = ["maxRequestLine", "maxHeaderBytes", "maxHeaderCount", "maxBodyBytes"];
function decodeEscapes(text) {
  if (text.length > MAX_INPUT_BYTES * 4 + 1e4) return { ok: false, error: `input too large: at most ${MAX_INPUT_BYTES} bytes` };
  const out = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n" || c === "\r") continue;
    if (c !== "\\") {
      const code = c.charCodeAt(0);
      if (code < 128) out.push(code);
      else {
        const ch = code >= 55296 && code < 56320 && i + 1 < text.length ? text.slice(i, ++i + 1) : c;
        out.push(...encoder.encode(ch));
      }
    } else {
      const e = text[i + 1];
      const simple = { r: 13, n: 10, t: 9, "0": 0, "\\": 92 };
      if (e !== void 0 && e in simple) {
        out.push(simple[e]);
        i++;
      } else if (e === "x" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
        out.push(parseInt(text.slice(i + 2, i + 4), 16));
        i += 3;
      } else {
        const shown = e === void 0 ? "\\ at the end" : e === "x" ? `\\x${text.slice(i + 2, i + 4)}` : `\\${e}`;
        return { ok: false, error: `invalid escape ${shown} at character ${i + 1}: use \\r \\n \\t \\0 \\\\ or \\xNN (two hex digits)` };
      }
    }
    if (out.length > MAX_INPUT_BYTES) return { ok: false, error: `input too large: at most ${MAX_INPUT_BYTES} bytes` };
  }
  return { ok: true, bytes: Uint8Array.from(out) };
}
function escapeByte(b) {
  if (b === 13) return "\\r";
  if (b === 10) return "\\n";
  if (b === 9) return "\\t";
  if (b === 92) return "\\\\";
  if (b >= 32 && b < 127) return String.fromCharCode(b);
  return `\\x${b.toString(16).padStart(2, "0")}`;
}
function encodeEscapes(bytes2) {
  let s = "";
  for (let i = 0; i < bytes2.length; i++) s += escapeByte(bytes2[i]);
  return s;
}
function readsOf(length, split, cuts = []) {
  if (length === 0) return [];
  if (split === "bytes") return Array.from({ length }, (_, i) => [i, i + 1]);
  const points = split === "cuts" ? [...new Set(cuts)].filter((c) => Number.isInteger(c) && c > 0 && c < length).sort((a, b) => a - b) : [];
  const edges = [0, ...points, length];
  return edges.slice(1).map((to, i) => [edges[i], to]);
}
var RULES = [
  { message: "too many empty lines before the request-line", section: "RFC 9112 §2.2", says: "ignore at least one empty line before a request-line (not without bound)" },
  { message: "bare LF before the request-line", section: "RFC 9112 §2.2", says: "a request starts with a request-line; this parser accepts no bare LF" },
  { message: "request-line must start with a method token", section: "RFC 9112 §3", says: "request-line = method SP request-target SP HTTP-version" },
  { message: "request-line longer than", section: "RFC 9112 §3", says: "a request-target longer than the server will parse gets 414" },
  { message: "request-line must end with CRLF", section: "RFC 9112 §2.2", says: "lines end with CRLF; a bare LF may be accepted, this parser refuses it" },
  { message: "bare LF in field section", section: "RFC 9112 §2.2", says: "lines end with CRLF; a bare LF may be accepted, this parser refuses it" },
  { message: "field line ends in a bare LF", section: "RFC 9112 §2.2", says: "lines end with CRLF; a bare LF may be accepted, this parser refuses it" },
  { message: "more than", section: "RFC 6585 §5", says: "a header section larger than the server will process gets 431" },
  { message: "field lines longer than", section: "RFC 6585 §5", says: "a header section larger than the server will process gets 431" },
  { message: "more than one Host field", section: "RFC 9112 §3.2", says: "a request with more than one Host field gets 400" },
  { message: "invalid Host", section: "RFC 9112 §3.2", says: "a request with an invalid Host field value gets 400" },
  { message: "missing Host field", section: "RFC 9112 §3.2", says: "an HTTP/1.1 request without a Host field gets 400" },
  { message: "differing Content-Length values", section: "RFC 9112 §6.3", says: "item 5: differing Content-Length values make the framing invalid: 400" },
  { message: "Content-Length must be 1*DIGIT", section: "RFC 9112 §6.3", says: "item 5: an invalid Content-Length makes the framing invalid: 400" },
  { message: "Content-Length too long", section: "RFC 9112 §6.3", says: "item 5: an invalid Content-Length (here, over 15 digits) gets 400" },
  { message: "both Transfer-Encoding and Content-Length", section: "RFC 9112 §6.3", says: "item 3: both fields may be an attempt at request smuggling" },
  { message: "Transfer-Encoding in an HTTP/1.0 request", section: "RFC 9112 §6.1", says: "HTTP/1.0 has no transfer codings: the framing is faulty" },
  { message: "malformed Transfer-Encoding", section: "RFC 9112 §6.1", says: "Transfer-Encoding = #transfer-coding" },
  { message: "chunked must be the final transfer coding", section: "RFC 9112 §6.3", says: "item 4: chunked not final in a request: 400" },
  { message: "chunked applied more than once", section: "RFC 9112 §6.1", says: "a sender must not apply chunked more than once" },
  { message: "transfer coding not implemented", section: "RFC 9112 §6.1", says: "a transfer coding the server does not understand gets 501" },
  { message: "Content-Length larger than", section: "RFC 9110 §15.5.14", says: "content larger than the server will process gets 413" },
  { message: "body larger than", section: "RFC 9110 §15.5.14", says: "content larger than the server will process gets 413" },
  { message: "chunk extensions longer than", section: "RFC 9112 §7.1.1", says: "a server limits the chunk extensions it accepts (413, as node:http)" },
  { message: "chunk-size line too long", section: "RFC 9112 §7.1", says: "chunk = chunk-size [ chunk-ext ] CRLF …, bounded here" },
  { message: "chunk-size line must end with CRLF", section: "RFC 9112 §7.1", says: "chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF" },
  { message: "chunk-data not followed by CRLF", section: "RFC 9112 §7.1", says: "chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF" },
  { message: "chunk-size must be hexadecimal", section: "RFC 9112 §7.1", says: "chunk-size = 1*HEXDIG" },
  { message: "chunk-size too large", section: "RFC 9112 §7.1", says: "a recipient must anticipate large chunk sizes and prevent overflow" },
  { message: "malformed chunk-size line", section: "RFC 9112 §7.1", says: "chunk = chunk-size [ chunk-ext ] CRLF" },
  { message: "malformed chunk extension", section: "RFC 9112 §7.1.1", says: 'chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )' },
  { message: "malformed quoted-string in chunk extension", section: "RFC 9110 §5.6.4", says: "quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE" },
  { message: "obs-fold or whitespace before a field line", section: "RFC 9112 §5.2", says: "a server must reject obs-fold (line folding) with 400, or replace it" },
  { message: "whitespace between field name and colon", section: "RFC 9112 §5.1", says: "no whitespace between field name and colon: a server must reject it with 400" },
  { message: "invalid character in field name", section: "RFC 9110 §5.1", says: "field-name = token" },
  { message: "bare CR in field value", section: "RFC 9110 §5.5", says: "a CR, LF or NUL in a field value is invalid" },
  { message: "invalid character in field value", section: "RFC 9110 §5.5", says: "field-value = *field-content; no CR, LF, NUL or other controls" },
  { message: "asterisk-form is only for OPTIONS", section: "RFC 9112 §3.2.4", says: "asterisk-form is used only for a server-wide OPTIONS request" },
  { message: "absolute-form target without a host", section: "RFC 9112 §3.2.2", says: "absolute-form = absolute-URI, with a host" },
  { message: "invalid authority in absolute-form target", section: "RFC 9112 §3.2.2", says: "absolute-form = absolute-URI, with a valid authority" },
  { message: "request-target must be origin-form", section: "RFC 9112 §3.2", says: "request-target = origin-form / absolute-form / authority-form / asterisk-form" },
  { message: "malformed percent-encoding in request-target", section: "RFC 3986 §2.1", says: 'pct-encoded = "%" HEXDIG HEXDIG' },
  { message: "invalid character in method", section: "RFC 9112 §3", says: "method = token, then one SP" },
  { message: "invalid character in request-target", section: "RFC 9112 §3", says: "no whitespace or control inside the request-target" },
  { message: "empty request-target", section: "RFC 9112 §3", says: "request-line = method SP request-target SP HTTP-version" },
  { message: "missing HTTP-version", section: "RFC 9112 §3", says: "request-line = method SP request-target SP HTTP-version" },
  { message: "method not implemented", section: "RFC 9110 §9.1", says: "a method the server does not implement gets 501" },
  { message: "malformed HTTP-version", section: "RFC 9112 §2.3", says: 'HTTP-version = "HTTP" "/" DIGIT "." DIGIT' },
  { message: "HTTP version not supported", section: "RFC 9110 §15.6.6", says: "a major version the server does not support gets 505" }
];
function ruleFor(message) {
  let best;
  for (const r of RULES) if (message.startsWith(r.message) && (best === void 0 || r.message.length > best.message.length)) best = r;
  return best;
}
function runParser(bytes2, reads, limits = {}, maxSteps = MAX_STEPS) {
  const parser = new RequestParser(limits);
  const steps2 = [];
  let received = 0;
  const consumed = () => received - parser.buffered;
  for (const [index, [from, to]] of reads.entries()) {
    if (steps2.length >= maxSteps) return { steps: steps2, truncated: true };
    steps2.push({ kind: "read", index, count: reads.length, from, to });
    parser.receive(Buffer.from(bytes2.subarray(from, to)));
    received += to - from;
    for (; ; ) {
      if (steps2.length >= maxSteps) return { steps: steps2, truncated: true };
      const before = consumed();
      let event;
      try {
        event = parser.next();
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        const rule = ruleFor(err.message);
        steps2.push({
          kind: "error",
          status: err.status,
          code: err.code,
          message: err.message,
          section: rule?.section ?? "no rule listed",
          says: rule?.says ?? "",
          from: before,
          to: received
        });
        return { steps: steps2, truncated: false };
      }
      const at = { from: before, to: consumed() };
      if (event === NEED_DATA) {
        steps2.push({ kind: "need-data", state: parser.state, buffered: parser.buffered, ...at });
        break;
      }
      if (event.type === "request") {
        const { method, target, form, version, headers, expectContinue, body, contentLength } = event;
        const asked = [event.connection.close && "close", event.connection.keepAlive && "keep-alive"].filter(Boolean).join(", ") || "none";
        steps2.push({ kind: "request", method, target, form, version, headers: headers.map(([n, v]) => [n, v]), connection: asked, expectContinue, body, contentLength, ...at });
      } else if (event.type === "data") {
        steps2.push({ kind: "data", length: event.chunk.length, text: encodeEscapes(event.chunk), ...at });
      } else {
        steps2.push({ kind: "end", trailers: event.trailers.map(([n, v]) => [n, v]), ...at });
      }
    }
  }
  return { steps: steps2, truncated: false };
}
var PRESETS = [
  { id: "get", label: "GET with header fields", input: "GET /hello?name=world HTTP/1.1\\r\\n\nHost: localhost:8000\\r\\n\nUser-Agent: curl/8.5.0\\r\\n\nAccept: */*\\r\\n\n\\r\\n" },
  {
    id: "post-length",
    label: "POST by Content-Length",
    input: "POST /echo HTTP/1.1\\r\\n\nHost: localhost\\r\\n\nContent-Type: text/plain\\r\\n\nContent-Length: 11\\r\\n\n\\r\\n\nhello world"
  },
  {
    id: "chunked",
    label: "Chunked, with a trailer",
    input: "POST /upload HTTP/1.1\\r\\n\nHost: localhost\\r\\n\nTransfer-Encoding: chunked\\r\\n\nTrailer: Digest\\r\\n\n\\r\\n\n5\\r\\n\nhello\\r\\n\n6;lang=en\\r\\n\n world\\r\\n\n0\\r\\n\nDigest: sha-256=abc\\r\\n\n\\r\\n"
  },
  {
    id: "pipelined",
    label: "Two pipelined requests",
    input: "GET /one HTTP/1.1\\r\\n\nHost: localhost\\r\\n\n\\r\\n\nGET /two HTTP/1.1\\r\\n\nHost: localhost\\r\\n\nConnection: close\\r\\n\n\\r\\n"
  },
  {
    id: "cl-te",
    label: "Refused: Content-Length and Transfer-Encoding",
    input: "POST / HTTP/1.1\\r\\n\nHost: localhost\\r\\n\nContent-Length: 5\\r\\n\nTransfer-Encoding: chunked\\r\\n\n\\r\\n\n0\\r\\n\n\\r\\n"
  },
  {
    id: "two-cl",
    label: "Refused: two different Content-Lengths",
    input: "POST / HTTP/1.1\\r\\n\nHost: localhost\\r\\n\nContent-Length: 5\\r\\n\nContent-Length: 6\\r\\n\n\\r\\n\nhello!"
  },
  { id: "bare-lf", label: "Refused: a bare LF", input: "GET / HTTP/1.1\\r\\n\nHost: localhost\\n\nAccept: */*\\r\\n\n\\r\\n" },
  { id: "obs-fold", label: "Refused: obs-fold", input: "GET / HTTP/1.1\\r\\n\nHost: localhost\\r\\n\nX-Note: first part\\r\\n\n  continued\\r\\n\n\\r\\n" },
  { id: "space-colon", label: "Refused: whitespace before a colon", input: "GET / HTTP/1.1\\r\\n\nHost : localhost\\r\\n\n\\r\\n" },
  {
    id: "long-line",
    label: "Refused: a request-line over the limit (32 bytes here)",
    input: "GET /a/rather/long/path/to/somewhere HTTP/1.1\\r\\n\nHost: localhost\\r\\n\n\\r\\n",
    limits: { maxRequestLine: 32 }
  }
];

// docs/playground/page.ts
var MAX_LIMIT = 2 ** 31 - 1;
var $ = (id) => document.getElementById(id);
var el = (tag, props = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};
function parseCuts(text) {
  const parts = text.split(/[\s,]+/).filter((p) => p !== "");
  const bad = parts.find((p) => !/^\d{1,7}$/.test(p));
  if (bad !== void 0) return `cut point '${bad.slice(0, 20)}' is not a byte offset: write whole numbers, such as 10, 24`;
  return parts.map(Number);
}
function stateFromHash(hash) {
  const q = new URLSearchParams(hash.replace(/^#/, ""));
  const first = PRESETS[0];
  const split = q.get("reads");
  const cuts = parseCuts(q.get("cuts") ?? "");
  const limits = {};
  for (const name of LIMIT_NAMES) {
    const v = q.get(name);
    if (v !== null && /^\d{1,10}$/.test(v)) limits[name] = Number(v);
  }
  return {
    input: q.get("in") ?? first.input,
    split: split === "bytes" || split === "cuts" ? split : "one",
    cuts: typeof cuts === "string" ? [] : cuts,
    limits: q.has("in") ? limits : { ...first.limits },
    step: Math.max(0, Number(q.get("step") ?? "1") - 1) || 0
  };
}
function hashOf(s) {
  const q = new URLSearchParams();
  q.set("in", s.input);
  q.set("reads", s.split);
  if (s.split === "cuts" && s.cuts.length) q.set("cuts", s.cuts.join(","));
  for (const name of LIMIT_NAMES) if (s.limits[name] !== void 0) q.set(name, String(s.limits[name]));
  q.set("step", String(s.step + 1));
  return "#" + q.toString();
}
var KIND_LABEL = { read: "read", request: "request", data: "data", end: "end", "need-data": "need-data", error: "error" };
function summary(s) {
  switch (s.kind) {
    case "read":
      return `read ${s.index + 1} of ${s.count}: ${s.to - s.from === 1 ? `byte ${s.from}` : `bytes ${s.from}–${s.to - 1}`}`;
    case "request":
      return `${s.method} ${s.target} HTTP/${s.version} · ${s.headers.length} field${s.headers.length === 1 ? "" : "s"} · body: ${s.body}${s.body === "length" ? ` ${s.contentLength}` : ""}`;
    case "data":
      return `${s.length} byte${s.length === 1 ? "" : "s"}: ${s.text.length > 60 ? s.text.slice(0, 60) + "…" : s.text}`;
    case "end":
      return `end of message · ${s.trailers.length ? `${s.trailers.length} trailer field${s.trailers.length === 1 ? "" : "s"}` : "no trailers"}`;
    case "need-data":
      return `state ${s.state}, ${s.buffered} byte${s.buffered === 1 ? "" : "s"} buffered`;
    case "error":
      return `${s.status} · ${s.message} · ${s.section}`;
  }
}
function fieldTable(fields, empty) {
  if (fields.length === 0) return el("p", { className: "pg-muted" }, empty);
  const body = el("tbody", {}, ...fields.map(([n, v]) => el("tr", {}, el("td", {}, el("code", {}, n)), el("td", {}, el("code", {}, v)))));
  return el("table", { className: "pg-fields" }, el("thead", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "value"))), body);
}
function facts(rows) {
  return el("dl", { className: "pg-facts" }, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, el("code", {}, v))]));
}
function detail(s) {
  const title = el("h3", {}, s.kind === "end" ? "end of message" : KIND_LABEL[s.kind]);
  switch (s.kind) {
    case "read":
      return [title, el("p", {}, `One socket read: the connection hands the parser ${s.to - s.from === 1 ? `byte ${s.from}` : `bytes ${s.from} to ${s.to - 1}`} (receive), then calls next() until it answers need-data.`)];
    case "request":
      return [
        title,
        facts([
          ["method", s.method],
          ["target", s.target],
          ["form", s.form],
          ["version", s.version],
          ["connection", s.connection],
          ["expectContinue", String(s.expectContinue)],
          ["body", s.body],
          ["contentLength", String(s.contentLength)]
        ]),
        fieldTable(s.headers, "No header fields.")
      ];
    case "data":
      return [title, el("p", {}, `${s.length} byte${s.length === 1 ? "" : "s"} of the body, after chunked decoding:`), el("pre", {}, el("code", {}, s.text))];
    case "end":
      return [title, fieldTable(s.trailers, "No trailer fields.")];
    case "need-data":
      return [title, el("p", {}, `The bytes so far finish no event: the parser waits for the next read (state ${s.state}, ${s.buffered} byte${s.buffered === 1 ? "" : "s"} buffered).`)];
    case "error":
      return [
        title,
        facts([
          ["status", String(s.status)],
          ["code", s.code],
          ["message", s.message]
        ]),
        el("p", { className: "pg-rule" }, el("strong", {}, s.section), s.says ? ` — ${s.says}` : ""),
        el("p", { className: "pg-muted" }, "The connection answers with this status and Connection: close, and reads nothing more.")
      ];
  }
}
var state;
var steps = [];
var bytes = new Uint8Array(0);
var cutsAt = /* @__PURE__ */ new Set();
var BYTE_WINDOW = 4096;
var STEP_WINDOW = 400;
var byteWindow = [0, 0];
var byteSpans = [];
var stepWindow = [0, 0];
function showMessage(text) {
  const m = $("pg-message");
  m.hidden = text === null;
  m.textContent = text ?? "";
}
function limitsProblem() {
  for (const name of LIMIT_NAMES) {
    const input = $(`pg-${name}`);
    const v = input.value.trim();
    if (v === "") continue;
    if (!/^\d{1,10}$/.test(v) || Number(v) < 1 || Number(v) > MAX_LIMIT) return `${name} must be a whole number from 1 to ${MAX_LIMIT}`;
  }
  return null;
}
function rerun() {
  const decoded = decodeEscapes(state.input);
  const problem = decoded.ok ? limitsProblem() : decoded.error;
  byteWindow = stepWindow = [0, 0];
  if (!decoded.ok || problem !== null) {
    showMessage(problem);
    steps = [];
    bytes = new Uint8Array(0);
    $("pg-steps").replaceChildren();
    $("pg-bytes").replaceChildren();
    $("pg-detail").replaceChildren();
    updatePosition();
    writeHash();
    return;
  }
  bytes = decoded.bytes;
  const reads = readsOf(bytes.length, state.split, state.cuts);
  const run = runParser(bytes, reads, state.limits, MAX_STEPS);
  steps = run.steps;
  cutsAt = new Set(state.split === "cuts" ? reads.slice(1).map(([from]) => from) : []);
  showMessage(
    bytes.length === 0 ? "No bytes yet: type some, or pick a preset." : run.truncated ? `Stopped after ${MAX_STEPS} steps (${bytes.length} bytes): cut the bytes into fewer reads to see the rest.` : null
  );
  state.step = Math.min(state.step, Math.max(0, steps.length - 1));
  if (steps.length === 0) {
    $("pg-steps").replaceChildren();
    $("pg-bytes").replaceChildren();
    $("pg-detail").replaceChildren();
  }
  showStep();
}
function updatePosition() {
  const n = steps.length;
  $("pg-position").textContent = n === 0 ? "no steps" : `step ${state.step + 1} of ${n}`;
  $("pg-prev").disabled = $("pg-first").disabled = state.step <= 0;
  $("pg-next").disabled = $("pg-last").disabled = state.step >= n - 1;
}
function drawBytes(from, to) {
  const nodes = [];
  if (from > 0) nodes.push(el("div", { className: "pg-more" }, `… bytes 0–${from - 1} not shown`));
  byteSpans = [];
  for (let i = from; i < to; i++) {
    const b = bytes[i];
    const span = el("span", { className: cutsAt.has(i) ? "cut" : "", textContent: escapeByte(b), title: `byte ${i}: 0x${b.toString(16).padStart(2, "0")}` });
    span.dataset["offset"] = String(i);
    byteSpans.push(span);
    nodes.push(span);
    if (b === 10) nodes.push(el("br"));
  }
  if (to < bytes.length) nodes.push(el("div", { className: "pg-more" }, `… bytes ${to}–${bytes.length - 1} not shown`));
  $("pg-bytes").replaceChildren(...nodes);
  byteWindow = [from, to];
}
function drawSteps(from, to) {
  const items = [];
  if (from > 0) items.push(el("li", { className: "pg-more" }, `… ${from} earlier step${from === 1 ? "" : "s"}`));
  for (let i = from; i < to; i++) {
    const s = steps[i];
    const li = el("li", { className: `pg-step pg-${s.kind}` }, el("span", { className: "pg-kind" }, KIND_LABEL[s.kind]), " ", el("span", { className: "pg-summary" }, summary(s)));
    li.dataset["kind"] = s.kind;
    li.dataset["index"] = String(i);
    items.push(li);
  }
  if (to < steps.length) items.push(el("li", { className: "pg-more" }, `… ${steps.length - to} later step${steps.length - to === 1 ? "" : "s"}`));
  $("pg-steps").replaceChildren(...items);
  stepWindow = [from, to];
}
function showStep() {
  updatePosition();
  writeHash();
  const at = state.step;
  const s = steps[at];
  if (s === void 0) return;
  if (at < stepWindow[0] || at >= stepWindow[1]) {
    const from = Math.max(0, Math.min(at - STEP_WINDOW / 4, steps.length - STEP_WINDOW));
    drawSteps(from, Math.min(steps.length, from + STEP_WINDOW));
  }
  const pane = $("pg-steps");
  pane.querySelector("[aria-current]")?.removeAttribute("aria-current");
  const li = pane.querySelector(`li[data-index="${at}"]`);
  li.setAttribute("aria-current", "step");
  if (li.offsetTop < pane.scrollTop) pane.scrollTop = li.offsetTop;
  else if (li.offsetTop + li.offsetHeight > pane.scrollTop + pane.clientHeight) pane.scrollTop = li.offsetTop + li.offsetHeight - pane.clientHeight;
  let received = 0;
  for (let i = at; i >= 0; i--) {
    const r = steps[i];
    if (r.kind === "read") {
      received = r.to;
      break;
    }
  }
  const anchor = Math.min(s.from, Math.max(0, bytes.length - 1));
  if (anchor < byteWindow[0] || anchor >= byteWindow[1]) {
    const from = Math.max(0, Math.min(anchor - BYTE_WINDOW / 4, bytes.length - BYTE_WINDOW));
    drawBytes(from, Math.min(bytes.length, from + BYTE_WINDOW));
  }
  const cls = s.kind === "read" ? "pg-read" : s.kind === "error" ? "pg-bad" : "pg-cur";
  for (const [k, span] of byteSpans.entries()) {
    const i = byteWindow[0] + k;
    span.classList.toggle("pg-future", i >= received);
    span.classList.toggle("pg-read", cls === "pg-read" && i >= s.from && i < s.to);
    span.classList.toggle("pg-cur", cls === "pg-cur" && i >= s.from && i < s.to);
    span.classList.toggle("pg-bad", cls === "pg-bad" && i >= s.from && i < s.to);
  }
  $("pg-detail").replaceChildren(...detail(s));
}
function go(step) {
  if (steps.length === 0) return;
  state.step = Math.min(Math.max(step, 0), steps.length - 1);
  showStep();
}
var lastHash = "";
function writeHash() {
  lastHash = hashOf(state);
  if (location.hash !== lastHash) history.replaceState(null, "", lastHash);
}
function fillControls() {
  $("pg-input").value = state.input;
  for (const r of document.querySelectorAll('input[name="pg-split"]')) r.checked = r.value === state.split;
  $("pg-cuts").value = state.cuts.join(", ");
  for (const name of LIMIT_NAMES) $(`pg-${name}`).value = state.limits[name] === void 0 ? "" : String(state.limits[name]);
  const preset = PRESETS.find((p) => p.input === state.input);
  $("pg-preset").value = preset?.id ?? "";
}
function readLimits() {
  const limits = {};
  for (const name of LIMIT_NAMES) {
    const v = $(`pg-${name}`).value.trim();
    if (/^\d{1,10}$/.test(v) && Number(v) >= 1 && Number(v) <= MAX_LIMIT) limits[name] = Number(v);
  }
  state.limits = limits;
}
function setup() {
  const select = $("pg-preset");
  select.append(el("option", { value: "", textContent: "your own bytes" }), ...PRESETS.map((p) => el("option", { value: p.id, textContent: p.label })));
  $("pg-limits").append(
    ...LIMIT_NAMES.map(
      (name) => el("label", {}, el("code", {}, name), el("input", { id: `pg-${name}`, type: "text", inputMode: "numeric", placeholder: `${DEFAULT_LIMITS[name]} (default)` }))
    )
  );
  $("pg-rules").append(...RULES.map((r) => el("tr", {}, el("td", {}, el("code", {}, r.message)), el("td", {}, r.section), el("td", {}, r.says))));
  $("pg-input").maxLength = MAX_INPUT_BYTES * 4 + 1e4;
  state = stateFromHash(location.hash);
  fillControls();
  rerun();
  select.addEventListener("change", () => {
    const preset = PRESETS.find((p) => p.id === select.value);
    if (preset === void 0) return;
    state = { ...state, input: preset.input, cuts: [], limits: { ...preset.limits }, step: 0 };
    fillControls();
    rerun();
  });
  let timer;
  $("pg-input").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.input = $("pg-input").value;
      state.step = 0;
      select.value = PRESETS.find((p) => p.input === state.input)?.id ?? "";
      rerun();
    }, 150);
  });
  for (const r of document.querySelectorAll('input[name="pg-split"]')) {
    r.addEventListener("change", () => {
      state.split = r.value;
      state.step = 0;
      rerun();
    });
  }
  $("pg-cuts").addEventListener("change", () => {
    const cuts = parseCuts($("pg-cuts").value);
    if (typeof cuts === "string") return showMessage(cuts);
    state.cuts = cuts;
    state.split = "cuts";
    state.step = 0;
    fillControls();
    rerun();
  });
  $("pg-limits").addEventListener("change", () => {
    readLimits();
    state.step = 0;
    rerun();
  });
  $("pg-bytes").addEventListener("click", (e) => {
    const offset = Number(e.target.dataset["offset"]);
    if (!Number.isInteger(offset) || offset === 0) return;
    const cuts = state.split === "cuts" ? state.cuts : [];
    state.cuts = cuts.includes(offset) ? cuts.filter((c) => c !== offset) : [...cuts, offset].sort((a, b) => a - b);
    state.split = "cuts";
    state.step = 0;
    fillControls();
    rerun();
  });
  $("pg-steps").addEventListener("click", (e) => {
    const li = e.target.closest("li[data-index]");
    if (li) go(Number(li.dataset["index"]));
  });
  $("pg-first").addEventListener("click", () => go(0));
  $("pg-prev").addEventListener("click", () => go(state.step - 1));
  $("pg-next").addEventListener("click", () => go(state.step + 1));
  $("pg-last").addEventListener("click", () => go(steps.length - 1));
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea, select") || e.altKey || e.ctrlKey || e.metaKey) return;
    const to = { ArrowRight: state.step + 1, ArrowLeft: state.step - 1, Home: 0, End: steps.length - 1 }[e.key];
    if (to === void 0) return;
    e.preventDefault();
    go(to);
  });
  window.addEventListener("hashchange", () => {
    if (location.hash === lastHash) return;
    state = stateFromHash(location.hash);
    fillControls();
    rerun();
  });
  document.documentElement.dataset["playground"] = "ready";
}
globalThis.nibiruPlayground = { decodeEscapes, readsOf, runParser, PRESETS };
setup();
