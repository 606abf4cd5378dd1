/**
 * The one catalog of errors RestMQ can answer. Transports map a {@link RestMQError} to
 * their own framing (HTTP status + JSON body, a WebSocket frame, a stream's closing
 * reason) and never invent codes of their own; docs/api.md lists the same table and a
 * test keeps the two in step. Messages that state a limit are built from the constant the
 * check uses (./limits.ts), so the two cannot drift.
 */
import { MAX_JSON_DEPTH } from './json-depth.js';
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_ENTRIES,
  MAX_CALLBACK_LENGTH,
  MAX_DEDUP_ID_LENGTH,
  MAX_DELAY_SECONDS,
  MAX_GROUP_ID_LENGTH,
  MAX_HEARTBEAT_SECONDS,
  MAX_LEASE_SECONDS,
  MAX_QUEUE_NAME_LENGTH,
  MAX_RECEIVE_COUNT,
  MAX_REDRIVE_COUNT,
  MAX_TTL_SECONDS,
  MAX_WAIT_SECONDS,
  RECEIPT_LENGTH,
} from './limits.js';

/** Every error code, with the HTTP status it maps to and its default message. */
export const ERROR_CATALOG = {
  invalid_queue_name: { status: 400, message: `queue name must be 1-${MAX_QUEUE_NAME_LENGTH} characters from A-Z a-z 0-9 _ - . : @` },
  invalid_key: { status: 400, message: 'key must look like <queue>:<n> with n a positive integer' },
  missing_value: { status: 400, message: 'a value is required (form field value or msg, or a request body)' },
  message_too_large: { status: 413, message: 'message is larger than the configured maximum' },
  invalid_ttl: { status: 400, message: `ttl must be a whole number of seconds between 1 and ${MAX_TTL_SECONDS}` },
  invalid_policy: { status: 400, message: 'policy must be broadcast or roundrobin' },
  invalid_status: { status: 400, message: 'invalid status: use start or stop' },
  invalid_callback: { status: 400, message: `callback must be a JavaScript identifier path of at most ${MAX_CALLBACK_LENGTH} characters` },
  invalid_parameter: { status: 400, message: 'a parameter has an invalid value' },
  malformed_json: { status: 400, message: 'Malformed JSON' },
  unknown_command: { status: 400, message: 'null resultset' },
  unsupported_media_type: { status: 415, message: 'content type is not supported here' },
  bad_request: { status: 400, message: 'the request could not be understood' },
  invalid_heartbeat: { status: 400, message: `heartbeat must be a whole number of seconds between 1 and ${MAX_HEARTBEAT_SECONDS}` },
  invalid_since: { status: 400, message: 'since (or Last-Event-ID) must be a key <queue>:<n> of this queue' },
  queue_empty: { status: 404, message: 'empty queue' },
  invalid_lease: { status: 400, message: `lease must be a whole number of seconds between 1 and ${MAX_LEASE_SECONDS}` },
  invalid_delay: { status: 400, message: `delay must be a whole number of seconds between 0 and ${MAX_DELAY_SECONDS}` },
  invalid_wait: { status: 400, message: `wait must be a whole number of seconds between 0 and ${MAX_WAIT_SECONDS}` },
  invalid_count: { status: 400, message: `n and peek must be whole numbers between 1 and ${MAX_RECEIVE_COUNT} (redrive's n: between 1 and ${MAX_REDRIVE_COUNT})` },
  invalid_receipt: { status: 400, message: `receipt must be the text a lease answered (${RECEIPT_LENGTH.min}-${RECEIPT_LENGTH.max} characters from A-Z a-z 0-9 _ -)` },
  invalid_dedup_id: { status: 400, message: `dedup id must be 1-${MAX_DEDUP_ID_LENGTH} printable ASCII characters without spaces` },
  invalid_group: { status: 400, message: `group must be 1-${MAX_GROUP_ID_LENGTH} printable ASCII characters without spaces` },
  invalid_batch: { status: 400, message: `batch must be a JSON array of 1-${MAX_BATCH_ENTRIES} entries: values, or objects with value, ttl, delay, dedup, group` },
  batch_too_large: { status: 413, message: `batch values add up to more than ${MAX_BATCH_BYTES} bytes` },
  invalid_config: { status: 400, message: 'queue config must be a JSON object of known settings with valid values' },
  stale_receipt: { status: 409, message: 'the receipt does not match a current lease of this message (stale, forged, or the message is gone)' },
  lease_expired: { status: 409, message: 'the lease of this receipt has expired; the message is visible again' },
  queue_full: { status: 429, message: 'the queue holds max_length messages; retry later' },
  message_not_found: { status: 404, message: 'no such message' },
  queue_purged: { status: 410, message: 'the queue was purged; this stream is closed' },
  slow_consumer: { status: 429, message: 'this consumer did not read fast enough; its send buffer is full' },
  unauthorized: { status: 401, message: 'credentials are required: HTTP Basic, a Bearer token, or access_token=' },
  forbidden: { status: 403, message: 'access denied' },
  protected_mode: { status: 403, message: 'protected mode: with no ACL only loopback clients are served; start with --acl FILE, or --protected-mode no to serve every client' },
  too_many_auth_failures: { status: 429, message: 'too many failed authentications from this address; retry later' },
  not_found: { status: 404, message: 'no such route' },
  store_unavailable: { status: 503, message: 'the store cannot be reached' },
  shutting_down: { status: 503, message: 'the server is shutting down' },
  json_too_deep: { status: 400, message: `JSON nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep` },
  invalid_utf8: { status: 400, message: 'text must be valid UTF-8 (bodies, form fields and query parameters); encode binary values, e.g. as base64' },
  internal: { status: 500, message: 'internal error' },
  cross_site_refused: { status: 403, message: 'a page of another origin cannot use this route (see --allowed-origins)' },
  host_not_allowed: { status: 421, message: 'this server does not answer for that Host (see --allowed-hosts)' },
  jsonp_disabled: { status: 403, message: 'JSONP (callback) is turned off on this server (--jsonp off)' },
  too_many_connections: { status: 503, message: 'too many connections; retry later' },
  invalid_ack_batch: { status: 400, message: 'an ack batch must be a JSON array of 1-1000 objects {"key": "<queue>:<n>", "receipt": "..."} of this queue' },
  invalid_collectd: { status: 400, message: 'the body is not collectd write_http output (PUTVAL or PUTNOTIF lines, or JSON)' },
  queue_not_found: { status: 404, message: 'no such queue' },
  queue_exists: { status: 409, message: 'a queue of that name exists with other attributes' },
  unsupported_operation: { status: 400, message: 'this action or attribute is not supported' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A code from {@link ERROR_CATALOG}. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** A domain error carrying a catalog code; the only error type transports render as-is. */
export class RestMQError extends Error {
  /** The catalog code, stable across releases: clients branch on it. */
  readonly code: ErrorCode;
  /** The HTTP status the catalog gives this code. */
  readonly status: number;

  /** Seconds a client should wait before retrying (HTTP `Retry-After`), when the code implies one. */
  readonly retryAfterSeconds: number | null;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message ?? ERROR_CATALOG[code].message, options);
    this.name = 'RestMQError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.retryAfterSeconds = options?.retryAfterSeconds ?? null;
  }
}

/** True when `err` is a catalog error (and not a bug or a driver failure). */
export function isRestMQError(err: unknown): err is RestMQError {
  return err instanceof RestMQError;
}
