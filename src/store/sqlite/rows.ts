/**
 * The row shapes the SQLite statements read, and their conversions into the contract's
 * types: one place that knows both the columns and the message fields.
 */
import { formatKey } from '../../core/names.js';
import type { MessageState, Policy, QueueSettings, QueueStatus, StoredMessage } from '../../core/types.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../core/types.js';

/** A message row as the store reads it. */
export interface MessageRow {
  seq: number;
  value: string;
  created_at: number;
  expires_at: number | null;
  reads: number;
  attempts: number;
  visible_at: number;
  receipt: string | null;
  dead_source: string | null;
  dead_attempts: number | null;
  first_leased_at: number | null;
}

/** A queue row: its numbering, settings and message count. */
export interface QueueRow {
  last_seq: number;
  policy: string;
  status: string;
  created_at: number;
  lease_s: number;
  max_attempts: number;
  dead_letter: string | null;
  delay_s: number;
  ttl_s: number | null;
  max_length: number | null;
  dedup_window_s: number;
  extra: string | null;
  stored: number;
}

/** The settings a queue row holds, or the defaults for a queue never created. */
export function settingsOf(row: QueueRow | undefined): QueueSettings {
  if (row === undefined) return DEFAULT_QUEUE_SETTINGS;
  return {
    policy: row.policy as Policy,
    status: row.status as QueueStatus,
    leaseSeconds: row.lease_s,
    maxAttempts: row.max_attempts,
    deadLetter: row.dead_letter,
    delaySeconds: row.delay_s,
    ttlSeconds: row.ttl_s,
    maxLength: row.max_length,
    dedupWindowSeconds: row.dedup_window_s,
    extra: row.extra,
  };
}

function stateOf(row: MessageRow): MessageState {
  if (row.visible_at === 0) return 'ready';
  return row.receipt === null ? 'delayed' : 'leased';
}

/** A row as the contract's message (never exposing the receipt). */
export function toMessage(queue: string, row: MessageRow): StoredMessage {
  const message: StoredMessage = {
    key: formatKey(queue, row.seq),
    seq: row.seq,
    value: row.value,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    reads: row.reads,
    attempts: row.attempts,
    state: stateOf(row),
    visibleAt: row.visible_at,
    deadLetter: row.dead_source === null ? null : { sourceKey: row.dead_source, attempts: row.dead_attempts ?? 0 },
  };
  return row.first_leased_at === null ? message : { ...message, firstLeasedAt: row.first_leased_at };
}

/** A broadcast history row as the stream statements read it. */
export interface HistoryRow {
  seq: number;
  value: string;
  created_at: number;
  expires_at: number | null;
}

/** A message row taken for broadcast: a history row plus its soft-read count. */
export interface TakenRow extends HistoryRow {
  reads: number;
}

/** A history row as the contract's message: out of the queue, so never leased, delayed or dead-lettered. */
export function historyMessage(queue: string, row: HistoryRow, reads: number): StoredMessage {
  // Streamed messages are out of the queue: never leased, delayed or dead-lettered here.
  const { seq, value, created_at, expires_at } = row;
  return toMessage(queue, { seq, value, created_at, expires_at, reads, attempts: 0, visible_at: 0, receipt: null, dead_source: null, dead_attempts: null, first_leased_at: null });
}
