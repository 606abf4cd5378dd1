/**
 * `POST /q/<queue>/ack`: acknowledges many leases in one request, so a consumer that leases
 * `n=10` pays one request per batch instead of one per message. The body is a JSON array
 * of `{"key", "receipt"}` objects of this queue; the whole list is checked before anything
 * is acked (a bad shape acks none, 400 `invalid_ack_batch` naming the entry), then every
 * entry is acked in one store step and answered on its own: `acked: true`, or the 409 a
 * single ack would have given (`stale_receipt`, `lease_expired`).
 */
import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../core/broker.js';
import { parseReceipt } from '../../core/delivery-limits.js';
import { RestMQError } from '../../core/errors.js';
import { parseKey, parseQueueName } from '../../core/names.js';
import { parseJson } from '../../core/validate.js';
import { consumes } from '../../access/rights.js';
import { sendJson } from '../render.js';

/** Most entries of one batch ack (as many as a batch publish). */
export const MAX_ACK_ENTRIES = 1000;

/** Raw body bound: 1000 entries of the longest key and receipt fit with room to spare. */
export const ACK_BATCH_BODY_LIMIT = 512 * 1024;

/** One checked entry. */
interface AckInput {
  readonly key: string;
  readonly seq: number;
  readonly receipt: string;
}

function bad(i: number | null, why: string): RestMQError {
  return new RestMQError('invalid_ack_batch', i === null ? why : `ack entry ${i}: ${why}`);
}

function entry(raw: unknown, i: number, queue: string): AckInput {
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

/** The entries of a batch-ack body (`application/json` text), or `invalid_ack_batch` naming the bad entry. */
export function parseAckBatch(body: unknown, queue: string): AckInput[] {
  if (typeof body !== 'string') throw new RestMQError('unsupported_media_type', 'send the acks as an application/json array');
  const parsed = parseJson(body);
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_ACK_ENTRIES) {
    throw bad(null, `an ack batch must be a JSON array of 1 to ${MAX_ACK_ENTRIES} entries`);
  }
  return (parsed as unknown[]).map((raw, i) => entry(raw, i, queue));
}

/** Registers `POST /q/<queue>/ack`. */
export function registerAckBatchRoute(app: FastifyInstance, broker: Broker): void {
  app.post<{ Params: { queue: string } }>('/q/:queue/ack', { bodyLimit: ACK_BATCH_BODY_LIMIT, ...consumes('param') }, async (request, reply) => {
    const queue = parseQueueName(request.params.queue);
    const entries = parseAckBatch(request.body, queue);
    const outcomes = await broker.ackMany(queue, entries);
    let acked = 0;
    const results = outcomes.map((err, i) => {
      const key = (entries[i] as AckInput).key;
      if (err === null) {
        acked += 1;
        return { key, acked: true };
      }
      return { key, acked: false, error: { code: err.code, message: err.message } };
    });
    return sendJson(request, reply, { queue, acked, results });
  });
}
