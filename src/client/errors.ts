/**
 * Typed errors of the client: every refusal the server answers becomes a {@link RestMQError}
 * carrying the catalog code, so callers branch on `code` (or `instanceof`) instead of text.
 */
import { ERROR_CATALOG } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';

export type { ErrorCode };

/** A code of the server's catalog, or `unknown` for an answer that names none (a proxy's page, a newer server). */
export type ClientErrorCode = ErrorCode | 'unknown' | 'network';

/** Base class of every error the client throws for a server answer or a failed connection. */
export class RestMQError extends Error {
  /** The catalog code (`network` when no answer came, `unknown` when the answer named no known code). */
  readonly code: ClientErrorCode;
  /** The HTTP status, or 0 when no answer came. */
  readonly status: number;
  /** Seconds the server asked to wait (`Retry-After`), when it said. */
  readonly retryAfterSeconds: number | null;

  constructor(code: ClientErrorCode, status: number, message: string, retryAfterSeconds: number | null = null) {
    super(message);
    this.name = 'RestMQError';
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** 401: credentials missing or wrong. */
export class UnauthorizedError extends RestMQError {
  override readonly name = 'UnauthorizedError';
}
/** 403: the principal or address may not do this (`forbidden`, `protected_mode`, `cross_site_refused`, ...). */
export class ForbiddenError extends RestMQError {
  override readonly name = 'ForbiddenError';
}
/** 429 `queue_full`: the queue holds `max_length` messages; `retryAfterSeconds` says when to retry. */
export class QueueFullError extends RestMQError {
  override readonly name = 'QueueFullError';
}
/** 404 `message_not_found`: no message with that key. */
export class MessageNotFoundError extends RestMQError {
  override readonly name = 'MessageNotFoundError';
}
/** 409 `stale_receipt` or `lease_expired`: the lease this receipt proved is gone. */
export class LeaseLostError extends RestMQError {
  override readonly name = 'LeaseLostError';
}

function isErrorCode(text: string): text is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CATALOG, text);
}

/** Reads `{"error":{"code","message"}}` (or the JSON protocol's flat shape) into a code and message. */
function readErrorBody(body: unknown): { code: string; message: string } | null {
  if (typeof body !== 'object' || body === null) return null;
  const error: unknown = (body as Record<string, unknown>)['error'];
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as Record<string, unknown>;
    if (typeof code === 'string') return { code, message: typeof message === 'string' ? message : code };
  }
  const code: unknown = (body as Record<string, unknown>)['code'];
  if (typeof code === 'string') return { code, message: typeof error === 'string' ? error : code };
  return null;
}

/** Builds the typed error for a refused answer, choosing the subclass by code. */
export function errorFromAnswer(status: number, body: unknown, retryAfter: string | null): RestMQError {
  const read = readErrorBody(body);
  const code: ClientErrorCode = read !== null && isErrorCode(read.code) ? read.code : 'unknown';
  const message = read?.message ?? `HTTP ${status}`;
  const seconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
  return makeError(code, status, message, seconds);
}

/** Builds the typed error for a catalog code (also used for a stream's closing reason). */
export function makeError(code: ClientErrorCode, status: number, message: string, retryAfterSeconds: number | null = null): RestMQError {
  if (code === 'unauthorized') return new UnauthorizedError(code, status, message, retryAfterSeconds);
  if (status === 403) return new ForbiddenError(code, status, message, retryAfterSeconds);
  if (code === 'queue_full') return new QueueFullError(code, status, message, retryAfterSeconds);
  if (code === 'message_not_found') return new MessageNotFoundError(code, status, message, retryAfterSeconds);
  if (code === 'stale_receipt' || code === 'lease_expired') return new LeaseLostError(code, status, message, retryAfterSeconds);
  return new RestMQError(code, status, message, retryAfterSeconds);
}

/** The error for a stream's closing frame `{"error":{...}}`, with the catalog's status. */
export function errorFromClosing(body: unknown): RestMQError {
  const read = readErrorBody(body);
  if (read === null || !isErrorCode(read.code)) return new RestMQError('unknown', 0, 'the stream closed without a known reason');
  return makeError(read.code, ERROR_CATALOG[read.code].status, read.message);
}
