/**
 * Queues as a whole: `GET /q/` lists them, `DELETE /q/<queue>` purges (or with `drop=1`
 * drops) one, `POST /q/<queue>/redrive` moves dead letters back. Settings are in
 * settings.ts, stats in stats.ts.
 */
import type { FastifyInstance } from 'fastify';
import { RestMQError } from '../../core/errors.js';
import { MAX_REDRIVE_COUNT } from '../../core/limits.js';
import { parseQueueName } from '../../core/names.js';
import type { Operations } from '../../operations/index.js';
import { parseCount } from '../../operations/parse.js';
import { argument } from '../args.js';
import { mayList } from '../guards/access.js';
import { queueListPage } from '../pages.js';
import { sendHtml, sendJson, wantsHtml } from '../render.js';
import { runs } from '../route-access.js';

type QueueParams = { Params: { queue: string } };

/** Registers `GET /q/`, `DELETE /q/<queue>` and `POST /q/<queue>/redrive`. */
export function registerQueueRoutes(app: FastifyInstance, ops: Operations): void {
  app.get('/q/', runs('listQueues', 'listing'), async (request, reply) => {
    const queues = await ops.listQueues({ visible: (q) => mayList(request, q) });
    if (wantsHtml(request)) return sendHtml(reply, queueListPage(queues));
    return sendJson(request, reply, { queues, count: queues.length });
  });

  // Purge and drop need the same right, so one declaration covers both.
  app.delete<QueueParams>('/q/:queue', runs('purge', 'param'), async (request, reply) => {
    const { queue } = request.params;
    const drop = argument(request, 'drop');
    if (drop !== undefined) {
      if (drop !== '1' && drop !== 'true') throw new RestMQError('invalid_parameter', 'drop must be 1 or true');
      const dropped = await ops.drop({ queue });
      return sendJson(request, reply, { queue, dropped: true, purged: dropped });
    }
    const purged = await ops.purge({ queue });
    return sendJson(request, reply, { queue, status: purged > 0 ? 1 : 0, purged });
  });

  app.post<QueueParams>('/q/:queue/redrive', runs('redrive', 'param'), async (request, reply) => {
    const queue = parseQueueName(request.params.queue);
    const count = parseCount(argument(request, 'n'), MAX_REDRIVE_COUNT) ?? MAX_REDRIVE_COUNT;
    const moved = await ops.redrive({ queue, count });
    return sendJson(request, reply, { queue, moved: moved.length, keys: moved });
  });
}
