/**
 * Parses a batch-ack body (`POST /q/<queue>/ack`): a JSON array of 1 to
 * {@link MAX_ACK_ENTRIES} objects `{"key", "receipt"}` of one queue. The whole list is
 * checked before anything is acked, and an error names the entry, so a bad shape acks none.
 */
import { RestMQError } from '../core/errors.js';
import { parseKey } from '../core/names.js';
import { parseJson, parseReceipt } from './parse.js';

/** Most entries of one batch ack (as many as a batch publish). */
export const MAX_ACK_ENTRIES = 1000;

/** One checked entry: the key as sent, its number, and the receipt of its lease. */
export interface AckEntryInput {
  readonly key: string;
  readonly seq: number;
  readonly receipt: string;
}

function bad(i: number | null, why: string): RestMQError {
  return new RestMQError('invalid_ack_batch', i === null ? why : `ack entry ${i}: ${why}`);
}

function entry(raw: unknown, i: number, queue: string): AckEntryInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(i, 'must be an object {"key": ..., "receipt": ...}');
  const fields = raw as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (name !== 'key' && name !== 'receipt') throw bad(i, `unknown field ${JSON.stringify(name).slice(0, 64)}; entries take key and receipt`);
  }
  let parsed: { queue: string; seq: number };
  try {
    parsed = parseKey(fields.key);
  } catch {
    throw bad(i, 'key must look like <queue>:<n>');
  }
  if (parsed.queue !== queue) throw bad(i, `key ${String(fields.key)} does not belong to queue ${queue}`);
  let receipt: string;
  try {
    receipt = parseReceipt(fields.receipt);
  } catch {
    throw bad(i, 'receipt must be the text a lease answered');
  }
  return { key: fields.key as string, seq: parsed.seq, receipt };
}

/** The entries of a batch-ack body (`application/json` text) for `queue`, or `invalid_ack_batch` naming the bad entry. */
export function parseAckBatch(body: unknown, queue: string): AckEntryInput[] {
  if (typeof body !== 'string') throw new RestMQError('unsupported_media_type', 'send the acks as an application/json array');
  const parsed = parseJson(body);
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_ACK_ENTRIES) {
    throw bad(null, `an ack batch must be a JSON array of 1 to ${MAX_ACK_ENTRIES} entries`);
  }
  return (parsed as unknown[]).map((raw, i) => entry(raw, i, queue));
}
