/**
 * Reliable-delivery routes under `/q/<queue>`: batch publish, queue config, redrive, and
 * per-message peek, ack, release and extend. Receiving with `lease`, `n`, `wait` and
 * `peek` lives on `GET /q/<queue>` (messages.ts) beside RestMQ's pop.
 */
import type { FastifyInstance } from 'fastify';
import type { Broker, QueueConfig } from '../../core/broker.js';
import {
  MAX_BATCH_BYTES,
  MAX_REDRIVE_COUNT,
  configBody,
  parseConfigPatch,
  parseCount,
  parseDelay,
  parseLease,
  parseReceipt,
} from '../../core/delivery-limits.js';
import { RestMQError } from '../../core/errors.js';
import { parseQueueName } from '../../core/names.js';
import { parseJson } from '../../core/validate.js';
import { argument } from '../args.js';
import { parseBatch } from '../batch.js';
import { peekBody } from '../../protocol/delivery-bodies.js';
import { sendJson } from '../render.js';
import { administers, consumes, produces } from '../../access/rights.js';
import { registerAckBatchRoute } from './ack-batch.js';

type QueueParams = { Params: { queue: string } };
type KeyParams = { Params: { queue: string; key: string } };

/** Raw body bound of a batch: its values' limit with room for JSON escaping. */
export const BATCH_BODY_LIMIT = MAX_BATCH_BYTES * 3 + 64 * 1024;

function configAnswer(queue: string, config: QueueConfig): Record<string, unknown> {
  return configBody(queue, config.settings, config.deadLetterQueue);
}

function jsonBody(body: unknown): unknown {
  if (typeof body !== 'string') throw new RestMQError('unsupported_media_type', 'send the config as an application/json object');
  return parseJson(body);
}

/** Registers the reliable-delivery routes. */
export function registerReliableRoutes(app: FastifyInstance, broker: Broker): void {
  app.post<QueueParams>('/q/:queue/batch', { bodyLimit: BATCH_BODY_LIMIT, ...produces('param') }, async (request, reply) => {
    const queue = parseQueueName(request.params.queue);
    const results = await broker.publishBatch(queue, parseBatch(request.body));
    return sendJson(request, reply, {
      queue,
      keys: results.map((r) => r.key),
      duplicate: results.map((r) => r.duplicate),
    });
  });

  app.get<QueueParams>('/q/:queue/config', consumes('param'), async (request, reply) => {
    const queue = parseQueueName(request.params.queue);
    return sendJson(request, reply, configAnswer(queue, await broker.config(queue)));
  });

  app.put<QueueParams>('/q/:queue/config', administers('param'), async (request, reply) => {
    const queue = parseQueueName(request.params.queue);
    const patch = parseConfigPatch(queue, jsonBody(request.body));
    return sendJson(request, reply, configAnswer(queue, await broker.configure(queue, patch)));
  });

  app.post<QueueParams>('/q/:queue/redrive', administers('param'), async (request, reply) => {
    const queue = parseQueueName(request.params.queue);
    const count = parseCount(argument(request, 'n'), MAX_REDRIVE_COUNT) ?? MAX_REDRIVE_COUNT;
    const moved = await broker.redrive(queue, count);
    return sendJson(request, reply, { queue, moved: moved.length, keys: moved });
  });

  app.get<KeyParams>('/q/:queue/:key', consumes('param'), async (request, reply) => {
    return sendJson(request, reply, peekBody(await broker.read(request.params.key, request.params.queue)));
  });

  app.delete<KeyParams>('/q/:queue/:key', consumes('param'), async (request, reply) => {
    const { queue, key } = request.params;
    const receipt = argument(request, 'receipt');
    if (receipt === undefined) {
      const deleted = await broker.remove(key, queue);
      return sendJson(request, reply, { queue, key, deleted });
    }
    await broker.ack(key, parseReceipt(receipt), queue);
    return sendJson(request, reply, { queue, key, acked: true });
  });

  app.post<KeyParams>('/q/:queue/:key/release', consumes('param'), async (request, reply) => {
    const { queue, key } = request.params;
    const receipt = parseReceipt(argument(request, 'receipt'));
    const delay = parseDelay(argument(request, 'delay')) ?? 0;
    const result = await broker.release(key, receipt, delay, queue);
    if (result.kind === 'released') {
      return sendJson(request, reply, { queue, key, released: true, visible_at: new Date(result.visibleAt).toISOString() });
    }
    return sendJson(request, reply, { queue, key, released: true, dead_letter: { queue: result.queue, key: result.key } });
  });

  app.post<KeyParams>('/q/:queue/:key/extend', consumes('param'), async (request, reply) => {
    const { queue, key } = request.params;
    const receipt = parseReceipt(argument(request, 'receipt'));
    const seconds = parseLease(argument(request, 'lease'), null);
    if (seconds === null) throw new RestMQError('invalid_lease', 'extend needs lease=S, the new lease length from now');
    const until = await broker.extend(key, receipt, seconds, queue);
    return sendJson(request, reply, { queue, key, lease_expires_at: new Date(until).toISOString() });
  });

  registerAckBatchRoute(app, broker);
}
