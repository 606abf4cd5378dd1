/**
 * RestMQ's queue administration routes: `/p/<queue>` (policy), `/control/<queue>`
 * (start/stop streaming), `/stats/` and `/stats/<queue>`, and the `/j/<queue>` page.
 */
import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../core/broker.js';
import type { QueueStats } from '../../core/types.js';
import { parsePolicy, parseStatusCommand } from '../../core/validate.js';
import { argument } from '../args.js';
import { mayList } from '../guards/access.js';
import { jobsPage } from '../pages.js';
import { sendHtml, sendJson, sendText, wantsJson } from '../render.js';
import { administers, consumes } from '../../access/rights.js';

type QueueParams = { Params: { queue: string } };

function statsBody(stats: QueueStats): Record<string, unknown> {
  return {
    queue: stats.queue,
    len: stats.length,
    policy: stats.policy,
    status: stats.status,
    published: stats.published,
    created_at: new Date(stats.createdAt).toISOString(),
    oldest_key: stats.oldestKey,
    oldest_age_ms: stats.oldestAgeMs,
  };
}

/** Registers `/p`, `/control`, `/stats` and `/j`. */
export function registerAdminRoutes(app: FastifyInstance, broker: Broker, storeKind: string): void {
  app.get<QueueParams>('/p/:queue', consumes('param'), async (request, reply) => {
    const { policy } = await broker.settings(request.params.queue);
    return sendJson(request, reply, { queue: request.params.queue, value: policy });
  });

  app.post<QueueParams>('/p/:queue', administers('param'), async (request, reply) => {
    const policy = parsePolicy(argument(request, 'policy'));
    const settings = await broker.setPolicy(request.params.queue, policy);
    // The original answered the text OK; JSON is for clients that ask for it.
    if (!wantsJson(request)) return sendText(request, reply, 'OK');
    return sendJson(request, reply, { queue: request.params.queue, value: settings.policy, response: 'OK' });
  });

  // The original's clients asked for every queue's status at `/control/`.
  app.get('/control/', consumes('listing'), async (request, reply) => {
    const all = (await broker.allStats()).filter((s) => mayList(request, s.queue));
    const queues = Object.fromEntries(all.map((s) => [s.queue, s.status]));
    return sendJson(request, reply, { queues, count: all.length });
  });

  app.get<QueueParams>('/control/:queue', consumes('param'), async (request, reply) => {
    const { status } = await broker.settings(request.params.queue);
    return sendJson(request, reply, { queue: request.params.queue, status });
  });

  app.post<QueueParams>('/control/:queue', administers('param'), async (request, reply) => {
    const wanted = parseStatusCommand(argument(request, 'status'));
    const { status } = await broker.setStatus(request.params.queue, wanted);
    const queue = request.params.queue;
    return sendJson(request, reply, { queue, status, stat: { queue, status } });
  });

  app.get('/stats/', consumes('listing'), async (request, reply) => {
    const all = (await broker.allStats()).filter((s) => mayList(request, s.queue));
    // Built from entries: assigning a queue named __proto__ into {} would set the prototype.
    const queues = Object.fromEntries(all.map((s) => [s.queue, { name: s.queue, ...statsBody(s) }]));
    return sendJson(request, reply, { queues, count: all.length, store: storeKind });
  });

  app.get<QueueParams>('/stats/:queue', consumes('param'), async (request, reply) => {
    const stats = await broker.stats(request.params.queue);
    if (stats === null) {
      const { policy, status } = await broker.settings(request.params.queue);
      return sendJson(request, reply, { queue: request.params.queue, len: 0, policy, status, published: 0, store: storeKind });
    }
    return sendJson(request, reply, { ...statsBody(stats), store: storeKind });
  });

  app.get<QueueParams>('/j/:queue', consumes('param'), async (request, reply) => {
    const [stats, keys] = await Promise.all([broker.stats(request.params.queue), broker.latestKeys(request.params.queue)]);
    return sendHtml(reply, jobsPage(request.params.queue, stats?.length ?? 0, stats?.published ?? 0, keys));
  });
}
