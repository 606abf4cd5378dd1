/**
 * A queue's settings: `/q/<queue>/config` (every setting, JSON), and RestMQ's original
 * `/p/<queue>` (policy) and `/control/<queue>` (start/stop streaming), with `/control/`
 * answering every queue's status.
 */
import type { FastifyInstance } from 'fastify';
import { RestMQError } from '../../core/errors.js';
import { parseQueueName } from '../../core/names.js';
import { configBody } from '../../operations/answers.js';
import type { Operations } from '../../operations/index.js';
import { parseConfigPatch } from '../../operations/parse-config.js';
import { parseJson, parsePolicy, parseStatusCommand } from '../../operations/parse.js';
import { argument } from '../args.js';
import { mayList } from '../guards/access.js';
import { sendJson, sendText, wantsJson } from '../render.js';
import { runs } from '../route-access.js';

type QueueParams = { Params: { queue: string } };

function jsonBody(body: unknown): unknown {
  if (typeof body !== 'string') throw new RestMQError('unsupported_media_type', 'send the config as an application/json object');
  return parseJson(body);
}

/** Registers `/q/<queue>/config`, `/p/<queue>`, `/control/` and `/control/<queue>`. */
export function registerSettingsRoutes(app: FastifyInstance, ops: Operations): void {
  app.get<QueueParams>('/q/:queue/config', runs('config', 'param'), async (request, reply) => {
    const queue = parseQueueName(request.params.queue);
    return sendJson(request, reply, configBody(queue, await ops.config({ queue })));
  });

  app.put<QueueParams>('/q/:queue/config', runs('configure', 'param'), async (request, reply) => {
    const queue = parseQueueName(request.params.queue);
    const patch = parseConfigPatch(queue, jsonBody(request.body));
    return sendJson(request, reply, configBody(queue, await ops.configure({ queue, patch })));
  });

  app.get<QueueParams>('/p/:queue', runs('settings', 'param'), async (request, reply) => {
    const { policy } = await ops.settings(request.params);
    return sendJson(request, reply, { queue: request.params.queue, value: policy });
  });

  app.post<QueueParams>('/p/:queue', runs('setPolicy', 'param'), async (request, reply) => {
    const policy = parsePolicy(argument(request, 'policy'));
    const settings = await ops.setPolicy({ queue: request.params.queue, policy });
    // The original answered the text OK; JSON is for clients that ask for it.
    if (!wantsJson(request)) return sendText(request, reply, 'OK');
    return sendJson(request, reply, { queue: request.params.queue, value: settings.policy, response: 'OK' });
  });

  // The original's clients asked for every queue's status at `/control/`.
  app.get('/control/', runs('allStats', 'listing'), async (request, reply) => {
    const all = await ops.allStats({ visible: (q) => mayList(request, q) });
    const queues = Object.fromEntries(all.map((s) => [s.queue, s.status]));
    return sendJson(request, reply, { queues, count: all.length });
  });

  app.get<QueueParams>('/control/:queue', runs('settings', 'param'), async (request, reply) => {
    const { status } = await ops.settings(request.params);
    return sendJson(request, reply, { queue: request.params.queue, status });
  });

  app.post<QueueParams>('/control/:queue', runs('setStatus', 'param'), async (request, reply) => {
    const wanted = parseStatusCommand(argument(request, 'status'));
    const { status } = await ops.setStatus({ queue: request.params.queue, status: wanted });
    const queue = request.params.queue;
    return sendJson(request, reply, { queue, status, stat: { queue, status } });
  });
}
