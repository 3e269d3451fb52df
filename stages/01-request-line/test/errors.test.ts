/**
 * Unit tests of errors.ts: every error carries a stable code, and every protocol error the
 * status it is answered with.
 */

import { describe, expect, it } from 'vitest';
import {
  AppLoadError,
  BadRequest,
  HttpError,
  ListenError,
  NibiruError,
  NotImplemented,
  ResponseError,
  UriTooLong,
  UsageError,
  VersionNotSupported,
} from '../src/errors.ts';

describe('errors', () => {
  it('RFC 9110 §15: every protocol error class carries its status and a stable code', () => {
    const cases: [HttpError, number, string][] = [
      [new BadRequest('x'), 400, 'NIB_ERR_BAD_REQUEST'],
      [new UriTooLong(10), 414, 'NIB_ERR_URI_TOO_LONG'],
      [new NotImplemented('x'), 501, 'NIB_ERR_NOT_IMPLEMENTED'],
      [new VersionNotSupported('HTTP/2.0'), 505, 'NIB_ERR_VERSION_NOT_SUPPORTED'],
    ];
    for (const [err, status, code] of cases) {
      expect(err).toBeInstanceOf(HttpError);
      expect(err).toBeInstanceOf(NibiruError);
      expect(err).toBeInstanceOf(Error);
      expect(err.status).toBe(status);
      expect(err.code).toBe(code);
      expect(err.name).toBe(err.constructor.name);
    }
  });

  it("the server's own errors carry a stable code and no status", () => {
    const cases: [NibiruError, string][] = [
      [new ResponseError('x'), 'NIB_ERR_INVALID_RESPONSE'],
      [new UsageError('x'), 'NIB_ERR_USAGE'],
      [new AppLoadError('x'), 'NIB_ERR_APP_LOAD'],
      [new ListenError('x'), 'NIB_ERR_LISTEN'],
    ];
    for (const [err, code] of cases) {
      expect(err).toBeInstanceOf(NibiruError);
      expect(err).not.toBeInstanceOf(HttpError);
      expect(err.code).toBe(code);
      expect(err.name).toBe(err.constructor.name);
      expect(err.message).toBe('x');
    }
  });
});
