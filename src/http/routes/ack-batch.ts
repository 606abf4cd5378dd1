/**
 * `POST /q/<queue>/ack`: acknowledges many leases in one request, so a consumer that leases
 * `n=10` pays one request per batch instead of one per message. The body is a JSON array
 * of `{"key", "receipt"}` objects of this queue (src/operations/parse-ack-batch.ts); every
 * entry is acked in one store step and answered on its own: `acked: true`, or the 409 a
 * single ack would have given (`stale_receipt`, `lease_expired`).
 */
import type { FastifyInstance } from 'fastify';
import { parseQueueName } from '../../core/names.js';
import type { Operations } from '../../operations/index.js';
import { parseAckBatch } from '../../operations/parse-ack-batch.js';
import { sendJson } from '../render.js';
import { runs } from '../route-access.js';

/** Raw body bound: 1000 entries of the longest key and receipt fit with room to spare. */
export const ACK_BATCH_BODY_LIMIT = 512 * 1024;

/** Registers `POST /q/<queue>/ack`. */
export function registerAckBatchRoute(app: FastifyInstance, ops: Operations): void {
  app.post<{ Params: { queue: string } }>('/q/:queue/ack', { bodyLimit: ACK_BATCH_BODY_LIMIT, ...runs('ackMany', 'param') }, async (request, reply) => {
    const queue = parseQueueName(request.params.queue);
    const entries = parseAckBatch(request.body, queue);
    const outcomes = await ops.ackMany({ queue, entries });
    let acked = 0;
    const results = outcomes.map((err, i) => {
      const key = entries[i]?.key ?? '';
      if (err === null) {
        acked += 1;
        return { key, acked: true };
      }
      return { key, acked: false, error: { code: err.code, message: err.message } };
    });
    return sendJson(request, reply, { queue, acked, results });
  });
}
