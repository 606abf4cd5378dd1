/**
 * Turns anything thrown while serving a request into a catalog error. Fastify's own
 * errors (body parsing, limits) are mapped here, in one place, so every route answers the
 * same JSON error shape; anything unknown is a bug and becomes `internal`.
 */
import { RestMQError, isRestMQError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'message_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'missing_value',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_BAD_URL: 'bad_request',
  // Every path parameter is a queue name, so one past the router's length limit is a bad name.
  FST_ERR_MAX_PARAM_LENGTH: 'invalid_queue_name',
};

/** The catalog error for `err`. */
export function toRestMQError(err: unknown): RestMQError {
  if (isRestMQError(err)) return err;
  if (typeof err === 'object' && err !== null) {
    const { code, statusCode, message } = err as { code?: unknown; statusCode?: unknown; message?: unknown };
    const mapped = typeof code === 'string' ? FASTIFY_CODES[code] : undefined;
    if (mapped !== undefined) return new RestMQError(mapped, undefined, { cause: err });
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return new RestMQError('bad_request', typeof message === 'string' ? message : undefined, { cause: err });
    }
  }
  return new RestMQError('internal', undefined, { cause: err });
}
