/**
 * `POST /collectd/data` and `POST /collectd/event`: collectd's `write_http` plugin pointed
 * at RestMQ, as the original's collectd daemon took it. Values go to one configured queue
 * (`collectd_data`), notifications to another (`collectd_event`); both are producer routes
 * whose queue is fixed, so the ACL checks `produce` on that queue (see src/access/rights.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Operations } from '../../operations/index.js';
import { RestMQError } from '../../core/errors.js';
import { parseCollectdText } from '../../inputs/collectd.js';
import { runs } from '../route-access.js';
import { sendJson } from '../render.js';

/** The queues collectd's values and notifications go to. */
export interface CollectdQueues {
  readonly data: string;
  readonly event: string;
}

/**
 * The messages of one request: a JSON body as it came, or the parsed text lines. write_http
 * sends notifications as JSON labelled `text/plain`, so a text body that opens like JSON
 * is taken as JSON too.
 */
function messagesOf(request: FastifyRequest, expect: 'PUTVAL' | 'PUTNOTIF', nowSeconds: number): string[] {
  const body: unknown = request.body;
  const type = request.headers['content-type'] ?? '';
  if (typeof body !== 'string') throw new RestMQError('unsupported_media_type', 'send collectd write_http output as text/plain or application/json');
  if (type.startsWith('application/json') || /^\s*[[{]/.test(body)) {
    try {
      JSON.parse(body);
    } catch {
      throw new RestMQError('invalid_collectd', 'the body is not collectd write_http output: invalid JSON');
    }
    return [body];
  }
  return parseCollectdText(body, expect, nowSeconds);
}

async function take(ops: Operations, queue: string, expect: 'PUTVAL' | 'PUTNOTIF', request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const messages = messagesOf(request, expect, Date.now() / 1000);
  const keys = await ops.publishBatch({ queue, messages: messages.map((value) => ({ value, ttlSeconds: null })) });
  return sendJson(request, reply, { queue, keys: keys.map((k) => k.key) });
}

/** Registers the two collectd routes on their configured queues. */
export function registerCollectdRoutes(app: FastifyInstance, ops: Operations, queues: CollectdQueues): void {
  app.post('/collectd/data', runs('publishBatch', { fixed: queues.data }), (request, reply) => take(ops, queues.data, 'PUTVAL', request, reply));
  app.post('/collectd/event', runs('publishBatch', { fixed: queues.event }), (request, reply) => take(ops, queues.event, 'PUTNOTIF', request, reply));
}
