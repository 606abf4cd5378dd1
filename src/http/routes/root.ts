/**
 * RestMQ's index handler, `/`: `POST /` publishes to the `queue` argument, `GET /?queue=`
 * pops from it (404 `queue_empty` when empty), and `GET /` alone answers the index page.
 */
import type { FastifyInstance } from 'fastify';
import { RestMQError } from '../../core/errors.js';
import { parseQueueName } from '../../core/names.js';
import { popBody } from '../../operations/answers.js';
import type { Operations } from '../../operations/index.js';
import { argument } from '../args.js';
import { indexPage } from '../pages.js';
import { errorBody, sendHtml, sendJson, wantsJson } from '../render.js';
import { runs } from '../route-access.js';
import { NO_HEAD, publishFrom } from './messages.js';

/** Registers `POST /` and `GET /`. */
export function registerRootRoutes(app: FastifyInstance, ops: Operations): void {
  app.post('/', runs('publish', 'argument'), (request, reply) => publishFrom(ops, parseQueueName(argument(request, 'queue')), request, reply));

  app.get('/', { ...NO_HEAD, ...runs('pop', 'argument') }, async (request, reply) => {
    const queue = argument(request, 'queue');
    if (queue === undefined) {
      return wantsJson(request) ? sendJson(request, reply, { name: 'restmq' }) : sendHtml(reply, indexPage());
    }
    const message = await ops.pop({ queue: parseQueueName(queue) });
    if (message === null) return sendJson(request, reply, errorBody(new RestMQError('queue_empty')), 404);
    return sendJson(request, reply, popBody(message));
  });
}
