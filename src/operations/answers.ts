/**
 * RestMQ's JSON shapes of operation results, the one place they are written: the REST
 * routes, the JSON protocol and the streams use them, so a message, a lease answer or a
 * queue's config looks the same whichever way it was asked for. The plain pop keeps
 * RestMQ's `{key, value, count}` and only gains fields. A protocol with its own shapes
 * (SQS) writes them in its adapter instead.
 */
import type { QueueConfig, ReleaseResult } from '../core/broker.js';
import type { LeasedMessage, QueueStats, StoredMessage } from '../core/types.js';

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

/**
 * `{group}` for a message published in a group, else nothing: RestMQ's answer shapes gain
 * the field only for grouped messages, so answers without groups stay as they were.
 */
export function groupField(message: StoredMessage): { group?: string } {
  return message.group === undefined ? {} : { group: message.group };
}

/** A taken or leased message: RestMQ's pop body, plus the lease and the message group when there are. */
export function deliveryBody(message: StoredMessage | LeasedMessage): Record<string, unknown> {
  const body: Record<string, unknown> = { key: message.key, value: message.value, count: message.reads };
  Object.assign(body, leaseFields(message));
  Object.assign(body, groupField(message));
  if (message.deadLetter !== null) body.dead_letter = { source_key: message.deadLetter.sourceKey, attempts: message.deadLetter.attempts };
  return body;
}

/** A message read without taking it (peek): everything but the receipt; `group` only when it has one. */
export function peekBody(message: StoredMessage): Record<string, unknown> {
  const body: Record<string, unknown> = {
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
  Object.assign(body, groupField(message));
  return body;
}

/** A message as RestMQ's original pop answered it. */
export function popBody(message: StoredMessage): { key: string; value: string; count: number } {
  return { key: message.key, value: message.value, count: message.reads };
}

/** A queue's settings by their wire names, with the dead-letter queue they resolve to. */
export function configBody(queue: string, config: QueueConfig): Record<string, unknown> {
  const { settings } = config;
  return {
    queue,
    policy: settings.policy,
    status: settings.status,
    lease: settings.leaseSeconds,
    max_attempts: settings.maxAttempts,
    dead_letter: config.deadLetterQueue,
    delay: settings.delaySeconds,
    ttl: settings.ttlSeconds,
    max_length: settings.maxLength,
    dedup_window: settings.dedupWindowSeconds,
  };
}

/** A queue's stats by their wire names. */
export function statsBody(stats: QueueStats): Record<string, unknown> {
  return {
    queue: stats.queue,
    len: stats.length,
    ready: stats.ready,
    leased: stats.leased,
    delayed: stats.delayed,
    dead_letters: stats.deadLetters,
    policy: stats.policy,
    status: stats.status,
    published: stats.published,
    created_at: new Date(stats.createdAt).toISOString(),
    oldest_key: stats.oldestKey,
    oldest_age_ms: stats.oldestAgeMs,
  };
}

/** The answer to an ack. */
export function ackBody(queue: string, key: string): Record<string, unknown> {
  return { queue, key, acked: true };
}

/** The answer to a release: when the message is visible again, or where it was dead-lettered. */
export function releaseBody(queue: string, key: string, result: ReleaseResult): Record<string, unknown> {
  if (result.kind === 'released') return { queue, key, released: true, visible_at: new Date(result.visibleAt).toISOString() };
  return { queue, key, released: true, dead_letter: { queue: result.queue, key: result.key } };
}

/** The answer to an extend: the lease's new end. */
export function extendBody(queue: string, key: string, leaseExpiresAt: number): Record<string, unknown> {
  return { queue, key, lease_expires_at: new Date(leaseExpiresAt).toISOString() };
}
