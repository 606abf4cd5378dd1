/**
 * JSON shapes of reliable delivery on the wire, shared by the REST routes and the JSON
 * protocol so a message looks the same whichever way it was read. The plain pop keeps
 * RestMQ's `{key, value, count}` and only gains fields.
 */
import type { LeasedMessage, StoredMessage } from '../core/types.js';

function iso(ms: number | null): string | null {
  return ms === null || ms === 0 ? null : new Date(ms).toISOString();
}

function isLeased(message: StoredMessage | LeasedMessage): message is LeasedMessage {
  return 'receipt' in message;
}

/**
 * The lease part of a delivery (`receipt`, `attempts`, `lease_expires_at`), empty for a
 * message that is not leased; leased streams add it to their frames so a streamed lease
 * reads like one from `GET /q/<queue>?lease=`.
 */
export function leaseFields(message: StoredMessage | LeasedMessage): Record<string, unknown> {
  if (!isLeased(message)) return {};
  return { receipt: message.receipt, attempts: message.attempts, lease_expires_at: iso(message.leaseExpiresAt) };
}

/** A taken or leased message: RestMQ's pop body, plus the lease when there is one. */
export function deliveryBody(message: StoredMessage | LeasedMessage): Record<string, unknown> {
  const body: Record<string, unknown> = { key: message.key, value: message.value, count: message.reads };
  Object.assign(body, leaseFields(message));
  if (message.deadLetter !== null) body.dead_letter = { source_key: message.deadLetter.sourceKey, attempts: message.deadLetter.attempts };
  return body;
}

/** A message read without taking it (peek): everything but the receipt. */
export function peekBody(message: StoredMessage): Record<string, unknown> {
  return {
    key: message.key,
    value: message.value,
    count: message.reads,
    state: message.state,
    attempts: message.attempts,
    created_at: iso(message.createdAt),
    visible_at: iso(message.visibleAt),
    expires_at: iso(message.expiresAt),
    dead_letter:
      message.deadLetter === null ? null : { source_key: message.deadLetter.sourceKey, attempts: message.deadLetter.attempts },
  };
}
