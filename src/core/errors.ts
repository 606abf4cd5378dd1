/**
 * The one catalog of errors RestMQ can answer. Transports map a {@link RestMQError} to
 * their own framing (HTTP status + JSON body, a WebSocket frame, a stream's closing
 * reason) and never invent codes of their own; docs/api.md lists the same table and a
 * test keeps the two in step.
 */

/** Every error code, with the HTTP status it maps to and its default message. */
export const ERROR_CATALOG = {
  invalid_queue_name: { status: 400, message: 'queue name must be 1-128 characters from A-Z a-z 0-9 _ - . : @' },
  invalid_key: { status: 400, message: 'key must look like <queue>:<n> with n a positive integer' },
  missing_value: { status: 400, message: 'a value is required (form field value or msg, or a request body)' },
  message_too_large: { status: 413, message: 'message is larger than the configured maximum' },
  invalid_ttl: { status: 400, message: 'ttl must be a whole number of seconds between 1 and 31536000' },
  invalid_policy: { status: 400, message: 'policy must be broadcast or roundrobin' },
  invalid_status: { status: 400, message: 'invalid status: use start or stop' },
  invalid_callback: { status: 400, message: 'callback must be a JavaScript identifier path of at most 128 characters' },
  invalid_parameter: { status: 400, message: 'a parameter has an invalid value' },
  malformed_json: { status: 400, message: 'Malformed JSON' },
  unknown_command: { status: 400, message: 'null resultset' },
  unsupported_media_type: { status: 415, message: 'content type is not supported here' },
  bad_request: { status: 400, message: 'the request could not be understood' },
  invalid_heartbeat: { status: 400, message: 'heartbeat must be a whole number of seconds between 1 and 300' },
  invalid_since: { status: 400, message: 'since (or Last-Event-ID) must be a key <queue>:<n> of this queue' },
  queue_empty: { status: 404, message: 'empty queue' },
  queue_purged: { status: 410, message: 'the queue was purged; this stream is closed' },
  slow_consumer: { status: 429, message: 'this consumer did not read fast enough; its send buffer is full' },
  not_found: { status: 404, message: 'no such route' },
  store_unavailable: { status: 503, message: 'the store cannot be reached' },
  shutting_down: { status: 503, message: 'the server is shutting down' },
  internal: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A code from {@link ERROR_CATALOG}. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** A domain error carrying a catalog code; the only error type transports render as-is. */
export class RestMQError extends Error {
  /** The catalog code, stable across releases: clients branch on it. */
  readonly code: ErrorCode;
  /** The HTTP status the catalog gives this code. */
  readonly status: number;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERROR_CATALOG[code].message, options);
    this.name = 'RestMQError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
  }
}

/** True when `err` is a catalog error (and not a bug or a driver failure). */
export function isRestMQError(err: unknown): err is RestMQError {
  return err instanceof RestMQError;
}
