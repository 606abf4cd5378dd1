/**
 * Queue statistics: `/stats/` (every queue the caller may see), `/stats/<queue>`, and the
 * original's `/j/<queue>` page of the newest keys.
 */
import type { FastifyInstance } from 'fastify';
import { statsBody } from '../../operations/answers.js';
import type { Operations } from '../../operations/index.js';
import { mayList } from '../guards/access.js';
import { jobsPage } from '../pages.js';
import { sendHtml, sendJson } from '../render.js';
import { runs } from '../route-access.js';

type QueueParams = { Params: { queue: string } };

/** Registers `/stats/`, `/stats/<queue>` and `/j/<queue>`; `storeKind` names the store in the answers. */
export function registerStatsRoutes(app: FastifyInstance, ops: Operations, storeKind: string): void {
  app.get('/stats/', runs('allStats', 'listing'), async (request, reply) => {
    const all = await ops.allStats({ visible: (q) => mayList(request, q) });
    // Built from entries: assigning a queue named __proto__ into {} would set the prototype.
    const queues = Object.fromEntries(all.map((s) => [s.queue, { name: s.queue, ...statsBody(s) }]));
    return sendJson(request, reply, { queues, count: all.length, store: storeKind });
  });

  app.get<QueueParams>('/stats/:queue', runs('stats', 'param'), async (request, reply) => {
    const found = await ops.stats(request.params);
    if (!found.exists) {
      const { policy, status } = found.settings;
      return sendJson(request, reply, { queue: request.params.queue, len: 0, policy, status, published: 0, store: storeKind });
    }
    return sendJson(request, reply, { ...statsBody(found.stats), store: storeKind });
  });

  app.get<QueueParams>('/j/:queue', runs('latestKeys', 'param'), async (request, reply) => {
    const { stats, keys } = await ops.latestKeys(request.params);
    return sendHtml(reply, jobsPage(request.params.queue, stats?.length ?? 0, stats?.published ?? 0, keys));
  });
}
