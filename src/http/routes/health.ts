/**
 * Probes for orchestrators: `/healthz` says the process serves; `/readyz` says the store
 * answers and the server is not draining.
 */
import type { FastifyInstance } from 'fastify';
import type { Operations } from '../../operations/index.js';
import { sendJson } from '../render.js';
import { PUBLIC } from '../../access/rights.js';

/** Registers `/healthz` and `/readyz`. */
export function registerHealthRoutes(app: FastifyInstance, ops: Operations, storeKind: string): void {
  app.get('/healthz', PUBLIC, (request, reply) => sendJson(request, reply, { status: 'ok' }));
  app.get('/readyz', PUBLIC, async (request, reply) => {
    await ops.ready({});
    return sendJson(request, reply, { status: 'ready', store: storeKind });
  });
}
