/**
 * Probes for orchestrators: `/healthz` says the process serves; `/readyz` says the store
 * answers and the server is not draining.
 */
import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../core/broker.js';
import { sendJson } from '../render.js';
import { PUBLIC } from '../../access/rights.js';

/** Registers `/healthz` and `/readyz`. */
export function registerHealthRoutes(app: FastifyInstance, broker: Broker, storeKind: string): void {
  app.get('/healthz', PUBLIC, (request, reply) => sendJson(request, reply, { status: 'ok' }));
  app.get('/readyz', PUBLIC, async (request, reply) => {
    await broker.ready();
    return sendJson(request, reply, { status: 'ready', store: storeKind });
  });
}
