/**
 * One message by its key, `/q/<queue>/<key>`: `GET` reads it unchanged, `DELETE` removes it
 * (or, with `receipt=R`, acks its lease), and `POST .../release` and `POST .../extend` end
 * or lengthen a lease.
 */
import type { FastifyInstance } from 'fastify';
import { ackBody, extendBody, peekBody, releaseBody } from '../../operations/answers.js';
import { OPERATIONS } from '../../operations/index.js';
import type { Operations } from '../../operations/index.js';
import { argument, requestFields } from '../args.js';
import { sendJson } from '../render.js';
import { runs } from '../route-access.js';

type KeyParams = { Params: { queue: string; key: string } };

/** Registers the routes under `/q/<queue>/<key>`. */
export function registerByKeyRoutes(app: FastifyInstance, ops: Operations): void {
  app.get<KeyParams>('/q/:queue/:key', runs('read', 'param'), async (request, reply) => {
    return sendJson(request, reply, peekBody(await ops.read(request.params)));
  });

  // Removing a message and acking a lease need the same right, so one declaration covers both.
  app.delete<KeyParams>('/q/:queue/:key', runs('ack', 'param'), async (request, reply) => {
    const { queue, key } = request.params;
    if (argument(request, 'receipt') === undefined) {
      const deleted = await ops.remove({ queue, key });
      return sendJson(request, reply, { queue, key, deleted });
    }
    await ops.ack(OPERATIONS.ack.parse(requestFields(request)));
    return sendJson(request, reply, ackBody(queue, key));
  });

  app.post<KeyParams>('/q/:queue/:key/release', runs('release', 'param'), async (request, reply) => {
    const input = OPERATIONS.release.parse(requestFields(request));
    return sendJson(request, reply, releaseBody(input.queue, input.key, await ops.release(input)));
  });

  app.post<KeyParams>('/q/:queue/:key/extend', runs('extend', 'param'), async (request, reply) => {
    const input = OPERATIONS.extend.parse(requestFields(request));
    return sendJson(request, reply, extendBody(input.queue, input.key, await ops.extend(input)));
  });
}
